// A remote-only worker, built outside the project against the installed package: it only has
// to compile and link with resonate::sdk (tests/package/run_package_test.cmake runs no server).
// An https:// URL, so that the TLS context is made (the system CA store loaded) at startup.
#include <boost/asio/io_context.hpp>
#include <boost/asio/awaitable.hpp>

#include <resonate/resonate.hpp>

namespace asio = boost::asio;

int main() {
  asio::io_context io;
  resonate::RemoteConfig config;
  config.url = "https://127.0.0.1:9";
  config.token_provider = [] { return std::string("token"); };
  auto resonate = resonate::Resonate::remote(io.get_executor(), config);
  resonate.register_function("add", [](resonate::Context&, int a, int b) -> asio::awaitable<int> { co_return a + b; });
  // Not awaited: the io_context never runs, so no connection is attempted.
  [[maybe_unused]] auto connected = resonate.connected(std::chrono::seconds(1));
  resonate.stop();
  return 0;
}
