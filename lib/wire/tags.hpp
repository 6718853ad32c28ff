// Tags: a promise's (or a payload's) string key/value pairs, ordered by key.
//
// A sorted vector rather than a std::map: records carry a handful of tags and are copied often
// (the store keeps one, a read returns one, an answer carries one), and a copy here is one
// allocation for the pairs (plus the strings too long to be stored inline) instead of one
// node per tag. Iteration is in key order, like the map it replaces, so JSON and SQL text are
// written alike. Keys are unique; lookups take a string_view and allocate nothing.
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace resonate::wire {

class Tags {
 public:
  using value_type = std::pair<std::string, std::string>;
  using iterator = std::vector<value_type>::iterator;
  using const_iterator = std::vector<value_type>::const_iterator;

  Tags() = default;
  // Like a map: of pairs with the same key, the first is kept. Many pairs are best given at
  // once (sorted once) rather than added one by one (each insertion moves the pairs after it).
  Tags(std::initializer_list<value_type> pairs) : Tags(std::vector<value_type>(pairs)) {}
  template <typename Iterator>
  Tags(Iterator first, Iterator last) : Tags(std::vector<value_type>(first, last)) {}
  explicit Tags(std::vector<value_type> pairs) : pairs_(std::move(pairs)) {
    std::stable_sort(pairs_.begin(), pairs_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    pairs_.erase(std::unique(pairs_.begin(), pairs_.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
                 pairs_.end());
  }

  iterator begin() { return pairs_.begin(); }
  iterator end() { return pairs_.end(); }
  const_iterator begin() const { return pairs_.begin(); }
  const_iterator end() const { return pairs_.end(); }
  std::size_t size() const { return pairs_.size(); }
  bool empty() const { return pairs_.empty(); }

  iterator find(std::string_view key) { return find_in(pairs_.begin(), pairs_.end(), key); }
  const_iterator find(std::string_view key) const { return find_in(pairs_.begin(), pairs_.end(), key); }
  bool contains(std::string_view key) const { return find(key) != end(); }
  // The value of `key`; std::out_of_range when absent, like map::at.
  const std::string& at(std::string_view key) const;

  // Adds the pair unless the key is present (then nothing changes), like map::emplace.
  template <typename K, typename V>
  std::pair<iterator, bool> emplace(K&& key, V&& value) {
    auto it = lower_bound(key);
    if (it != pairs_.end() && std::string_view(it->first) == std::string_view(key)) return {it, false};
    return {pairs_.emplace(it, std::string(std::forward<K>(key)), std::string(std::forward<V>(value))), true};
  }
  // Adds the pair, or replaces the value of its key.
  template <typename K, typename V>
  std::pair<iterator, bool> insert_or_assign(K&& key, V&& value) {
    auto [it, added] = emplace(std::forward<K>(key), std::string());
    it->second = std::forward<V>(value);
    return {it, added};
  }
  // The value of `key`, added empty when absent, like map::operator[].
  std::string& operator[](std::string_view key) { return emplace(key, std::string()).first->second; }
  // Removes `key`; how many pairs were removed (0 or 1).
  std::size_t erase(std::string_view key);

  friend bool operator==(const Tags&, const Tags&) = default;

 private:
  // The pair of `key` in [first, last), or last (iterators const or not).
  template <typename Iterator>
  static Iterator find_in(Iterator first, Iterator last, std::string_view key) {
    auto it = lower_bound_in(first, last, key);
    return it != last && std::string_view(it->first) == key ? it : last;
  }
  // The first pair in [first, last) whose key is not less than `key`.
  template <typename Iterator>
  static Iterator lower_bound_in(Iterator first, Iterator last, std::string_view key) {
    return std::lower_bound(first, last, key,
                            [](const value_type& pair, std::string_view wanted) { return std::string_view(pair.first) < wanted; });
  }
  iterator lower_bound(std::string_view key) { return lower_bound_in(pairs_.begin(), pairs_.end(), key); }

  std::vector<value_type> pairs_;
};

}  // namespace resonate::wire
