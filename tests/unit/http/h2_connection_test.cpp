#include "http/h2_connection.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <thread>

#include "h2_test_client.hpp"
#include "http/alpn.hpp"

namespace gh::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using test::H2Client;

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// Runs a server io_context on its own thread for the test's duration.
struct ServerLoop {
  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  ~ServerLoop() {
    work.reset();
    io.stop();
    thread.join();
  }
};

// Talks to the server with `c` over `stream` until `done()` holds, the server closes, or 5 s
// pass. Returns done(). `done` is checked every 20 ms even when nothing arrives.
template <class Stream>
bool converse(Stream& stream, asio::io_context& cio, H2Client& c, const std::function<bool()>& done,
              bool* server_closed = nullptr) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  std::array<char, 64 * 1024> buf;
  bool pending = false, completed = false;
  boost::system::error_code read_ec;
  std::size_t n = 0;
  bool result = false;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string out = c.take();
    if (!out.empty()) asio::write(stream, asio::buffer(out));
    if (done()) {
      result = true;
      break;
    }
    if (!pending) {
      pending = true;
      completed = false;
      stream.async_read_some(asio::buffer(buf),
                             [&](const boost::system::error_code& ec, std::size_t k) {
                               completed = true;
                               read_ec = ec;
                               n = k;
                             });
    }
    cio.restart();
    cio.run_for(20ms);
    if (!completed) continue;
    pending = false;
    if (n) c.give(std::string_view(buf.data(), n));
    if (read_ec) {
      if (server_closed) *server_closed = true;
      return done();
    }
  }
  if (pending) {  // the handler refers to this frame: let it finish before returning
    boost::system::error_code ignored;
    stream.lowest_layer().cancel(ignored);
    cio.restart();
    cio.run();
    if (n && !read_ec) c.give(std::string_view(buf.data(), n));
  }
  return result || done();
}

std::string answer_body(const RequestView& r) {
  return std::string(r.method) + " " + std::string(r.target) + " " + std::string(r.authority) +
         " " + std::string(r.body);
}

// An exchange handler answering from the view, at once or (target "/later") from a posted task.
ExchangeHandler echo_handler(asio::io_context& io) {
  return [&io](Exchange& ex) {
    HeaderView headers[] = {{"Content-Type", "text/plain"}};
    if (ex.request().target == "/later") {
      asio::post(io, [&ex] {
        HeaderView h[] = {{"x-late", "yes"}};
        ex.respond(ResponseView{202, h, answer_body(ex.request())});
      });
      return;
    }
    ex.respond(ResponseView{200, headers, answer_body(ex.request())});
  };
}

// A plain-TCP listener on 127.0.0.1 whose first connection is served by start_h2_connection.
struct PlainH2Listener {
  tcp::acceptor acceptor;
  PlainH2Listener(asio::io_context& io, const ServerOptions& options,
                  const ExchangeHandler& handler, std::atomic<bool>& stopping)
      : acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    acceptor.async_accept(
        [&options, &handler, &stopping](const boost::system::error_code& ec, tcp::socket s) {
          if (!ec)
            start_h2_connection(std::move(s), options, handler, RequestContext{}, stopping, {});
        });
  }
  // A client socket on `cio`, connected to the listener.
  tcp::socket connect(asio::io_context& cio) {
    tcp::socket s(cio);
    s.connect(acceptor.local_endpoint());
    return s;
  }
};

