// How user values cross the wire: Boost.JSON's value_from / value_to.
//
// Arguments and results of durable functions are converted with boost::json::value_from and
// boost::json::value_to, so standard types work out of the box and a user struct only needs
// the usual pair of tag_invoke overloads found by ADL:
//
//   struct Order { std::string item; int quantity; };
//   void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const Order& o) {
//     v = {{"item", o.item}, {"quantity", o.quantity}};
//   }
//   Order tag_invoke(boost::json::value_to_tag<Order>, const boost::json::value& v) {
//     const auto& o = v.as_object();
//     return {boost::json::value_to<std::string>(o.at("item")),
//             boost::json::value_to<int>(o.at("quantity"))};
//   }
//
// On the wire a value is base64(UTF-8(JSON)), the convention of the other Resonate SDKs, so
// TypeScript and C++ workers read each other's values. `void` travels as JSON null.
#pragma once

#include <exception>
#include <string>
#include <type_traits>

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include "resonate/errors.hpp"

namespace resonate {

template <class T>
boost::json::value encode(const T& value) {
  return boost::json::value_from(value);
}

namespace detail {
// "cannot decode "yes": value is not boolean": the value (shortened) and what was wrong with
// it, without Boost.JSON's source locations and signatures.
[[noreturn]] void throw_decode_error(const boost::json::value& json, const std::exception& error);
}  // namespace detail

// Throws DecodeError when `json` does not convert to T.
template <class T>
T decode(const boost::json::value& json) {
  if constexpr (std::is_void_v<T>) {
    return;
  } else {
    try {
      return boost::json::value_to<T>(json);
    } catch (const std::exception& e) {
      detail::throw_decode_error(json, e);
    }
  }
}

}  // namespace resonate
