#include "client.hpp"

#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include "arguments.hpp"
#include "network/http_network.hpp"
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
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--server: ") + e.what());
  }
}

Client::~Client() = default;

Response Client::call(std::string_view kind, json::object data) {
  auto envelope = sdk::request(kind, std::move(data), config_.token);
  auto future = asio::co_spawn(io_, network_->send(std::move(envelope)), asio::use_future);
  io_.restart();
  io_.run();
  json::object answer;
  try {
    answer = future.get();
  } catch (const std::exception& e) {
    throw CommandError(std::string("cannot reach the server at ") + config_.server + " (" + e.what() +
                       "); is resonate-server running? Set --server or RESONATE_URL.");
  }
  Response response;
  response.status = sdk::status_of(answer);
  if (auto* body = answer.if_contains("data")) response.data = std::move(*body);
  return response;
}

std::optional<std::size_t> Client::connected_workers(const std::string& group) {
  auto future = asio::co_spawn(io_, network_->connected_workers(group), asio::use_future);
  io_.restart();
  io_.run();
  return future.get();  // never throws: unknown is nullopt
}

json::object Client::call_ok(std::string_view kind, json::object data, std::string_view subject) {
  auto response = call(kind, std::move(data));
  if (response.status != 200 || !response.data.is_object()) throw status_error(response, subject, config_);
  return std::move(response.data.as_object());
}

CommandError status_error(const Response& response, std::string_view subject, const ClientConfig& config) {
  const std::string message =
      response.data.is_string() ? std::string(response.data.get_string()) : "status " + std::to_string(response.status);
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
