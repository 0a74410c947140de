#include "http/edge_read.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <string>

// Counts read attempts on one watched descriptor. asio reads through ::recv and async_read_edge
// through ::recvmsg, so defining both here (in the test executable) sees every attempt, including
// those that fail with EAGAIN.
namespace {
std::atomic<int> watched_fd{-1};
std::atomic<int> read_calls{0};
}  // namespace

extern "C" ssize_t recv(int fd, void* buf, size_t len, int flags) {
  if (fd == watched_fd.load()) read_calls.fetch_add(1);
  return ::syscall(SYS_recvfrom, fd, buf, len, flags, nullptr, nullptr);
}

extern "C" ssize_t recvmsg(int fd, struct msghdr* msg, int flags) {
  if (fd == watched_fd.load()) read_calls.fetch_add(1);
  return ::syscall(SYS_recvmsg, fd, msg, flags);
}

namespace gh::http {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

// A connected pair of loopback TCP sockets on one io_context; `ours` is watched and, unless told
// otherwise, prepared with enable_edge_reads.
struct Pair {
  asio::io_context io;
  tcp::socket ours{io}, peer{io};
  char buf[64];
  explicit Pair(bool edge_reads = true) {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    peer.connect(acceptor.local_endpoint());
    acceptor.accept(ours);
    if (edge_reads) {
      EXPECT_TRUE(enable_edge_reads(ours));
    }
    watched_fd = ours.native_handle();
    read_calls = 0;
  }
  ~Pair() { watched_fd = -1; }
  void send(std::string_view s) { asio::write(peer, asio::buffer(s.data(), s.size())); }
  // Starts a read and runs the loop briefly: with nothing sent yet, the read must be pending.
  template <class Handler>
  void start_pending_read(const bool& done, Handler&& handler) {
    async_read_edge(ours, asio::buffer(buf), std::forward<Handler>(handler));
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
    ASSERT_FALSE(done) << "a read completed with nothing sent";
  }
  // Runs the loop until `done` or 2 s.
  void run_until(const bool& done) {
    for (int i = 0; i < 200 && !done; ++i) {
      io.restart();
      io.run_for(std::chrono::milliseconds(10));
    }
  }
};

struct Result {
  bool done = false;
  error_code ec;
  std::string data;
};

auto recorder(Pair& p, Result& r) {
  return [&p, &r](const error_code& ec, std::size_t n) {
    r.done = true;
    r.ec = ec;
    r.data.assign(p.buf, n);
  };
}

// Sends `text` and reads it with async_read_edge; returns the read attempts counted so far.
int send_and_read(Pair& p, std::string_view text) {
  p.send(text);
  Result r;
  async_read_edge(p.ours, asio::buffer(p.buf), recorder(p, r));
  p.run_until(r.done);
  EXPECT_EQ(r.data, text);
  return read_calls.load();
}

TEST(EdgeRead, ReadsWhatHasArrived) {
  Pair p;
  p.send("hello");
  Result r;
  async_read_edge(p.ours, asio::buffer(p.buf), recorder(p, r));
  p.run_until(r.done);
  ASSERT_TRUE(r.done);
  EXPECT_FALSE(r.ec);
  EXPECT_EQ(r.data, "hello");
}

// The point of async_read_edge: after a read that drained the socket, the next read waits for
// epoll instead of calling recv() (which would fail with EAGAIN), and completes with one recv().
TEST(EdgeRead, ReadAfterADrainingReadMakesNoRecvBeforeDataArrives) {
  Pair p;
  int after_first = send_and_read(p, "first");
  Result second;
  p.start_pending_read(second.done, recorder(p, second));
  EXPECT_EQ(read_calls.load(), after_first) << "a read was tried on a drained socket";

  p.send("second");
  p.run_until(second.done);
  ASSERT_TRUE(second.done);
  EXPECT_EQ(second.data, "second");
  EXPECT_EQ(read_calls.load(), after_first + 1);
}

// The behaviour it replaces, for contrast: asio's own read tries recv() at once.
TEST(EdgeRead, AsioReadSomeTriesRecvOnADrainedSocket) {
  Pair p;
  p.send("first");
  Result first;
  p.ours.async_read_some(asio::buffer(p.buf), recorder(p, first));
  p.run_until(first.done);
  int after_first = read_calls.load();
  Result second;
  p.ours.async_read_some(asio::buffer(p.buf), recorder(p, second));
  p.io.restart();
  p.io.run_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(second.done);
  EXPECT_EQ(read_calls.load(), after_first + 1);  // the EAGAIN that async_read_edge saves
  p.ours.close();
  p.run_until(second.done);
}

// A read that filled its buffer may have left data behind: the next read tries at once and gets
// it, with no new data (and so no new readiness event) arriving.
TEST(EdgeRead, ReadAfterAFullBufferGetsTheRestWithoutNewData) {
  Pair p;
  p.send("0123456789");
  std::string got;
  for (int i = 0; i < 3; ++i) {
    Result r;
    async_read_edge(p.ours, asio::buffer(p.buf, 4), recorder(p, r));
    p.run_until(r.done);
    ASSERT_TRUE(r.done) << "read " << i;
    ASSERT_FALSE(r.ec);
    got += r.data;
  }
  EXPECT_EQ(got, "0123456789");
}

// The kernel reports a FIN that arrived with the data as one byte left: the next read tries at
// once and sees the end of file, although no readiness event follows.
TEST(EdgeRead, DataAndCloseArrivingTogetherAreBothSeen) {
  Pair p;
  Result data, end;
  async_read_edge(p.ours, asio::buffer(p.buf), recorder(p, data));
  p.io.run_for(std::chrono::milliseconds(10));  // the read waits for epoll
  // Both arrive while the loop is not looking: epoll reports them as one event.
  p.send("last words");
  p.peer.close();
  p.run_until(data.done);
  ASSERT_EQ(data.data, "last words");
  async_read_edge(p.ours, asio::buffer(p.buf), recorder(p, end));
  p.run_until(end.done);
  ASSERT_TRUE(end.done) << "the pending end of file was missed";
  EXPECT_EQ(end.ec, asio::error::eof);
}

// Without TCP_INQ reports the reads behave as asio's: every read tries at once.
TEST(EdgeRead, UnpreparedSocketTriesEveryReadAtOnce) {
  Pair p(false);
  int after_first = send_and_read(p, "first");
  Result second;
  p.start_pending_read(second.done, recorder(p, second));
  EXPECT_EQ(read_calls.load(), after_first + 1);
  p.send("second");
  p.run_until(second.done);
  EXPECT_EQ(second.data, "second");
}

// Starts a read on a fresh pair, lets `event` happen to the pair, returns how the read ended.
template <class Event>
error_code pending_read_ended_by(Event&& event) {
  Pair p;
  Result r;
  p.start_pending_read(r.done, recorder(p, r));
  event(p);
  p.run_until(r.done);
  EXPECT_TRUE(r.done);
  return r.ec;
}

TEST(EdgeRead, PeerCloseEndsAPendingReadWithEof) {
  EXPECT_EQ(pending_read_ended_by([](Pair& p) { p.peer.close(); }), asio::error::eof);
}

TEST(EdgeRead, ClosingTheSocketAbortsAPendingRead) {
  EXPECT_EQ(pending_read_ended_by([](Pair& p) { p.ours.close(); }), asio::error::operation_aborted);
}

// An empty buffer reads nothing and succeeds at once (as asio's read), even with data waiting:
// it is not mistaken for the end of the stream.
TEST(EdgeRead, AnEmptyBufferReadsNothingAndIsNotEndOfFile) {
  Pair p;
  p.send("waiting");
  Result r;
  async_read_edge(p.ours, asio::buffer(p.buf, 0), recorder(p, r));
  p.run_until(r.done);
  ASSERT_TRUE(r.done);
  EXPECT_FALSE(r.ec);
  EXPECT_EQ(r.data, "");
  Result next;  // the waiting data is still there for the next read
  async_read_edge(p.ours, asio::buffer(p.buf), recorder(p, next));
  p.run_until(next.done);
  EXPECT_EQ(next.data, "waiting");
}

TEST(EdgeRead, AClosedSocketFailsAtOnceWithBadDescriptor) {
  Pair p;
  p.ours.close();
  Result r;
  async_read_edge(p.ours, asio::buffer(p.buf), recorder(p, r));
  p.run_until(r.done);
  ASSERT_TRUE(r.done);
  EXPECT_EQ(r.ec, asio::error::bad_descriptor);
}

// A loop destroyed with a read pending (the socket's close only queued its completion) frees the
// handler without calling it.
TEST(EdgeRead, DestroyingTheLoopFreesAPendingHandlerUncalled) {
  auto alive = std::make_shared<int>(0);
  std::weak_ptr<int> watch = alive;
  bool called = false;
  {
    Pair p;
    async_read_edge(
        p.ours, asio::buffer(p.buf),
        [keep = std::move(alive), &called](const error_code&, std::size_t) { called = true; });
    p.io.run_for(std::chrono::milliseconds(10));
    EXPECT_FALSE(watch.expired());
  }
  EXPECT_FALSE(called);
  EXPECT_TRUE(watch.expired());
}

}  // namespace
}  // namespace gh::http
