#include "conformance_harness.hpp"

#include <stdlib.h>  // mkdtemp

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace resonate::conformance {

namespace {

// Replaces `T`, `T+n`, `T-n` outside strings and `$W`, `$U` inside strings.
std::string expand(std::string_view literal) {
  std::string out;
  bool in_string = false;
  for (std::size_t i = 0; i < literal.size(); ++i) {
    const char c = literal[i];
    if (in_string) {
      if (c == '\\' && i + 1 < literal.size()) {
        out += c;
        out += literal[++i];
      } else if (c == '$' && i + 1 < literal.size() && (literal[i + 1] == 'W' || literal[i + 1] == 'U')) {
        out += literal[++i] == 'W' ? W : U;
      } else {
        if (c == '"') in_string = false;
        out += c;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
    } else if (c == 'T') {
      Millis value = T;
      if (i + 1 < literal.size() && (literal[i + 1] == '+' || literal[i + 1] == '-')) {
        const bool plus = literal[i + 1] == '+';
        std::size_t end = i + 2;
        Millis offset = 0;
        while (end < literal.size() && std::isdigit(static_cast<unsigned char>(literal[end]))) {
          offset = offset * 10 + (literal[end] - '0');
          ++end;
        }
        value = plus ? T + offset : T - offset;
        i = end - 1;
      }
      out += std::to_string(value);
    } else {
      out += c;
    }
  }
  return out;
}

std::string show(const json::value& value) {
  auto text = json::serialize(value);
  constexpr std::size_t shown = 600;
  if (text.size() > shown) text = text.substr(0, shown) + "…";
  return text;
}

std::string mismatch_at(const json::value& actual, const json::value& expected, const std::string& path) {
  const std::string where = path.empty() ? "/" : path;
  if (expected.is_object()) {
    if (!actual.is_object()) return where + ": expected an object, got " + show(actual);
    const auto& want = expected.get_object();
    const auto& got = actual.get_object();
    if (want.empty() && !got.empty()) return where + ": expected {}, got " + show(actual);
    for (const auto& [key, value] : want) {
      const auto* field = got.if_contains(key);
      if (field == nullptr) return where + ": missing field \"" + std::string(key) + "\" in " + show(actual);
      if (auto difference = mismatch_at(*field, value, path + "/" + std::string(key)); !difference.empty()) {
        return difference;
      }
    }
    return {};
  }
  if (expected.is_array()) {
    if (!actual.is_array()) return where + ": expected an array, got " + show(actual);
    const auto& want = expected.get_array();
    const auto& got = actual.get_array();
    if (want.size() != got.size()) {
      return where + ": expected " + std::to_string(want.size()) + " elements, got " + show(actual);
    }
    for (std::size_t i = 0; i < want.size(); ++i) {
      if (auto difference = mismatch_at(got[i], want[i], path + "/" + std::to_string(i)); !difference.empty()) {
        return difference;
      }
    }
    return {};
  }
  if (actual != expected) return where + ": expected " + show(expected) + ", got " + show(actual);
  return {};
}

bool contains_null(const json::value& value) {
  if (value.is_null()) return true;
  if (const auto* object = value.if_object()) {
    for (const auto& [key, field] : *object) {
      if (contains_null(field)) return true;
    }
  }
  if (const auto* array = value.if_array()) {
    for (const auto& element : *array) {
      if (contains_null(element)) return true;
    }
  }
  return false;
}

// The fields the TS SDK requires of records (§5.9).
void check_complete_promise(const json::value& promise) {
  for (const char* field : {"id", "state", "param", "value", "tags", "timeoutAt", "createdAt"}) {
    CHECK_MESSAGE(has(promise, field), "promise record without \"", field, "\": ", show(promise));
  }
}

void check_complete_task(const json::value& task) {
  for (const char* field : {"id", "state", "version", "resumes"}) {
    CHECK_MESSAGE(has(task, field), "task record without \"", field, "\": ", show(task));
  }
}

void check_records(const json::value& data) {
  const auto* object = data.if_object();
  if (object == nullptr) return;
  if (const auto* promise = object->if_contains("promise")) check_complete_promise(*promise);
  if (const auto* task = object->if_contains("task")) check_complete_task(*task);
  for (const char* list : {"promises", "preload"}) {
    if (const auto* records = object->if_contains(list); records && records->is_array()) {
      for (const auto& promise : records->get_array()) check_complete_promise(promise);
    }
  }
  if (const auto* records = object->if_contains("tasks"); records && records->is_array()) {
    for (const auto& task : records->get_array()) check_complete_task(task);
  }
  if (const auto* action = object->if_contains("action"); action && action->is_object()) {
    if (const auto* inner = action->get_object().if_contains("data")) check_records(*inner);
  }
}

// The envelope rules of §1.2 that hold for every answer.
void check_envelope(const json::value& request, const json::object& response, int http_status) {
  std::string kind = "unknown";
  std::string corr_id = "0";
  if (const auto* object = request.if_object()) {
    if (const auto* field = object->if_contains("kind"); field && field->is_string() && !field->get_string().empty()) {
      kind = field->get_string();
    }
    if (const auto* head = object->if_contains("head"); head && head->is_object()) {
      if (const auto* field = head->get_object().if_contains("corrId"); field && field->is_string()) {
        corr_id = field->get_string();
      }
    }
  }
  INFO("response: ", show(response));
  CHECK(response.contains("kind"));
  CHECK(response.contains("head"));
  CHECK(response.contains("data"));
  if (!response.contains("kind") || !response.contains("head") || !response.contains("data")) return;
  CHECK(response.at("kind") == json::value(kind));
  const auto& head = response.at("head");
  REQUIRE(head.is_object());
  CHECK(head.at("corrId") == json::value(corr_id));
  CHECK(head.at("version") == json::value("2026-04-01"));
  REQUIRE(head.at("status").is_int64());
  CHECK(head.at("status").as_int64() == http_status);
  const auto& data = response.at("data");
  if (http_status == 200 || http_status == 300) {
    if (kind == "debug.tick") {
      CHECK(data.is_array());
    } else {
      CHECK(data.is_object());
    }
  } else {
    CHECK_MESSAGE(data.is_string(), "error data must be a string");
  }
  CHECK_MESSAGE(!contains_null(response), "optional fields are omitted, never null");
  check_records(data);
}

core::CoreOptions options_with_debug(bool debug) {
  core::CoreOptions options;
  options.debug = debug;
  return options;
}

}  // namespace

json::value json_of(std::string_view literal) { return json::parse(expand(literal)); }

std::string mismatch(const json::value& actual, const json::value& expected) { return mismatch_at(actual, expected, ""); }

bool has(const json::value& record, std::string_view key) {
  return record.is_object() && record.get_object().contains(key);
}

json::value with_id(const json::value& records, std::string_view id) {
  if (records.is_array()) {
    for (const auto& record : records.get_array()) {
      if (record.is_object() && record.get_object().if_contains("id") &&
          record.get_object().at("id") == json::value(id)) {
        return record;
      }
    }
  }
  return nullptr;
}

std::vector<std::string> ids_of(const json::value& records) {
  std::vector<std::string> ids;
  if (records.is_array()) {
    for (const auto& record : records.get_array()) {
      const auto* id = record.is_object() ? record.get_object().if_contains("id") : nullptr;
      ids.push_back(id && id->is_string() ? std::string(id->get_string()) : "<no id>");
    }
  }
  return ids;
}

json::object request(std::string_view kind, json::value data, Millis at, std::string_view corr_id) {
  return json::object{{"kind", kind},
                      {"head", json::object{{"corrId", corr_id}, {"version", "2026-04-01"}, {"resonate:debug_time", at}}},
                      {"data", std::move(data)}};
}

std::string Response::message() const {
  const auto& value = data();
  return value.is_string() ? std::string(value.get_string()) : "<not a string: " + show(value) + ">";
}

Server::Server(std::unique_ptr<core::Store> store, bool debug)
    : store_(std::move(store)), core_(*store_, options_with_debug(debug)) {}

Response Server::call(std::string_view kind, std::string_view data_literal, Millis at) {
  return send(request(kind, json_of(data_literal), at, "c" + std::to_string(next_corr_id_++)), at);
}

Response Server::send(const json::value& envelope, Millis at) {
  const auto reply = send_body(json::serialize(envelope), at);
  Response response;
  response.status = reply.status;
  const auto parsed = json::parse(reply.body);
  REQUIRE_MESSAGE(parsed.is_object(), "the answer must be a JSON envelope: ", reply.body);
  response.envelope = parsed.get_object();
  check_envelope(envelope, response.envelope, reply.status);
  return response;
}

core::Reply Server::send_body(std::string_view body, Millis at) { return core_.apply(at, body); }

json::object Server::snap(Millis at) {
  auto response = call("debug.snap", "{}", at);
  REQUIRE(response.status == 200);
  REQUIRE(response.data().is_object());
  return response.data().get_object();
}

void Server::tick(Millis time) {
  auto response = call("debug.tick", "{\"time\":" + std::to_string(time) + "}", time);
  CHECK(response.status == 200);
  CHECK(response.data() == json::array{});
}

void Server::deliver() {
  while (!core_.take_messages().empty()) {
  }
}

TempDatabase::TempDatabase() {
  std::string pattern = (std::filesystem::temp_directory_path() / "resonate-conformance-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
  directory_ = pattern;
}

TempDatabase::~TempDatabase() {
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

std::string postgres_conninfo() {
  if (const char* conninfo = std::getenv("RESONATE_TEST_POSTGRES"); conninfo != nullptr && *conninfo != '\0') {
    return conninfo;
  }
  // Written by the CTest fixture that starts a private cluster (tests/store/CMakeLists.txt).
  if (const char* file = std::getenv("RESONATE_TEST_POSTGRES_FILE"); file != nullptr) {
    std::ifstream in(file);
    std::string conninfo;
    std::getline(in, conninfo);
    if (std::getenv("CI") != nullptr) REQUIRE_MESSAGE(!conninfo.empty(), "no PostgreSQL conninfo in " << file);
    return conninfo;
  }
  return {};
}

std::unique_ptr<Server> start_server(std::unique_ptr<core::Store> store) {
  auto server = std::make_unique<Server>(std::move(store));
  const auto reset = server->call("debug.reset", "{}", T);
  REQUIRE(reset.status == 200);
  const auto start = server->call("debug.start", "{}", T);
  REQUIRE(start.status == 200);
  return server;
}

}  // namespace resonate::conformance
