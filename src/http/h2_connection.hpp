#pragma once
// One HTTP/2 connection: the asio glue around H2Session. Reads feed the session; its output is
// written one async_write at a time, everything nghttp2 queued meanwhile going out in the next
// write. Reading and writing run concurrently (asio allows one of each on a socket or SSL stream).
//
// Timeouts: when neither a byte arrived nor a write completed for ServerOptions::idle_timeout, the
// connection ends with GOAWAY — unless answers are still pending with the handler (a slow backend);
// a write that stays stuck for the whole timeout closes it. Server stop (`stopping`) is noticed on
// the next read or timer tick and turns into a graceful GOAWAY: open streams are still answered.
//
// Graceful stop: each connection belongs to its listener's H2Registry, which counts the requests
// in progress of all of them (Server::drain waits for those as for HTTP/1.1 ones) and sends every
// connection its GOAWAY at once when the drain starts (H2Registry::go_away_all); a connection
// whose streams are done then writes what is left and closes.
//
// Stream: boost::asio::ip::tcp::socket, or boost::asio::ssl::stream<tcp::socket> after a handshake
// that negotiated "h2" (see negotiated_h2 in http/alpn.hpp).
#include <array>
#include <atomic>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/intrusive/list.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "http/edge_read.hpp"
#include "http/exchange.hpp"
#include "http/h2_session.hpp"
#include "http/server.hpp"

namespace gh::http {

// The HTTP/2 connections of one listener (one event loop), for graceful stop. Used on that loop's
// thread only. Connections hold it by shared_ptr, so it outlives every one of them.
class H2Registry {
 public:
  class Member : public boost::intrusive::list_base_hook<
                     boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
   public:
    virtual void go_away() = 0;  // graceful GOAWAY now; streams in progress are still answered

   protected:
    ~Member() = default;
  };

  void add(Member& m) { members_.push_back(m); }
  void go_away_all() {
    for (auto& m : members_) m.go_away();  // never destroys a member synchronously
  }
  // Requests in progress on the registered connections (H2Session::count_in_progress).
  std::size_t streams_in_progress = 0;

 private:
  boost::intrusive::list<Member, boost::intrusive::constant_time_size<false>> members_;
};

