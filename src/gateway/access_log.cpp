#include "gateway/access_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "core/metrics.hpp"

namespace gh::gateway {

struct alignas(64) AccessLog::LoopBuffer {
  std::mutex mutex;  // the loop appending, the writer swapping (every 50 ms)
  std::string buf;
  core::metrics::LocalCounter dropped;  // written under `mutex` by the loop
};

namespace {

// Bytes a JSON string carries escaped: quote, backslash, controls, and everything outside
// printable ASCII (as \u00XX, so a line is valid UTF-8 whatever the client sent).
constexpr auto kEscape = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = c < 0x20 || c >= 0x7f || c == '"' || c == '\\';
  return t;
}();

// Writes a line through a raw pointer into room reserved beforehand (Line::bound()): no
// capacity check per piece.
struct Out {
  char* p;
  template <std::size_t N>
  void lit(const char (&s)[N]) {
    std::memcpy(p, s, N - 1);
    p += N - 1;
  }
  void raw(std::string_view s) {
    if (s.empty()) return;  // an empty view's data() may be null: memcpy's arguments must not be
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  void json(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    *p++ = '"';
    std::size_t clean = 0;  // start of the run of bytes copied as they are
    for (std::size_t i = 0; i < s.size();) {
      if (i + 8 <= s.size()) {  // eight clean bytes at a time (ids, hosts, paths mostly are)
        std::uint64_t x;
        std::memcpy(&x, s.data() + i, 8);
        if (!needs_escape(x)) {
          i += 8;
          continue;
        }
      }
      auto u = static_cast<unsigned char>(s[i]);
      if (kEscape[u]) {
        raw(s.substr(clean, i - clean));
        clean = i + 1;
        if (u == '"' || u == '\\') {
          *p++ = '\\';
          *p++ = s[i];
        } else {
          lit("\\u00");
          *p++ = kHex[u >> 4];
          *p++ = kHex[u & 15];
        }
      }
      ++i;
    }
    raw(s.substr(clean));
    *p++ = '"';
  }
  // Whether one of the eight bytes of `x` is one kEscape marks (SWAR: below 0x20, above 0x7e,
  // '"' or '\\'; exact as to whether any byte is, which is all that is asked).
  static bool needs_escape(std::uint64_t x) {
    constexpr std::uint64_t k1 = 0x0101010101010101ull, k80 = 0x8080808080808080ull;
    auto has_zero = [&](std::uint64_t v) { return (v - k1) & ~v & k80; };
    std::uint64_t below = (x - k1 * 0x20) & ~x & k80;           // a byte < 0x20
    std::uint64_t above = ((x + k1 * (127 - 0x7e)) | x) & k80;  // a byte > 0x7e
    return (below | above | has_zero(x ^ (k1 * '"')) | has_zero(x ^ (k1 * '\\'))) != 0;
  }
  void optional(std::string_view s) {
    if (s.empty())
      lit("null");
    else
      json(s);
  }
  void integer(std::int64_t v) { p = std::to_chars(p, p + 24, v).ptr; }
  // Milliseconds with three decimals.
  void ms(std::int64_t ns) {
    std::int64_t us = ns / 1000;
    integer(us / 1000);
    auto frac = us % 1000;
    *p++ = '.';
    *p++ = static_cast<char>('0' + frac / 100);
    *p++ = static_cast<char>('0' + frac / 10 % 10);
    *p++ = static_cast<char>('0' + frac % 10);
  }
  // "2026-12-07T08:00:00.123Z"; the part up to the seconds is made once a second per thread.
  void time(std::int64_t unix_ms) {
    thread_local std::int64_t cached_second = -1;
    thread_local char prefix[32];
    thread_local std::size_t prefix_len = 0;
    std::int64_t sec = unix_ms / 1000;
    if (sec != cached_second) {
      std::time_t t = static_cast<std::time_t>(sec);
      std::tm tm{};
      gmtime_r(&t, &tm);
      prefix_len = std::strftime(prefix, sizeof prefix, "%Y-%m-%dT%H:%M:%S", &tm);
      cached_second = sec;
    }
    *p++ = '"';
    raw({prefix, prefix_len});
    auto m = unix_ms % 1000;
    *p++ = '.';
    *p++ = static_cast<char>('0' + m / 100);
    *p++ = static_cast<char>('0' + m / 10 % 10);
    *p++ = static_cast<char>('0' + m % 10);
    lit("Z\"");
  }
};

// The most bytes the line of `r` can take: the fixed text and numbers, and every string as if
// each of its bytes were escaped (6 bytes).
std::size_t bound(const AccessRecord& r, std::string_view ip, std::string_view path) {
  const auto& q = *r.request;
  return 400 + 6 * (r.request_id.size() + ip.size() + q.method.size() + q.authority.size() +
                    path.size() + r.error_code.size() + r.api_id.size() + r.app_id.size());
}

void write_all(int fd, const std::string& data) {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    auto n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // the lines are lost (disk full, closed stdout); the gateway goes on
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace

void AccessLog::format(std::string& out, const AccessRecord& r, std::int64_t unix_ms) {
  const auto& req = *r.request;
  std::string_view ip = !r.client_ip.empty() ? r.client_ip
                        : r.context          ? std::string_view(r.context->remote_ip)
                                             : std::string_view();
  std::string_view path = req.target.substr(0, req.target.find('?'));
  std::size_t start = out.size();
  out.resize(start + bound(r, ip, path));
  Out o{out.data() + start};
  o.lit("{\"time\":");
  o.time(unix_ms);
  o.lit(",\"request_id\":");
  o.json(r.request_id);
  o.lit(",\"client_ip\":");
  o.json(ip);
  o.lit(",\"method\":");
  o.json(req.method);
  o.lit(",\"host\":");
  o.json(req.authority);
  o.lit(",\"path\":");
  o.json(path);
  o.lit(",\"status\":");
  o.integer(r.status);
  o.lit(",\"error_code\":");
  o.optional(r.error_code);
  o.lit(",\"api_id\":");
  o.optional(r.api_id);
  o.lit(",\"app_id\":");
  o.optional(r.app_id);
  o.lit(",\"bytes_in\":");
  o.integer(static_cast<std::int64_t>(req.body.size()));
  o.lit(",\"bytes_out\":");
  o.integer(static_cast<std::int64_t>(r.bytes_out));
  o.lit(",\"total_ms\":");
  o.ms(r.total_ns);
  o.lit(",\"upstream_ms\":");
  if (r.upstream_ns < 0)
    o.lit("null");
  else
    o.ms(r.upstream_ns);
  o.lit("}\n");
  out.resize(static_cast<std::size_t>(o.p - out.data()));
}

AccessLog::AccessLog(int loops) {
  for (int i = 0; i < std::max(1, loops); ++i) loops_.push_back(std::make_unique<LoopBuffer>());
  writer_ = std::thread([this] { writer_loop(); });
}

AccessLog::~AccessLog() {
  {
    std::lock_guard lock(wake_mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  writer_.join();
  std::lock_guard lock(fd_mutex_);
  write_buffers();
  if (owns_fd_) ::close(fd_);
}

void AccessLog::writer_loop() {
  std::unique_lock lock(wake_mutex_);
  while (!stop_) {
    // Off: sleeps until set_target() turns it on (set_target wrote what was buffered).
    wake_.wait(lock, [this] { return stop_ || enabled(); });
    wake_.wait_for(lock, kFlushPeriod, [this] { return stop_; });
    lock.unlock();
    {
      std::lock_guard fd_lock(fd_mutex_);
      write_buffers();
    }
    lock.lock();
  }
}

void AccessLog::write_buffers() {
  for (auto& lp : loops_) {
    {
      std::lock_guard lock(lp->mutex);
      if (lp->buf.empty()) continue;
      spare_.swap(lp->buf);  // the loop goes on with the spare's capacity
    }
    if (fd_ >= 0) write_all(fd_, spare_);
    spare_.clear();
    if (spare_.capacity() > (1u << 20)) std::string().swap(spare_);  // after a burst
  }
}

int AccessLog::open_target(const std::string& target) const {
  if (target == "off") return -1;
  if (target == "-") return STDOUT_FILENO;
  int fd = ::open(target.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    throw std::runtime_error("access log " + target + ": " + std::strerror(errno) +
                             "; check --access-log");
  return fd;
}

void AccessLog::set_target(const std::string& target) {
  int fd = open_target(target);
  std::lock_guard lock(fd_mutex_);
  if (target == "off") enabled_.store(false, std::memory_order_relaxed);
  write_buffers();
  if (owns_fd_) ::close(fd_);
  fd_ = fd;
  owns_fd_ = fd > STDERR_FILENO;
  target_ = target;
  {
    std::lock_guard wake_lock(wake_mutex_);  // the writer checks enabled() under it
    enabled_.store(target != "off", std::memory_order_relaxed);
  }
  wake_.notify_all();
}

bool AccessLog::reopen() {
  std::lock_guard lock(fd_mutex_);
  write_buffers();
  if (!owns_fd_) return true;
  int fd = ::open(target_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return false;
  ::close(fd_);
  fd_ = fd;
  return true;
}

void AccessLog::flush() {
  std::lock_guard lock(fd_mutex_);
  write_buffers();
}

void AccessLog::append(int loop, const AccessRecord& r) {
  if (loop < 0 || static_cast<std::size_t>(loop) >= loops_.size()) return;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  LoopBuffer& b = *loops_[static_cast<std::size_t>(loop)];
  // Formatted in place: the writer takes this lock once per 50 ms, so it is not contended.
  std::lock_guard lock(b.mutex);
  std::size_t before = b.buf.size();
  if (before < kMaxBuffered) format(b.buf, r, now);
  if (b.buf.size() > kMaxBuffered || before >= kMaxBuffered) {
    b.buf.resize(before);
    b.dropped.add();
  }
}

std::uint64_t AccessLog::dropped() const {
  std::uint64_t n = 0;
  for (const auto& lp : loops_) n += lp->dropped.get();
  return n;
}

}  // namespace gh::gateway
