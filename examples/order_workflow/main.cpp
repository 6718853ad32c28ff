// order_workflow: the shape of a real order-processing workflow.
//
// process_order(order) takes a struct argument (converted to JSON through Boost.Describe),
//   1. charges the card in a step that the SDK retries (the simulated gateway fails its first
//      call in every process),
//   2. reserves every item concurrently (spawn_run per item, fan-in with when_all),
//   3. sleeps durably (a cooling-off period: a restarted process only waits for what is left),
//   4. waits for a person's approval on a promise with a name of its own, approval-<order id>,
//      which stays the same however the workflow changes before it,
//   5. ships, or cancels when the approval says no or is not a boolean at all.
// Every line it prints comes from a step or is guarded by ctx.is_replaying(), so a replay after
// a crash prints nothing twice.
//
//   order_workflow --id order-7 --auto-approve true          embedded, in memory
//   order_workflow --id order-7 --db orders.db ...           embedded, SQLite: kill -9, restart
//   order_workflow --id order-7 --url http://127.0.0.1:8001  against a resonate-server; settle
//       the approval with: resonate promises resolve approval-order-7 --data true
//
// More options: --items a,b,c (default apples,pears,plums), --sleep-ms MS (default 1000),
// --ttl-ms MS (lease; default 3000), --auto-approve JSON (this program settles the approval
// itself with that value once the workflow asks for it).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/describe.hpp>
#include <boost/json/parse.hpp>

#include "resonate/resonate.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace shop {

// Described members are enough for Boost.JSON: no tag_invoke needed.
struct Order {
  std::string id;
  std::string customer;
  std::vector<std::string> items;
  double total = 0;
};
BOOST_DESCRIBE_STRUCT(Order, (), (id, customer, items, total))

}  // namespace shop

namespace {

void say(const std::string& line) {
  // One write per line: concurrent steps must not interleave their output.
  std::string text = line + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

std::string money(double amount) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", amount);
  return buffer;
}

// The payment gateway of this demo times out on its first call in every process.
std::atomic<int> gateway_calls{0};

int sleep_ms = 1000;

asio::awaitable<std::string> process_order(resonate::Context& ctx, shop::Order order) {
  // A plain log line, not a step: is_replaying keeps it from repeating on every pass.
  if (!co_await ctx.is_replaying()) say(order.id + ": processing for " + order.customer);

  // 1. A retried step: its failures are retried in this process; its result is stored once.
  const resonate::Options payment{.retry = resonate::RetryPolicy::constant(100ms, 5)};
  auto charge = [&order]() -> std::string {
    if (gateway_calls.fetch_add(1) == 0) throw std::runtime_error("payment gateway timed out");
    say(order.id + ": charged " + money(order.total) + " to " + order.customer);
    return "receipt-" + order.id;
  };
  const std::string receipt = co_await ctx.run(payment, charge);

  // 2. Fan-out: one concurrent step per item, then fan-in.
  auto reserve = [&order](std::string item) {
    say(order.id + ": reserved " + item);
    return item;
  };
  std::vector<resonate::Handle<std::string>> reservations;
  for (const auto& item : order.items) {
    auto handle = co_await ctx.spawn_run(reserve, item);
    reservations.push_back(handle);
  }
  const std::vector<std::string> reserved = co_await resonate::when_all(reservations);

  // 3. A durable sleep.
  auto announce_sleep = [&order] { say(order.id + ": cooling off"); };
  co_await ctx.run(announce_sleep);
  co_await ctx.sleep(std::chrono::milliseconds(sleep_ms));

  // 4. A named promise that a person settles.
  auto approval = co_await ctx.promise<bool>("approval-" + order.id);
  auto ask = [&order, &approval] { say(order.id + ": waiting for approval on promise " + approval.id()); };
  co_await ctx.run(ask);
  std::string refusal;
  try {
    const bool approved = co_await approval.result();
    if (!approved) refusal = "not approved";
  } catch (const resonate::DecodeError& e) {
    // Somebody answered "yes" instead of true: the workflow decides what that means.
    refusal = std::string("approval is not a boolean (") + e.what() + ")";
  }

  // 5. Ship or cancel.
  if (!refusal.empty()) {
    auto cancel = [&order, &refusal, &receipt] { say(order.id + ": refunded " + receipt + ": " + refusal); };
    co_await ctx.run(cancel);
    co_return "cancelled: " + refusal;
  }
  auto ship = [&order, &reserved] { say(order.id + ": shipped " + std::to_string(reserved.size()) + " items"); };
  co_await ctx.run(ship);
  co_return "shipped " + std::to_string(reserved.size()) + " items to " + order.customer;
}

struct Arguments {
  std::string id = "order-1";
  std::vector<std::string> items{"apples", "pears", "plums"};
  int ttl_ms = 3000;
  std::string db;   // SQLite file for embedded mode; empty: in memory
  std::string url;  // a resonate-server; empty: embedded
  std::string auto_approve;  // JSON text; empty: a person settles the approval
};

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = list.find(',', start);
    const auto end = comma == std::string::npos ? list.size() : comma;
    if (end > start) parts.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

Arguments parse(int argc, char** argv) {
  if (argc % 2 == 0) throw std::invalid_argument("option " + std::string(argv[argc - 1]) + " needs a value");
  Arguments arguments;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--id") arguments.id = value;
    else if (flag == "--items") arguments.items = split(value);
    else if (flag == "--sleep-ms") sleep_ms = std::stoi(value);
    else if (flag == "--ttl-ms") arguments.ttl_ms = std::stoi(value);
    else if (flag == "--db") arguments.db = value;
    else if (flag == "--url") arguments.url = value;
    else if (flag == "--auto-approve") arguments.auto_approve = value;
    else throw std::invalid_argument("unknown option " + std::string(flag));
  }
  return arguments;
}