TEST(H2ConnectionTest, ServesStreamsOverLoopbackStartingFromAlreadyReadBytes) {
  ServerLoop loop;
  ServerOptions options;
  std::atomic<bool> stopping{false};
  ExchangeHandler handler = echo_handler(loop.io);
  tcp::acceptor acceptor(loop.io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));

  H2Client c;
  auto now_id = c.request("POST", "/now", {}, std::string("hello"));
  auto later_id = c.request("GET", "/later");
  std::string first = c.take();
  ASSERT_EQ(first.substr(0, kPreface.size()), kPreface);
  // The listener read the preface and part of what followed before handing over.
  std::string already = first.substr(0, kPreface.size() + 5);
  std::string rest = first.substr(already.size());

  acceptor.async_accept([&](const boost::system::error_code& ec, tcp::socket s) {
    ASSERT_FALSE(ec);
    start_h2_connection(std::move(s), options, handler, RequestContext{}, stopping, already);
  });
  asio::io_context cio;
  tcp::socket sock(cio);
  sock.connect(acceptor.local_endpoint());
  asio::write(sock, asio::buffer(rest));
  EXPECT_TRUE(converse(sock, cio, c,
                       [&] { return c.responses[now_id].closed && c.responses[later_id].closed; }));
  EXPECT_EQ(c.responses[now_id].status, 200);
  EXPECT_EQ(c.responses[now_id].body, "POST /now example.com hello");
  EXPECT_EQ(c.responses[now_id].header("content-type"), "text/plain");
  EXPECT_EQ(c.responses[later_id].status, 202);
  EXPECT_EQ(c.responses[later_id].body, "GET /later example.com ");
  EXPECT_EQ(c.responses[later_id].header("x-late"), "yes");

  // More streams on the same connection, many at once.
  std::vector<std::int32_t> ids;
  for (int i = 0; i < 40; ++i)
    ids.push_back(c.request(i % 2 ? "GET" : "POST", i % 3 ? "/n" + std::to_string(i) : "/later", {},
                            i % 2 ? std::nullopt : std::optional<std::string>("b")));
  EXPECT_TRUE(converse(sock, cio, c, [&] {
    for (auto id : ids)
      if (!c.responses[id].closed) return false;
    return true;
  }));
  for (int i = 0; i < 40; ++i) {
    std::string target = i % 3 ? "/n" + std::to_string(i) : "/later";
    EXPECT_EQ(c.responses[ids[i]].body, std::string(i % 2 ? "GET " : "POST ") + target +
                                            " example.com " + (i % 2 ? "" : "b"));
  }
}

TEST(H2ConnectionTest, IdleConnectionIsClosedWithGoaway) {
  ServerLoop loop;
  ServerOptions options;
  options.idle_timeout = 300ms;
  std::atomic<bool> stopping{false};
  ExchangeHandler handler = echo_handler(loop.io);
  PlainH2Listener listener(loop.io, options, handler, stopping);
  asio::io_context cio;
  tcp::socket sock = listener.connect(cio);
  H2Client c;
  auto id = c.request("GET", "/once");
  bool closed = false;
  auto started = std::chrono::steady_clock::now();
  converse(
      sock, cio, c, [] { return false; }, &closed);
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
  EXPECT_EQ(c.responses[id].status, 200);
  EXPECT_TRUE(c.goaway);
  EXPECT_EQ(c.goaway_error, static_cast<std::uint32_t>(NGHTTP2_NO_ERROR));
}

// A stream whose request never finishes arriving is reset once the request timeout passes, even
// while the client keeps the connection busy; the connection itself goes on serving.
TEST(H2ConnectionTest, StalledRequestStreamIsResetAfterTheRequestTimeout) {
  ServerLoop loop;
  ServerOptions options;
  options.request_timeout = 300ms;
  options.idle_timeout = 10s;
  std::atomic<bool> stopping{false};
  ExchangeHandler handler = echo_handler(loop.io);
  PlainH2Listener listener(loop.io, options, handler, stopping);
  asio::io_context cio;
  tcp::socket sock = listener.connect(cio);
  H2Client c;
  auto stalled = c.request("POST", "/slow", {}, std::string(1000, 's'), "example.com", true, 10);
  auto started = std::chrono::steady_clock::now();
  converse(sock, cio, c, [&] { return c.responses[stalled].closed; });
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(c.responses[stalled].closed);
  EXPECT_EQ(c.responses[stalled].close_error, static_cast<std::uint32_t>(NGHTTP2_CANCEL));
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 2s);  // within twice the timeout, plus scheduling
  auto next = c.request("GET", "/after");
  converse(sock, cio, c, [&] { return c.responses[next].status != 0; });
  EXPECT_EQ(c.responses[next].status, 200);
  EXPECT_FALSE(c.goaway);
}

