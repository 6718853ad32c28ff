#include "wire/json_fields.hpp"

namespace resonate::wire {

namespace {
const boost::json::object& as_object(const boost::json::value& json, std::string_view what) {
  if (!json.is_object()) throw InvalidRequest("Invalid request: " + std::string(what) + " must be an object");
  return json.get_object();
}
}  // namespace

JsonFields::JsonFields(const boost::json::value& json, std::string_view what)
    : object_(as_object(json, what)), what_(what) {}

const boost::json::value* JsonFields::find(std::string_view key) const {
  auto it = object_.find(key);
  return it == object_.end() ? nullptr : &it->value();
}

void JsonFields::fail(std::string_view key, std::string_view problem) const {
  throw InvalidRequest("Invalid request: " + what_ + "." + std::string(key) + " " + std::string(problem));
}

const boost::json::value& JsonFields::value(std::string_view key) const {
  const auto* found = find(key);
  if (found == nullptr) fail(key, "is required");
  return *found;
}

std::string JsonFields::string(std::string_view key) const {
  const auto& found = value(key);
  if (!found.is_string()) fail(key, "must be a string");
  return std::string(found.get_string());
}

std::optional<std::string> JsonFields::optional_string(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return string(key);
}

std::int64_t JsonFields::integer(std::string_view key) const {
  const auto& found = value(key);
  if (found.is_int64()) return found.get_int64();
  if (found.is_uint64() && found.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(found.get_uint64());
  }
  fail(key, "must be an integer");
}

std::optional<std::int64_t> JsonFields::optional_integer(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return integer(key);
}

const boost::json::object& JsonFields::object(std::string_view key) const {
  const auto& found = value(key);
  if (!found.is_object()) fail(key, "must be an object");
  return found.get_object();
}

}  // namespace resonate::wire
