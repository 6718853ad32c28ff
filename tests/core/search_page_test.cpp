// Search answers are bounded by bytes as well as by count (issue 15, defect 2): a page ends,
// with a cursor for the rest, once it holds CoreOptions::max_page_bytes of records.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "core/core.hpp"
#include "request_body.hpp"
#include "store/factories.hpp"

namespace {

namespace json = boost::json;
using resonate::core::Core;

constexpr std::int64_t kNow = 1700000000000;

json::object call(Core& core, const std::string& kind, const std::string& data) {
  const auto body = resonate::core_test::request_body(kind, data);
  auto reply = core.apply(kNow, body);
  auto answer = json::parse(reply.body).as_object();
  REQUIRE(answer.at("head").at("status") == 200);
  return answer.at("data").as_object();
}

void create(Core& core, const std::string& id, std::size_t param_bytes) {
  call(core, "promise.create",
       R"({"id":")" + id + R"(","timeoutAt":)" + std::to_string(kNow + 60000) + R"(,"param":{"data":")" +
           std::string(param_bytes, 'A') + R"("},"tags":{"k":"v"}})");
}

// Follows the cursors of a search; returns the ids of every page.
std::vector<std::vector<std::string>> pages_of(Core& core, int limit) {
  std::vector<std::vector<std::string>> pages;
  std::string cursor;
  do {
    std::string data = R"({"tags":{"k":"v"},"limit":)" + std::to_string(limit);
    if (!cursor.empty()) data += R"(,"cursor":")" + cursor + R"(")";
    auto page = call(core, "promise.search", data + "}");
    std::vector<std::string> ids;
    for (const auto& promise : page.at("promises").as_array()) ids.emplace_back(promise.at("id").as_string());
    pages.push_back(std::move(ids));
    cursor = page.contains("cursor") ? std::string(page.at("cursor").as_string()) : "";
  } while (!cursor.empty());
  return pages;
}

}  // namespace

TEST_CASE("search pages end at the byte bound with a cursor, and the cursors reach every result once") {
  auto store = resonate::store::make_memory_store();
  Core core(*store, {.max_page_bytes = 10000});
  for (int i = 0; i < 7; ++i) create(core, "big-" + std::to_string(i), 3000);
  const auto pages = pages_of(core, 1000);
  CHECK(pages.size() > 1);  // 7 × 3 KB does not fit one 10 KB page
  std::vector<std::string> all;
  for (const auto& page : pages) {
    CHECK_FALSE(page.empty());
    CHECK(page.size() <= 3);
    all.insert(all.end(), page.begin(), page.end());
  }
  CHECK(all == std::vector<std::string>{"big-0", "big-1", "big-2", "big-3", "big-4", "big-5", "big-6"});
}

TEST_CASE("a record larger than the byte bound still makes a page of its own") {
  auto store = resonate::store::make_memory_store();
  Core core(*store, {.max_page_bytes = 1000});
  create(core, "huge-a", 5000);
  create(core, "huge-b", 5000);
  CHECK(pages_of(core, 10) == std::vector<std::vector<std::string>>{{"huge-a"}, {"huge-b"}});
}

TEST_CASE("small records fill a page up to the count limit, read in chunks") {
  auto store = resonate::store::make_memory_store();
  Core core(*store);
  std::vector<std::string> expected;
  for (int i = 0; i < 60; ++i) {
    const auto id = "small-" + std::string(i < 10 ? "0" : "") + std::to_string(i);
    create(core, id, 10);
    expected.push_back(id);
  }
  const auto one = pages_of(core, 100);
  REQUIRE(one.size() == 1);
  CHECK(one[0] == expected);
  const auto split = pages_of(core, 30);
  REQUIRE(split.size() == 2);
  CHECK(split[0].size() == 30);
  CHECK(split[1].size() == 30);
}
