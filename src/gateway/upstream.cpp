#include "gateway/upstream.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstring>
#include <optional>
#include <vector>

#include "gateway/metrics.hpp"
#include "http/deadline_sweeper.hpp"
#include "http/edge_read.hpp"
#include "http/h1_parser.hpp"

namespace gh::gateway {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {
struct Conn;
using ConnPtr = std::shared_ptr<Conn>;
constexpr std::size_t kMaxResponseHead = 256 * 1024;
}  // namespace

struct UpstreamPool::Impl : std::enable_shared_from_this<UpstreamPool::Impl> {
  asio::io_context& io;
  std::size_t max_idle;
  tcp::resolver resolver;
  // Backends are reached as configured; their certificates are not verified (as APIG does unless
  // told otherwise), but SNI is sent.
  asio::ssl::context tls_context{asio::ssl::context::tls_client};
  std::shared_ptr<http::DeadlineSweeper> sweeper;
  boost::unordered_flat_map<std::string, std::vector<ConnPtr>, TransparentHash, std::equal_to<>>
      idle;
  http::h1::HeadLimits limits;
  PoolGauges* gauges;  // null: not counted

  Impl(asio::io_context& i, std::size_t m, PoolGauges* g)
      : io(i),
        max_idle(m),
        resolver(i),
        sweeper(std::make_shared<http::DeadlineSweeper>(i, std::chrono::milliseconds(10))),
        gauges(g) {
    tls_context.set_verify_mode(asio::ssl::verify_none);
    limits.headers_total = kMaxResponseHead;
  }

  ConnPtr take(std::string_view key) {
    auto it = idle.find(key);
    if (it == idle.end() || it->second.empty()) return nullptr;
    auto c = std::move(it->second.back());
    it->second.pop_back();
    if (gauges) gauges->idle.sub();
    return c;
  }
  void give(std::string_view key, ConnPtr c);

  // Starts one attempt of `call` (an idle connection first unless `fresh`).
  void attempt(const Backend& b, const UpstreamCall& call, UpstreamHandler& handler, bool fresh);
};

namespace {

// "tls:host:port" / "host:port".
std::string_view key_of(const Backend& b) {
  if (!b.pool_key.empty()) return b.pool_key;
  thread_local std::string key;  // a Backend not made by parse_backend
  key = (b.tls ? "tls:" : "") + b.host + ":" + std::to_string(b.port);
  return key;
}

// One backend connection, and the attempt it is carrying (if any).
struct Conn : std::enable_shared_from_this<Conn> {
  Conn(std::shared_ptr<UpstreamPool::Impl> p, std::string_view k, const Backend& b)
      : pool(std::move(p)), key(k), deadline(&Conn::on_deadline, this) {
    if (b.tls) {
      tls.emplace(pool->io, pool->tls_context);
      SSL_set_tlsext_host_name(tls->native_handle(), b.host.c_str());
    } else {
      plain.emplace(pool->io);
    }
    in.resize(16 * 1024);
    pool->sweeper->add(deadline);
    if (pool->gauges) {
      pool->gauges->open.add();
      pool->gauges->opened.add();
    }
  }
  ~Conn() {
    if (pool->gauges) pool->gauges->open.sub();
  }

  tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }
  template <class F>
  void with_stream(F&& f) {
    if (tls)
      f(*tls);
    else
      f(*plain);
  }

  void begin(const Backend& b, const UpstreamCall& c, UpstreamHandler& h, bool was_reused) {
    backend = &b;
    call = c;
    handler = &h;
    reused = was_reused;
    timed_out = got_bytes = false;
    end = 0;
    chunk_offset = 0;
    chunks.reset();
    chunked_body.clear();
    deadline.arm_in(call.timeout);
  }

  static void on_deadline(http::Deadline& d) {
    auto* self = static_cast<Conn*>(d.owner());
    self->timed_out = true;
    error_code ignored;
    self->socket().close(ignored);  // the pending operation completes with an error
  }

  void connect() {
    error_code ec;
    auto address = asio::ip::make_address(backend->host, ec);
    if (!ec) return connect_to(tcp::endpoint(address, backend->port));
    pool->resolver.async_resolve(
        backend->host, std::to_string(backend->port),
        [self = shared_from_this()](const error_code& ec, tcp::resolver::results_type results) {
          if (self->timed_out) return self->fail(UpstreamStatus::kTimeout);
          if (ec || results.empty()) return self->fail(UpstreamStatus::kConnectFailed);
          self->connect_to(results.begin()->endpoint());
        });
  }

