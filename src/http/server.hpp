#pragma once
// The HTTP server of both listeners: one event loop per thread (SO_REUSEPORT), keep-alive,
// pipelining (requests are answered in order), optional TLS and HTTP/2, limits on the request
// line, headers and body, idle/slow-client timeouts, graceful stop. Every HTTP/1.x request, on the
// gateway and on the management API alike, is read by the one strict connection of
// http/h1_connection.hpp with the parser of http/h1_parser.hpp: one framing policy, one set of
// limits. A Beast-typed Handler (management) runs on a loop thread and may block briefly.
#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gh::http {

namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

struct RequestContext {
  std::string remote_ip;
  std::uint16_t remote_port = 0;
  bool tls = false;
  // The event loop this connection lives on, and its index (0..threads-1, plus loop_index_base),
  // so an asynchronous handler can keep per-loop state (e.g. upstream connection pools).
  boost::asio::io_context* loop = nullptr;
  int loop_index = 0;
};

// Protocol-level failures the server answers itself, before any handler runs.
// Each is answered (status and the renderer's JSON body), then the connection is closed.
enum class ProtocolError {
  kBadRequest,       // 400: unparsable request, conflicting Content-Length/Transfer-Encoding
  kUriTooLong,       // 414: request line over the limit
  kHeadersTooLarge,  // 494: one header over header_limit or all over headers_total_limit
  kBodyTooLarge,     // 413: body over body_limit
  kRequestTimeout,   // 408: a started request did not arrive whole within request_timeout
  kNotImplemented,   // 501: a Transfer-Encoding other than "chunked"
  kInternal,         // 500: the handler threw (a bug); the connection is closed after the answer
};
// The HTTP status each protocol error is answered with.
int status_of(ProtocolError e);

// How a thread shares the CPU with the gateway loops (Linux; best effort).
//  - idle: SCHED_IDLE. The thread runs only on CPU time no normal thread wants, and a waking
//    normal thread (a gateway loop) preempts it at once. Under full data-plane load it gets the
//    kernel's idle weight (3 against 1024): slowed to a crawl, not quite starved.
//  - otherwise `nice` (0 = unchanged): a share of a contended CPU by weight (nice 10: 110), in
//    100 µs slices where the kernel supports custom slices. A nice thread that the scheduler
//    picked keeps the CPU for its slice even when a loop wakes, which is why background code also
//    yields between small steps (core/background.hpp).
// Both mark the thread as background (core::is_background_thread()).
struct ThreadPriority {
  bool idle = false;
  int nice = 0;
};
// Applies `p` to the calling thread.
void lower_thread_priority(const ThreadPriority& p);

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = the OS picks; see Server::port()
  int threads = 2;
  // Each thread runs one io_context (event loop) with its own SO_REUSEPORT acceptor, so a
  // connection stays on one thread, with no hand-offs between threads; a handler that blocks
  // holds up the other connections of its loop.
  // true: connections are dealt to the loops in turn (the loop that accepted one hands it over
  // once, at accept), instead of by SO_REUSEPORT's hash of the addresses, which leaves some loops
  // with two connections and others with none. For blocking handlers (the management API), where
  // a loop serves one call at a time: n clients on n loops are n calls in progress.
  bool spread_connections = false;
  // Added to every RequestContext::loop_index, so that several servers sharing one handler
  // (the gateway's HTTP and HTTPS listeners) number their loops apart.
  int loop_index_base = 0;
  // Request limits (docs/operations.md, "Request limits"); over them the request is answered
  // with its ProtocolError and the connection closed.
  std::size_t request_line_limit = 32 * 1024;
  std::size_t header_limit = 32 * 1024;          // one header line
  std::size_t headers_total_limit = 128 * 1024;  // all headers
  std::size_t max_headers = 256;                 // header fields in one request
  std::size_t body_limit = 12 * 1024 * 1024;
  std::chrono::milliseconds idle_timeout{60'000};     // keep-alive idle
  std::chrono::milliseconds request_timeout{30'000};  // whole request must arrive within
  // Scheduling of the server's threads (default: inherited). The management API runs its threads
  // as background work so that, on a busy CPU, it yields to the data plane's loops.
  ThreadPriority priority;
  // TLS: when both are set, the listener speaks TLS 1.2/1.3 only.
  std::string tls_cert_file, tls_key_file;
  // TLS: offer HTTP/2 ("h2") in ALPN; otherwise only "http/1.1" is selected. The listener then
  // hands h2 connections to start_h2_connection (http/h2_connection.hpp).
  bool enable_h2 = false;
  // Renders a protocol error (status + JSON body). Must not throw.
  std::function<Response(ProtocolError)> error_renderer;
  // Preferred over error_renderer when set: also gets the request-target when the request line
  // was read ("" otherwise), so the answer can take the shape of the API the path belongs to.
  std::function<Response(ProtocolError, std::string_view target)> target_error_renderer;
};

// A Beast-typed handler (the management API). The request is copied out of the connection's
// buffer; the response's fields are sent as set, except the framing ones (Content-Length,
// Transfer-Encoding, Connection, Keep-Alive), which the connection writes itself.
using Handler = std::function<Response(Request& req, const RequestContext& ctx)>;

class Exchange;
using ExchangeHandler = std::function<void(Exchange& exchange)>;

// Thrown by Server's constructors when the listen address cannot be used (not an IP address,
// port in use, no permission). what() is the reason alone, lower case ("address already in use"):
// the caller names the listener and the setting that chose the address.
class ListenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);  // binds; throws ListenError on failure
  // The gateway's fast path: requests reach `handler` as zero-copy views (http/exchange.hpp),
  // served by http/h1_connection.hpp (and HTTP/2 when enable_h2).
  Server(ServerOptions options, ExchangeHandler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;  // the bound port
  void start();                // starts the threads; returns at once
  void stop();                 // stops accepting, closes connections, joins threads; idempotent
  // Graceful stop, first step: stops accepting, has every HTTP/1.1 connection close after its
  // current answer and sends every HTTP/2 connection GOAWAY (streams already open are still
  // served, new ones refused), and waits until no request is being handled — HTTP/1.1: from its
  // last byte read to its answer being queued; HTTP/2: from its last byte read to its answer's
  // last frame being queued — or `grace` has passed; then returns whether it drained in time.
  // Idle connections do not hold it up. Call stop() afterwards.
  bool drain(std::chrono::milliseconds grace);
  // TLS servers: loads a new certificate chain and key (PEM files) for the handshakes that start
  // from now on; connections already open keep theirs. Throws (and keeps the current pair) when
  // the files cannot be read or the key does not match the certificate. Not concurrent with
  // itself or stop().
  void reload_tls(const std::string& cert_file, const std::string& key_file);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gh::http
