#include "gateway/upstream.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <optional>

namespace gh::gateway {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A backend connection, plain or TLS.
struct Connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<TlsStream> tls;

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  template <class F>
  void visit(F&& f) {
    if (tls)
      f(*tls);
    else
      f(*plain);
  }
};
}  // namespace

struct UpstreamPool::Impl {
  asio::io_context& io;
  std::size_t max_idle;
  tcp::resolver resolver;
  // Backends are reached as configured; their certificates are not verified (as APIG does unless
  // told otherwise), but SNI is sent.
  asio::ssl::context tls_context{asio::ssl::context::tls_client};
  boost::unordered_flat_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;

  Impl(asio::io_context& i, std::size_t m) : io(i), max_idle(m), resolver(i) {
    tls_context.set_verify_mode(asio::ssl::verify_none);
  }

  std::unique_ptr<Connection> take(const std::string& key) {
    auto it = idle.find(key);
    if (it == idle.end() || it->second.empty()) return nullptr;
    auto s = std::move(it->second.back());
    it->second.pop_back();
    return s;
  }
  void give(const std::string& key, std::unique_ptr<Connection> s) {
    auto& list = idle[key];
    if (list.size() < max_idle) list.push_back(std::move(s));
  }
};

namespace {

// One proxied exchange, with its retries.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(std::shared_ptr<UpstreamPool::Impl> pool, const Backend& b, UpstreamCall call,
           std::function<void(UpstreamOutcome)> done)
      : pool_(std::move(pool)),
        host_(b.host),
        port_(b.port),
        tls_(b.tls),
        key_((b.tls ? "tls:" : "") + b.host + ":" + std::to_string(b.port)),
        call_(std::move(call)),
        done_(std::move(done)) {}

  void start() { attempt(); }

 private:
  void new_connection() {
    stream_ = std::make_unique<Connection>();
    if (tls_) {
      stream_->tls = std::make_unique<TlsStream>(pool_->io, pool_->tls_context);
      SSL_set_tlsext_host_name(stream_->tls->native_handle(), host_.c_str());
    } else {
      stream_->plain = std::make_unique<beast::tcp_stream>(pool_->io);
    }
  }

  void attempt() {
    stream_ = pool_->take(key_);
    reused_ = static_cast<bool>(stream_);
    if (reused_) return write();
    new_connection();
    beast::error_code ec;
    auto address = asio::ip::make_address(host_, ec);
    if (!ec) return connect(tcp::endpoint(address, port_));
    pool_->resolver.async_resolve(
        host_, std::to_string(port_),
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          if (ec || results.empty()) return self->fail(UpstreamOutcome::Kind::kConnectFailed);
          self->connect(results.begin()->endpoint());
        });
  }

  void connect(const tcp::endpoint& ep) {
    stream_->tcp().expires_after(call_.timeout);
    stream_->tcp().async_connect(ep, [self = shared_from_this()](beast::error_code ec) {
      if (ec == beast::error::timeout) return self->fail(UpstreamOutcome::Kind::kTimeout);
      if (ec) return self->fail(UpstreamOutcome::Kind::kConnectFailed);
      beast::error_code ignored;
      self->stream_->tcp().socket().set_option(tcp::no_delay(true), ignored);
      if (!self->tls_) return self->write();
      self->stream_->tls->async_handshake(
          asio::ssl::stream_base::client, [self](beast::error_code ec) {
            if (ec == beast::error::timeout) return self->fail(UpstreamOutcome::Kind::kTimeout);
            if (ec) return self->fail(UpstreamOutcome::Kind::kConnectFailed);
            self->write();
          });
    });
  }

  void write() {
    stream_->tcp().expires_after(call_.timeout);
    stream_->visit([&](auto& s) {
      beast::http::async_write(s, *call_.request,
                               [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                 if (ec) return self->transport_error(ec, false);
                                 self->read();
                               });
    });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(call_.response_body_limit);
    if (call_.request->method() == beast::http::verb::head) parser_->skip(true);
    buffer_.clear();
    stream_->visit([&](auto& s) {
      beast::http::async_read(s, buffer_, *parser_,
                              [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                if (ec) return self->transport_error(ec, n > 0);
                                self->succeed();
                              });
    });
  }

  void transport_error(const beast::error_code& ec, bool got_bytes) {
    stream_.reset();
    if (ec == beast::error::timeout) return fail(UpstreamOutcome::Kind::kTimeout);
    // A kept-alive connection the backend had already closed: try once more on a fresh one.
    if (reused_ && !got_bytes) {
      reused_ = false;
      stream_ = nullptr;
      return fresh_attempt();
    }
    fail(UpstreamOutcome::Kind::kFailed);
  }

  void fresh_attempt() {
    // Skip the idle list: the backend evidently closes connections.
    new_connection();
    reused_ = false;
    beast::error_code ec;
    auto address = asio::ip::make_address(host_, ec);
    if (!ec) return connect(tcp::endpoint(address, port_));
    attempt();
  }

  void fail(UpstreamOutcome::Kind kind) {
    stream_.reset();
    if (call_.retries > 0) {
      --call_.retries;
      return attempt();
    }
    UpstreamOutcome out;
    out.kind = kind;
    done_(std::move(out));
  }

  void succeed() {
    UpstreamOutcome out;
    out.kind = UpstreamOutcome::Kind::kOk;
    out.response = parser_->release();
    if (out.response.keep_alive() && buffer_.size() == 0) {
      stream_->tcp().expires_never();
      pool_->give(key_, std::move(stream_));
    }
    stream_.reset();
    done_(std::move(out));
  }

  std::shared_ptr<UpstreamPool::Impl> pool_;
  std::string host_;
  std::uint16_t port_;
  bool tls_;
  std::string key_;
  UpstreamCall call_;
  std::function<void(UpstreamOutcome)> done_;
  std::unique_ptr<Connection> stream_;
  bool reused_ = false;
  beast::flat_buffer buffer_;
  std::optional<beast::http::response_parser<beast::http::string_body>> parser_;
};

}  // namespace

UpstreamPool::UpstreamPool(asio::io_context& io, std::size_t max_idle)
    : impl_(std::make_shared<Impl>(io, max_idle)) {}
UpstreamPool::~UpstreamPool() = default;

void UpstreamPool::send(const Backend& backend, UpstreamCall call,
                        std::function<void(UpstreamOutcome)> done) {
  std::make_shared<Exchange>(impl_, backend, std::move(call), std::move(done))->start();
}

}  // namespace gh::gateway
