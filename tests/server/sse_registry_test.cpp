// Routing of poll:// addresses over the registry of live connections (scopes, bounded queues,
// cut streams and the redelivery of what they held), the per-stream queue, and the execute
// head. No sockets: the registry and SseQueue are driven directly, as the writer would.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include "server/delivery.hpp"
#include "server/sse_registry.hpp"

using namespace resonate::server;
using resonate::wire::PollAddress;

namespace {

PollAddress any(std::string group, std::string id = {}) { return {PollAddress::Cast::any, std::move(group), std::move(id)}; }
PollAddress uni(std::string group, std::string id) { return {PollAddress::Cast::uni, std::move(group), std::move(id)}; }

SseQueue::Limits limits(std::size_t messages, std::size_t bytes = 1 << 20) { return {messages, bytes}; }

SseRegistry::Delivery send(SseRegistry& registry, const PollAddress& address, std::string key, std::string payload,
                           std::optional<std::string> subject = std::nullopt) {
  return registry.deliver(StreamMessage{address, std::move(key), std::move(subject), std::move(payload)});
}

// What the stream's writer would send now: the queued payloads, written.
std::deque<std::string> taken(SseConnection& connection) {
  std::deque<std::string> payloads;
  for (const auto& message : connection.queue().start_write()) payloads.push_back(message.payload);
  connection.queue().finish_write();
  return payloads;
}
std::deque<std::string> taken(const std::shared_ptr<SseConnection>& connection) { return taken(*connection); }

}  // namespace

TEST_CASE("unicast reaches only the named worker of the group") {
  boost::asio::io_context io;
  SseRegistry registry(10, limits(10));
  auto a = registry.connect("g", "A", io.get_executor());
  auto b = registry.connect("g", "B", io.get_executor());
  auto elsewhere = registry.connect("h", "B", io.get_executor());

  CHECK(send(registry, uni("g", "B"), "k", "m1") == SseRegistry::Delivery::queued);
  CHECK(taken(b).size() == 1);
  CHECK(taken(a).empty());
  CHECK(taken(elsewhere).empty());
  CHECK(send(registry, uni("g", "Z"), "k", "m2") == SseRegistry::Delivery::parked);
  CHECK(send(registry, uni("nobody", "A"), "k", "m3") == SseRegistry::Delivery::parked);
}

TEST_CASE("unicast to a worker with two connections uses the first registered") {
  boost::asio::io_context io;
  SseRegistry registry(10, limits(10));
  auto first = registry.connect("g", "A", io.get_executor());
  auto second = registry.connect("g", "A", io.get_executor());
  for (int i = 0; i < 5; ++i) send(registry, uni("g", "A"), "k", "m");
  CHECK(taken(first).size() == 5);
  CHECK(taken(second).empty());
  registry.disconnect(first);
  send(registry, uni("g", "A"), "k", "m");
  CHECK(taken(second).size() == 1);
}

TEST_CASE("anycast prefers the named worker, else any member; never another group") {
  boost::asio::io_context io;
  SseRegistry registry(10, limits(1000));
  auto a = registry.connect("g", "A", io.get_executor());
  auto b = registry.connect("g", "B", io.get_executor());
  auto other = registry.connect("h", "C", io.get_executor());

  for (int i = 0; i < 10; ++i) send(registry, any("g", "B"), "k", "m");
  CHECK(taken(b).size() == 10);
  CHECK(taken(a).empty());

  for (int i = 0; i < 60; ++i) CHECK(send(registry, any("g", "gone"), "k", "m") == SseRegistry::Delivery::queued);
  for (int i = 0; i < 60; ++i) send(registry, any("g"), "k", "m");
  const auto to_a = taken(a).size();
  const auto to_b = taken(b).size();
  CHECK(to_a + to_b == 120);
  CHECK(to_a > 0);  // all 120 on one side: probability 2^-119
  CHECK(to_b > 0);
  CHECK(taken(other).empty());
  CHECK(send(registry, any("empty"), "k", "m") == SseRegistry::Delivery::parked);
}

TEST_CASE("capacity, and a stream whose queue is full is cut; its message waits for the reconnect") {
  boost::asio::io_context io;
  SseRegistry registry(2, limits(3));
  auto a = registry.connect("g", "A", io.get_executor());
  auto b = registry.connect("g", "B", io.get_executor());
  CHECK(registry.connect("g", "C", io.get_executor()) == nullptr);
  CHECK(registry.size() == 2);

  for (int i = 0; i < 3; ++i) CHECK(send(registry, uni("g", "A"), "k" + std::to_string(i), "m") == SseRegistry::Delivery::queued);
  int cuts = 0;
  a->on_cut([&cuts] { ++cuts; });
  // A's client is not reading: the fourth message cuts it and is parked for A's next stream.
  CHECK(send(registry, uni("g", "A"), "k3", "m3") == SseRegistry::Delivery::parked);
  CHECK(a->end() == StreamEnd::queue_full);
  CHECK(cuts == 1);
  CHECK(registry.status("g").parked == 1);

  registry.disconnect(b);
  CHECK(registry.size() == 1);
  auto c = registry.connect("g", "C", io.get_executor());
  CHECK(c != nullptr);

  registry.close_all();
  CHECK(c->end() == StreamEnd::shutdown);
  CHECK(a->end() == StreamEnd::queue_full);  // the first reason sticks
}

