// Payloads as people type and read them, versus as the SDKs store them.
//
// The SDKs keep a promise's param and value as {"headers": {}, "data": base64(JSON text)}
// (resonate-protocol.md §5.4). The CLI takes plain JSON (--data, --arg) and encodes it the
// same way, so a worker reads it like a value written by the SDK; on output it decodes
// `data` back to JSON whenever it is base64 of JSON.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "wire/records.hpp"

namespace resonate::cli {

// Parses a JSON text given on the command line; UsageError naming `flag` when it is not JSON.
boost::json::value parse_json_flag(std::string_view flag, std::string_view text);

// The wire value carrying `json`: {"headers": {}, "data": base64(serialized json)}.
wire::Value encode_value(const boost::json::value& json);

// The JSON inside a wire `data` string, or the string itself when it is not base64 of JSON.
boost::json::value decode_data(std::string_view data);

// A wire value with its `data` decoded (other members unchanged).
boost::json::value present_value(const boost::json::value& value);
// Records with their payloads decoded: param and value of a promise, promiseParam of a schedule.
boost::json::value present_promise(const boost::json::value& promise);
boost::json::value present_schedule(const boost::json::value& schedule);

// "key=value" of --tag; UsageError when there is no '=' or the key is empty.
std::pair<std::string, std::string> parse_tag(std::string_view text);
wire::Tags tags_of(const std::vector<std::string>& tag_flags);

// The param of a promise that invokes a registered function, as the SDKs' rpc writes it:
// {"func": name, "args": [...], "version": n}, encoded.
wire::Value invocation_value(std::string_view func, const boost::json::array& args, int version);

// A task address from --target: full addresses ("poll://any@workers") as given, a bare group
// name ("workers") as poll://any@<group>, like the SDKs' target option.
std::string target_address(std::string_view target);

}  // namespace resonate::cli
