#pragma once
// The gateway's access log (docs/operations.md#access-log): one JSON line per answered request,
// to a file or stdout.
//
//   {"time":"2026-12-07T08:00:00.123Z","request_id":"…","client_ip":"…","method":"GET",
//    "host":"…","path":"/hello/world","status":200,"error_code":null,"api_id":"…",
//    "app_id":"…","bytes_in":0,"bytes_out":12,"total_ms":0.412,"upstream_ms":0.301}
//
// A line holds no header value (so no AppCode, signature or token) and no query string. Each
// event loop formats its lines and appends them to its own buffer (at most kMaxBuffered bytes;
// beyond that lines are dropped and counted); one writer thread writes every buffer every 50 ms,
// off the request path. A crash loses at most those 50 ms of lines.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http/exchange.hpp"

namespace gh::gateway {

// One answered request, as the completion point saw it. Views valid during append() only.
struct AccessRecord {
  std::string_view request_id;
  const http::RequestView* request = nullptr;
  const http::RequestContext* context = nullptr;
  // The client address (gateway/client_address.hpp); empty: the TCP peer, context->remote_ip.
  std::string_view client_ip;
  int status = 0;
  std::string_view error_code;  // "APIG.0303"; empty for none
  std::string_view api_id;      // empty when no API matched
  std::string_view app_id;      // empty when no app authenticated
  std::size_t bytes_out = 0;
  std::int64_t total_ns = 0;
  std::int64_t upstream_ns = -1;  // -1: no backend call
};

class AccessLog {
 public:
  static constexpr std::size_t kMaxBuffered = 8u << 20;  // per loop
  static constexpr auto kFlushPeriod = std::chrono::milliseconds(50);

  explicit AccessLog(int loops);
  ~AccessLog();  // writes what is buffered and stops the writer
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // "off", "-" (stdout) or a file path (appended to, created 0640). Writes what is buffered to
  // the previous target first. Throws std::runtime_error naming the path when it cannot be
  // opened (the previous target stays).
  void set_target(const std::string& target);
  const std::string& target() const { return target_; }
  // SIGUSR1: writes what is buffered, then reopens the path (after the file was renamed).
  // Returns false (and keeps writing to the old file) when the path cannot be opened.
  bool reopen();
  // Writes what is buffered now (shutdown, tests).
  void flush();

  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  // On loop `loop`'s thread only.
  void append(int loop, const AccessRecord& r);
  // Lines dropped because a loop's buffer was full (all loops).
  std::uint64_t dropped() const;

  // The JSON line of `r` at `unix_ms`, with its '\n' (exposed for tests).
  static void format(std::string& out, const AccessRecord& r, std::int64_t unix_ms);

  struct LoopBuffer;

 private:
  void writer_loop();
  void write_buffers();  // holds fd_mutex_
  int open_target(const std::string& target) const;

  std::vector<std::unique_ptr<LoopBuffer>> loops_;
  std::atomic<bool> enabled_{false};
  std::mutex fd_mutex_;  // the fd and the writing of buffers to it
  int fd_ = -1;
  bool owns_fd_ = false;
  std::string target_ = "off";
  std::string spare_;  // the writer's buffer, swapped with a loop's
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread writer_;
};

}  // namespace gh::gateway
