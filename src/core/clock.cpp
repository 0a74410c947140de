#include "core/clock.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>

namespace gh::core {
namespace {
std::string date_part(Nanos t) {
  std::time_t secs = static_cast<std::time_t>(t / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
}  // namespace

Nanos now_nanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
std::string rfc3339_nanos(Nanos t) {
  return fmt::format("{}.{:09}Z", date_part(t), t % 1'000'000'000);
}
std::string rfc3339_seconds(Nanos t) {
  return date_part(t) + "Z";
}
std::string rfc3339_micros(Nanos t) {
  return fmt::format("{}.{:06}Z", date_part(t), (t % 1'000'000'000) / 1000);
}
}  // namespace gh::core
