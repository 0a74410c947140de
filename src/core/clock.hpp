#pragma once
// Wall-clock time and the timestamp renderings the dialects use.
#include <string>

#include "core/model.hpp"

namespace gh::core {
Nanos now_nanos();
// RFC 3339 UTC with nanosecond fraction: 2020-07-24T02:31:45.790909295Z (create responses).
std::string rfc3339_nanos(Nanos t);
// RFC 3339 UTC, seconds: 2020-07-24T02:31:45Z (later reads).
std::string rfc3339_seconds(Nanos t);
// Keystone style: 2020-07-24T02:31:45.790000Z (microseconds).
std::string rfc3339_micros(Nanos t);
inline std::int64_t to_millis(Nanos t) {
  return t / 1'000'000;
}
}  // namespace gh::core
