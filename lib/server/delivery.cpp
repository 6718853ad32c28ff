#include "server/delivery.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "server/http_push.hpp"
#include "server/server_state.hpp"
#include "wire/address.hpp"

namespace resonate::server {

namespace json = boost::json;

OutgoingMessage prepare_message(const std::string& body, std::string_view server_url) {
  boost::system::error_code error;
  auto message = json::parse(body, error);
  if (error || !message.is_object()) return {body, std::nullopt};
  auto& object = message.get_object();
  const auto* kind = object.if_contains("kind");
  const auto* data = object.if_contains("data");
  if (kind == nullptr || !kind->is_string() || data == nullptr || !data->is_object()) return {body, std::nullopt};
  // The id a stream's scope is checked against: what an RPC about the same message names.
  const auto id_of = [data](std::string_view record) -> std::optional<std::string> {
    const auto* inner = data->get_object().if_contains(record);
    if (inner == nullptr || !inner->is_object()) return std::nullopt;
    const auto* id = inner->get_object().if_contains("id");
    if (id == nullptr || !id->is_string()) return std::nullopt;
    return std::string(id->get_string());
  };
  if (kind->get_string() == "unblock") return {body, id_of("promise")};
  if (kind->get_string() != "execute") return {body, std::nullopt};
  auto subject = id_of("task");
  auto& head = object["head"];
  if (!head.is_object()) head = json::object{};
  head.get_object()["serverUrl"] = server_url;
  return {json::serialize(message), std::move(subject)};
}

namespace {
// A call to a group nobody serves waits silently otherwise (a forgotten --target sends it to
// "default"): say so once, until a member of the group connects.
void warn_if_unattended(ServerState& state, const std::string& group) {
  if (!state.registry.first_unattended(group)) return;
  state.log.warn("no worker of the group is connected: its messages wait until one connects",
                 {{"group", group}});
}

void report_evictions(ServerState& state) {
  const auto evicted = state.registry.take_evicted();
  if (evicted == 0) return;
  state.log.warn("parked messages dropped to stay under the parked-bytes cap; retry timers send them again",
                 {{"dropped", std::to_string(evicted)}, {"parked_bytes", std::to_string(state.registry.parked_bytes())}});
  state.metrics.count_delivery("poll", "evicted", evicted);
}
}  // namespace

void count_redelivery(ServerState& state, const SseRegistry::Redelivery& redelivery) {
  if (redelivery.queued > 0) state.metrics.count_delivery("poll", "requeued", redelivery.queued);
  if (redelivery.parked > 0) state.metrics.count_delivery("poll", "parked", redelivery.parked);
  if (redelivery.no_connection > 0) state.metrics.count_delivery("poll", "no_connection", redelivery.no_connection);
  report_evictions(state);
}

void deliver(ServerState& state, const wire::OutboxMessage& message) {
  const auto address = wire::parse_address(message.address);
  if (!address) {
    state.metrics.count_delivery("none", "invalid_address");
    state.log.warn("dropping message with invalid address", {{"address", message.address}});
    return;
  }
  auto outgoing = prepare_message(message.body, state.external_url);

  if (address->kind == wire::Address::Kind::poll) {
    const auto outcome =
        state.registry.deliver(StreamMessage{address->poll, message.key, std::move(outgoing.subject),
                                             std::move(outgoing.payload)});
    switch (outcome) {
      case SseRegistry::Delivery::queued:
        state.metrics.count_delivery("poll", "queued");
        state.log.debug("message queued", {{"key", message.key}, {"address", message.address}});
        break;
      case SseRegistry::Delivery::parked:
        state.metrics.count_delivery("poll", "parked");
        report_evictions(state);
        // "no connection": none of its address that may carry it (tests and operators grep this).
        state.log.debug("message parked: no connection", {{"key", message.key}, {"address", message.address}});
        warn_if_unattended(state, address->poll.group);
        break;
      case SseRegistry::Delivery::no_connection:
        // Parking is full: the task stays pending and its retry timer sends execute again.
        state.metrics.count_delivery("poll", "no_connection");
        state.log.debug("message dropped: no connection", {{"key", message.key}, {"address", message.address}});
        warn_if_unattended(state, address->poll.group);
        break;
    }
    return;
  }

  auto target = parse_http_target(address->url);
  if (!target) {
    state.metrics.count_delivery("http", "unsupported");
    state.log.warn("dropping message: unsupported http address", {{"address", message.address}});
    return;
  }
  // Counted when the push is over: "sent" only when the receiver answered 2xx.
  asio::co_spawn(state.io, push_message(std::move(*target), std::move(outgoing.payload), state.config.push_timeout, state.log),
                 [&state](std::exception_ptr failure, bool accepted) {
                   if (failure) {
                     try {
                       std::rethrow_exception(failure);
                     } catch (const std::exception& error) {
                       state.log.warn("http push failed", {{"error", error.what()}});
                     }
                   }
                   state.metrics.count_delivery("http", !failure && accepted ? "sent" : "failed");
                 });
}

}  // namespace resonate::server
