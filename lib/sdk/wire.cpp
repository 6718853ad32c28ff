#include "sdk/wire.hpp"

#include <atomic>
#include <chrono>
#include <random>

#include <boost/json/parse.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>

#include "resonate/errors.hpp"
#include "sdk/base64.hpp"
#include "sdk/retry.hpp"
#include "wire/json_codec.hpp"

namespace resonate::sdk {

namespace json = boost::json;

wire::Value encode_value(const json::value& value, const Encryptor* encryptor) {
  wire::Value encoded{wire::Tags{}, base64_encode(json::serialize(value))};
  if (!encryptor) return encoded;
  auto sealed = encryptor->encrypt(Payload{{}, std::move(*encoded.data)});
  return wire::Value{wire::Tags(sealed.headers.begin(), sealed.headers.end()), std::move(sealed.data)};
}

json::value decode_value(const wire::Value& value, const Encryptor* encryptor) {
  if (!value.data || value.data->empty()) return nullptr;
  std::string data;
  if (encryptor) {
    Payload sealed;
    if (value.headers) sealed.headers = Tags(value.headers->begin(), value.headers->end());
    sealed.data = *value.data;
    try {
      data = encryptor->decrypt(std::move(sealed)).data;
    } catch (const std::exception& error) {
      throw DecodeError(std::string("cannot decrypt a stored value: ") + error.what());
    }
  }
  auto text = base64_decode(encryptor ? data : *value.data);
  if (!text) throw DecodeError("stored value is not base64");
  // One parser per thread, reset for each value: making a parser costs more than parsing the
  // small values steps usually return (every replayed checkpoint decodes one).
  thread_local json::parser parser;
  parser.reset();
  boost::system::error_code ec;
  parser.write(*text, ec);
  if (ec) throw DecodeError("stored value is not JSON: " + ec.message());
  return parser.release();
}

Outcome outcome_of(const wire::Promise& promise, const Encryptor* encryptor) {
  using State = Outcome::State;
  switch (promise.state) {
    case wire::PromiseState::resolved: return {State::resolved, decode_value(promise.value, encryptor)};
    case wire::PromiseState::rejected: return {State::rejected, decode_value(promise.value, encryptor)};
    case wire::PromiseState::rejected_canceled: return {State::canceled, decode_value(promise.value, encryptor)};
    case wire::PromiseState::rejected_timedout: return {State::timed_out, decode_value(promise.value, encryptor)};
    case wire::PromiseState::pending: break;
  }
  throw PlatformError("promise " + promise.id + " is still pending");
}

wire::PromiseSettle settlement(std::string id, const Outcome& outcome, const Encryptor* encryptor) {
  auto state = wire::PromiseState::rejected;
  if (outcome.state == Outcome::State::resolved) state = wire::PromiseState::resolved;
  if (outcome.state == Outcome::State::canceled) state = wire::PromiseState::rejected_canceled;
  return {std::move(id), state, encode_value(outcome.value, encryptor)};
}

wire::Value invocation_param(std::string_view func, const json::array& args, int version,
                             const std::optional<RetryPolicy>& retry, const Encryptor* encryptor) {
  json::object param;
  param.emplace("func", func);
  param.emplace("args", args);
  if (retry) param.emplace("retry", encode_retry(*retry));
  param.emplace("version", version);
  return encode_value(param, encryptor);
}

Invocation read_invocation(const wire::Value& param, const Encryptor* encryptor) {
  auto json = decode_value(param, encryptor);
  const auto* object = json.if_object();
  const auto* func = object ? object->if_contains("func") : nullptr;
  if (!func || !func->is_string()) throw DecodeError("the promise's param is not a function invocation");
  Invocation out;
  out.func = std::string(func->get_string());
  if (const auto* args = object->if_contains("args")) {
    if (args->is_array()) {
      out.args = args->get_array();
    } else if (!args->is_null()) {
      out.args.push_back(*args);
    }
  }
  if (const auto* version = object->if_contains("version"); version && version->is_int64()) {
    out.version = static_cast<int>(version->get_int64());
  }
  if (const auto* retry = object->if_contains("retry")) out.retry = decode_retry(*retry);
  return out;
}

Outcome error_outcome(std::string_view name, std::string_view message) {
  json::object error;
  error.emplace("__type", "error");
  error.emplace("name", name);
  error.emplace("message", message);
  error.emplace("stack", "");
  return {Outcome::State::rejected, std::move(error)};
}

std::string error_message(const Outcome& rejection) {
  const auto* object = rejection.value.if_object();
  const auto* message = object ? object->if_contains("message") : nullptr;
  return message && message->is_string() ? std::string(message->get_string()) : std::string();
}

namespace {
std::string make_corr_prefix() {
  std::random_device device;
  std::mt19937_64 random(device());
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(random()));
  return buffer;
}
}  // namespace

std::string next_corr_id() {
  static const std::string prefix = make_corr_prefix();
  static std::atomic<std::uint64_t> counter{0};
  return prefix + "-" + std::to_string(++counter);
}

}  // namespace resonate::sdk

namespace resonate::detail {

namespace json = boost::json;

Outcome rejection_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const ExecutionError& e) {
    return sdk::error_outcome(e.name(), e.what());
  } catch (const DecodeError& e) {
    return sdk::error_outcome("DecodeError", e.what());
  } catch (const std::exception& e) {
    return sdk::error_outcome("Error", e.what());
  } catch (...) {
    return sdk::error_outcome("Error", "unknown exception");
  }
}

void throw_rejection(const Outcome& outcome) {
  switch (outcome.state) {
    case Outcome::State::canceled: throw CanceledError("promise canceled");
    case Outcome::State::timed_out: throw TimedOutError("promise timed out");
    default: break;
  }
  const auto* object = outcome.value.if_object();
  const auto* type = object ? object->if_contains("__type") : nullptr;
  if (type && type->is_string() && (type->get_string() == "error" || type->get_string() == "aggregate_error")) {
    std::string message;
    std::string name = "Error";
    if (const auto* m = object->if_contains("message"); m && m->is_string()) message = m->get_string();
    if (const auto* n = object->if_contains("name"); n && n->is_string()) name = n->get_string();
    if (name == "NonDeterminismError") throw NonDeterminismError(message);
    throw ExecutionError(message, name);
  }
  // Non-error values thrown by other SDKs (e.g. `throw 42` in JavaScript) come back as text.
  throw ExecutionError(json::serialize(outcome.value));
}

}  // namespace resonate::detail