TEST(H2ConnectionTest, ServerStopTurnsIntoGracefulGoaway) {
  ServerLoop loop;
  ServerOptions options;
  std::atomic<bool> stopping{false};
  Exchange* held = nullptr;  // touched on the server loop only
  std::atomic<bool> holding{false};
  ExchangeHandler echo = echo_handler(loop.io);
  ExchangeHandler handler = [&](Exchange& ex) {
    if (ex.request().target != "/hold") return echo(ex);
    held = &ex;
    holding = true;
  };
  PlainH2Listener listener(loop.io, options, handler, stopping);
  asio::io_context cio;
  tcp::socket sock = listener.connect(cio);
  H2Client c;
  auto hold = c.request("GET", "/hold");
  ASSERT_TRUE(converse(sock, cio, c, [&] { return holding.load(); }));
  stopping = true;
  // The next read notices the stop (it may be one carrying frames sent before this request, in
  // which case the GOAWAY names an earlier stream and this one is refused, as HTTP/2 allows).
  auto after = c.request("GET", "/after");
  ASSERT_TRUE(converse(sock, cio, c, [&] { return c.goaway; }));
  EXPECT_EQ(c.goaway_error, static_cast<std::uint32_t>(NGHTTP2_NO_ERROR));
  EXPECT_GE(c.goaway_last_stream, hold);
  EXPECT_FALSE(c.responses[hold].closed);  // still in progress after GOAWAY
  asio::post(loop.io, [&] {
    HeaderView none[1];
    held->respond(ResponseView{200, std::span<const HeaderView>(none, 0), "held"});
  });
  bool closed = false;
  converse(
      sock, cio, c, [] { return false; }, &closed);
  EXPECT_TRUE(closed);  // the server closed once the open streams were answered
  EXPECT_EQ(c.responses[hold].status, 200);
  EXPECT_EQ(c.responses[hold].body, "held");
  if (after <= c.goaway_last_stream)
    EXPECT_EQ(c.responses[after].status, 200);
  else
    EXPECT_EQ(c.responses[after].status, 0);
}

TEST(H2ConnectionTest, GarbageFromTheClientEndsTheConnection) {
  ServerLoop loop;
  ServerOptions options;
  std::atomic<bool> stopping{false};
  ExchangeHandler handler = echo_handler(loop.io);
  PlainH2Listener listener(loop.io, options, handler, stopping);
  asio::io_context cio;
  tcp::socket sock = listener.connect(cio);
  asio::write(sock, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string received;
  boost::system::error_code ec;
  std::array<char, 4096> buf;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!ec && std::chrono::steady_clock::now() < deadline) {
    bool completed = false;
    sock.async_read_some(asio::buffer(buf), [&](const boost::system::error_code& e, std::size_t n) {
      completed = true;
      ec = e;
      received.append(buf.data(), n);
    });
    cio.restart();
    cio.run_for(deadline - std::chrono::steady_clock::now());
    if (!completed) break;
  }
  EXPECT_TRUE(ec);  // closed by the server
  auto frames = test::split_frames(received);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back().type, NGHTTP2_GOAWAY);
}

// ---------------------------------------------------------------- TLS with ALPN

struct TlsFiles {
  std::filesystem::path dir, cert, key;
  TlsFiles() {
    dir = std::filesystem::temp_directory_path() /
          ("gh-h2-tls-" + std::to_string(::getpid()) + "-" +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir);
    cert = dir / "cert.pem";
    key = dir / "key.pem";
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, pkey);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_sign(x, pkey, EVP_sha256());
    FILE* f = std::fopen(cert.c_str(), "w");
    PEM_write_X509(f, x);
    std::fclose(f);
    f = std::fopen(key.c_str(), "w");
    PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    X509_free(x);
    EVP_PKEY_free(pkey);
  }
  ~TlsFiles() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

