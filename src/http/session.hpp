#pragma once
// One HTTP/1.1 connection: read a request under the limits, run the handler, write the answer, and
// loop while the connection is kept alive. Pipelined requests queue in the read buffer and are
// answered strictly in order. Works over a plain tcp_stream or an ssl_stream<tcp_stream>.
//
// Timeouts: while no byte of the next request has arrived, the idle timeout applies; from the first
// byte on, the whole request (head and body) must arrive within the request timeout, so a client
// that trickles bytes cannot hold a connection open.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <optional>

#include "http/server.hpp"

namespace gh::http::detail {

namespace beast = boost::beast;
namespace asio = boost::asio;

// What the listener shares with its sessions.
struct SessionShared {
  const ServerOptions& options;
  const Handler& handler;             // used when async_handler is empty
  const AsyncHandler& async_handler;  // preferred when set
  std::atomic<bool>& stopping;
};

// Maps a parse failure to the protocol error the client is told about. `buffer` holds the bytes
// read so far, to tell an overlong request line (414) from overlong headers (494).
ProtocolError classify_parse_error(const beast::error_code& ec, std::string_view buffer,
                                   const ServerOptions& o);
// Checks the parsed head against the per-header and total limits (the parser only bounds the sum).
std::optional<ProtocolError> check_head_limits(const Request& req, const ServerOptions& o);
// The response as HTTP/1.1 bytes in one buffer (status line, fields as set, body), replacing
// `out`. One contiguous write instead of Beast's general-purpose serializer.
void serialize_response(const Response& res, std::string& out);
Response render_protocol_error(const ServerOptions& o, ProtocolError e, unsigned version,
                               std::string_view target = {});

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, SessionShared shared, RequestContext ctx)
      : stream_(std::move(stream)),
        shared_(shared),
        ctx_(std::move(ctx)),
        buffer_(shared.options.request_line_limit + shared.options.headers_total_limit + 16384) {}

  void start() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(shared_.options.request_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->read_next();
                              });
    } else {
      read_next();
    }
  }

 private:
  const ServerOptions& opt() const { return shared_.options; }
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void read_next() {
    if (shared_.stopping.load(std::memory_order_relaxed)) return close();
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(opt().request_line_limit + opt().headers_total_limit + 4));
    parser_->body_limit(opt().body_limit);
    if (buffer_.size() > 0) return read_rest();
    tcp().expires_after(opt().idle_timeout);
    beast::http::async_read_some(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->on_read_error(ec);
          self->read_rest();
        });
  }

  void read_rest() {
    tcp().expires_after(opt().request_timeout);
    beast::http::async_read(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->on_read_error(ec);
                              self->on_request();
                            });
  }

  void on_read_error(const beast::error_code& ec) {
    using he = beast::http::error;
    if (ec == he::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::ssl::error::stream_truncated)
      return close();
    auto data = buffer_.data();
    std::string_view seen(static_cast<const char*>(data.data()), data.size());
    std::string target;  // set as soon as the request line was parsed, even if a header failed
    if (parser_) {
      auto t = parser_->get().target();
      target.assign(t.data(), t.size());
    }
    answer_and_close(classify_parse_error(ec, seen, opt()), target);
  }

  void on_request() {
    Request req = parser_->release();
    std::string_view target(req.target().data(), req.target().size());
    if (auto e = check_head_limits(req, opt())) return answer_and_close(*e, target);
    bool keep_alive = req.keep_alive() && !shared_.stopping.load(std::memory_order_relaxed);
    unsigned version = req.version();
    if (shared_.async_handler) {
      auto self = this->shared_from_this();
      auto respond = [self, keep_alive, version](Response res) {
        auto executor = self->tcp().get_executor();
        asio::dispatch(executor, [self, keep_alive, version, res = std::move(res)]() mutable {
          self->finish(std::move(res), keep_alive, version);
        });
      };
      try {
        shared_.async_handler(std::move(req), ctx_, std::move(respond));
      } catch (...) {
        answer_and_close(ProtocolError::kInternal);
      }
      return;
    }
    Response res;
    try {
      res = shared_.handler(req, ctx_);
    } catch (...) {
      return answer_and_close(ProtocolError::kInternal, target);
    }
    finish(std::move(res), keep_alive, version);
  }

  void finish(Response res, bool keep_alive, unsigned version) {
    res.version(version);
    res.keep_alive(keep_alive);
    write(std::move(res), !keep_alive);
  }

  void answer_and_close(ProtocolError e, std::string_view target = {}) {
    linger_ = true;  // the client may still be sending (a body over the limit)
    write(render_protocol_error(opt(), e, 11, target), true);
  }

  void write(Response res, bool close_after) {
    if (close_after) res.keep_alive(false);
    serialize_response(res, out_);
    tcp().expires_after(opt().request_timeout);
    asio::async_write(
        stream_, asio::buffer(out_),
        [self = this->shared_from_this(), close_after](beast::error_code ec, std::size_t) {
          if (!ec && close_after && self->linger_) return self->drain_and_close();
          if (ec || close_after) return self->close();
          self->read_next();
        });
  }

  // Lingering close after an error answer: closing a socket with unread input makes the kernel
  // send RST, which can destroy the answer before the client reads it. So stop sending, discard
  // what the client still sends (bounded in bytes and time), then close.
  void drain_and_close() {
    beast::error_code ignored;
    tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    tcp().expires_after(std::chrono::seconds(2));
    drain_more(0);
  }

  void drain_more(std::size_t drained) {
    constexpr std::size_t kMaxDrain = 16 * 1024 * 1024;
    buffer_.clear();
    tcp().async_read_some(buffer_.prepare(16 * 1024), [self = this->shared_from_this(), drained](
                                                          beast::error_code ec, std::size_t n) {
      if (ec || drained + n > kMaxDrain) return self->close();
      self->drain_more(drained + n);
    });
  }

  void close() {
    beast::error_code ignored;
    tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    tcp().close();
  }

  Stream stream_;
  SessionShared shared_;
  RequestContext ctx_;
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  std::string out_;  // the serialized answer being written (capacity reused across requests)
  bool linger_ = false;
};

}  // namespace gh::http::detail
