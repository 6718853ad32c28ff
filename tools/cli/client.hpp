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

#include "wire/envelope.hpp"
#include "wire/requests.hpp"

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

class Client {
 public:
  // Throws UsageError when the server URL is not http://host[:port].
  explicit Client(ClientConfig config);
  ~Client();

  // Sends one request (wire/requests.hpp). Throws CommandError when the server cannot be
  // reached or does not answer with an envelope.
  template <typename Request>
  wire::Response call(const Request& request) {
    return send(std::string(Request::kind), to_json(request));
  }

  // Like call, but any status other than 200 becomes a CommandError whose message says what
  // went wrong in terms of `subject` (e.g. "promise 'approval-1'"). The answer's data as the
  // server sent it: the CLI shows records as they are, fields of other servers included.
  template <typename Request>
  boost::json::object call_ok(const Request& request, std::string_view subject) {
    return data_of_ok(call(request), subject);
  }

  // Workers of `group` connected to the server, when the server can tell (GET /groups/…).
  std::optional<std::size_t> connected_workers(const std::string& group);

  const ClientConfig& config() const { return config_; }

 private:
  wire::Response send(std::string kind, boost::json::object data);
  boost::json::object data_of_ok(wire::Response response, std::string_view subject) const;

  ClientConfig config_;
  boost::asio::io_context io_;
  std::shared_ptr<network::HttpNetwork> network_;
};

// The CommandError for a non-200 answer to a request about `subject`.
CommandError status_error(const wire::Response& response, std::string_view subject, const ClientConfig& config);

}  // namespace resonate::cli
