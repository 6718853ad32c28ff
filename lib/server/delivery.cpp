#include "server/delivery.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "server/http_push.hpp"
#include "server/server_state.hpp"
#include "wire/address.hpp"

namespace resonate::server {

namespace json = boost::json;

std::string with_server_url(const std::string& body, std::string_view server_url) {
  boost::system::error_code error;
  auto message = json::parse(body, error);
  if (error || !message.is_object()) return body;
  auto& object = message.get_object();
  const auto* kind = object.if_contains("kind");
  if (kind == nullptr || !kind->is_string() || kind->get_string() != "execute") return body;
  auto& head = object["head"];
  if (!head.is_object()) head = json::object{};
  head.get_object()["serverUrl"] = server_url;
  return json::serialize(message);
}

namespace {
// A call to a group nobody serves waits silently otherwise (a forgotten --target sends it to
// "default"): say so once, until a member of the group connects.
void warn_if_unattended(ServerState& state, const std::string& group) {
  if (!state.registry.first_unattended(group)) return;
  state.log.warn("no worker of the group is connected: its messages wait until one connects",
                 {{"group", group}});
}
}  // namespace

void deliver(ServerState& state, const wire::OutboxMessage& message) {
  const auto address = wire::parse_address(message.address);
  if (!address) {
    state.metrics.count_delivery("none", "invalid_address");
    state.log.warn("dropping message with invalid address", {{"address", message.address}});
    return;
  }
  auto payload = with_server_url(message.body, state.external_url);

  if (address->kind == wire::Address::Kind::poll) {
    const auto outcome = state.registry.deliver(address->poll, message.key, std::move(payload));
    switch (outcome) {
      case SseRegistry::Delivery::queued:
        state.metrics.count_delivery("poll", "queued");
        state.log.debug("message queued", {{"key", message.key}, {"address", message.address}});
        break;
      case SseRegistry::Delivery::parked:
        state.metrics.count_delivery("poll", "parked");
        if (const auto evicted = state.registry.take_evicted(); evicted > 0) {
          state.log.warn("parked messages dropped to stay under the parked-bytes cap; retry timers send them again",
                         {{"dropped", std::to_string(evicted)},
                          {"parked_bytes", std::to_string(state.registry.parked_bytes())}});
          for (std::size_t i = 0; i < evicted; ++i) state.metrics.count_delivery("poll", "evicted");
        }
        state.log.debug("message parked: no connection", {{"key", message.key}, {"address", message.address}});
        warn_if_unattended(state, address->poll.group);
        break;
      case SseRegistry::Delivery::no_connection:
        // Parking is full: the task stays pending and its retry timer sends execute again.
        state.metrics.count_delivery("poll", "no_connection");
        state.log.debug("message dropped: no connection", {{"key", message.key}, {"address", message.address}});
        warn_if_unattended(state, address->poll.group);
        break;
      case SseRegistry::Delivery::queue_full:
        state.metrics.count_delivery("poll", "queue_full");
        state.log.warn("message dropped: connection queue full", {{"key", message.key}, {"address", message.address}});
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
  asio::co_spawn(state.io, push_message(std::move(*target), std::move(payload), state.config.push_timeout, state.log),
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
