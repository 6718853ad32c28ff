#include "client.hpp"

#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include "arguments.hpp"
#include "network/http_network.hpp"
#include "resonate/errors.hpp"
#include "sdk/wire.hpp"

namespace resonate::cli {

namespace asio = boost::asio;
namespace json = boost::json;

Client::Client(ClientConfig config) : config_(std::move(config)) {
  network::HttpConfig http;
  http.url = config_.server;
  http.group = "cli";
  http.pid = "cli";
  http.token = config_.token;
  http.request_timeout = config_.request_timeout;
  try {
    network_ = std::make_shared<network::HttpNetwork>(io_.get_executor(), std::move(http));
  } catch (const Error& e) {  // a malformed URL, an unreadable CA store
    throw UsageError(std::string("--server: ") + e.what());
  }
}

Client::~Client() = default;

wire::Response Client::send(std::string kind, json::object data) {
  wire::RequestEnvelope envelope{std::move(kind), sdk::next_corr_id(), std::nullopt, std::move(data)};
  if (!config_.token.empty()) envelope.auth = config_.token;
  auto future = asio::co_spawn(io_, network_->send(wire::to_json(std::move(envelope))), asio::use_future);
  io_.restart();
  io_.run();
  json::object answer;
  try {
    answer = future.get();
  } catch (const AuthError& e) {  // refused without an envelope (a proxy's 401 page)
    throw CommandError(e.what());
  } catch (const std::exception& e) {
    throw CommandError(std::string("cannot reach the server at ") + config_.server + " (" + e.what() +
                       "); is resonate-server running? Set --server or RESONATE_URL.");
  }
  return wire::response_from_json(answer);
}

std::optional<std::size_t> Client::connected_workers(const std::string& group) {
  auto future = asio::co_spawn(io_, network_->connected_workers(group), asio::use_future);
  io_.restart();
  io_.run();
  return future.get();  // never throws: unknown is nullopt
}

json::object Client::data_of_ok(wire::Response response, std::string_view subject) const {
  if (!response.ok() || !response.data.is_object()) throw status_error(response, subject, config_);
  return std::move(response.data.as_object());
}

CommandError status_error(const wire::Response& response, std::string_view subject, const ClientConfig& config) {
  const std::string message = response.message();
  const std::string what(subject);
  switch (response.status) {
    case 401:
      return CommandError(config.token.empty()
                              ? "unauthorized (401): the server requires a token; pass --token or set RESONATE_TOKEN"
                              : "unauthorized (401): the server refused the token (invalid, expired or for another "
                                "issuer/audience)");
    case 403:
      return CommandError("forbidden (403): the token does not permit this operation on " + what + " (" + message + ")");
    case 404: return CommandError("not found (404): " + what + " does not exist");
    case 409: return CommandError("conflict (409): " + what + ": " + message);
    case 400: return CommandError("rejected by the server (400): " + message);
    default: return CommandError("server error (" + std::to_string(response.status) + ") for " + what + ": " + message);
  }
}

}  // namespace resonate::cli
