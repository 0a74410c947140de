#pragma once
// The gateway's HTTP/1.1 connection: the fast path that replaces Beast's general-purpose session
// for the data plane. Raw asio socket (or TLS stream), one read buffer reused for the life of the
// connection, a zero-copy head parser (http/h1_parser.hpp), and the request handed to the
// ExchangeHandler as views into that buffer. Pipelined requests are answered strictly in order;
// answers given synchronously are batched into one write.
//
// Timeouts use the loop's DeadlineSweeper: idle (no byte of a next request), request (the whole
// request must arrive within it from its first byte) and write (the answer must drain within it).
// While the handler works on a request (e.g. proxying it), the connection has no deadline; the
// backend call has its own.
//
// Lifetime: owned by shared_ptr. While an exchange is with the handler, the connection holds a
// reference to itself (released in respond()), so it outlives a client that disconnects meanwhile.
// On server shutdown the loop is stopped first, then abandon() drops that reference.
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "http/alpn.hpp"
#include "http/deadline_sweeper.hpp"
#include "http/edge_read.hpp"
#include "http/exchange.hpp"
#include "http/h1_parser.hpp"
#include "http/server.hpp"

namespace gh::http::detail {

namespace asio = boost::asio;
using TcpSocket = asio::ip::tcp::socket;
using TlsSocket = asio::ssl::stream<asio::ip::tcp::socket>;

// What a listener (one per loop) shares with its connections.
struct H1Shared {
  const ServerOptions& options;
  const ExchangeHandler& handler;
  std::atomic<bool>& stopping;
  DeadlineSweeper& sweeper;
  h1::HeadLimits limits;
  // Takes over a connection that turned out to speak HTTP/2 (cleartext prior knowledge, or ALPN
  // "h2" after the TLS handshake), with the bytes already read. Empty: HTTP/2 is not offered.
  std::function<void(TcpSocket&&, RequestContext, std::string_view already_read)> h2_plain;
  std::function<void(TlsSocket&&, RequestContext)> h2_tls;
};

// Shutdown hook shared by both instantiations (see the lifetime note above).
class H1ConnectionBase {
 public:
  virtual void abandon() = 0;