  void connect_to(const tcp::endpoint& ep) {
    socket().async_connect(ep, [self = shared_from_this()](const error_code& ec) {
      if (self->timed_out) return self->fail(UpstreamStatus::kTimeout);
      if (ec) return self->fail(UpstreamStatus::kConnectFailed);
      error_code ignored;
      self->socket().set_option(tcp::no_delay(true), ignored);
      if (!self->tls) {
        http::enable_edge_reads(self->socket());  // see http/edge_read.hpp
        return self->write();
      }
      self->tls->async_handshake(asio::ssl::stream_base::client, [self](const error_code& ec) {
        if (self->timed_out) return self->fail(UpstreamStatus::kTimeout);
        if (ec) return self->fail(UpstreamStatus::kConnectFailed);
        self->write();
      });
    });
  }

  void write() {
    std::string_view head = call.head, body = call.body;
    if (!tls) {  // see http::send_now (http/edge_read.hpp)
      error_code ec;
      std::size_t n = http::send_now(*plain, head, body, ec);
      if (ec) return transport_error();
      if (n == head.size() + body.size()) return read();
      std::size_t from_head = std::min(n, head.size());
      head.remove_prefix(from_head);
      body.remove_prefix(n - from_head);
    }
    std::array<asio::const_buffer, 2> out{asio::buffer(head), asio::buffer(body)};
    with_stream([&](auto& s) {
      asio::async_write(s, out, [self = shared_from_this()](const error_code& ec, std::size_t) {
        if (ec) return self->transport_error();
        self->read();
      });
    });
  }

  void read() {
    if (end == in.size()) {
      if (in.size() >= kMaxResponseHead + call.response_body_limit)
        return fail(UpstreamStatus::kFailed);
      in.resize(in.size() * 2);
    }
    with_stream([&](auto& s) {
      http::async_read_edge(
          s, asio::buffer(in.data() + end, in.size() - end),
          [self = shared_from_this()](const error_code& ec, std::size_t n) {
            self->end += n;
            if (n > 0) self->got_bytes = true;
            if (ec) return self->read_error(ec);
            self->on_data();
          },
          &reactor);
    });
  }

  // Parses what has arrived; delivers a complete response or reads more.
  void on_data() {
    for (;;) {
      std::string_view data(in.data(), end);
      auto st = http::h1::parse_response_head(data, pool->limits, head);
      if (st == http::h1::ParseStatus::kIncomplete) return read();
      if (st == http::h1::ParseStatus::kError) return fail(UpstreamStatus::kFailed);
      if (head.status >= 100 && head.status < 200) {
        if (head.status == 101) return fail(UpstreamStatus::kFailed);
        // An interim answer (100 Continue): drop it and parse what follows.
        std::memmove(in.data(), in.data() + head.head_size, end - head.head_size);
        end -= head.head_size;
        continue;
      }
      break;
    }
    std::string_view data(in.data(), end);
    bool bodiless = call.head_request || head.status == 204 || head.status == 304;
    if (bodiless) return deliver({}, head.head_size);
    if (head.chunked) {
      std::size_t used = 0;
      auto st = chunks.feed(data.substr(head.head_size + chunk_offset), used, chunked_body,
                            call.response_body_limit);
      chunk_offset += used;
      if (st == http::h1::ParseStatus::kError) return fail(UpstreamStatus::kFailed);
      if (st == http::h1::ParseStatus::kIncomplete) return read();
      return deliver(chunked_body, head.head_size + chunk_offset);
    }
    if (head.has_content_length) {
      if (head.content_length > call.response_body_limit) return fail(UpstreamStatus::kFailed);
      std::size_t total = head.head_size + static_cast<std::size_t>(head.content_length);
      if (end < total) {
        if (total > in.size()) in.resize(total);
        return read();
      }
      return deliver(data.substr(head.head_size, total - head.head_size), total);
    }
    // Neither length nor chunks: the body runs until the backend closes.
    head.keep_alive = false;
    if (end - head.head_size > call.response_body_limit) return fail(UpstreamStatus::kFailed);
    read();
  }

