#pragma once
// async_read_edge(stream, buffer, handler): stream.async_read_some, except that on a plain TCP
// socket prepared with enable_edge_reads it reads the way an edge-triggered event loop does.
//
// Why: asio's reactor tries recv() at once whenever a read starts, unless the socket last reported
// end of file. On a keep-alive connection the next request (or the backend's answer) has almost
// never arrived when the read starts, so that recv() fails with EAGAIN and the read waits for
// epoll anyway: one wasted system call per request and side, ~1.2 µs each on this VM.
//
// Contract: each read asks the kernel (TCP_INQ) what is left after it. When nothing is left — no
// data and no pending end of file (the kernel reports a pending FIN as one byte) — the next read
// on that socket waits for epoll's readiness event, which any new data, FIN or error raises (the
// reactor is edge-triggered), instead of trying recv() first. Otherwise, and on any socket not
// prepared with enable_edge_reads (no TCP_INQ report), the next read tries at once, as asio's does.
// The handler is called as for async_read_some, (error_code, bytes), through the socket's
// executor, never inline. Closing or cancelling the socket completes a pending read with
// operation_aborted. No per-operation cancellation slot is supported.
//
// Only asio's epoll reactor (its default on Linux) is supported; other streams (TLS) use their own
// async_read_some.
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/detail/bind_handler.hpp>
#include <boost/asio/detail/fenced_block.hpp>
#include <boost/asio/detail/handler_alloc_helpers.hpp>
#include <boost/asio/detail/handler_cont_helpers.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/detail/socket_ops.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>

#if !defined(BOOST_ASIO_HAS_EPOLL) || defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#error "edge_read.hpp needs asio's epoll reactor"
#endif
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

namespace gh::http {
namespace edge_detail {
namespace ad = boost::asio::detail;
using boost::system::error_code;
using Socket = boost::asio::ip::tcp::socket;

// The socket's reactor registration lives in basic_socket's protected impl_; a pointer to that
// member, formed in a derived class, reaches it without copying or casting the socket.
struct SocketImplAccess : Socket {
  static auto& of(Socket& s) { return s.*(&SocketImplAccess::impl_); }
};

template <class Handler, class IoExecutor>
class EdgeRecvOp : public ad::reactor_op {
 public:
  BOOST_ASIO_DEFINE_HANDLER_PTR(EdgeRecvOp);

  EdgeRecvOp(int fd, boost::asio::mutable_buffer buffer, Handler& handler, const IoExecutor& ex)
      : ad::reactor_op(error_code(), &EdgeRecvOp::perform, &EdgeRecvOp::complete),
        fd_(fd),
        buffer_(buffer),
        handler_(std::move(handler)),
        work_(handler_, ex) {}

  // Called by the reactor: at start (unless the last read left nothing behind) and on readiness.
  static status perform(ad::reactor_op* base) {
    auto* op = static_cast<EdgeRecvOp*>(base);
    if (op->buffer_.size() == 0) return done;  // as asio: reading nothing succeeds at once
    iovec iov{op->buffer_.data(), op->buffer_.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do n = ::recvmsg(op->fd_, &msg, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return not_done;  // stays queued until epoll reports the socket readable
    if (n <= 0) {
      op->ec_ = n == 0 ? error_code(boost::asio::error::eof)
                       : error_code(errno, boost::asio::error::get_system_category());
      return done_and_exhausted;
    }
    op->bytes_transferred_ = static_cast<std::size_t>(n);
    // Exhausted tells the reactor not to try recv() when the next read starts.
    return left_behind(msg) == 0 ? done_and_exhausted : done;
  }

  // TCP_INQ's report: bytes still queued, 1 if only a FIN is; -1 without a report.
  static int left_behind(msghdr& msg) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == SOL_TCP && c->cmsg_type == TCP_CM_INQ) {
        int inq;
        std::memcpy(&inq, CMSG_DATA(c), sizeof inq);
        return inq;
      }
    return -1;
  }

