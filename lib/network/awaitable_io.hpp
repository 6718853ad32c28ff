// The I/O objects of the transports with their completion token declared once, as their
// default: `co_await timer.async_wait()` and `co_await http::async_read(stream, ...)` resume
// with a tuple (error_code, results...) instead of throwing, so a failed connection becomes a
// PlatformError or a reconnect right where it happens.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace resonate::network {

using TupleAwaitable = boost::asio::as_tuple_t<boost::asio::use_awaitable_t<>>;

using Stream = TupleAwaitable::as_default_on_t<boost::beast::tcp_stream>;
using Resolver = TupleAwaitable::as_default_on_t<boost::asio::ip::tcp::resolver>;
using Timer = TupleAwaitable::as_default_on_t<boost::asio::steady_timer>;

}  // namespace resonate::network
