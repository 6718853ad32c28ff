// Routing of poll:// addresses over the registry of live connections, and the execute head.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include "server/delivery.hpp"
#include "server/sse_registry.hpp"

using namespace resonate::server;
using resonate::protocol::PollAddress;

namespace {

PollAddress any(std::string group, std::string id = {}) { return {PollAddress::Cast::any, std::move(group), std::move(id)}; }
PollAddress uni(std::string group, std::string id) { return {PollAddress::Cast::uni, std::move(group), std::move(id)}; }

}  // namespace

TEST_CASE("unicast reaches only the named worker of the group") {
  boost::asio::io_context io;
  SseRegistry registry(10, 10);
  auto a = registry.connect("g", "A", io.get_executor());
  auto b = registry.connect("g", "B", io.get_executor());
  auto elsewhere = registry.connect("h", "B", io.get_executor());

  CHECK(registry.deliver(uni("g", "B"), "m1") == SseRegistry::Delivery::queued);
  CHECK(b->take_all().size() == 1);
  CHECK(a->take_all().empty());
  CHECK(elsewhere->take_all().empty());
  CHECK(registry.deliver(uni("g", "Z"), "m2") == SseRegistry::Delivery::no_connection);
  CHECK(registry.deliver(uni("nobody", "A"), "m3") == SseRegistry::Delivery::no_connection);
}

TEST_CASE("unicast to a worker with two connections uses the first registered") {
  boost::asio::io_context io;
  SseRegistry registry(10, 10);
  auto first = registry.connect("g", "A", io.get_executor());
  auto second = registry.connect("g", "A", io.get_executor());
  for (int i = 0; i < 5; ++i) registry.deliver(uni("g", "A"), "m");
  CHECK(first->take_all().size() == 5);
  CHECK(second->take_all().empty());
  registry.disconnect(first);
  registry.deliver(uni("g", "A"), "m");
  CHECK(second->take_all().size() == 1);
}

TEST_CASE("anycast prefers the named worker, else any member; never another group") {
  boost::asio::io_context io;
  SseRegistry registry(10, 1000);
  auto a = registry.connect("g", "A", io.get_executor());
  auto b = registry.connect("g", "B", io.get_executor());
  auto other = registry.connect("h", "C", io.get_executor());

  for (int i = 0; i < 10; ++i) registry.deliver(any("g", "B"), "m");
  CHECK(b->take_all().size() == 10);
  CHECK(a->take_all().empty());

  for (int i = 0; i < 60; ++i) CHECK(registry.deliver(any("g", "gone"), "m") == SseRegistry::Delivery::queued);
  for (int i = 0; i < 60; ++i) registry.deliver(any("g"), "m");
  const auto to_a = a->take_all().size();
  const auto to_b = b->take_all().size();
  CHECK(to_a + to_b == 120);
  CHECK(to_a > 0);  // all 120 on one side: probability 2^-119
  CHECK(to_b > 0);
  CHECK(other->take_all().empty());
  CHECK(registry.deliver(any("empty"), "m") == SseRegistry::Delivery::no_connection);
}

TEST_CASE("capacity and bounded queues") {
  boost::asio::io_context io;
  SseRegistry registry(2, 3);
  auto a = registry.connect("g", "A", io.get_executor());
  auto b = registry.connect("g", "B", io.get_executor());
  CHECK(registry.connect("g", "C", io.get_executor()) == nullptr);
  CHECK(registry.size() == 2);

  for (int i = 0; i < 3; ++i) CHECK(registry.deliver(uni("g", "A"), "m") == SseRegistry::Delivery::queued);
  CHECK(registry.deliver(uni("g", "A"), "m") == SseRegistry::Delivery::queue_full);

  registry.disconnect(b);
  CHECK(registry.size() == 1);
  CHECK(registry.connect("g", "C", io.get_executor()) != nullptr);

  registry.close_all();
  CHECK(a->closed());
  CHECK_FALSE(a->push("late"));
}

TEST_CASE("execute messages get the server URL in their head; others pass unchanged") {
  CHECK(with_server_url(R"({"kind":"execute","head":{},"data":{"task":{"id":"t","version":0}}})", "http://127.0.0.1:8001") ==
        R"({"kind":"execute","head":{"serverUrl":"http://127.0.0.1:8001"},"data":{"task":{"id":"t","version":0}}})");
  const std::string unblock = R"({"kind":"unblock","head":{},"data":{"promise":{"id":"p"}}})";
  CHECK(with_server_url(unblock, "http://x") == unblock);
}

TEST_CASE("closed streams are never chosen") {
  boost::asio::io_context io;
  SseRegistry registry(10, 100);
  auto gone = registry.connect("g", "A", io.get_executor());
  auto live = registry.connect("g", "B", io.get_executor());
  gone->close();
  for (int i = 0; i < 20; ++i) CHECK(registry.deliver(any("g"), "m") == SseRegistry::Delivery::queued);
  CHECK(live->take_all().size() == 20);
  CHECK(registry.deliver(uni("g", "A"), "m") == SseRegistry::Delivery::no_connection);
  CHECK(registry.deliver(any("g", "A"), "m") == SseRegistry::Delivery::queued);
  CHECK(live->take_all().size() == 1);
}