  void read_error(const error_code& ec) {
    if (timed_out) return fail(UpstreamStatus::kTimeout);
    bool eof = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
    // A close-delimited body ends here.
    if (eof && head.status >= 200 && head.head_size > 0 && !head.chunked &&
        !head.has_content_length && !call.head_request) {
      std::string_view data(in.data(), end);
      head.keep_alive = false;
      return deliver(data.substr(head.head_size), end);
    }
    transport_error();
  }

  void transport_error() {
    if (timed_out) return fail(UpstreamStatus::kTimeout);
    fail(UpstreamStatus::kFailed);
  }

  void deliver(std::string_view body, std::size_t total) {
    deadline.disarm();
    UpstreamResponse r{head.status, head.headers, body};
    bool reusable = head.keep_alive && end == total && !timed_out;
    auto* h = handler;
    handler = nullptr;
    auto self = shared_from_this();  // the handler may drop the last other reference
    h->on_upstream(UpstreamStatus::kOk, &r);
    if (!reusable) return close();
    end = 0;
    chunked_body.clear();
    if (in.size() > 1024 * 1024) {  // a large body passed through: don't keep its buffer idle
      in.resize(16 * 1024);
      in.shrink_to_fit();
    }
    pool->give(key, std::move(self));
  }

  void fail(UpstreamStatus status) {
    close();
    auto* h = handler;
    handler = nullptr;
    if (!h) return;
    // A kept-alive connection the backend had already closed: once more on a fresh one.
    if (status != UpstreamStatus::kTimeout && reused && !got_bytes)
      return pool->attempt(*backend, call, *h, true);
    if (call.retries > 0) {
      auto next = call;
      --next.retries;
      return pool->attempt(*backend, next, *h, false);
    }
    h->on_upstream(status, nullptr);
  }

  void close() {
    deadline.disarm();
    error_code ignored;
    socket().close(ignored);
  }

  std::shared_ptr<UpstreamPool::Impl> pool;
  std::string key;
  std::optional<tcp::socket> plain;
  std::optional<asio::ssl::stream<tcp::socket>> tls;
  http::Deadline deadline;
  http::ReactorCache reactor = nullptr;  // for async_read_edge
  std::vector<char> in;
  std::size_t end = 0;
  http::h1::ResponseHead head;
  http::h1::ChunkedDecoder chunks;
  std::string chunked_body;
  std::size_t chunk_offset = 0;
  // The attempt in progress.
  const Backend* backend = nullptr;
  UpstreamCall call;
  UpstreamHandler* handler = nullptr;
  bool reused = false, timed_out = false, got_bytes = false;
};

}  // namespace

void UpstreamPool::Impl::give(std::string_view key, ConnPtr c) {
  auto it = idle.find(key);
  if (it == idle.end()) it = idle.emplace(std::string(key), std::vector<ConnPtr>{}).first;
  if (it->second.size() < max_idle) {
    it->second.push_back(std::move(c));
    if (gauges) gauges->idle.add();
  }
}

void UpstreamPool::Impl::attempt(const Backend& b, const UpstreamCall& call,
                                 UpstreamHandler& handler, bool fresh) {
  auto key = key_of(b);
  if (!fresh) {
    if (auto c = take(key)) {
      c->begin(b, call, handler, true);
      // Posted, not written now: see "Upstream sends wait for the reactor round" in the header.
      return asio::post(io, [c = std::move(c)] { c->write(); });
    }
  }
  auto c = std::make_shared<Conn>(shared_from_this(), key, b);
  c->begin(b, call, handler, false);
  c->connect();
}

UpstreamPool::UpstreamPool(asio::io_context& io, std::size_t max_idle, PoolGauges* gauges)
    : impl_(std::make_shared<Impl>(io, max_idle, gauges)) {}

UpstreamPool::~UpstreamPool() {
  impl_->gauges = nullptr;  // the pool's connections may outlive the metrics
  impl_->idle.clear();      // idle connections refer to the pool: break the cycle
  impl_->sweeper->stop();
}

void UpstreamPool::send(const Backend& backend, const UpstreamCall& call,
                        UpstreamHandler& handler) {
  impl_->attempt(backend, call, handler, false);
}

}  // namespace gh::gateway
