#include "core/core.hpp"

#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/operations.hpp"
#include "core/state_machine.hpp"
#include "wire/envelope.hpp"
#include "wire/json_codec.hpp"
#include "wire/requests.hpp"

namespace resonate::core {

// The core speaks the records and codec of the wire layer throughout.
using namespace resonate::wire;

namespace json = boost::json;

namespace {

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
    const auto message = "Invalid request: body is not valid JSON (" + error.message() + ")";
    response = to_json(Response{"unknown", "0", 400, json::string(message)});
  } else {
    response = apply(now, request, metadata);
  }
  const auto status = static_cast<int>(response.at("head").at("status").as_int64());
  return {status, json::serialize(response)};
}

json::object Core::apply(Millis now, const json::value& request, const RequestMetadata& metadata) {
  const auto identity = identify_request(request);
  auto answer = [&](int status, json::value data) {
    return to_json(Response{identity.kind, identity.corr_id, status, std::move(data)});
  };
  auto fail = [&](int status, std::string message) { return answer(status, json::string(message)); };

  try {
    const auto received = read_request_envelope(request);
    const auto* debug_time = received.head.if_contains("resonate:debug_time");
    if (options_.debug && debug_time != nullptr) {
      if (!debug_time->is_int64()) return fail(400, "Invalid request: head.resonate:debug_time must be an integer");
      now = debug_time->get_int64();
    } else {
      debug_time = nullptr;  // honoured only in debug mode
    }

    if (options_.authorize) {
      auto [status, message] = options_.authorize(request.get_object(), metadata);
      if (status != 0) return fail(status, message);
    }

    if (received.kind.starts_with("debug.")) {
      if (!options_.debug) return fail(403, "Debug operations are disabled");
      if (received.kind == "debug.start" || received.kind == "debug.stop") {
        paused_ = received.kind == "debug.start";
        return answer(200, json::object{});
      }
      if (received.kind == "debug.reset") {
        auto tx = store_.begin();
        tx->clear();
        tx->commit();
        return answer(200, json::object{});
      }
      if (received.kind == "debug.tick") {
        const auto* time = received.data.if_contains("time");
        if (time == nullptr || !time->is_int64()) return fail(400, "Invalid request: data.time must be an integer");
        if (debug_time != nullptr && debug_time->get_int64() != time->get_int64()) {
          return fail(400, "data.time must equal head.resonate:debug_time");
        }
        tick(time->get_int64());
        return answer(200, json::array{});
      }
      if (received.kind == "debug.snap") {
        auto tx = store_.begin();
        auto snap = snapshot(*tx);
        tx->commit();
        return answer(200, std::move(snap));
      }
      return fail(400, "Unknown operation: " + std::string(received.kind));
    }

    const auto typed = request_from_json(received.kind, received.data);
    auto tx = store_.begin();
    StateMachine machine(*tx, now, options_.retry_interval);
    OperationContext context{machine, identity.corr_id, options_.fence_preload};
    auto outcome = perform(typed, context);
    tx->commit();
    note_deadline(machine.earliest_deadline_written());
    return answer(outcome.status, std::move(outcome.data));
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
  note_deadline(machine.earliest_deadline_written());
}

std::optional<Millis> Core::next_deadline() {
  auto tx = store_.begin();
  auto deadline = tx->next_deadline();
  tx->commit();
  return deadline;
}

std::optional<Millis> Core::take_new_deadline() { return std::exchange(new_deadline_, std::nullopt); }

void Core::note_deadline(std::optional<Millis> deadline) {
  if (deadline && (!new_deadline_ || *deadline < *new_deadline_)) new_deadline_ = deadline;
}

std::vector<OutboxMessage> Core::take_messages(std::size_t limit) {
  auto tx = store_.begin();
  auto messages = tx->take_messages(limit);
  tx->commit();
  return messages;
}

}  // namespace resonate::core