namespace h2_detail {

inline boost::asio::ip::tcp::socket& tcp_socket(boost::asio::ip::tcp::socket& s) {
  return s;
}
template <class Next>
boost::asio::ip::tcp::socket& tcp_socket(boost::asio::ssl::stream<Next>& s) {
  return tcp_socket(s.next_layer());
}

template <class Stream>
class H2Connection final : public std::enable_shared_from_this<H2Connection<Stream>>,
                           public H2Registry::Member {
 public:
  H2Connection(Stream stream, const ServerOptions& options, const ExchangeHandler& handler,
               RequestContext ctx, std::atomic<bool>& stopping,
               std::shared_ptr<H2Registry> registry)
      : stream_(std::move(stream)),
        options_(options),
        stopping_(stopping),
        registry_(std::move(registry)),
        timer_(stream_.get_executor()),
        session_(options, handler, std::move(ctx), &H2Connection::on_output_ready, this) {
    wbuf_.reserve(64 * 1024);
    if (registry_) {
      registry_->add(*this);
      session_.count_in_progress(&registry_->streams_in_progress);
    }
  }

  void go_away() override {
    if (closed_) return;
    session_.shutdown();
    flush();
  }

  void start(std::string_view already_read) {
    last_activity_ = Clock::now();
    // The first tick also checks the request timeout of streams opened meanwhile.
    arm_timer(std::min<Clock::duration>(options_.idle_timeout, options_.request_timeout));
    if (!already_read.empty()) session_.feed(already_read);
    after_input();
  }

 private:
  using Clock = std::chrono::steady_clock;
  using error_code = boost::system::error_code;
  // While a write is in flight and nghttp2 holds more frames than this, stop reading (a client
  // that sends requests but does not read answers).
  static constexpr std::size_t kMaxQueuedFrames = 1024;
  static constexpr std::size_t kMaxDrain = 1 << 20;  // bytes discarded while lingering
  static constexpr std::chrono::seconds kLingerTime{2};

  // A late respond() queued output. Answers completed in the same loop turn (a burst of backend
  // replies) go out in one write: the flush runs from a posted task, at most one pending.
  static void on_output_ready(void* self) { static_cast<H2Connection*>(self)->schedule_flush(); }

  void schedule_flush() {
    if (flush_scheduled_ || writing_ || closed_) return;  // a write in flight flushes when done
    flush_scheduled_ = true;
    boost::asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->flush_scheduled_ = false;
      self->flush();
    });
  }

  void after_input() {
    if (!closed_ && stopping_.load(std::memory_order_relaxed)) session_.shutdown();
    flush();
    read();
  }

  void read() {
    if (reading_ || closed_) return;
    if (!lingering_) {
      if (!session_.wants_read()) return;
      if (writing_ && session_.queued_frames() > kMaxQueuedFrames) return;  // resumed by the write
    }
    reading_ = true;
    async_read_edge(stream_, boost::asio::buffer(rbuf_),
                    [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
                      self->reading_ = false;
                      if (self->closed_) return;
                      if (ec)
                        return self->close();  // EOF, reset, TLS failure: nothing left to answer to
                      if (self->lingering_) {
                        self->drained_ += n;
                        if (self->drained_ > kMaxDrain) return self->close();
                        return self->read();
                      }
                      self->last_activity_ = Clock::now();
                      self->session_.feed(std::string_view(self->rbuf_.data(), n));
                      self->after_input();
                    });
  }

  void flush() {
    if (writing_ || closed_) return;
    wbuf_.clear();
    session_.drain_output(wbuf_);
    if (wbuf_.empty()) {
      if (session_.done()) linger();
      return;
    }
    writing_ = true;
    boost::asio::async_write(stream_, boost::asio::buffer(wbuf_),
                             [self = this->shared_from_this()](const error_code& ec, std::size_t) {
                               self->writing_ = false;
                               if (self->closed_) return;
                               if (ec) return self->close();
                               self->last_activity_ = Clock::now();
                               self->flush();
                               self->read();  // in case reading paused behind this write
                             });
  }

  void arm_timer(Clock::duration after) {
    timer_.expires_after(after);
    timer_.async_wait([self = this->shared_from_this()](const error_code& ec) {
      if (!ec && !self->closed_) self->on_timer();
    });
  }

  void on_timer() {
    if (lingering_) return close();
    if (stopping_.load(std::memory_order_relaxed)) {
      session_.shutdown();
      flush();
    }
    auto now = Clock::now();
    if (session_.expire_slow_requests(now) > 0) flush();
    if (closed_) return;
    auto idle = now - last_activity_;
    if (idle < options_.idle_timeout) return arm_next(now, last_activity_ + options_.idle_timeout);
    if (writing_) return close();  // the client has not taken our output for a whole timeout
    if (session_.awaiting_answers() > 0) return arm_next(now, now + options_.idle_timeout);
    session_.terminate(0);  // NO_ERROR
    flush();
    if (!closed_) arm_timer(options_.idle_timeout);  // a stuck GOAWAY write closes next tick
  }

  // The next tick: at `at`, or earlier when a request still arriving reaches its timeout; never
  // later than one request timeout from now, so a stream opened meanwhile expires within twice
  // the request timeout at worst.
  void arm_next(Clock::time_point now, Clock::time_point at) {
    at = std::min(at, now + options_.request_timeout);
    if (auto d = session_.next_request_deadline()) at = std::min(at, *d);
    arm_timer(std::max(at - now, Clock::duration(std::chrono::milliseconds(1))));
  }

  // Lingering close once everything is written: closing a socket with unread input makes the
  // kernel send RST, which can destroy the last answers and GOAWAY before the client reads them.
  // So stop sending, discard what the client still sends (bounded in bytes and time), then close.
  void linger() {
    if (closed_ || lingering_) return;
    lingering_ = true;
    error_code ignored;
    tcp_socket(stream_).shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    arm_timer(kLingerTime);
    read();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    error_code ignored;
    timer_.cancel();
    auto& socket = tcp_socket(stream_);
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  Stream stream_;
  const ServerOptions& options_;
  std::atomic<bool>& stopping_;
  std::shared_ptr<H2Registry> registry_;  // before session_: the session's counter lives in it
  boost::asio::steady_timer timer_;
  H2Session session_;
  Clock::time_point last_activity_;
  std::string wbuf_;  // the bytes being written (capacity reused)
  bool reading_ = false, writing_ = false, closed_ = false, flush_scheduled_ = false;
  bool lingering_ = false;
  std::size_t drained_ = 0;
  std::array<char, 32 * 1024> rbuf_;
};

}  // namespace h2_detail

// Serves HTTP/2 on an accepted (and, for TLS, handshaken) connection until it ends. `options`,
// `handler` and `stopping` must outlive it (the server's). `already_read`: bytes the listener read
// before deciding on HTTP/2 (e.g. the prior-knowledge preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
// and whatever followed); they are consumed first. `registry`: the listener's (graceful stop), or
// null. Never throws: on failure the socket is closed.
template <class Stream>
void start_h2_connection(Stream stream, const ServerOptions& options,
                         const ExchangeHandler& handler, RequestContext ctx,
                         std::atomic<bool>& stopping, std::string_view already_read,
                         std::shared_ptr<H2Registry> registry = nullptr) {
  std::shared_ptr<h2_detail::H2Connection<Stream>> connection;
  try {
    connection = std::make_shared<h2_detail::H2Connection<Stream>>(
        std::move(stream), options, handler, std::move(ctx), stopping, std::move(registry));
  } catch (...) {
    return;  // out of memory: the stream (moved or not) closes its socket when destroyed
  }
  try {
    connection->start(already_read);
  } catch (...) {  // out of memory starting the first operations: the connection just ends
  }
}

}  // namespace gh::http
