#include "gateway/access_log.hpp"

#include <fcntl.h>
#include <unistd.h>

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

// JSON string; bytes outside printable ASCII as \u00XX, so a line is valid UTF-8 whatever the
// client sent.
void append_json(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t clean = 0;  // start of the run of bytes copied as they are
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u < 0x7f && u != '"' && u != '\\') continue;
    out.append(s.data() + clean, i - clean);
    clean = i + 1;
    if (u == '"' || u == '\\') {
      out.push_back('\\');
      out.push_back(s[i]);
    } else {
      out.append("\\u00");
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  out.append(s.data() + clean, s.size() - clean);
  out.push_back('"');
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Milliseconds with three decimals.
void append_ms(std::string& out, std::int64_t ns) {
  std::int64_t us = ns / 1000;
  append_int(out, us / 1000);
  out.push_back('.');
  auto frac = us % 1000;
  out.push_back(static_cast<char>('0' + frac / 100));
  out.push_back(static_cast<char>('0' + frac / 10 % 10));
  out.push_back(static_cast<char>('0' + frac % 10));
}

// "2026-12-07T08:00:00.123Z"; the part up to the seconds is cached per thread.
void append_time(std::string& out, std::int64_t unix_ms) {
  thread_local std::int64_t cached_second = -1;
  thread_local char prefix[32];
  std::int64_t sec = unix_ms / 1000;
  if (sec != cached_second) {
    std::time_t t = static_cast<std::time_t>(sec);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(prefix, sizeof prefix, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_second = sec;
  }
  out.push_back('"');
  out.append(prefix);
  out.push_back('.');
  auto ms = unix_ms % 1000;
  out.push_back(static_cast<char>('0' + ms / 100));
  out.push_back(static_cast<char>('0' + ms / 10 % 10));
  out.push_back(static_cast<char>('0' + ms % 10));
  out.append("Z\"");
}

void append_optional(std::string& out, std::string_view s) {
  if (s.empty())
    out.append("null");
  else
    append_json(out, s);
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
  out.append("{\"time\":");
  append_time(out, unix_ms);
  out.append(",\"request_id\":");
  append_json(out, r.request_id);
  out.append(",\"client_ip\":");
  append_json(out, r.context ? std::string_view(r.context->remote_ip) : std::string_view());
  out.append(",\"method\":");
  append_json(out, req.method);
  out.append(",\"host\":");
  append_json(out, req.authority);
  out.append(",\"path\":");
  append_json(out, req.target.substr(0, req.target.find('?')));
  out.append(",\"status\":");
  append_int(out, r.status);
  out.append(",\"error_code\":");
  append_optional(out, r.error_code);
  out.append(",\"api_id\":");
  append_optional(out, r.api_id);
  out.append(",\"app_id\":");
  append_optional(out, r.app_id);
  out.append(",\"bytes_in\":");
  append_int(out, static_cast<std::int64_t>(req.body.size()));
  out.append(",\"bytes_out\":");
  append_int(out, static_cast<std::int64_t>(r.bytes_out));
  out.append(",\"total_ms\":");
  append_ms(out, r.total_ns);
  out.append(",\"upstream_ms\":");
  if (r.upstream_ns < 0)
    out.append("null");
  else
    append_ms(out, r.upstream_ns);
  out.append("}\n");
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
  enabled_.store(target != "off", std::memory_order_relaxed);
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
