#pragma once
// A sans-IO HTTP/2 server engine on libnghttp2. The owner (http/h2_connection.hpp, or a test) feeds
// the bytes it reads into feed() and writes what drain_output() appends to its buffer; the session
// never touches a socket or a timer.
//
// Every request stream whose headers and body have arrived (END_STREAM) becomes an http::Exchange
// handed to the ExchangeHandler. Its views point into storage the stream owns, which lives until
// respond() has been called, even when the client reset the stream or the whole session was
// destroyed meanwhile (respond() then only frees the stream). respond() copies the answer and
// queues it; if that happens outside feed() (a late answer), the session calls `output_ready` so
// the owner flushes.
//
// Limits (ServerOptions): :path over request_line_limit → 414, one header over header_limit or all
// over headers_total_limit → 494 (rendered like HTTP/1 protocol errors); a request whose headers
// and body have not all arrived request_timeout after its stream opened → RST_STREAM(CANCEL) (see
// expire_slow_requests; HTTP/1.1 closes the connection then); a body over body_limit
// (declared by content-length or received) → 413, then RST_STREAM(NO_ERROR) if the client is still
// sending; request bodies buffered per session beyond max(4 × body_limit, 16 MiB) → the stream
// that would exceed it is reset with REFUSED_STREAM. At most kMaxConcurrentStreams streams at once;
// protocol errors end the session with GOAWAY. Single-threaded: every call, respond() included, on
// the owner's thread.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/exchange.hpp"
#include "http/server.hpp"

struct nghttp2_session;

namespace gh::http {

namespace h2_detail {
class H2Stream;
struct Callbacks;
}  // namespace h2_detail

class H2Session {
 public:
  static constexpr std::uint32_t kMaxConcurrentStreams = 128;
  static constexpr std::int32_t kStreamWindow = 1 << 20;       // per stream, bytes
  static constexpr std::int32_t kConnectionWindow = 16 << 20;  // whole connection, bytes
  // drain_output() stops adding frames once the buffer holds this much (one socket write).
  static constexpr std::size_t kMaxOutputBatch = 512 * 1024;

  // Called (never during feed() or drain_output()) when respond() queued output; must not
  // destroy the session.
  using OutputReady = void (*)(void* owner);

  // `options` and `handler` must outlive the session. Queues the server's SETTINGS.
  // Throws std::bad_alloc if nghttp2 cannot allocate its session.
  H2Session(const ServerOptions& options, const ExchangeHandler& handler, RequestContext ctx,
            OutputReady output_ready = nullptr, void* owner = nullptr);
  ~H2Session();
  H2Session(const H2Session&) = delete;
  H2Session& operator=(const H2Session&) = delete;

  // Consumes bytes from the client (the connection preface first). Returns false on a fatal
  // protocol error: GOAWAY is queued; flush it, then close.
  bool feed(std::string_view bytes);

  // Appends the queued frames to `out` (stops adding once `out` holds kMaxOutputBatch bytes);
  // returns the number of bytes appended. Call after feed() and whenever output_ready fires.
  std::size_t drain_output(std::string& out);

  bool wants_read() const;
  bool wants_write() const;
  // Nothing more to read or send: close the connection once the drained output is written.
  bool done() const { return !wants_read() && !wants_write(); }

  // Graceful close: GOAWAY(NO_ERROR) naming the last stream seen; streams already opened are
  // still answered. Idempotent.
  void shutdown();
  // Immediate close: GOAWAY with `error_code` (an nghttp2_error_code), open streams abandoned.
  void terminate(std::uint32_t error_code);

  using Clock = std::chrono::steady_clock;
  // Resets (RST_STREAM CANCEL) every request stream still arriving — headers or body incomplete —
  // that opened at or before `now` − request_timeout, so that a client trickling bytes cannot
  // hold streams and their buffers. Returns how many; flush the output afterwards.
  std::size_t expire_slow_requests(Clock::time_point now);
  // When the oldest request still arriving reaches request_timeout; nullopt if none is arriving.
  std::optional<Clock::time_point> next_request_deadline() const;

  // Exchanges handed to the handler whose respond() has not been called yet.
  std::size_t awaiting_answers() const { return awaiting_; }
  // Counts this session's requests in progress in `*counter` (the listener's, for graceful stop):
  // a request from the moment it arrived whole and went to the handler until its stream is done
  // (its answer's last frame handed out by drain_output(); or, reset by the client, answered by
  // the handler), or the session is destroyed. Call before the first feed(); `*counter` must
  // outlive the session.
  void count_in_progress(std::size_t* counter) { in_progress_ = counter; }
  // Frames nghttp2 has queued and not yet given to drain_output().
  std::size_t queued_frames() const;

 private:
  friend class h2_detail::H2Stream;
  friend struct h2_detail::Callbacks;

  h2_detail::H2Stream* acquire_stream(std::int32_t id);
  void release_stream(h2_detail::H2Stream* s);
  void dispatch(h2_detail::H2Stream& s);
  void reject(h2_detail::H2Stream& s, ProtocolError e);
  // Request bodies buffered by one session (received, reserved, or held for the handler) are
  // bounded by max(4 × body_limit, 16 MiB); charge() counts a stream's body as `bytes`, false when
  // that would exceed the budget, and refuse() then resets the stream with REFUSED_STREAM (the
  // client may retry it).
  bool charge(h2_detail::H2Stream& s, std::size_t bytes);
  void uncharge(h2_detail::H2Stream& s);
  void refuse(h2_detail::H2Stream& s);
  // Queues the answer for an open stream; false if nghttp2 refused it.
  bool submit(h2_detail::H2Stream& s, const ResponseView& response);
  void on_respond(h2_detail::H2Stream& s, const ResponseView& response);

  const ServerOptions& options_;
  const ExchangeHandler& handler_;
  RequestContext ctx_;
  OutputReady output_ready_;
  void* owner_;
  nghttp2_session* ng_ = nullptr;
  std::string* out_ = nullptr;              // the buffer drain_output() is filling
  h2_detail::H2Stream* live_ = nullptr;     // every stream not in the pool (intrusive list)
  std::vector<h2_detail::H2Stream*> pool_;  // reset streams kept for reuse (their capacity)
  std::size_t awaiting_ = 0;
  std::size_t* in_progress_ = nullptr;  // see count_in_progress()
  std::size_t buffered_ = 0;            // request body bytes charged by live streams
  bool in_feed_ = false;
  bool shut_down_ = false;
  bool broken_ = false;  // a send callback failed (out of memory): the session is unusable
};

}  // namespace gh::http
