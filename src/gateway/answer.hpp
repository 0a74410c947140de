#pragma once
// How every answer of the pipeline is sent (internal to the gateway: gateway.cpp, answer.cpp,
// proxy.cpp): with X-Request-Id, and the latency headers when the client asked for debug output
// (X-Apig-Mode: debug). Answer::send() is the pipeline's one completion point: when the gateway
// observes (metrics, access log), it records the outcome there.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "gateway/gateway.hpp"
#include "gateway/throttle.hpp"

namespace gh::gateway {

using Clock = std::chrono::steady_clock;

struct Gateway::Answer {
  http::Exchange& exchange;
  std::string_view request_id;
  bool debug = false;
  bool roma = false;
  Clock::time_point started{};  // set when debug or observer
  const Gateway* observer = nullptr;
  const RouteTarget* target = nullptr;       // once routed
  const AppEntry* app = nullptr;             // once authenticated
  const ThrottleResult* throttle = nullptr;  // once throttled, in debug mode only

  void send(int status, std::span<const http::HeaderView> fields, std::string_view body,
            std::optional<Clock::duration> upstream = std::nullopt,
            std::string_view error_number = {}) const;
  // The failure's JSON error body with Content-Type, and `extra` fields (a throttling refusal's
  // Retry-After and X-RateLimit-*).
  void fail(const Failure& f, std::optional<Clock::duration> upstream = std::nullopt) const {
    fail(f, {}, upstream);
  }
  void fail(const Failure& f, std::span<const http::HeaderView> extra,
            std::optional<Clock::duration> upstream = std::nullopt) const;

  static std::int64_t ns(Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  }
};

}  // namespace gh::gateway
