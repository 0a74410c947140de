#include "http/loopback_client.hpp"

#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <type_traits>

#include "core/errors.hpp"

namespace gh::http {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

core::Error transport_error(const std::string& what) {
  return core::errors::loopback_call_failed(what);
}

// Runs connect → (handshake) → write → read on `stream`, all under one deadline.
template <class Stream>
core::Result<Response> exchange(asio::io_context& io, Stream& stream, beast::tcp_stream& tcp_layer,
                                const tcp::resolver::results_type& endpoints, Request& req,
                                std::chrono::milliseconds deadline, std::size_t body_limit) {
  beast::error_code failure;
  std::string step;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(body_limit);
  beast::flat_buffer buffer;
  auto fail = [&](const char* what, beast::error_code ec) {
    if (!failure) {
      failure = ec;
      step = what;
    }
  };
  auto read_answer = [&] {
    bhttp::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
      if (ec) fail("read", ec);
    });
  };
  auto write_request = [&] {
    bhttp::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
      if (ec) return fail("write", ec);
      read_answer();
    });
  };
  tcp_layer.expires_after(deadline);
  tcp_layer.async_connect(endpoints, [&](beast::error_code ec, const tcp::endpoint&) {
    if (ec) return fail("connect", ec);
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      stream.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code hec) {
        if (hec) return fail("TLS handshake", hec);
        write_request();
      });
    } else {
      write_request();
    }
  });
  io.run();
  if (failure) return transport_error(step + ": " + failure.message());
  return parser.release();
}
}  // namespace

std::string connect_host(const std::string& bind_host) {
  if (bind_host.empty() || bind_host == "0.0.0.0") return "127.0.0.1";
  if (bind_host == "::" || bind_host == "[::]") return "::1";
  return bind_host;
}

core::Result<Response> loopback_call(const LoopbackTarget& target, Request req,
                                     std::chrono::milliseconds deadline, std::size_t body_limit) {
  asio::io_context io;
  beast::error_code ec;
  tcp::resolver resolver(io);
  auto endpoints =
      resolver.resolve(target.host, std::to_string(target.port),
                       tcp::resolver::numeric_host | tcp::resolver::numeric_service, ec);
  if (ec) return transport_error("address " + target.host + ": " + ec.message());
  req.prepare_payload();
  if (!target.tls) {
    beast::tcp_stream stream(io);
    return exchange(io, stream, stream, endpoints, req, deadline, body_limit);
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  ctx.load_verify_file(target.ca_file, ec);
  if (ec) return transport_error("certificate " + target.ca_file + ": " + ec.message());
  // The listener's leaf certificate is the anchor, whatever signed it.
  X509_STORE_set_flags(SSL_CTX_get_cert_store(ctx.native_handle()), X509_V_FLAG_PARTIAL_CHAIN);
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  return exchange(io, stream, beast::get_lowest_layer(stream), endpoints, req, deadline,
                  body_limit);
}

}  // namespace gh::http
