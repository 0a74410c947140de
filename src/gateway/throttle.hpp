#pragma once
// Request throttling on the data plane (docs/compatibility.md#throttling): which limits of a
// bound policy apply to a request, counted in the node's CounterTable (rate_counter.hpp).
//
// Dimensions, checked in this order: api (every caller), user (an IAM caller's account), app (an
// authenticated app), ip (the client address). A request is counted in every dimension that
// applies or in none: when one refuses, the counts already taken are given back. Policy type 1
// counts per bound API (and environment), type 2 shares every counter among the policy's APIs.
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/dataplane_errors.hpp"
#include "gateway/rate_counter.hpp"

namespace gh::gateway {

enum class ThrottleDim : std::uint8_t { kApi = 0, kUser = 1, kApp = 2, kIp = 3 };
std::string_view dim_name(ThrottleDim d);  // "api", "user", "app", "ip"

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// A throttling policy as the data plane enforces it (built with the routes, immutable).
struct ThrottleLimits {
  std::string id;
  std::int64_t api = 0, user = 0, app = 0, ip = 0;  // 0: not set
  WindowSpec window;
  std::string period;   // "1 minute": interval and lower-case singular unit, as Huawei prints it
  bool shared = false;  // type 2
  std::uint64_t key = 0;
  // Special values: by app ordinal (gateway/app_ordinals.hpp) and by account (domain) id.
  boost::unordered_flat_map<std::uint32_t, std::int64_t> app_specials;
  boost::unordered_flat_map<std::string, std::int64_t, StringHash, std::equal_to<>> user_specials;
};

// The policy bound to one (API, environment), with the counter base of its bindings.
struct ThrottleBinding {
  const ThrottleLimits* policy = nullptr;
  std::uint64_t base = 0;  // type 1: per (policy, API, environment); type 2: per policy
};
// The counter base for a binding of `policy` to (api, env).
std::uint64_t throttle_base(const ThrottleLimits& policy, std::string_view api_id,
                            std::string_view env_id);
// "1 minute", "5 second": Huawei's period text for an interval and a unit (SECOND…DAY).
std::string period_text(std::int64_t interval, std::string_view unit);
// Milliseconds of a unit (SECOND, MINUTE, HOUR, DAY); 0 for another.
std::int64_t unit_ms(std::string_view unit);

// Who is asking, as far as throttling needs it.
struct ThrottleSubject {
  std::optional<std::uint32_t> app;  // app ordinal of an authenticated app
  std::string_view account;          // IAM caller's account (domain) id; empty: none
  std::string_view client_ip;
  // The app's counter subject when it must be the same on every node (cluster mode: a hash of
  // its id; ordinals are per process); 0: the ordinal.
  std::uint64_t app_subject = 0;
};

struct ThrottleResult {
  struct Dim {
    ThrottleDim dim;
    Admission admission;
  };
  bool admitted = true;
  int count = 0;  // dims[0..count): the dimensions checked (the last one refused, if any)
  Dim dims[4];    // (not zeroed: a request to an API without a policy pays nothing)
  const ThrottleLimits* policy = nullptr;
  // The refusal (429 0308) of the last dimension checked.
  core::dataplane::Failure failure() const;
};

// An app quota as the data plane enforces it: fixed windows aligned on its reset time.
struct QuotaLimits {
  std::int64_t limit = 0;
  WindowSpec window;
  std::uint64_t key = 0;  // per (quota, app)
};

// Counts the request against every limit of the binding that applies to `who`.
ThrottleResult throttle_check(CounterTable& table, const ThrottleBinding& binding,
                              const ThrottleSubject& who, std::int64_t now_ms);

}  // namespace gh::gateway
