#include "http/server.hpp"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <future>
#include <thread>

#include "core/background.hpp"
#include "http/alpn.hpp"
#include "http/edge_read.hpp"
#include "http/h1_connection.hpp"
#include "http/h2_connection.hpp"

namespace gh::http {
using namespace std::literals;

namespace {

// Asks the scheduler for 100 µs slices (EEVDF custom slice, Linux 6.12+; older kernels ignore
// it). With the default slice a yielding niced thread's deadline moves ~6 ms of virtual time
// on per yield at niceness 10, and background writes fell behind; with short slices it takes
// its share in short turns (measured: 100 writes/s kept under full load with the yields of
// core/background.hpp). glibc 2.36 has no wrapper, hence the raw system call.
void request_short_slice(int nice) {
  struct {
    std::uint32_t size, sched_policy;
    std::uint64_t sched_flags;
    std::int32_t sched_nice;
    std::uint32_t sched_priority;
    std::uint64_t sched_runtime, sched_deadline, sched_period;
  } attr{};
  attr.size = sizeof attr;
  attr.sched_policy = SCHED_OTHER;
  attr.sched_nice = nice;
  attr.sched_runtime = 100'000;                     // ns
  (void)::syscall(SYS_sched_setattr, 0, &attr, 0);  // best effort
}

}  // namespace

void lower_thread_priority(const ThreadPriority& p) {
  if (p.idle || p.nice != 0) core::mark_background_thread();
  // Linux: both act on the calling thread (pid 0 / its thread id), not the whole process.
  if (p.idle) {
    sched_param none{};
    ::sched_setscheduler(0, SCHED_IDLE, &none);
  } else if (p.nice != 0) {
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), p.nice);
    request_short_slice(p.nice);
  }
}

namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

std::shared_ptr<asio::ssl::context> make_tls_context(const ServerOptions& o) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->use_certificate_chain_file(o.tls_cert_file);
  ctx->use_private_key_file(o.tls_key_file, asio::ssl::context::pem);
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    throw std::runtime_error("the TLS key " + o.tls_key_file + " does not match the certificate " +
                             o.tls_cert_file);
  configure_alpn(ctx->native_handle(), o.enable_h2);
  return ctx;
}

class Listener;
// ServerOptions::spread_connections: every listener of the server, and whose turn is next.
struct Spread {
  std::vector<std::shared_ptr<Listener>>* listeners = nullptr;
  std::atomic<std::size_t> next{0};
};

