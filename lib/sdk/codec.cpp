// The out-of-line part of resonate/codec.hpp.
#include "resonate/codec.hpp"

#include <boost/json/serialize.hpp>
#include <boost/system/system_error.hpp>

namespace resonate::detail {

void throw_decode_error(const boost::json::value& json, const std::exception& error) {
  // Boost.JSON's what() carries its source location and a full function signature; users
  // (and the promises that store this message) need the value and the reason only.
  constexpr std::size_t shown = 80;
  std::string value = boost::json::serialize(json);
  if (value.size() > shown) value = value.substr(0, shown) + "...";
  const auto* system_error = dynamic_cast<const boost::system::system_error*>(&error);
  const std::string reason = system_error ? system_error->code().message() : error.what();
  throw DecodeError("cannot decode " + value + ": " + reason);
}

}  // namespace resonate::detail
