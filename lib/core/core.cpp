#include "core/core.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/operations.hpp"
#include "core/state_machine.hpp"
#include "wire/json_codec.hpp"

namespace resonate::core {

// The core speaks the records and codec of the wire layer throughout.
using namespace resonate::wire;

namespace json = boost::json;

namespace {

json::object envelope(std::string_view kind, std::string_view corr_id, int status, json::value data) {
  return json::object{
      {"kind", kind},
      {"head", json::object{{"corrId", corr_id}, {"status", status}, {"version", protocol_version}}},
      {"data", std::move(data)}};
}

// What identifies a request in its answer, read leniently so even a malformed envelope gets
// an answer its sender can match.
struct Identity {
  std::string kind = "unknown";
  std::string corr_id = "0";
};

Identity identify(const json::value& request) {
  Identity identity;
  const auto* object = request.if_object();
  if (object == nullptr) return identity;
  if (const auto* kind = object->if_contains("kind"); kind && kind->is_string() && !kind->get_string().empty()) {
    identity.kind = kind->get_string();
  }
  if (const auto* head = object->if_contains("head"); head && head->is_object()) {
    if (const auto* corr = head->get_object().if_contains("corrId"); corr && corr->is_string()) {
      identity.corr_id = corr->get_string();
    }
  }
  return identity;
}

json::object snapshot(Transaction& tx) {
  json::array promises, tasks, promise_timeouts, task_timeouts, callbacks, listeners, messages;
  for (const auto& promise : tx.all_promises()) promises.push_back(to_json(promise));
  for (const auto& task : tx.all_tasks()) tasks.push_back(to_json(task));
  for (const auto& entry : tx.all_promise_timeouts()) {
    promise_timeouts.push_back(json::object{{"id", entry.id}, {"timeout", entry.timeout}});
  }
  for (const auto& entry : tx.all_task_timeouts()) {
    task_timeouts.push_back(
        json::object{{"id", entry.id}, {"type", static_cast<int>(entry.type)}, {"timeout", entry.timeout}});
  }
  for (const auto& callback : tx.all_callbacks()) {
    callbacks.push_back(json::object{{"awaiter", callback.awaiter}, {"awaited", callback.awaited}});
  }
  for (const auto& listener : tx.all_listeners()) {
    listeners.push_back(json::object{{"id", listener.id}, {"address", listener.address}});
  }
  for (const auto& message : tx.all_messages()) {
    messages.push_back(json::object{{"address", message.address}, {"message", json::parse(message.body)}});
  }
  return json::object{{"promises", std::move(promises)},       {"promiseTimeouts", std::move(promise_timeouts)},
                      {"callbacks", std::move(callbacks)},     {"listeners", std::move(listeners)},
                      {"tasks", std::move(tasks)},             {"taskTimeouts", std::move(task_timeouts)},
                      {"messages", std::move(messages)}};
}

}  // namespace

Core::Core(Store& store, CoreOptions options) : store_(store), options_(std::move(options)) {}

Reply Core::apply(Millis now, std::string_view body, const RequestMetadata& metadata) {
  if (body.size() > options_.max_request_bytes) {
    return {413, "Request body too large"};
  }
  json::object response;
  boost::system::error_code error;
  auto request = json::parse(body, error);
  if (error) {
    response = envelope("unknown", "0", 400, json::string("Invalid request: body is not valid JSON (" + error.message() + ")"));
  } else {
    response = apply(now, request, metadata);
  }
  const auto status = static_cast<int>(response.at("head").at("status").as_int64());
  return {status, json::serialize(response)};
}

json::object Core::apply(Millis now, const json::value& request, const RequestMetadata& metadata) {
  const auto identity = identify(request);
  auto fail = [&](int status, std::string message) {
    return envelope(identity.kind, identity.corr_id, status, json::string(message));
  };

  const auto* object = request.if_object();
  if (object == nullptr) return fail(400, "Invalid request: the envelope must be a JSON object");
  const auto* kind = object->if_contains("kind");
  if (kind == nullptr || !kind->is_string() || kind->get_string().empty()) {
    return fail(400, "Invalid request: kind must be a non-empty string");
  }
  const auto* head = object->if_contains("head");
  if (head == nullptr || !head->is_object()) return fail(400, "Invalid request: head must be an object");
  const auto* corr_id = head->get_object().if_contains("corrId");
  if (corr_id == nullptr || !corr_id->is_string()) return fail(400, "Invalid request: head.corrId must be a string");
  const auto* data = object->if_contains("data");
  if (data == nullptr || !data->is_object()) return fail(400, "Invalid request: data must be an object");
  const auto* version = head->get_object().if_contains("version");
  if (version == nullptr || !version->is_string()) return fail(400, "Invalid request: head.version is required");
  if (version->get_string() != protocol_version) {
    return fail(400, "Unsupported protocol version '" + std::string(version->get_string()) + "' (supported: " +
                         std::string(protocol_version) + ")");
  }

  const auto* debug_time = head->get_object().if_contains("resonate:debug_time");
  if (options_.debug && debug_time != nullptr) {
    if (!debug_time->is_int64()) return fail(400, "Invalid request: head.resonate:debug_time must be an integer");
    now = debug_time->get_int64();
  } else {
    debug_time = nullptr;  // honoured only in debug mode
  }

  if (options_.authorize) {
    auto [status, message] = options_.authorize(*object, metadata);
    if (status != 0) return fail(status, message);
  }

  const std::string_view kind_name = kind->get_string();
  const auto& fields = data->get_object();
  try {
    if (kind_name.starts_with("debug.")) {
      if (!options_.debug) return fail(403, "Debug operations are disabled");
      if (kind_name == "debug.start" || kind_name == "debug.stop") {
        paused_ = kind_name == "debug.start";
        return envelope(kind_name, identity.corr_id, 200, json::object{});
      }
      if (kind_name == "debug.reset") {
        auto tx = store_.begin();
        tx->clear();
        tx->commit();
        return envelope(kind_name, identity.corr_id, 200, json::object{});
      }
      if (kind_name == "debug.tick") {
        const auto* time = fields.if_contains("time");
        if (time == nullptr || !time->is_int64()) return fail(400, "Invalid request: data.time must be an integer");
        if (debug_time != nullptr && debug_time->get_int64() != time->get_int64()) {
          return fail(400, "data.time must equal head.resonate:debug_time");
        }
        tick(time->get_int64());
        return envelope(kind_name, identity.corr_id, 200, json::array{});
      }
      if (kind_name == "debug.snap") {
        auto tx = store_.begin();
        auto snap = snapshot(*tx);
        tx->commit();
        return envelope(kind_name, identity.corr_id, 200, std::move(snap));
      }
      return fail(400, "Unknown operation: " + std::string(kind_name));
    }
    if (!is_operation(kind_name)) return fail(400, "Unknown operation: " + std::string(kind_name));

    auto tx = store_.begin();
    StateMachine machine(*tx, now, options_.retry_interval);
    OperationContext context{machine, identity.corr_id, options_.fence_preload};
    auto outcome = perform(kind_name, fields, context);
    tx->commit();
    return envelope(kind_name, identity.corr_id, outcome.status, std::move(outcome.data));
  } catch (const InvalidRequest& invalid) {
    return fail(400, invalid.what());
  } catch (const Failure& failure) {
    return fail(failure.status(), failure.what());
  } catch (const std::exception& internal) {
    return fail(500, std::string("Internal error: ") + internal.what());
  }
}

void Core::tick(Millis now) {
  auto tx = store_.begin();
  StateMachine machine(*tx, now, options_.retry_interval);
  machine.process_due_timeouts();
  tx->commit();
}

std::vector<OutboxMessage> Core::take_messages(std::size_t limit) {
  auto tx = store_.begin();
  auto messages = tx->take_messages(limit);
  tx->commit();
  return messages;
}

}  // namespace resonate::core
