// resonate::testing::Environment: an embedded Resonate whose core, store and SDK read one
// manual clock, driven tick by tick.
#include "resonate/testing.hpp"

#include <algorithm>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>

#include "network/local_network.hpp"
#include "sdk/pid.hpp"
#include "sdk/promise_record.hpp"
#include "sdk/runtime.hpp"
#include "sdk/wire.hpp"
#include "store/factories.hpp"
#include "wire/clock.hpp"
#include "wire/requests.hpp"
#include "wire/responses.hpp"

namespace resonate::testing {

namespace asio = boost::asio;
namespace json = boost::json;

struct Environment::Impl {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::int64_t now = 0;
  std::shared_ptr<network::LocalNetwork> network;
  std::shared_ptr<detail::Runtime> runtime;
  std::optional<Resonate> resonate;
};

Environment::Environment(EnvironmentOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->now = options.start;
  auto clock = [impl = impl_.get()] { return impl->now; };
  impl_->network = std::make_shared<network::LocalNetwork>(impl_->io.get_executor(), store::make_memory_store(),
                                                           network::LocalNetwork::ManualTime{clock});
  detail::RuntimeConfig config;
  config.release_unknown_functions = false;  // nobody else could run them
  config.hand_back_on_stop = false;
  config.pid = sdk::random_pid();
  config.on_nondeterminism = options.on_nondeterminism;
  config.logger = detail::effective_logger(std::move(options.logger));
  config.manual_clock = clock;
  impl_->runtime = std::make_shared<detail::Runtime>(impl_->io.get_executor(), impl_->network, std::move(config));
  impl_->runtime->start();
  impl_->resonate.emplace(Resonate(impl_->runtime));
}

Environment::~Environment() {
  impl_->resonate->stop();
  impl_->work.reset();
  // What stop() left (its wake-ups, the heartbeat's cancellation) runs now; then the frames of
  // suspended calls are destroyed with the io_context.
  impl_->io.poll();
}

Resonate& Environment::resonate() { return *impl_->resonate; }

std::int64_t Environment::now() const { return impl_->now; }

asio::any_io_executor Environment::executor() { return impl_->io.get_executor(); }

void Environment::run_until_idle() {
  impl_->io.restart();
  while (impl_->io.poll() > 0) {
  }
}

void Environment::advance(std::chrono::milliseconds span) {
  if (span.count() < 0) throw Error("Environment::advance: the span is negative");
  const auto target = wire::deadline_after(impl_->now, span.count());
  // Each deadline in its turn: what it wakes may set new deadlines inside the span.
  for (int steps = 0;; ++steps) {
    run_until_idle();
    const auto next = impl_->network->next_deadline();
    if (!next || *next > target) break;
    if (steps > 1'000'000) throw Error("Environment::advance: deadlines keep coming due without the clock moving");
    impl_->now = std::max(impl_->now, *next);
    impl_->network->tick();
  }
  impl_->now = target;
  impl_->network->tick();
  run_until_idle();
}

std::vector<PromiseRecord> Environment::checkpoints(const std::string& root) {
  auto records = run([this, root]() -> asio::awaitable<std::vector<wire::Promise>> {
    std::vector<wire::Promise> found;
    const wire::PromiseGet get{root};
    auto answer = co_await impl_->runtime->send(get);
    if (answer.status == 404) throw NotFoundError("promise '" + root + "' not found");
    if (!answer.ok()) throw PlatformError("promise.get: " + answer.message());
    found.push_back(sdk::read_answer(answer, get.kind, &wire::promise_result_from_json).promise);
    std::optional<std::string> cursor;
    do {
      wire::PromiseSearch search;
      search.tags.emplace(wire::tag::origin, root);
      search.limit = 1000;
      search.cursor = std::move(cursor);
      auto page_answer = co_await impl_->runtime->send(search);
      if (!page_answer.ok()) throw PlatformError("promise.search: " + page_answer.message());
      auto page = sdk::read_answer(page_answer, search.kind, &wire::promise_page_from_json);
      for (auto& promise : page.promises) {
        if (promise.id != root) found.push_back(std::move(promise));
      }
      cursor = std::move(page.cursor);
    } while (cursor);
    co_return found;
  }());
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  std::vector<PromiseRecord> out;
  out.reserve(records.size());
  for (const auto& promise : records) out.push_back(sdk::promise_record(promise, impl_->runtime->encryptor()));
  return out;
}

namespace {

// A payload as the CLI prints it: {"headers"?, "data": <the decoded JSON>}.
wire::Value payload_of(const json::object& record, std::string_view key) {
  const auto* payload = record.if_contains(key);
  if (!payload || !payload->is_object()) return {};
  const auto& fields = payload->get_object();
  const auto* data = fields.if_contains("data");
  if (!data) return {};
  return sdk::encode_value(*data);
}

std::int64_t integer_of(const json::object& record, std::string_view key) {
  const auto* field = record.if_contains(key);
  return field && field->is_number() ? field->to_number<std::int64_t>() : 0;
}

wire::Promise promise_of(const json::value& item) {
  const auto* record = item.if_object();
  const auto* id = record ? record->if_contains("id") : nullptr;
  if (!id || !id->is_string()) throw Error("load_history: a record without an id: " + json::serialize(item));
  wire::Promise promise;
  promise.id = std::string(id->get_string());
  const auto* state = record->if_contains("state");
  const auto parsed = state && state->is_string() ? wire::promise_state_from(state->get_string()) : std::nullopt;
  if (!parsed) throw Error("load_history: promise '" + promise.id + "' has no known state");
  promise.state = *parsed;
  promise.param = payload_of(*record, "param");
  promise.value = payload_of(*record, "value");
  if (const auto* tags = record->if_contains("tags"); tags && tags->is_object()) {
    for (const auto& [key, value] : tags->get_object()) {
      if (value.is_string()) promise.tags.emplace(std::string(key), std::string(value.get_string()));
    }
  }
  promise.timeout_at = integer_of(*record, "timeoutAt");
  promise.created_at = integer_of(*record, "createdAt");
  if (record->contains("settledAt")) promise.settled_at = integer_of(*record, "settledAt");
  return promise;
}

}  // namespace

void Environment::load_history(const json::value& history, const std::string& root) {
  const json::array* items = history.if_array();
  if (const auto* object = history.if_object()) {
    if (const auto* promises = object->if_contains("promises")) items = promises->if_array();
  }
  if (!items) throw Error("load_history: expected {\"promises\": [...]} or an array of promise records");

  std::vector<wire::Promise> settled, pending;
  std::optional<wire::Promise> recorded_root;
  std::int64_t latest = impl_->now;
  for (const auto& item : *items) {
    auto promise = promise_of(item);
    latest = std::max({latest, promise.created_at, promise.settled_at.value_or(0)});
    if (promise.id == root) {
      recorded_root = std::move(promise);
    } else if (promise.pending()) {
      pending.push_back(std::move(promise));
    } else {
      settled.push_back(std::move(promise));
    }
  }
  if (!recorded_root) throw Error("load_history: the history has no promise '" + root + "'");
  impl_->now = latest;
  impl_->network->restore(settled);
  // Pending promises are made through the protocol, so that their timers and tasks exist; the
  // root last, so that its function runs over everything else.
  pending.push_back(*recorded_root);
  for (const auto& promise : pending) {
    const auto timeout = promise.timeout_at > impl_->now ? promise.timeout_at
                                                         : wire::deadline_after(impl_->now, 24LL * 60 * 60 * 1000);
    const wire::PromiseCreate create{promise.id, timeout, promise.param, promise.tags};
    run([this, create]() -> asio::awaitable<void> {
      auto answer = co_await impl_->runtime->send(create);
      if (!answer.ok()) throw Error("load_history: cannot create '" + create.id + "': " + answer.message());
    }());
  }
}

}  // namespace resonate::testing