TEST_CASE("a stream's queue is bounded in bytes and messages, in flight included; one large message passes alone") {
  SseQueue queue(limits(3, 1000));
  const auto message = [](std::size_t bytes) { return StreamMessage{uni("g", "A"), "k", std::nullopt, std::string(bytes, 'x')}; };
  CHECK(queue.has_room_for(5000));  // empty: any single message
  queue.push(message(5000));
  CHECK_FALSE(queue.has_room_for(1));
  CHECK(queue.start_write().size() == 1);
  CHECK(queue.bytes() == 5000);  // in flight still counts: the socket has not taken it
  CHECK(queue.idle());
  queue.finish_write();
  CHECK(queue.bytes() == 0);

  queue.push(message(600));
  CHECK(queue.has_room_for(400));
  CHECK_FALSE(queue.has_room_for(401));
  queue.push(message(400));
  CHECK_FALSE(queue.has_room_for(1));  // 1000 bytes held
  CHECK(queue.start_write().size() == 2);
  queue.finish_write();
  for (int i = 0; i < 3; ++i) {
    CHECK(queue.has_room_for(1));
    queue.push(message(1));
  }
  CHECK_FALSE(queue.has_room_for(1));  // the message bound
  CHECK(queue.messages() == 3);

  // What a stream hands back: the batch in flight first, then the queue.
  SseQueue order(limits(10, 1000));
  order.push(StreamMessage{uni("g", "A"), "first", std::nullopt, "1"});
  (void)order.start_write();
  order.push(StreamMessage{uni("g", "A"), "second", std::nullopt, "2"});
  const auto unsent = order.take_unsent();
  REQUIRE(unsent.size() == 2);
  CHECK(unsent[0].key == "first");
  CHECK(unsent[1].key == "second");
  CHECK(order.bytes() == 0);
  CHECK(order.messages() == 0);
}

TEST_CASE("a stream's queue bound in bytes cuts it on large values well before its message bound") {
  boost::asio::io_context io;
  SseRegistry registry(10, limits(1000, 10000));
  auto slow = registry.connect("g", "slow", io.get_executor());
  auto other = registry.connect("g", "fast", io.get_executor());
  int delivered = 0;
  while (!slow->closed() && delivered < 100) {
    send(registry, uni("g", "slow"), "unblock:" + std::to_string(delivered), std::string(3000, 'v'));
    ++delivered;
  }
  CHECK(slow->end() == StreamEnd::queue_full);
  CHECK(delivered == 4);  // 3 × 3000 bytes held; the fourth would pass 10000
  CHECK(registry.queued_bytes() == 9000);
  // The other stream is untouched and keeps receiving.
  CHECK(send(registry, uni("g", "fast"), "x", "for fast") == SseRegistry::Delivery::queued);
  CHECK(taken(other) == std::deque<std::string>{"for fast"});
}

TEST_CASE("what a cut stream held is routed again: anycast to another member, unicast parked for its worker") {
  boost::asio::io_context io;
  SseRegistry registry(10, limits(2));
  auto stalled = registry.connect("g", "A", io.get_executor());
  CHECK(send(registry, uni("g", "A"), "unblock:p1", "for A") == SseRegistry::Delivery::queued);
  CHECK(send(registry, any("g", "A"), "execute:t1", "any") == SseRegistry::Delivery::queued);
  (void)stalled->queue().start_write();  // a write that never ends
  auto healthy = registry.connect("g", "B", io.get_executor());
  // The third message finds A's queue full: A is cut, and the message (anycast) goes to B.
  CHECK(send(registry, any("g", "A"), "execute:t2", "any 2") == SseRegistry::Delivery::queued);
  CHECK(stalled->end() == StreamEnd::queue_full);
  CHECK(taken(healthy) == std::deque<std::string>{"any 2"});

  // A's writer ends: what it held (its batch in flight included) is routed again.
  const auto redelivery = registry.disconnect(stalled);
  CHECK(redelivery.queued == 1);  // the anycast execute, to B
  CHECK(redelivery.parked == 1);  // the unicast unblock, for A's next stream
  CHECK(redelivery.no_connection == 0);
  CHECK(taken(healthy) == std::deque<std::string>{"any"});
  auto back = registry.connect("g", "A", io.get_executor());
  CHECK(taken(back) == std::deque<std::string>{"for A"});
  CHECK(registry.disconnect(stalled).queued == 0);  // once only
}

