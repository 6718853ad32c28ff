// A synchronous protocol client for one CLI run: each call sends one envelope with
// HttpNetwork (POST /) and waits for the answer.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace resonate::network {
class HttpNetwork;
}

namespace resonate::cli {

// A failure to report on stderr; the CLI exits with `exit_code` (1 unless said otherwise).
class CommandError : public std::runtime_error {
 public:
  explicit CommandError(const std::string& message, int exit_code = 1)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

struct ClientConfig {
  std::string server;  // http://host:port
  std::string token;   // sent as "Authorization: Bearer" and head.auth when not empty
  std::chrono::milliseconds request_timeout{10000};
};

struct Response {
  int status = 0;
  boost::json::value data;  // an object on success, the server's message (a string) on errors
};

class Client {
 public:
  // Throws UsageError when the server URL is not http://host[:port].
  explicit Client(ClientConfig config);
  ~Client();

  // Sends one request. Throws CommandError when the server cannot be reached or does not
  // answer with an envelope.
  Response call(std::string_view kind, boost::json::object data);

  // Like call, but any status other than 200 becomes a CommandError whose message says what
  // went wrong in terms of `subject` (e.g. "promise 'approval-1'").
  boost::json::object call_ok(std::string_view kind, boost::json::object data, std::string_view subject);

  // Workers of `group` connected to the server, when the server can tell (GET /groups/…).
  std::optional<std::size_t> connected_workers(const std::string& group);

  const ClientConfig& config() const { return config_; }

 private:
  ClientConfig config_;
  boost::asio::io_context io_;
  std::shared_ptr<network::HttpNetwork> network_;
};

// The CommandError for a non-200 answer to a request about `subject`.
CommandError status_error(const Response& response, std::string_view subject, const ClientConfig& config);

}  // namespace resonate::cli