asio::ssl::context client_context(std::string_view alpn_wire) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);
  SSL_CTX_set_alpn_protos(ctx.native_handle(),
                          reinterpret_cast<const unsigned char*>(alpn_wire.data()),
                          static_cast<unsigned>(alpn_wire.size()));
  return ctx;
}

std::string selected_alpn(const SSL* ssl) {
  const unsigned char* p = nullptr;
  unsigned int n = 0;
  SSL_get0_alpn_selected(ssl, &p, &n);
  return std::string(reinterpret_cast<const char*>(p), n);
}

TEST(H2ConnectionTest, TlsConnectionNegotiatesH2AndServesIt) {
  TlsFiles files;
  asio::ssl::context server_ctx(asio::ssl::context::tls_server);
  server_ctx.use_certificate_chain_file(files.cert.string());
  server_ctx.use_private_key_file(files.key.string(), asio::ssl::context::pem);
  configure_alpn(server_ctx.native_handle(), true);

  ServerLoop loop;
  ServerOptions options;
  std::atomic<bool> stopping{false};
  ExchangeHandler handler = echo_handler(loop.io);
  std::atomic<int> server_saw_h2{-1};
  using TlsStream = asio::ssl::stream<tcp::socket>;
  std::optional<TlsStream> accepted;
  tcp::acceptor acceptor(loop.io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  acceptor.async_accept([&](const boost::system::error_code& ec, tcp::socket s) {
    if (ec) return;
    accepted.emplace(std::move(s), server_ctx);
    accepted->async_handshake(asio::ssl::stream_base::server,
                              [&](const boost::system::error_code& hec) {
                                if (hec) return;
                                bool h2 = negotiated_h2(accepted->native_handle());
                                server_saw_h2 = h2 ? 1 : 0;
                                if (h2)
                                  start_h2_connection(std::move(*accepted), options, handler,
                                                      RequestContext{}, stopping, {});
                              });
  });

  asio::io_context cio;
  auto cctx = client_context(std::string_view("\x08http/1.1\x02h2", 12));
  TlsStream client(cio, cctx);
  client.next_layer().connect(acceptor.local_endpoint());
  client.handshake(asio::ssl::stream_base::client);
  EXPECT_EQ(selected_alpn(client.native_handle()), "h2");
  H2Client c;
  auto id = c.request("POST", "/tls", {}, std::string("over tls"), "gw.example");
  EXPECT_TRUE(converse(client, cio, c, [&] { return c.responses[id].closed; }));
  EXPECT_EQ(server_saw_h2.load(), 1);
  EXPECT_EQ(c.responses[id].status, 200);
  EXPECT_EQ(c.responses[id].body, "POST /tls gw.example over tls");
}

// The real server's TLS context (make_tls_context) selects h2 only when enable_h2 is set.
TEST(H2ConnectionTest, ServerTlsContextSelectsH2OnlyWhenEnabled) {
  TlsFiles files;
  for (bool enable : {false, true}) {
    ServerOptions options;
    options.tls_cert_file = files.cert.string();
    options.tls_key_file = files.key.string();
    options.enable_h2 = enable;
    options.threads = 1;
    Server server(options, Handler([](Request&, const RequestContext&) { return Response{}; }));
    server.start();
    for (auto offer : {std::string_view("\x02h2\x08http/1.1", 12), std::string_view("\x02h2", 3),
                       std::string_view("\x08http/1.1", 9)}) {
      asio::io_context cio;
      auto cctx = client_context(offer);
      asio::ssl::stream<tcp::socket> client(cio, cctx);
      client.next_layer().connect(
          tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
      client.handshake(asio::ssl::stream_base::client);
      std::string want = offer.size() == 3 ? (enable ? "h2" : "")
                                           : (enable && offer.size() == 12 ? "h2" : "http/1.1");
      EXPECT_EQ(selected_alpn(client.native_handle()), want) << enable << " " << offer.size();
    }
    server.stop();
  }
}

}  // namespace
}  // namespace gh::http