TEST_CASE("parked messages are handed to a connected stream as its queue drains") {
  boost::asio::io_context io;
  SseRegistry registry(10, limits(1));
  for (int i = 0; i < 3; ++i) {
    CHECK(send(registry, any("g"), "execute:t" + std::to_string(i), std::to_string(i)) == SseRegistry::Delivery::parked);
  }
  auto a = registry.connect("g", "A", io.get_executor());
  CHECK(registry.status("g").parked == 2);  // a queue of one takes one at a time, without being cut
  CHECK_FALSE(a->closed());
  for (int i = 0; i < 3; ++i) {
    CHECK(taken(a).size() == 1);
    registry.refill(*a);  // what the writer does after each write
  }
  CHECK(registry.status("g").parked == 0);
  CHECK(a->queue().idle());
}

TEST_CASE("a scoped stream is never handed another tenant's message; a stream that may carry it is") {
  boost::asio::io_context io;
  SseRegistry registry(10, limits(100));
  auto tenant = registry.connect("shared", "T", io.get_executor(), StreamScope{"tenant-"});
  auto admin = registry.connect("shared", "A", io.get_executor());

  // Anycast work of another tenant: always the admin's stream, however the dice fall.
  for (int i = 0; i < 40; ++i) {
    CHECK(send(registry, any("shared"), "execute:other-" + std::to_string(i), "other", "other-" + std::to_string(i)) ==
          SseRegistry::Delivery::queued);
  }
  CHECK(taken(admin).size() == 40);
  CHECK(taken(tenant).empty());
  // Even addressed to the tenant's own worker id: anycast falls back to the admin ...
  CHECK(send(registry, any("shared", "T"), "execute:other-x", "other x", "other-x") == SseRegistry::Delivery::queued);
  CHECK(taken(admin) == std::deque<std::string>{"other x"});
  // ... and unicast waits parked for a stream of worker T that may carry it.
  CHECK(send(registry, uni("shared", "T"), "unblock:other-v", "other value", "other-v") == SseRegistry::Delivery::parked);
  CHECK(taken(tenant).empty());
  // A message without a subject (unknown kind) is for unrestricted streams only.
  CHECK(send(registry, uni("shared", "T"), "odd", "odd") == SseRegistry::Delivery::parked);
  // The tenant's own messages reach it.
  CHECK(send(registry, uni("shared", "T"), "unblock:tenant-v", "own value", "tenant-v") == SseRegistry::Delivery::queued);
  CHECK(taken(tenant) == std::deque<std::string>{"own value"});

  // A scoped stream of the same worker connecting takes nothing foreign; an unrestricted one does.
  auto second_tenant = registry.connect("shared", "T", io.get_executor(), StreamScope{"tenant-"});
  CHECK(taken(second_tenant).empty());
  auto admin_as_t = registry.connect("shared", "T", io.get_executor());
  CHECK(taken(admin_as_t).size() == 2);
  CHECK(registry.status("shared").parked == 0);
}

TEST_CASE("a scope's prefix: empty admits everything; otherwise the subject must start with it") {
  CHECK(StreamScope{}.admits(std::nullopt));
  CHECK(StreamScope{}.admits("anything"));
  CHECK(StreamScope{"t-"}.admits("t-1"));
  CHECK_FALSE(StreamScope{"t-"}.admits("x-1"));
  CHECK_FALSE(StreamScope{"t-"}.admits("t"));
  CHECK_FALSE(StreamScope{"t-"}.admits(std::nullopt));
}

