// UpstreamPool against a backend played by the test itself on a plain socket, so that what the
// pool has written at any moment can be checked without a second thread.
#include "gateway/upstream.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <string>
#include <thread>

namespace gh::gateway {
namespace {

using namespace std::chrono_literals;

// A listening socket on 127.0.0.1 with an OS-chosen port.
class FakeBackend {
 public:
  FakeBackend() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len), 0);
    EXPECT_EQ(::listen(listener_, 4), 0);
    EXPECT_EQ(::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~FakeBackend() {
    if (conn_ >= 0) ::close(conn_);
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }

  // Whether the connection (accepted on first use) has bytes to read within `wait`.
  bool readable(std::chrono::milliseconds wait) {
    if (conn_ < 0) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(wait.count())) != 1) return false;
      conn_ = ::accept(listener_, nullptr, nullptr);
    }
    pollfd p{conn_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(wait.count())) == 1;
  }
  // Reads one request head and answers it.
  std::string answer(std::string_view body) {
    std::string head;
    char c;
    while (head.find("\r\n\r\n") == std::string::npos && ::read(conn_, &c, 1) == 1) head += c;
    std::string response = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\n\r\n" + std::string(body);
    EXPECT_EQ(::write(conn_, response.data(), response.size()),
              static_cast<ssize_t>(response.size()));
    return head;
  }

 private:
  int listener_ = -1, conn_ = -1;
  std::uint16_t port_ = 0;
};

struct Recorder : UpstreamHandler {
  int calls = 0;
  UpstreamStatus status = UpstreamStatus::kFailed;
  std::string body;
  void on_upstream(UpstreamStatus s, const UpstreamResponse* r) override {
    ++calls;
    status = s;
    body = r ? std::string(r->body) : "";
  }
};

// Runs the loop's ready handlers until `done` or a second has passed.
template <class Done>
void poll_until(boost::asio::io_context& io, Done done) {
  auto deadline = std::chrono::steady_clock::now() + 1s;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.poll();
    std::this_thread::sleep_for(1ms);
  }
}

TEST(UpstreamPool, ARequestOnAKeptAliveConnectionLeavesOnlyWhenTheLoopRunsNotInsideSend) {
  FakeBackend backend;
  boost::asio::io_context io;
  UpstreamPool pool(io);
  Backend target{"127.0.0.1", backend.port(), false, "backend", "/", "127.0.0.1:x"};
  const std::string head = "GET / HTTP/1.1\r\nHost: backend\r\n\r\n";
  UpstreamCall call;
  call.head = head;

  Recorder first;  // opens the connection, which then stays in the pool
  pool.send(target, call, first);
  poll_until(io, [&] { return backend.readable(0ms); });
  ASSERT_TRUE(backend.readable(1000ms));
  EXPECT_EQ(backend.answer("one"), head);
  poll_until(io, [&] { return first.calls == 1; });
  ASSERT_EQ(first.calls, 1);
  EXPECT_EQ(first.status, UpstreamStatus::kOk);
  EXPECT_EQ(first.body, "one");

  Recorder second;  // reuses it
  pool.send(target, call, second);
  EXPECT_FALSE(backend.readable(50ms)) << "written inside send(), before the loop ran";
  io.restart();
  io.poll();
  ASSERT_TRUE(backend.readable(1000ms)) << "not written when the loop ran";
  EXPECT_EQ(backend.answer("two"), head);
  poll_until(io, [&] { return second.calls == 1; });
  ASSERT_EQ(second.calls, 1);
  EXPECT_EQ(second.status, UpstreamStatus::kOk);
  EXPECT_EQ(second.body, "two");
}

}  // namespace
}  // namespace gh::gateway
