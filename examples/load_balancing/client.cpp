// Load balancing, the client: asks any worker of the group `workers` to run
// compute_something(id, cost), prints the call's id and leaves; the call runs on without it.
//
//   load_balancing_client [--url http://127.0.0.1:8001] [--id job-1] [--cost 5] [--wait]
//
// --id names the call (a fresh id by default). Calling again with an id that exists does not
// start a second execution: it attaches to the first one. --wait stays for the result.
// (--url falls back to RESONATE_URL, then to http://127.0.0.1:8001.)
#include <chrono>
#include <cstdio>
#include <exception>
#include <random>
#include <string>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "resonate/resonate.hpp"

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string fresh_id() {
  std::random_device entropy;
  char text[32];
  std::snprintf(text, sizeof text, "job-%06x", entropy() & 0xffffffu);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  resonate::RemoteConfig config;
  config.group = "clients";  // the client serves no function; it only needs a group of its own
  std::string id = fresh_id();
  int cost = 5;
  bool wait = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    const bool has_value = i + 1 < argc;
    if (flag == "--wait") wait = true;
    else if (flag == "--url" && has_value) config.url = argv[++i];
    else if (flag == "--id" && has_value) id = argv[++i];
    else if (flag == "--cost" && has_value) cost = std::stoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--url URL] [--id ID] [--cost SECONDS] [--wait]\n", argv[0]);
      return 2;
    }
  }

  asio::io_context io;
  auto resonate = resonate::Resonate::remote(io.get_executor(), config);
  int status = 0;

  auto call = [&]() -> asio::awaitable<void> {
    try {
      // Creates the durable promise `id` with a task for any worker of `workers`, and
      // returns as soon as the server has stored it.
      auto handle = co_await resonate.rpc<json::object>(id, "compute_something", id, cost)
                        .target("poll://any@workers")
                        .spawn();
      std::printf("submitted id=%s cost=%ds\n", id.c_str(), cost);
      std::fflush(stdout);
      if (wait) {
        const json::object result = co_await handle.result();
        const std::string text = json::serialize(result);
        std::printf("result id=%s %s\n", id.c_str(), text.c_str());
      }
    } catch (const std::exception& error) {
      std::fprintf(stderr, "error id=%s %s\n", id.c_str(), error.what());
      status = 1;
    }
    resonate.stop();
  };
  asio::co_spawn(io, call, asio::detached);
  io.run();
  return status;
}