// One accept loop on one io_context.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& io, int loop_index, tcp::acceptor acceptor,
           const ServerOptions& options, std::atomic<bool>& stopping,
           const ExchangeHandler& handler, std::shared_ptr<asio::ssl::context> tls)
      : io_(io),
        loop_index_(loop_index),
        acceptor_(std::move(acceptor)),
        tls_(std::move(tls)),
        sweeper_(std::make_shared<DeadlineSweeper>(io, std::chrono::milliseconds(250))),
        h2_(std::make_shared<H2Registry>()),
        h1_{options, handler, stopping, *sweeper_, head_limits(options), {}, {}} {
    // HTTP/2: by ALPN on the TLS listener, by prior knowledge (the connection preface) on the
    // plain one. The same ExchangeHandler serves both protocols.
    if (options.enable_h2) {
      const auto& o = options;
      h1_.h2_plain = [&o, &handler, &stopping, h2 = h2_](detail::TcpSocket&& s, RequestContext ctx,
                                                         std::string_view already_read) {
        start_h2_connection(std::move(s), o, handler, std::move(ctx), stopping, already_read, h2);
      };
      h1_.h2_tls = [&o, &handler, &stopping, h2 = h2_](detail::TlsSocket&& s, RequestContext ctx) {
        start_h2_connection(std::move(s), o, handler, std::move(ctx), stopping, {}, h2);
      };
    }
  }

  // After the loop has stopped: lets go of connections that wait for an answer that will never
  // come (their loop is gone), so they are freed with the loop.
  void abandon_connections() {
    std::vector<detail::H1ConnectionBase*> owners;
    sweeper_->for_each_owner(
        [&](void* o) { owners.push_back(static_cast<detail::H1ConnectionBase*>(o)); });
    for (auto* c : owners) c->abandon();
  }

  void start(Spread* spread) {
    spread_ = spread;
    accept();
  }
  // The context of the handshakes accepted from now on; swapped on the listener's loop, which is
  // the only reader of tls_.
  void use_tls(std::shared_ptr<asio::ssl::context> tls) {
    asio::post(io_, [self = shared_from_this(), tls = std::move(tls)] { self->tls_ = tls; });
  }
  // Requests being handled on this listener's connections (HTTP/1.1 and HTTP/2), counted on its
  // loop (which must run). A loop still busy at `until` (a management handler blocks its loop
  // while it works) counts as one request in progress.
  std::size_t requests_in_progress(std::chrono::steady_clock::time_point until) {
    auto count = std::make_shared<std::promise<std::size_t>>();
    auto done = count->get_future();
    asio::post(io_, [count, sweeper = sweeper_, h2 = h2_] {
      count->set_value(sweeper->disarmed() + h2->streams_in_progress);
    });
    // Past the deadline (or with none left) an idle loop still gets a moment to answer.
    auto wait = std::max(until, std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
    if (done.wait_until(wait) != std::future_status::ready) return 1;
    return done.get();
  }
  // Graceful stop: every HTTP/2 connection gets its GOAWAY now (HTTP/1.1 connections close after
  // their answer, seeing the server's `stopping`).
  void go_away() {
    asio::post(io_, [h2 = h2_] { h2->go_away_all(); });
  }
  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

 private:
  void accept() {
    // A loop run by one thread needs no strand (and no strand mutex) per connection.
    acceptor_.async_accept(io_,
                           [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                             if (ec == asio::error::operation_aborted || !self->acceptor_.is_open())
                               return;
                             if (!ec) self->deal(std::move(socket));
                             self->accept();
                           });
  }

  // Serves the connection here, or (spread_connections) hands it to the loop whose turn it is.
  void deal(tcp::socket socket) {
    if (!spread_) return on_accept(std::move(socket));
    auto& all = *spread_->listeners;
    auto& to = all[spread_->next.fetch_add(1, std::memory_order_relaxed) % all.size()];
    if (to.get() == this) return on_accept(std::move(socket));
    beast::error_code ec;
    auto protocol = socket.local_endpoint(ec).protocol();
    if (ec) return;  // closed meanwhile; the socket's destructor closes it
    int fd = socket.release(ec);
    if (ec) return;
    asio::post(to->io_, [to, protocol, fd] {
      beast::error_code ignored;
      tcp::socket moved(to->io_);
      moved.assign(protocol, fd, ignored);
      if (ignored) return void(::close(fd));
      to->on_accept(std::move(moved));
    });
  }

  void on_accept(tcp::socket socket) {
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    RequestContext ctx;
    auto remote = socket.remote_endpoint(ec);
    if (!ec) {
      ctx.remote_ip = remote.address().to_string();
      ctx.remote_port = remote.port();
    }
    ctx.tls = static_cast<bool>(tls_);
    ctx.loop = &io_;
    ctx.loop_index = loop_index_;
    if (tls_) {
      std::make_shared<detail::H1Connection<detail::TlsSocket>>(
          detail::TlsSocket(std::move(socket), *tls_), h1_, std::move(ctx))
          ->start();
    } else {
      enable_edge_reads(socket);  // see http/edge_read.hpp
      std::make_shared<detail::H1Connection<detail::TcpSocket>>(std::move(socket), h1_,
                                                                std::move(ctx))
          ->start();
    }
  }

  static h1::HeadLimits head_limits(const ServerOptions& o) {
    h1::HeadLimits l;
    l.start_line = o.request_line_limit;
    l.header_line = o.header_limit;
    l.headers_total = o.headers_total_limit;
    l.max_headers = o.max_headers;
    return l;
  }

  asio::io_context& io_;
  int loop_index_;
  tcp::acceptor acceptor_;
  std::shared_ptr<asio::ssl::context> tls_;
  Spread* spread_ = nullptr;
  std::shared_ptr<DeadlineSweeper> sweeper_;
  std::shared_ptr<H2Registry> h2_;  // before h1_, whose HTTP/2 hand-over captures it
  detail::H1Shared h1_;
};

// Serves a Beast-typed handler through the exchange interface: the request is copied into a
// Request, the Response's fields are passed on without the framing ones (the connection frames).
ExchangeHandler adapt(Handler handler) {
  return [handler = std::move(handler)](Exchange& ex) {
    const RequestView& v = ex.request();
    Request req;
    req.method_string(beast::string_view(v.method.data(), v.method.size()));
    req.target(beast::string_view(v.target.data(), v.target.size()));
    req.version(static_cast<unsigned>(v.version));
    for (const auto& h : v.headers)
      req.insert(beast::string_view(h.name.data(), h.name.size()),
                 beast::string_view(h.value.data(), h.value.size()));
    req.body().assign(v.body);
    Response res = handler(req, ex.context());  // throws: the connection answers 500
    thread_local std::vector<HeaderView> fields;
    fields.clear();
    for (const auto& f : res) {
      std::string_view name(f.name_string().data(), f.name_string().size());
      if (is_hop_by_hop(name) || iequals_ascii(name, "content-length")) continue;
      fields.push_back({name, std::string_view(f.value().data(), f.value().size())});
    }
    ex.respond({static_cast<int>(res.result_int()), fields, res.body()});
  };
}

// With SO_REUSEPORT a second process could silently share a port that is already served. Before
// the first shared bind, an exclusive probe bind makes "address in use" fail fast as usual.
void probe_exclusive(asio::io_context& io, const tcp::endpoint& ep) {
  tcp::acceptor probe(io);
  probe.open(ep.protocol());
  probe.set_option(asio::socket_base::reuse_address(true));
  probe.bind(ep);  // throws std::system_error (address in use) like a normal bind would
}

