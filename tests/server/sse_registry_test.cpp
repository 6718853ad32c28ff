// Routing of poll:// addresses over the registry of live connections, and the execute head.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include "server/delivery.hpp"
#include "server/sse_registry.hpp"

using namespace resonate::server;
using resonate::wire::PollAddress;

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

  CHECK(registry.deliver(uni("g", "B"), "k", "m1") == SseRegistry::Delivery::queued);
  CHECK(b->take_all().size() == 1);
  CHECK(a->take_all().empty());
  CHECK(elsewhere->take_all().empty());
  CHECK(registry.deliver(uni("g", "Z"), "k", "m2") == SseRegistry::Delivery::parked);
  CHECK(registry.deliver(uni("nobody", "A"), "k", "m3") == SseRegistry::Delivery::parked);
}

TEST_CASE("unicast to a worker with two connections uses the first registered") {
  boost::asio::io_context io;
  SseRegistry registry(10, 10);
  auto first = registry.connect("g", "A", io.get_executor());
  auto second = registry.connect("g", "A", io.get_executor());
  for (int i = 0; i < 5; ++i) registry.deliver(uni("g", "A"), "k", "m");
  CHECK(first->take_all().size() == 5);
  CHECK(second->take_all().empty());
  registry.disconnect(first);
  registry.deliver(uni("g", "A"), "k", "m");
  CHECK(second->take_all().size() == 1);
}

TEST_CASE("anycast prefers the named worker, else any member; never another group") {
  boost::asio::io_context io;
  SseRegistry registry(10, 1000);
  auto a = registry.connect("g", "A", io.get_executor());
  auto b = registry.connect("g", "B", io.get_executor());
  auto other = registry.connect("h", "C", io.get_executor());

  for (int i = 0; i < 10; ++i) registry.deliver(any("g", "B"), "k", "m");
  CHECK(b->take_all().size() == 10);
  CHECK(a->take_all().empty());

  for (int i = 0; i < 60; ++i) CHECK(registry.deliver(any("g", "gone"), "k", "m") == SseRegistry::Delivery::queued);
  for (int i = 0; i < 60; ++i) registry.deliver(any("g"), "k", "m");
  const auto to_a = a->take_all().size();
  const auto to_b = b->take_all().size();
  CHECK(to_a + to_b == 120);
  CHECK(to_a > 0);  // all 120 on one side: probability 2^-119
  CHECK(to_b > 0);
  CHECK(other->take_all().empty());
  CHECK(registry.deliver(any("empty"), "k", "m") == SseRegistry::Delivery::parked);
}

TEST_CASE("capacity and bounded queues") {
  boost::asio::io_context io;
  SseRegistry registry(2, 3);
  auto a = registry.connect("g", "A", io.get_executor());
  auto b = registry.connect("g", "B", io.get_executor());
  CHECK(registry.connect("g", "C", io.get_executor()) == nullptr);
  CHECK(registry.size() == 2);

  for (int i = 0; i < 3; ++i) CHECK(registry.deliver(uni("g", "A"), "k", "m") == SseRegistry::Delivery::queued);
  CHECK(registry.deliver(uni("g", "A"), "k", "m") == SseRegistry::Delivery::queue_full);

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
  for (int i = 0; i < 20; ++i) CHECK(registry.deliver(any("g"), "k", "m") == SseRegistry::Delivery::queued);
  CHECK(live->take_all().size() == 20);
  CHECK(registry.deliver(uni("g", "A"), "k", "m") == SseRegistry::Delivery::parked);
  CHECK(registry.deliver(any("g", "A"), "k", "m") == SseRegistry::Delivery::queued);
  CHECK(live->take_all().size() == 1);
}

TEST_CASE("a message nobody can take waits for the first matching connection") {
  boost::asio::io_context io;
  SseRegistry registry(10, 100, std::chrono::minutes(1), 2);
  CHECK(registry.deliver(any("g"), "execute:t1", "old t1") == SseRegistry::Delivery::parked);
  CHECK(registry.deliver(any("g"), "execute:t1", "new t1") == SseRegistry::Delivery::parked);  // replaces
  CHECK(registry.deliver(uni("g", "P"), "unblock:p", "for P") == SseRegistry::Delivery::parked);
  // Parking is bounded per group: a third key is refused, and then dropped.
  CHECK(registry.deliver(any("g"), "execute:t3", "t3") == SseRegistry::Delivery::no_connection);

  auto q = registry.connect("g", "Q", io.get_executor());
  CHECK(q->take_all() == std::deque<std::string>{"new t1"});  // anycast: any member; unicast: not Q
  auto p = registry.connect("g", "P", io.get_executor());
  CHECK(p->take_all() == std::deque<std::string>{"for P"});
  auto late = registry.connect("g", "R", io.get_executor());
  CHECK(late->take_all().empty());  // handed over once
}

TEST_CASE("parked messages expire") {
  boost::asio::io_context io;
  SseRegistry registry(10, 100, std::chrono::milliseconds(0), 10);
  CHECK(registry.deliver(any("g"), "execute:t1", "t1") == SseRegistry::Delivery::parked);
  auto member = registry.connect("g", "A", io.get_executor());
  CHECK(member->take_all().empty());
}

TEST_CASE("parked messages expire on their deadline even when their group is never used again") {
  SseRegistry registry(10, 100, std::chrono::minutes(1), 10);
  for (int g = 0; g < 50; ++g) {
    CHECK(registry.deliver(any("fresh-" + std::to_string(g)), "k", std::string(100, 'x')) ==
          SseRegistry::Delivery::parked);
  }
  CHECK(registry.parked_bytes() == 5000);
  CHECK(registry.statuses().size() == 50);
  CHECK(registry.expire_parked(std::chrono::steady_clock::now()) == 0);  // not yet
  CHECK(registry.expire_parked(std::chrono::steady_clock::now() + std::chrono::minutes(2)) == 50);
  CHECK(registry.parked_bytes() == 0);
  CHECK(registry.statuses().empty());  // the groups' entries are freed too
}

TEST_CASE("parked messages are capped in bytes over all groups: the oldest make room") {
  boost::asio::io_context io;
  SseRegistry registry(10, 100, std::chrono::minutes(1), 10, 1000);
  CHECK(registry.deliver(any("a"), "k1", std::string(400, '1')) == SseRegistry::Delivery::parked);
  CHECK(registry.deliver(any("b"), "k2", std::string(400, '2')) == SseRegistry::Delivery::parked);
  CHECK(registry.take_evicted() == 0);
  CHECK(registry.deliver(any("c"), "k3", std::string(400, '3')) == SseRegistry::Delivery::parked);
  CHECK(registry.take_evicted() == 1);  // k1, the oldest
  CHECK(registry.parked_bytes() == 800);
  CHECK(registry.connect("a", "A", io.get_executor())->take_all().empty());
  CHECK(registry.connect("b", "B", io.get_executor())->take_all() == std::deque<std::string>{std::string(400, '2')});
  // A message larger than the whole cap is not parked at all.
  CHECK(registry.deliver(any("d"), "k4", std::string(2000, '4')) == SseRegistry::Delivery::no_connection);
  CHECK(registry.parked_bytes() == 400);
}
