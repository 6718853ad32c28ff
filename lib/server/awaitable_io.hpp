// The I/O objects of the server with their completion token declared once, as their default:
// `co_await timer.async_wait()` and `co_await http::async_read(stream, ...)` resume with a
// tuple (error_code, results...) instead of throwing, so every caller handles its errors where
// they happen (a refused connection or a cancelled timer is routine here, not exceptional).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace resonate::server {

using TupleAwaitable = boost::asio::as_tuple_t<boost::asio::use_awaitable_t<>>;

using Acceptor = TupleAwaitable::as_default_on_t<boost::asio::ip::tcp::acceptor>;
// What Acceptor::async_accept() yields.
using Socket = TupleAwaitable::as_default_on_t<boost::asio::ip::tcp::socket>;
using Stream = TupleAwaitable::as_default_on_t<boost::beast::tcp_stream>;
// A connection of a server with --tls-cert/--tls-key: TLS over Stream (whose deadlines and
// cancellation it keeps); its operations default to the same token.
using TlsStream = boost::beast::ssl_stream<Stream>;
using Resolver = TupleAwaitable::as_default_on_t<boost::asio::ip::tcp::resolver>;
using Timer = TupleAwaitable::as_default_on_t<boost::asio::steady_timer>;
// A socket the server only waits on (the store's feed of announcements).
using Descriptor = TupleAwaitable::as_default_on_t<boost::asio::posix::stream_descriptor>;

}  // namespace resonate::server