tcp::acceptor open_acceptor(asio::io_context& io, const tcp::endpoint& ep) {
  tcp::acceptor a(io);
  a.open(ep.protocol());
  a.set_option(asio::socket_base::reuse_address(true));
  int one = 1;
  if (::setsockopt(a.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    throw std::system_error(errno, std::generic_category(), "SO_REUSEPORT");
  a.bind(ep);
  a.listen(asio::socket_base::max_listen_connections);
  return a;
}

// open_acceptor, preceded on the first loop's bind by probe_exclusive (shared binds of a fixed
// port). Throws ListenError with the reason ("address already in use", "permission denied").
tcp::acceptor bind_acceptor(asio::io_context& io, const tcp::endpoint& ep, bool first) {
  try {
    if (first && ep.port() != 0) probe_exclusive(io, ep);
    return open_acceptor(io, ep);
  } catch (const boost::system::system_error& e) {
    std::string reason = e.code().message();
    if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(reason[0]));
    throw ListenError(reason);
  } catch (const std::system_error& e) {
    throw ListenError(std::string("cannot set ") + e.what());
  }
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  ExchangeHandler handler;
  std::atomic<bool> stopping{false};
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::vector<std::shared_ptr<Listener>> listeners;
  std::vector<std::thread> threads;
  std::shared_ptr<asio::ssl::context> tls;
  // Contexts replaced by reload_tls: kept until the server goes, as their connections may still
  // use them.
  std::vector<std::shared_ptr<asio::ssl::context>> retired_tls;
  // While draining: keeps each loop running once its acceptor is closed (a loop without pending
  // work would return from run() and never see the drain's posts). stop() ends the loops anyway.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> drain_guards;
  std::uint16_t port = 0;
  bool started = false, stopped = false;
  Spread spread;

  Impl(ServerOptions o, ExchangeHandler h) : options(std::move(o)), handler(std::move(h)) {
    if (options.threads < 1) options.threads = 1;
    if (!options.tls_cert_file.empty() && !options.tls_key_file.empty())
      tls = make_tls_context(options);
    boost::system::error_code bad_host;
    auto address = asio::ip::make_address(options.host, bad_host);
    if (bad_host) throw ListenError("'" + options.host + "' is not an IP address");
    for (int i = 0; i < options.threads; ++i) {
      // A loop of its own thread: no locking around socket operations (every socket of the loop
      // is used from that thread only; posts from other threads still go through the locked
      // scheduler queue).
      loops.push_back(std::make_unique<asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO));
      tcp::endpoint ep(address, i == 0 ? options.port : port);
      auto acceptor = bind_acceptor(*loops.back(), ep, i == 0);
      port = acceptor.local_endpoint().port();
      listeners.push_back(std::make_shared<Listener>(*loops.back(), options.loop_index_base + i,
                                                     std::move(acceptor), options, stopping,
                                                     handler, tls));
    }
  }
};

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), adapt(std::move(handler)))) {}

Server::Server(ServerOptions options, ExchangeHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() {
  stop();
}

std::uint16_t Server::port() const {
  return impl_->port;
}

void Server::start() {
  if (impl_->started) return;
  impl_->started = true;
  impl_->spread.listeners = &impl_->listeners;
  for (auto& l : impl_->listeners)
    l->start(impl_->options.spread_connections ? &impl_->spread : nullptr);
  for (int i = 0; i < impl_->options.threads; ++i) {
    auto& io = *impl_->loops[i];
    impl_->threads.emplace_back([&io, priority = impl_->options.priority] {
      lower_thread_priority(priority);
      for (;;) {
        try {
          io.run();
          return;
        } catch (...) {  // a handler bug must not take the loop down; keep serving
        }
      }
    });
  }
}

void Server::reload_tls(const std::string& cert_file, const std::string& key_file) {
  if (!impl_->tls) throw std::logic_error("reload_tls: not a TLS server");
  ServerOptions o = impl_->options;
  o.tls_cert_file = cert_file;
  o.tls_key_file = key_file;
  auto next = make_tls_context(o);
  impl_->retired_tls.push_back(impl_->tls);
  impl_->tls = next;
  for (auto& l : impl_->listeners) l->use_tls(next);
}

bool Server::drain(std::chrono::milliseconds grace) {
  if (!impl_->started || impl_->stopped) return true;
  impl_->stopping.store(true);
  for (auto& io : impl_->loops) impl_->drain_guards.emplace_back(io->get_executor());
  for (auto& l : impl_->listeners) l->stop();
  for (auto& l : impl_->listeners) l->go_away();
  const auto until = std::chrono::steady_clock::now() + grace;
  for (;;) {
    std::size_t busy = 0;
    for (auto& l : impl_->listeners) busy += l->requests_in_progress(until);
    if (busy == 0) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Server::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->stopping.store(true);
  for (auto& l : impl_->listeners) l->stop();
  for (auto& io : impl_->loops) io->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  for (auto& l : impl_->listeners) l->abandon_connections();
}

}  // namespace gh::http
