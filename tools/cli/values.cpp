#include "values.hpp"

#include <boost/json/parse.hpp>

#include "arguments.hpp"
#include "sdk/base64.hpp"
#include "sdk/wire.hpp"
#include "wire/json_codec.hpp"

namespace resonate::cli {

namespace json = boost::json;

json::value parse_json_flag(std::string_view flag, std::string_view text) {
  boost::system::error_code error;
  auto parsed = json::parse(text, error);
  if (error) {
    throw UsageError(std::string(flag) + " must be a JSON text (strings need quotes, e.g. '\"yes\"'): " +
                     std::string(text));
  }
  return parsed;
}

wire::Value encode_value(const json::value& value) { return sdk::encode_value(value); }

json::value decode_data(std::string_view data) {
  auto text = sdk::base64_decode(data);
  if (!text) return json::string(data);
  boost::system::error_code error;
  auto parsed = json::parse(*text, error);
  if (error) return json::string(data);
  return parsed;
}

json::value present_value(const json::value& value) {
  const auto* object = value.if_object();
  if (!object) return value;
  json::object out = *object;
  if (const auto* data = out.if_contains("data"); data && data->is_string()) {
    auto decoded = decode_data(data->get_string());
    out["data"] = std::move(decoded);
  }
  return out;
}

namespace {
json::value present_members(const json::value& record, std::initializer_list<std::string_view> members) {
  const auto* object = record.if_object();
  if (!object) return record;
  json::object out = *object;
  for (const auto member : members) {
    if (auto* value = out.if_contains(member)) {
      auto presented = present_value(*value);
      *value = std::move(presented);
    }
  }
  return out;
}
}  // namespace

json::value present_promise(const json::value& promise) { return present_members(promise, {"param", "value"}); }

json::value present_schedule(const json::value& schedule) { return present_members(schedule, {"promiseParam"}); }

std::pair<std::string, std::string> parse_tag(std::string_view text) {
  const auto equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    throw UsageError("--tag must be key=value: " + std::string(text));
  }
  return {std::string(text.substr(0, equals)), std::string(text.substr(equals + 1))};
}

wire::Tags tags_of(const std::vector<std::string>& tag_flags) {
  wire::Tags tags;
  for (const auto& flag : tag_flags) {
    auto [key, value] = parse_tag(flag);
    tags.insert_or_assign(std::move(key), std::move(value));
  }
  return tags;
}

wire::Value invocation_value(std::string_view func, const json::array& args, int version) {
  return sdk::invocation_param(func, args, version);
}

std::string target_address(std::string_view target) {
  if (target.find("://") != std::string_view::npos) return std::string(target);
  return "poll://any@" + std::string(target);
}

}  // namespace resonate::cli
