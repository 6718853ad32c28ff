#include "request_generator.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

namespace resonate::fuzz {
namespace {

constexpr std::array<std::string_view, 6> promise_ids = {"p0", "p1", "p2", "p3", "p4", "p5"};
constexpr std::array<std::string_view, 3> worker_pids = {"w1", "w2", "w3"};
constexpr std::string_view target = "poll://any@workers";

const json::object* record_with_id(const json::object& snapshot, std::string_view list, std::string_view id) {
  const auto* records = snapshot.if_contains(list);
  if (records == nullptr || !records->is_array()) return nullptr;
  for (const auto& record : records->get_array()) {
    if (record.is_object() && record.get_object().at("id") == json::value(id)) return &record.get_object();
  }
  return nullptr;
}

template <typename Container>
auto pick(Choices& choices, const Container& container) {
  return container[choices.below(container.size())];
}

}  // namespace

json::object RequestGenerator::envelope(std::string_view kind, json::object data) {
  return json::object{{"kind", kind},
                      {"head", json::object{{"corrId", "c" + std::to_string(next_corr_id_++)}, {"version", "2026-04-01"}}},
                      {"data", std::move(data)}};
}

std::string RequestGenerator::promise_id() { return std::string(pick(choices_, promise_ids)); }
std::string RequestGenerator::existing_promise_id(const json::object& snapshot) {
  const auto& promises = snapshot.at("promises").as_array();
  if (promises.empty() || choices_.chance(25)) return promise_id();
  return std::string(promises[choices_.below(promises.size())].at("id").as_string());
}

std::string RequestGenerator::task_id(const json::object& snapshot, std::string_view state) {
  std::vector<std::string> candidates;
  for (const auto& task : snapshot.at("tasks").as_array()) {
    if (state.empty() || task.at("state") == json::value(state)) candidates.emplace_back(task.at("id").as_string());
  }
  if (candidates.empty() || choices_.chance(20)) return existing_promise_id(snapshot);
  return candidates[choices_.below(candidates.size())];
}

std::string RequestGenerator::other_than(std::string_view id) {
  auto other = promise_id();
  return other == id ? std::string(promise_ids[(std::find(promise_ids.begin(), promise_ids.end(), id) - promise_ids.begin() + 1) % promise_ids.size()]) : other;
}

std::string RequestGenerator::awaitable_id(const json::object& snapshot, std::string_view awaiter) {
  std::vector<std::string> pending;
  for (const auto& promise : snapshot.at("promises").as_array()) {
    if (promise.at("state") == json::value("pending") && promise.at("id") != json::value(awaiter)) {
      pending.emplace_back(promise.at("id").as_string());
    }
  }
  if (pending.empty() || choices_.chance(30)) return other_than(awaiter);
  return pending[choices_.below(pending.size())];
}

std::string RequestGenerator::pid() { return std::string(pick(choices_, worker_pids)); }

std::string RequestGenerator::settle_state() {
  // rejected_timedout is not a settle state: an occasional 400.
  constexpr std::array<std::string_view, 7> states = {"resolved", "resolved", "rejected", "rejected",
                                                      "rejected_canceled", "rejected_timedout", "pending"};
  return std::string(choices_.chance(90) ? pick(choices_, std::array{states[0], states[2], states[4]})
                                         : pick(choices_, states));
}

// Mostly the current fencing token; sometimes a stale, future or arbitrary one.
std::int64_t RequestGenerator::version_of(const json::object& snapshot, std::string_view task_id) {
  std::int64_t version = 0;
  if (const auto* task = record_with_id(snapshot, "tasks", task_id)) version = task->at("version").as_int64();
  switch (choices_.below(10)) {
    case 7: return version + 1;
    case 8: return std::max<std::int64_t>(version - 1, 0);
    case 9: return static_cast<std::int64_t>(choices_.below(4));
    default: return version;
  }
}

// Mostly the lease holder when there is one, otherwise any worker.
std::string RequestGenerator::holder_of(const json::object& snapshot, std::string_view task_id) {
  if (const auto* task = record_with_id(snapshot, "tasks", task_id); task && task->contains("pid") && choices_.chance(80)) {
    return std::string(task->at("pid").as_string());
  }
  return pid();
}

Millis RequestGenerator::timeout_at() {
  switch (choices_.below(6)) {
    case 0: return now_;  // already expired at creation
    case 1: return now_ - 10;
    case 2: return now_ + 2000;
    case 3: return now_ + 40000;
    case 4: return now_ + 200000;
    default: return now_ + 1000000000;
  }
}

json::object RequestGenerator::create_data(bool force_target) {
  json::object data{{"id", promise_id()}, {"timeoutAt", timeout_at()}};
  if (choices_.chance(50)) data["param"] = json::object{{"data", "param" + std::to_string(next_value_++)}};
  json::object tags;
  if (force_target || choices_.chance(75)) tags["resonate:target"] = target;
  if (choices_.chance(20)) tags["resonate:timer"] = "true";
  if (choices_.chance(5)) tags["resonate:delay"] = std::to_string(now_ + 5000);
  if (!tags.empty() || choices_.chance(50)) data["tags"] = std::move(tags);
  return data;
}

// Requests that are JSON objects but not valid protocol requests.
json::object RequestGenerator::garbage() {
  switch (choices_.below(6)) {
    case 0: return envelope("promise.frobnicate", json::object{{"id", promise_id()}});
    case 1: return envelope("promise.create", json::object{{"id", ""}, {"timeoutAt", now_}});
    case 2: return envelope("promise.create", json::object{{"id", promise_id()}, {"timeoutAt", "soon"}});
    case 3: return envelope("task.acquire", json::object{{"id", promise_id()}, {"version", -1}, {"pid", pid()}, {"ttl", 1000}});
    case 4: {
      auto request = envelope("promise.get", {});
      request["data"] = json::array{promise_id()};
      return request;
    }
    default: {
      auto request = envelope("promise.get", json::object{{"id", promise_id()}});
      request["head"].as_object()["version"] = "2019-01-01";
      return request;
    }
  }
}

Step RequestGenerator::next(const json::object& snapshot) {
  switch (choices_.below(10)) {
    case 0: case 1: case 2: case 3: break;
    case 4: case 5: now_ += 1 + static_cast<Millis>(choices_.below(1000)); break;
    case 6: case 7: now_ += 5000; break;
    case 8: now_ += 31000; break;
    default: now_ += 61000; break;
  }
  auto action = [](std::string_view kind, json::object data) {
    return json::object{{"kind", kind}, {"head", json::object{}}, {"data", std::move(data)}};
  };
  Step step;
  step.at = now_;
  step.deliver = choices_.chance(10);
  // A request fenced by a task's version; `make_data(task id)` gives the rest of its data.
  auto fenced = [&](std::string_view kind, auto&& make_data) {
    const auto id = task_id(snapshot, choices_.chance(85) ? "acquired" : "");
    json::object data = make_data(id);
    data["id"] = id;
    data["version"] = version_of(snapshot, id);
    step.requests.push_back(envelope(kind, std::move(data)));
  };
  const auto id = existing_promise_id(snapshot);
  switch (choices_.below(22)) {
    case 0: case 1: case 2:
      step.requests.push_back(envelope("promise.create", create_data(false)));
      break;
    case 3:
      step.requests.push_back(envelope("promise.get", json::object{{"id", id}}));
      break;
    case 4: case 5: {
      json::object data{{"id", id}, {"state", settle_state()}};
      if (choices_.chance(80)) data["value"] = json::object{{"data", "value" + std::to_string(next_value_++)}};
      step.requests.push_back(envelope("promise.settle", std::move(data)));
      break;
    }
    case 6:
      step.requests.push_back(envelope("promise.register_callback", json::object{{"awaited", existing_promise_id(snapshot)},
                                                                                  {"awaiter", task_id(snapshot, "")}}));
      break;
    case 7:
      step.requests.push_back(envelope("promise.register_listener", json::object{{"awaited", id}, {"address", "poll://uni@listeners/l1"}}));
      break;
    case 8:
      step.requests.push_back(envelope("task.get", json::object{{"id", id}}));
      break;
    case 9:
      step.requests.push_back(envelope("task.create", json::object{{"pid", pid()},
                                                                   {"ttl", 10000},
                                                                   {"action", action("promise.create", create_data(true))}}));
      break;
    case 10: case 11: {
      // Only a pending task at the requested version can be acquired; half of the time two
      // workers race for it with the same version.
      const auto task = task_id(snapshot, "pending");
      const auto version = version_of(snapshot, task);
      const auto first = pid();
      step.requests.push_back(envelope("task.acquire", json::object{{"id", task}, {"version", version}, {"pid", first}, {"ttl", 10000 + 20000 * static_cast<Millis>(choices_.below(2))}}));
      if (choices_.chance(50)) {
        const auto second = first == "w1" ? "w2" : "w1";
        step.requests.push_back(envelope("task.acquire", json::object{{"id", task}, {"version", version}, {"pid", second}, {"ttl", 10000}}));
        step.contested_acquire = true;
      }
      break;
    }
    case 12:
      fenced("task.release", [](const std::string&) { return json::object{}; });
      break;
    case 13:
      // Settles the task's own promise; rarely another one (400).
      fenced("task.fulfill", [&](const std::string& task) {
        json::object settle{{"id", choices_.chance(95) ? task : promise_id()}, {"state", settle_state()}};
        if (choices_.chance(80)) settle["value"] = json::object{{"data", "result" + std::to_string(next_value_++)}};
        return json::object{{"action", action("promise.settle", std::move(settle))}};
      });
      break;
    case 14:
      fenced("task.suspend", [&](const std::string& task) {
        json::array actions;
        for (auto count = 1 + choices_.below(2); count > 0; --count) {
          actions.push_back(action("promise.register_callback", json::object{{"awaited", awaitable_id(snapshot, task)}, {"awaiter", task}}));
        }
        return json::object{{"actions", std::move(actions)}};
      });
      break;
    case 15: {
      fenced("task.fence", [&](const std::string& task) {
        if (choices_.chance(50)) {
          auto create = create_data(false);
          create["id"] = other_than(task);
          return json::object{{"action", action("promise.create", std::move(create))}};
        }
        json::object settle{{"id", other_than(task)}, {"state", settle_state()},
                            {"value", json::object{{"data", "fenced" + std::to_string(next_value_++)}}}};
        return json::object{{"action", action("promise.settle", std::move(settle))}};
      });
      break;
    }
    case 16: {
      const auto task = task_id(snapshot, "acquired");
      step.requests.push_back(envelope("task.heartbeat", json::object{{"pid", holder_of(snapshot, task)},
                                                                      {"tasks", json::array{json::object{{"id", task}, {"version", version_of(snapshot, task)}}}}}));
      break;
    }
    case 17:
      if (choices_.chance(50)) {
        step.requests.push_back(envelope("task.halt", json::object{{"id", task_id(snapshot, "")}}));
      } else {
        step.requests.push_back(envelope("task.continue", json::object{{"id", task_id(snapshot, "halted")}}));
      }
      break;
    case 18:
      step.requests.push_back(choices_.chance(50)
                                  ? envelope("promise.search", json::object{{"limit", 1 + static_cast<std::int64_t>(choices_.below(4))}})
                                  : envelope("task.search", json::object{{"state", "pending"}}));
      break;
    case 19: case 20:
      step.requests.push_back(envelope("debug.tick", json::object{{"time", now_}}));
      break;
    default:
      step.requests.push_back(garbage());
      break;
  }
  return step;
}

}  // namespace resonate::fuzz
