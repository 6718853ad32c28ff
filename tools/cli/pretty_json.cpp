#include "pretty_json.hpp"

#include <charconv>
#include <cmath>

#include <boost/json/serialize.hpp>

namespace resonate::cli {

namespace json = boost::json;

namespace {
void write(const json::value& value, int depth, std::string& out) {
  const auto indent = [&out](int level) { out.append(static_cast<std::size_t>(level) * 2, ' '); };
  if (const auto* object = value.if_object(); object && !object->empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& member : *object) {
      if (!first) out += ",\n";
      first = false;
      indent(depth + 1);
      out += json::serialize(json::value(member.key()));
      out += ": ";
      write(member.value(), depth + 1, out);
    }
    out += '\n';
    indent(depth);
    out += '}';
  } else if (const auto* array = value.if_array(); array && !array->empty()) {
    out += "[\n";
    bool first = true;
    for (const auto& element : *array) {
      if (!first) out += ",\n";
      first = false;
      indent(depth + 1);
      write(element, depth + 1, out);
    }
    out += '\n';
    indent(depth);
    out += ']';
  } else if (value.is_double() && std::isfinite(value.get_double())) {
    // Boost.JSON writes doubles in scientific notation (12.5 as 1.25E1); people expect the
    // shortest decimal that reads back the same, as JavaScript prints it.
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value.get_double());
    out.append(buffer, result.ptr);
  } else {
    out += json::serialize(value);
  }
}
}  // namespace

std::string pretty_json(const json::value& value) {
  std::string out;
  write(value, 0, out);
  out += '\n';
  return out;
}

}  // namespace resonate::cli