resonate::Resonate connect(asio::io_context& io, const Arguments& arguments) {
  if (!arguments.url.empty()) {
    resonate::RemoteConfig config;
    config.url = arguments.url;
    config.group = "orders";
    config.ttl = std::chrono::milliseconds(arguments.ttl_ms);
    return resonate::Resonate::remote(io.get_executor(), config);
  }
  resonate::LocalConfig config;
  config.group = "orders";
  config.store_path = arguments.db;
  config.ttl = std::chrono::milliseconds(arguments.ttl_ms);
  return resonate::Resonate::local(io.get_executor(), config);
}

// Settles the approval once the workflow has created it (polls: the promise appears when the
// workflow reaches step 4).
asio::awaitable<void> approve_when_asked(resonate::Resonate& resonate, std::string id, boost::json::value decision) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    try {
      auto handle = co_await resonate.get<boost::json::value>(id);
      co_await resonate.resolve(id, decision);
      co_return;
    } catch (const resonate::NotFoundError&) {
    }
    timer.expires_after(50ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Arguments arguments;
  try {
    arguments = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "%s\nusage: %s [--id ID] [--items a,b,c] [--sleep-ms MS] [--ttl-ms MS] [--auto-approve JSON] "
                 "[--db FILE | --url URL]\n",
                 e.what(), argv[0]);
    return 2;
  }

  asio::io_context io;
  auto resonate = connect(io, arguments);
  auto process_order_function = resonate.register_function("process_order", process_order);

  if (!arguments.auto_approve.empty()) {
    asio::co_spawn(io, approve_when_asked(resonate, "approval-" + arguments.id, boost::json::parse(arguments.auto_approve)),
                   asio::detached);
  }

  int status = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          const shop::Order order{arguments.id, "Ada", arguments.items, 12.5};
          // An existing order id attaches to that execution instead of starting another.
          auto result = co_await process_order_function.run(arguments.id, order);
          say(arguments.id + ": " + result);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "order failed: %s\n", e.what());
          status = 1;
        }
        resonate.stop();
      },
      asio::detached);
  io.run();
  return status;
}
