// A remote-only worker, built outside the project against the installed package: it only has
// to compile and link with resonate::sdk (tests/package/run_package_test.cmake runs no server).
#include <boost/asio/io_context.hpp>
#include <boost/asio/awaitable.hpp>

#include <resonate/resonate.hpp>

namespace asio = boost::asio;

int main() {
  asio::io_context io;
  auto resonate = resonate::Resonate::remote(io.get_executor(), {.url = "http://127.0.0.1:9"});
  resonate.register_function("add", [](resonate::Context&, int a, int b) -> asio::awaitable<int> { co_return a + b; });
  // The io_context never runs: no connection is attempted.
  resonate.stop();
  return 0;
}
