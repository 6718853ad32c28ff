// Strict field access on a JSON object, throwing InvalidRequest with a message that names
// the field. Shared by the readers of records (json_codec.cpp), requests (requests.cpp) and
// responses (responses.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "wire/json_codec.hpp"

namespace resonate::wire {

class JsonFields {
 public:
  // `json` must be an object, else InvalidRequest("<what> must be an object").
  JsonFields(const boost::json::value& json, std::string_view what);
  JsonFields(const boost::json::object& object, std::string_view what) : object_(object), what_(what) {}

  const boost::json::value* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }

  std::string string(std::string_view key) const;  // required
  std::optional<std::string> optional_string(std::string_view key) const;
  std::int64_t integer(std::string_view key) const;  // required
  std::optional<std::int64_t> optional_integer(std::string_view key) const;
  const boost::json::value& value(std::string_view key) const;  // required, any type
  const boost::json::object& object(std::string_view key) const;  // required object

  const boost::json::object& raw() const { return object_; }

 private:
  [[noreturn]] void fail(std::string_view key, std::string_view problem) const;

  const boost::json::object& object_;
  std::string what_;
};

}  // namespace resonate::wire
