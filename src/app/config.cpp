#include "app/config.hpp"

#include <charconv>
#include <stdexcept>

namespace gh::app {

HostPort parse_host_port(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon + 1 == s.size())
    throw std::invalid_argument("expected HOST:PORT, got '" + s + "'");
  HostPort hp;
  hp.host = s.substr(0, colon);
  if (hp.host.size() >= 2 && hp.host.front() == '[' && hp.host.back() == ']')
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  if (hp.host.empty()) hp.host = "0.0.0.0";
  unsigned port = 0;
  auto tail = s.substr(colon + 1);
  auto [p, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), port);
  if (ec != std::errc() || p != tail.data() + tail.size() || port > 65535)
    throw std::invalid_argument("bad port in '" + s + "'");
  hp.port = static_cast<std::uint16_t>(port);
  return hp;
}

http::ThreadPriority parse_thread_priority(const std::string& s) {
  http::ThreadPriority p;
  if (s == "idle") {
    p.idle = true;
    return p;
  }
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), p.nice);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || p.nice < 0 || p.nice > 19)
    throw std::invalid_argument("expected 'idle' or a niceness 0-19, got '" + s + "'");
  return p;
}

void apply_request_limits(const RequestLimits& limits, std::int64_t body_limit,
                          http::ServerOptions& options) {
  auto size = [](std::int64_t n) { return static_cast<std::size_t>(n); };
  options.request_line_limit = size(limits.max_request_line);
  options.header_limit = size(limits.max_header_line);
  options.headers_total_limit = size(limits.max_headers_size);
  options.max_headers = size(limits.max_header_count);
  options.body_limit = size(body_limit);
  options.request_timeout = std::chrono::milliseconds(limits.request_timeout_ms);
  options.idle_timeout = std::chrono::milliseconds(limits.idle_timeout_ms);
}

}  // namespace gh::app
