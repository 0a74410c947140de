#pragma once
// Wall-clock time and the timestamp renderings the dialects use.
#include <optional>
#include <string>
#include <string_view>

#include "core/model.hpp"

namespace gh::core {
Nanos now_nanos();
// RFC 3339 UTC with nanosecond fraction: 2020-07-24T02:31:45.790909295Z (create responses).
std::string rfc3339_nanos(Nanos t);
// RFC 3339 UTC, seconds: 2020-07-24T02:31:45Z (later reads).
std::string rfc3339_seconds(Nanos t);
// Keystone style: 2020-07-24T02:31:45.790000Z (microseconds).
std::string rfc3339_micros(Nanos t);
// "YYYY-MM-DD HH:MM:SS" in UTC (an app quota's reset_time, docs/compatibility.md#q1) ↔ Unix ms.
std::string utc_datetime(std::int64_t unix_ms);
std::optional<std::int64_t> parse_utc_datetime(std::string_view text);
inline std::int64_t to_millis(Nanos t) {
  return t / 1'000'000;
}
}  // namespace gh::core