TEST_CASE("execute messages get the server URL in their head; others pass unchanged; both name their subject") {
  CHECK(with_server_url(R"({"kind":"execute","head":{},"data":{"task":{"id":"t","version":0}}})", "http://127.0.0.1:8001") ==
        R"({"kind":"execute","head":{"serverUrl":"http://127.0.0.1:8001"},"data":{"task":{"id":"t","version":0}}})");
  const std::string unblock = R"({"kind":"unblock","head":{},"data":{"promise":{"id":"p"}}})";
  CHECK(with_server_url(unblock, "http://x") == unblock);
  CHECK(prepare_message(unblock, "http://x").subject == std::optional<std::string>("p"));
  CHECK(prepare_message(R"({"kind":"execute","head":{},"data":{"task":{"id":"t","version":0}}})", "u").subject ==
        std::optional<std::string>("t"));
  CHECK_FALSE(prepare_message(R"({"kind":"other","data":{"promise":{"id":"p"}}})", "u").subject.has_value());
  CHECK_FALSE(prepare_message(R"({"kind":"unblock","data":{"promise":{"id":7}}})", "u").subject.has_value());
  CHECK_FALSE(prepare_message("not json", "u").subject.has_value());
}

TEST_CASE("closed streams are never chosen") {
  boost::asio::io_context io;
  SseRegistry registry(10, limits(100));
  auto gone = registry.connect("g", "A", io.get_executor());
  auto live = registry.connect("g", "B", io.get_executor());
  gone->close(StreamEnd::client_closed);
  for (int i = 0; i < 20; ++i) CHECK(send(registry, any("g"), "k", "m") == SseRegistry::Delivery::queued);
  CHECK(taken(live).size() == 20);
  CHECK(send(registry, uni("g", "A"), "k", "m") == SseRegistry::Delivery::parked);
  CHECK(send(registry, any("g", "A"), "k", "m") == SseRegistry::Delivery::queued);
  CHECK(taken(live).size() == 1);
}

TEST_CASE("a message nobody can take waits for the first matching connection") {
  boost::asio::io_context io;
  SseRegistry registry(10, limits(100), std::chrono::minutes(1), 2);
  CHECK(send(registry, any("g"), "execute:t1", "old t1") == SseRegistry::Delivery::parked);
  CHECK(send(registry, any("g"), "execute:t1", "new t1") == SseRegistry::Delivery::parked);  // replaces
  CHECK(send(registry, uni("g", "P"), "unblock:p", "for P") == SseRegistry::Delivery::parked);
  // Parking is bounded per group: a third key is refused, and then dropped.
  CHECK(send(registry, any("g"), "execute:t3", "t3") == SseRegistry::Delivery::no_connection);

  auto q = registry.connect("g", "Q", io.get_executor());
  CHECK(taken(q) == std::deque<std::string>{"new t1"});  // anycast: any member; unicast: not Q
  auto p = registry.connect("g", "P", io.get_executor());
  CHECK(taken(p) == std::deque<std::string>{"for P"});
  auto late = registry.connect("g", "R", io.get_executor());
  CHECK(taken(late).empty());  // handed over once
}

TEST_CASE("parked messages expire") {
  boost::asio::io_context io;
  SseRegistry registry(10, limits(100), std::chrono::milliseconds(0), 10);
  CHECK(send(registry, any("g"), "execute:t1", "t1") == SseRegistry::Delivery::parked);
  auto member = registry.connect("g", "A", io.get_executor());
  CHECK(taken(member).empty());
}

TEST_CASE("parked messages expire on their deadline even when their group is never used again") {
  SseRegistry registry(10, limits(100), std::chrono::minutes(1), 10);
  for (int g = 0; g < 50; ++g) {
    CHECK(send(registry, any("fresh-" + std::to_string(g)), "k", std::string(100, 'x')) ==
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
  SseRegistry registry(10, limits(100), std::chrono::minutes(1), 10, 1000);
  CHECK(send(registry, any("a"), "k1", std::string(400, '1')) == SseRegistry::Delivery::parked);
  CHECK(send(registry, any("b"), "k2", std::string(400, '2')) == SseRegistry::Delivery::parked);
  CHECK(registry.take_evicted() == 0);
  CHECK(send(registry, any("c"), "k3", std::string(400, '3')) == SseRegistry::Delivery::parked);
  CHECK(registry.take_evicted() == 1);  // k1, the oldest
  CHECK(registry.parked_bytes() == 800);
  CHECK(taken(registry.connect("a", "A", io.get_executor())).empty());
  CHECK(taken(registry.connect("b", "B", io.get_executor())) == std::deque<std::string>{std::string(400, '2')});
  // A message larger than the whole cap is not parked at all.
  CHECK(send(registry, any("d"), "k4", std::string(2000, '4')) == SseRegistry::Delivery::no_connection);
  CHECK(registry.parked_bytes() == 400);
}

TEST_CASE("what another replica announced is worth a look only with a stream that can carry it") {
  boost::asio::io_context io;
  SseRegistry registry(10, limits(10));
  auto a = registry.connect("g", "A", io.get_executor());
  auto carries = [&registry](std::string_view announced) {
    return resonate::core::Carrier::read(announced).admitted_by(registry.routes());
  };
  CHECK(carries(""));  // anything: an http:// push
  CHECK(carries("g"));
  CHECK(carries("g/A"));
  CHECK_FALSE(carries("g/B"));  // another member of the group, connected elsewhere
  CHECK_FALSE(carries("h"));
  CHECK_FALSE(carries("h/A"));
  registry.disconnect(a);
  CHECK_FALSE(carries("g"));
  CHECK_FALSE(carries("g/A"));
}
