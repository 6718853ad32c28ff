// Indented JSON for terminals: what every command prints on stdout.
#pragma once

#include <string>

#include <boost/json/value.hpp>

namespace resonate::cli {

// `value` serialized with two-space indentation and a trailing newline; empty objects and
// arrays stay on one line.
std::string pretty_json(const boost::json::value& value);

}  // namespace resonate::cli
