#include "sdk/pass.hpp"

#include <algorithm>
#include <optional>

#include <boost/json/value.hpp>

#include "resonate/errors.hpp"
#include "sdk/ids.hpp"
#include "sdk/runtime.hpp"
#include "sdk/wire.hpp"
#include "wire/json_codec.hpp"

namespace resonate::detail {

namespace asio = boost::asio;
namespace json = boost::json;

Pass::Pass(std::shared_ptr<Runtime> runtime, std::string task_id, std::int64_t version,
           asio::any_io_executor executor, Checkpoints checkpoints)
    : runtime_(std::move(runtime)),
      task_id_(std::move(task_id)),
      version_(version),
      executor_(std::move(executor)),
      checkpoints_(std::move(checkpoints)) {}

const wire::Promise* Pass::cached(const std::string& id) const {
  auto found = checkpoints_.find(id);
  return found == checkpoints_.end() ? nullptr : &found->second;
}

void Pass::merge_preload(const json::value* preload) {
  if (!preload || !preload->is_array()) return;
  for (const auto& item : preload->get_array()) {
    // A server's fence answers carry the whole branch again (§4.9; the embedded core sends
    // none), so most records are known already; a settled record never changes, so those are
    // skipped without decoding them.
    if (const auto* fields = item.if_object()) {
      if (const auto* id = fields->if_contains("id"); id && id->is_string()) {
        auto known = checkpoints_.find(std::string(id->get_string()));
        if (known != checkpoints_.end() && !known->second.pending()) continue;
      }
    }
    auto promise = wire::promise_from_json(item);
    auto id = promise.id;
    checkpoints_.insert_or_assign(std::move(id), std::move(promise));
  }
}

asio::awaitable<wire::Promise> Pass::fence(std::string_view kind, json::object data) {
  if (failed()) throw Interrupt{};
  json::object action;
  action.emplace("kind", kind);
  action.emplace("head", json::object{{"corrId", task_id_ + "/" + std::string(kind)},
                                      {"version", wire::protocol_version}});
  action.emplace("data", std::move(data));
  json::object request;
  request.emplace("id", task_id_);
  request.emplace("version", version_);
  request.emplace("action", std::move(action));

  std::optional<std::string> problem;
  wire::Promise promise;
  try {
    auto response = co_await runtime_->send("task.fence", std::move(request));
    const int status = sdk::status_of(response);
    if (status == 409) {
      problem = "lost the task to another worker (" + sdk::message_of(response) + ")";
    } else if (status != 200) {
      problem = "task.fence failed: " + sdk::message_of(response);
    } else {
      const auto& body = sdk::data_of(response);
      merge_preload(body.if_contains("preload"));
      const auto* answer = body.if_contains("action");
      if (!answer || !answer->is_object()) {
        problem = "task.fence answer without action";
      } else if (const int inner_status = sdk::status_of(answer->get_object()); inner_status != 200) {
        problem = std::string(kind) + " inside task.fence failed: " + sdk::message_of(answer->get_object());
      } else {
        const auto* record = sdk::data_of(answer->get_object()).if_contains("promise");
        if (!record) throw PlatformError("task.fence answer without promise");
        promise = wire::promise_from_json(*record);
      }
    }
  } catch (const std::exception& e) {
    problem = e.what();
  }
  if (problem) {
    fail(std::move(*problem));
    throw Interrupt{};
  }
  checkpoints_.insert_or_assign(promise.id, promise);
  co_return promise;
}

asio::awaitable<wire::Promise> Pass::create(json::object promise_create) {
  const std::string id(promise_create.at("id").as_string());
  if (const auto* known = cached(id); known && !known->pending()) co_return *known;
  co_return co_await fence("promise.create", std::move(promise_create));
}

asio::awaitable<wire::Promise> Pass::settle(const std::string& id, const Outcome& outcome) {
  json::object data;
  data.emplace("id", id);
  data.emplace("state", sdk::settle_state(outcome));
  data.emplace("value", wire::to_json(sdk::encode_value(outcome.value)));
  co_return co_await fence("promise.settle", std::move(data));
}

asio::awaitable<std::int64_t> Pass::furthest_child(const std::string& parent) {
  if (failed()) throw Interrupt{};
  std::int64_t furthest = -1;
  std::optional<std::string> problem;
  try {
    std::optional<std::string> cursor;
    do {
      json::object data;
      data.emplace("tags", json::object{{wire::tag::parent, parent}});
      data.emplace("limit", 100);
      if (cursor) data.emplace("cursor", *cursor);
      auto response = co_await runtime_->send("promise.search", std::move(data));
      if (sdk::status_of(response) != 200) throw PlatformError("promise.search: " + sdk::message_of(response));
      const auto& body = sdk::data_of(response);
      if (const auto* promises = body.if_contains("promises"); promises && promises->is_array()) {
        for (const auto& promise : promises->get_array()) {
          const auto* id = promise.is_object() ? promise.get_object().if_contains("id") : nullptr;
          if (!id || !id->is_string()) continue;
          if (auto position = sdk::child_position(parent, id->get_string())) {
            furthest = std::max(furthest, static_cast<std::int64_t>(*position));
          }
        }
      }
      const auto* next = body.if_contains("cursor");
      cursor = next && next->is_string() ? std::optional<std::string>(next->get_string()) : std::nullopt;
    } while (cursor);
  } catch (const std::exception& e) {
    problem = e.what();
  }
  if (problem) {
    fail("cannot read the checkpoints of " + parent + ": " + *problem);
    throw Interrupt{};
  }
  co_return furthest;
}

void Pass::depend_on(const std::string& id) {
  for (const auto& known : dependencies_) {
    if (known == id) return;
  }
  dependencies_.push_back(id);
}

void Pass::fail(std::string reason) {
  if (!failure_) failure_ = std::move(reason);
}

asio::awaitable<void> Pass::drain() {
  // Index loop: a draining child may spawn further children.
  for (std::size_t i = 0; i < spawned_.size(); ++i) {
    auto child = spawned_[i];
    if (!child->done()) {
      try {
        co_await child->wait();
      } catch (...) {
        // Its outcome (suspension, failure) is already recorded in this pass.
      }
    }
  }
}

SpawnedAwaiter::SpawnedAwaiter(std::string id, asio::any_io_executor executor)
    : id_(std::move(id)), signal_(sdk::Signal::create(std::move(executor))) {}

void SpawnedAwaiter::complete(std::exception_ptr error, Outcome outcome) {
  error_ = std::move(error);
  outcome_ = std::move(outcome);
  done_ = true;
  signal_->notify();
}

asio::awaitable<Outcome> SpawnedAwaiter::wait() {
  while (!done_) co_await signal_->wait_for(std::chrono::hours(24));
  if (error_) std::rethrow_exception(error_);
  co_return outcome_;
}

namespace {
class SettledAwaiter : public Awaiter {
 public:
  SettledAwaiter(std::string id, Outcome outcome) : id_(std::move(id)), outcome_(std::move(outcome)) {}
  const std::string& id() const override { return id_; }
  asio::awaitable<Outcome> wait() override { co_return outcome_; }

 private:
  std::string id_;
  Outcome outcome_;
};
}  // namespace

std::shared_ptr<Awaiter> settled_awaiter(std::string id, Outcome outcome) {
  return std::make_shared<SettledAwaiter>(std::move(id), std::move(outcome));
}

}  // namespace resonate::detail
