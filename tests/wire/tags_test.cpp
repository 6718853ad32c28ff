// wire::Tags behaves as the ordered map it replaced: key order, unique keys, map-like updates.
#include <doctest/doctest.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "wire/tags.hpp"

using resonate::wire::Tags;

namespace {
std::vector<std::string> keys_of(const Tags& tags) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : tags) keys.push_back(key);
  return keys;
}
}  // namespace

TEST_CASE("tags iterate in key order and keep the first of equal keys, like a map built from the same pairs") {
  const Tags tags{{"resonate:target", "t"}, {"b", "1"}, {"a", "first"}, {"a", "second"}};
  CHECK(keys_of(tags) == std::vector<std::string>{"a", "b", "resonate:target"});
  CHECK(tags.at("a") == "first");
  CHECK(tags.size() == 3);

  const std::map<std::string, std::string> user{{"z", "1"}, {"m", "2"}};
  const Tags copied(user.begin(), user.end());
  CHECK(keys_of(copied) == std::vector<std::string>{"m", "z"});
}

TEST_CASE("emplace keeps a present value, insert_or_assign and operator[] replace it, erase removes it") {
  Tags tags;
  CHECK(tags.empty());
  CHECK(tags.emplace("k", "1").second);
  CHECK_FALSE(tags.emplace("k", "2").second);
  CHECK(tags.at("k") == "1");
  CHECK_FALSE(tags.insert_or_assign("k", "3").second);
  CHECK(tags.at("k") == "3");
  CHECK(tags.insert_or_assign(std::string("j"), std::string("4")).second);
  tags["i"] = "5";
  CHECK(keys_of(tags) == std::vector<std::string>{"i", "j", "k"});
  CHECK(tags.contains("j"));
  CHECK(tags.find("absent") == tags.end());
  CHECK_THROWS_AS(tags.at("absent"), std::out_of_range);
  CHECK(tags.erase("j") == 1);
  CHECK(tags.erase("j") == 0);
  CHECK(keys_of(tags) == std::vector<std::string>{"i", "k"});
  CHECK(tags == Tags{{"k", "3"}, {"i", "5"}});
  CHECK_FALSE(tags == Tags{{"k", "3"}});
}