 protected:
  ~H1ConnectionBase() = default;
};

// The answer to a protocol error, serialized (defined in server.cpp, like the two below).
std::string protocol_error_bytes(const ServerOptions& o, ProtocolError e, std::string_view target);
// The protocol error's answer from the options' renderer (a bare status line without one).
Response render_protocol_error(const ServerOptions& o, ProtocolError e, unsigned version,
                               std::string_view target = {});
// `res` as HTTP/1.1 bytes (status line, fields as set, body), replacing `out`; a body without a
// Content-Length or Transfer-Encoding field gets a Content-Length.
void serialize_response(const Response& res, std::string& out);
// Appends the HTTP/1.1 serialization of `r` to `out`; `head_only` omits the body (HEAD requests)
// but keeps its Content-Length.
void append_response(const ResponseView& r, int version, bool keep_alive, bool head_only,
                     std::string& out);

template <class Stream>
class H1Connection final : public Exchange,
                           public H1ConnectionBase,
                           public std::enable_shared_from_this<H1Connection<Stream>> {
 public:
  H1Connection(Stream stream, H1Shared& shared, RequestContext ctx)
      : stream_(std::move(stream)),
        shared_(shared),
        ctx_(std::move(ctx)),
        deadline_(&H1Connection::on_deadline, static_cast<H1ConnectionBase*>(this)) {
    in_.resize(16 * 1024);
    shared_.sweeper.add(deadline_);
    may_be_h2_ = std::is_same_v<Stream, TcpSocket> && static_cast<bool>(shared_.h2_plain);
  }

  void start() {
    if constexpr (std::is_same_v<Stream, TlsSocket>) {
      deadline_.arm_in(opt().request_timeout);
      stream_.async_handshake(
          asio::ssl::stream_base::server,
          [self = this->shared_from_this()](const boost::system::error_code& ec) {
            if (ec) return self->close();
            if (self->shared_.h2_tls && negotiated_h2(self->stream_.native_handle())) {
              self->deadline_.disarm();
              self->closed_ = true;
              return self->shared_.h2_tls(std::move(self->stream_), self->ctx_);
            }
            self->process();
          });
    } else {
      process();
    }
  }

  const RequestView& request() const override { return view_; }
  const RequestContext& context() const override { return ctx_; }

  void respond(const ResponseView& r) override {
    if (!in_exchange_) return;          // answered twice: a handler bug; ignore the second answer
    auto keep = std::move(self_hold_);  // may be the last reference: keep us alive until return
    in_exchange_ = false;
    bool keep_alive = view_.keep_alive && !shared_.stopping.load(std::memory_order_relaxed);
    append_response(r, view_.version, keep_alive, is_head_, out_);
    begin_ += consumed_;
    consumed_ = 0;
    if (!keep_alive) close_after_write_ = true;
    chunked_body_.clear();
    if (!dispatching_) flush();  // answered later: write now (else process() batches)
  }

  void abandon() override { self_hold_.reset(); }

 private:
  const ServerOptions& opt() const { return shared_.options; }
  auto& socket() { return stream_.lowest_layer(); }

  static void on_deadline(Deadline& d) {
    auto* self = static_cast<H1Connection*>(static_cast<H1ConnectionBase*>(d.owner()));
    if (self->awaiting_request_ && !self->request_timed_out_) {
      // Part of a request came, the rest did not in time: stop reading and answer 408 (the
      // read completes with operation_aborted; see read_more) before closing.
      self->request_timed_out_ = true;
      boost::system::error_code ignored;
      self->socket().cancel(ignored);
      return;
    }
    self->expired_ = true;
    boost::system::error_code ignored;
    self->socket().close(ignored);  // pending operations complete with an error
  }

  // Handles every complete request in the buffer; then writes what was answered, or reads more.
  void process() {
    for (;;) {
      if (closed_) return;
      if (close_after_write_ || shared_.stopping.load(std::memory_order_relaxed)) {
        close_after_write_ = true;
        return flush();
      }
      std::string_view data(in_.data() + begin_, end_ - begin_);
      if (data.empty()) {
        request_started_ = false;
        if (!out_.empty()) return flush();
        deadline_.arm_in(opt().idle_timeout);
        return read_more();
      }
      if (!request_started_) {
        request_started_ = true;
        deadline_.arm_in(opt().request_timeout);
      }
      if (may_be_h2_) {  // HTTP/2 with prior knowledge starts with the connection preface
        auto n = std::min(data.size(), kH2Preface.size());
        if (data.substr(0, n) == kH2Preface.substr(0, n)) {
          if (n == kH2Preface.size()) return hand_over_h2();
          return read_more();
        }
        may_be_h2_ = false;
      }
      auto status = h1::parse_request_head(data, shared_.limits, head_);
      if (status == h1::ParseStatus::kIncomplete) {
        if (!out_.empty()) return flush();
        return read_more();
      }
      if (status == h1::ParseStatus::kError) return fail(error_of(head_.error), head_.target);
      if (head_.has_content_length && head_.content_length > opt().body_limit)
        return fail(ProtocolError::kBodyTooLarge, head_.target);

      std::string_view body;
      std::size_t total = head_.head_size;
      if (head_.chunked) {
        std::size_t used = 0;
        auto st = chunks_.feed(data.substr(head_.head_size + chunk_offset_), used, chunked_body_,
                               opt().body_limit);
        chunk_offset_ += used;
        if (st == h1::ParseStatus::kError)
          return fail(
              chunks_.over_limit() ? ProtocolError::kBodyTooLarge : ProtocolError::kBadRequest,
              head_.target);
        if (st == h1::ParseStatus::kIncomplete)
          return await_body(head_.head_size + chunk_offset_ + 1);
        body = chunked_body_;
        total += chunk_offset_;
      } else if (head_.has_content_length) {
        total += static_cast<std::size_t>(head_.content_length);
        if (data.size() < total) return await_body(total);
        body = data.substr(head_.head_size, static_cast<std::size_t>(head_.content_length));
      }
      dispatch(body, total);
      if (in_exchange_) return;  // answered later; respond() resumes
    }
  }

  // The body is not all here yet: make room for `total` bytes of this request and read.
  void await_body(std::size_t total) {
    if (head_.expect_continue && !continue_sent_ && head_.version == 11) {
      continue_sent_ = true;
      out_.append("HTTP/1.1 100 Continue\r\n\r\n");
      return flush();
    }
    std::size_t limit = opt().request_line_limit + opt().headers_total_limit + 2 * opt().body_limit;
    if (total > limit) return fail(ProtocolError::kBodyTooLarge, head_.target);
    if (!out_.empty()) return flush();
    if (begin_ + total > in_.size() && begin_ > 0) compact();
    if (total > in_.size()) in_.resize(std::max(total, in_.size() * 2));
    read_more();
  }

  void dispatch(std::string_view body, std::size_t total) {
    may_be_h2_ = false;
    view_.method = head_.method;
    view_.target = head_.target;
    view_.version = head_.version;
    view_.authority = head_.host;
    view_.headers = head_.headers;
    view_.body = body;
    view_.keep_alive = head_.keep_alive;
    is_head_ = head_.method == "HEAD";
    consumed_ = total;
    chunk_offset_ = 0;
    continue_sent_ = false;
    chunks_.reset();
    request_started_ = false;
    deadline_.disarm();
    in_exchange_ = true;
    self_hold_ = this->shared_from_this();
    dispatching_ = true;
    try {
      shared_.handler(*this);
    } catch (...) {
      dispatching_ = false;
      if (in_exchange_) {
        in_exchange_ = false;
        self_hold_.reset();
        return fail(ProtocolError::kInternal, {});
      }
    }
    dispatching_ = false;
  }

  static constexpr std::string_view kH2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

  void hand_over_h2() {
    closed_ = true;
    deadline_.disarm();
    std::string already(in_.data() + begin_, end_ - begin_);
    if constexpr (std::is_same_v<Stream, TcpSocket>)
      shared_.h2_plain(std::move(stream_), ctx_, already);
  }

  static ProtocolError error_of(h1::HeadError e) {
    switch (e) {
      case h1::HeadError::kUriTooLong:
        return ProtocolError::kUriTooLong;
      case h1::HeadError::kHeadersTooLarge:
        return ProtocolError::kHeadersTooLarge;
      case h1::HeadError::kNotImplemented:
        return ProtocolError::kNotImplemented;
      default:
        return ProtocolError::kBadRequest;
    }
  }

  void compact() {
    std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }

  void read_more() {
    if (begin_ == end_) begin_ = end_ = 0;
    if (end_ == in_.size()) {
      if (begin_ > 0)
        compact();
      else
        in_.resize(in_.size() * 2);
    }
    awaiting_request_ = request_started_;
    async_read_edge(
        stream_, asio::buffer(in_.data() + end_, in_.size() - end_),
        [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          self->awaiting_request_ = false;
          if (self->request_timed_out_ && !self->closed_)  // even if bytes came meanwhile
            return self->fail(ProtocolError::kRequestTimeout, {});
          // The client ended its side in the middle of a request: it can still read an answer.
          if ((ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) &&
              self->request_started_ && !self->closed_)
            return self->fail(ProtocolError::kBadRequest, {});
          if (ec) return self->close();
          self->end_ += n;
          self->process();
        },
        &reactor_);
  }

  // Writes the answers gathered in out_; then closes or goes on with the next request.
  void flush() {
    if (closed_) return;
    if (out_.empty()) {
      if (close_after_write_) return close();
      return process();
    }
    if constexpr (std::is_same_v<Stream, TcpSocket>) {  // see send_now (http/edge_read.hpp)
      boost::system::error_code ec;
      std::size_t n = send_now(stream_, out_, {}, ec);
      if (ec) return close();
      if (n == out_.size()) {
        out_.clear();
        return written();
      }
      out_.erase(0, n);
    }
    deadline_.arm_in(opt().request_timeout);
    writing_.swap(out_);
    asio::async_write(
        stream_, asio::buffer(writing_),
        [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
          self->writing_.clear();
          if (ec) return self->close();
          self->written();
        });
  }

  // What was gathered went out: close, or go on with the next request.
  void written() {
    if (close_after_write_ && out_.empty()) return linger_ ? drain_and_close() : close();
    process();
  }

  // A protocol error: answer it and close (after draining what the client still sends).
  void fail(ProtocolError e, std::string_view target) {
    out_.append(protocol_error_bytes(opt(), e, target));
    close_after_write_ = true;
    linger_ = true;
    flush();
  }

  // Lingering close: closing with unread input makes the kernel send RST, which can destroy the
  // answer before the client reads it. Stop sending, discard input (bounded), then close.
  void drain_and_close() {
    boost::system::error_code ignored;
    socket().shutdown(asio::socket_base::shutdown_send, ignored);
    deadline_.arm_in(std::chrono::seconds(2));
    drain_more(0);
  }

  void drain_more(std::size_t drained) {
    constexpr std::size_t kMaxDrain = 16 * 1024 * 1024;
    stream_.async_read_some(asio::buffer(in_.data(), in_.size()),
                            [self = this->shared_from_this(), drained](
                                const boost::system::error_code& ec, std::size_t n) {
                              if (ec || drained + n > kMaxDrain) return self->close();
                              self->drain_more(drained + n);
                            });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    deadline_.disarm();
    boost::system::error_code ignored;
    socket().shutdown(asio::socket_base::shutdown_send, ignored);
    socket().close(ignored);
  }

  Stream stream_;
  H1Shared& shared_;
  RequestContext ctx_;
  Deadline deadline_;
  ReactorCache reactor_ = nullptr;  // for async_read_edge
  std::vector<char> in_;
  std::size_t begin_ = 0, end_ = 0;  // unread bytes: in_[begin_, end_)
  h1::RequestHead head_;
  h1::ChunkedDecoder chunks_;
  std::string chunked_body_;
  std::size_t chunk_offset_ = 0;  // chunked bytes decoded so far, after the head
  RequestView view_;
  std::size_t consumed_ = 0;  // bytes of the request being answered
  std::string out_, writing_;
  std::shared_ptr<H1Connection> self_hold_;
  bool in_exchange_ = false, dispatching_ = false, is_head_ = false;
  bool request_started_ = false, continue_sent_ = false;
  bool may_be_h2_ = false;  // plain connection, HTTP/2 offered, and no bytes yet that rule it out
  bool close_after_write_ = false, linger_ = false, closed_ = false, expired_ = false;
  bool awaiting_request_ = false;   // a read for the rest of a started request is pending
  bool request_timed_out_ = false;  // that read was cancelled by the request timeout
};

}  // namespace gh::http::detail