  // Called by the scheduler: runs the handler (owner set) or only frees the operation (owner
  // null: the io_context is being destroyed).
  static void complete(void* owner, ad::operation* base, const error_code&, std::size_t) {
    auto* op = static_cast<EdgeRecvOp*>(base);
    ptr p = {std::addressof(op->handler_), op, op};
    ad::handler_work<Handler, IoExecutor> work(std::move(op->work_));
    // The handler moves out before the operation's memory is released, then runs.
    ad::binder2<Handler, error_code, std::size_t> bound(op->handler_, op->ec_,
                                                        op->bytes_transferred_);
    p.h = std::addressof(bound.handler_);
    p.reset();
    if (owner) {
      ad::fenced_block fence(ad::fenced_block::half);
      work.complete(bound, bound.handler_);
    }
  }

 private:
  int fd_;
  boost::asio::mutable_buffer buffer_;
  Handler handler_;
  ad::handler_work<Handler, IoExecutor> work_;
};

template <class Handler>
void start(Socket& socket, boost::asio::mutable_buffer buffer, Handler&& handler,
           ad::reactor** cache) {
  using H = std::decay_t<Handler>;
  using Executor = Socket::executor_type;
  using Op = EdgeRecvOp<H, Executor>;
  auto& io = SocketImplAccess::of(socket);
  auto& impl = io.get_implementation();
  // use_service looks the reactor up under a mutex, comparing type names (~250 instructions per
  // read): a caller that reads again and again keeps it in `cache` (its socket's context's).
  ad::reactor* found = cache ? *cache : nullptr;
  if (!found) {
    found = &boost::asio::use_service<ad::reactor>(
        boost::asio::query(socket.get_executor(), boost::asio::execution::context));
    if (cache) *cache = found;
  }
  auto& reactor = *found;
  H h(std::forward<Handler>(handler));
  bool is_continuation = boost_asio_handler_cont_helpers::is_continuation(h);
  typename Op::ptr p = {std::addressof(h), Op::ptr::allocate(h), nullptr};
  p.p = new (p.v) Op(impl.socket_, buffer, h, socket.get_executor());
  error_code ec;
  if ((impl.state_ & ad::socket_ops::non_blocking) ||
      ad::socket_ops::set_internal_non_blocking(impl.socket_, impl.state_, true, ec)) {
    reactor.start_op(ad::reactor::read_op, impl.socket_, impl.reactor_data_, p.p, is_continuation,
                     true);
  } else {
    p.p->ec_ = ec;
    reactor.post_immediate_completion(p.p, is_continuation);
  }
  p.v = p.p = nullptr;  // the reactor owns the operation now
}

}  // namespace edge_detail

// Asks the kernel to report, with every read, what is left to read (TCP_INQ). Once per socket,
// before its first async_read_edge; false if the kernel refused (reads then behave as asio's).
inline bool enable_edge_reads(edge_detail::Socket& socket) {
  int on = 1;
  return ::setsockopt(socket.native_handle(), SOL_TCP, TCP_INQ, &on, sizeof on) == 0;
}

// Writes as much of `a`, then `b`, as the socket takes now, in one sendmsg without waiting
// (MSG_DONTWAIT): the bytes written, 0 with `ec` clear when it takes nothing now, `ec` set on an
// error. Where the kernel takes the whole answer, as it almost always does on a kept-alive
// connection, the write is done without an asio operation, whose speculative send posts its
// completion and costs a handler round per write. Never while an asio write is pending.
inline std::size_t send_now(edge_detail::Socket& socket, std::string_view a, std::string_view b,
                            boost::system::error_code& ec) {
  iovec iov[2] = {{const_cast<char*>(a.data()), a.size()}, {const_cast<char*>(b.data()), b.size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = b.empty() ? 1 : 2;
  ssize_t n;
  do n = ::sendmsg(socket.native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n >= 0) return static_cast<std::size_t>(n);
  if (errno != EAGAIN && errno != EWOULDBLOCK)
    ec = boost::system::error_code(errno, boost::asio::error::get_system_category());
  return 0;
}

// The reactor of a socket's context, kept by a connection for its reads (null until the first).
using ReactorCache = boost::asio::detail::reactor*;

template <class Stream, class Handler>
void async_read_edge(Stream& stream, boost::asio::mutable_buffer buffer, Handler&& handler,
                     ReactorCache* cache = nullptr) {
  if constexpr (std::is_same_v<Stream, edge_detail::Socket>)
    edge_detail::start(stream, buffer, std::forward<Handler>(handler), cache);
  else
    stream.async_read_some(buffer, std::forward<Handler>(handler));
}

}  // namespace gh::http
