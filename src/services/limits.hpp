#pragma once
// Quotas. Huawei's defaults; the AppCodes-per-app limit is part of the wire contract.
#include <cstdint>

namespace gh::services {

inline constexpr std::int64_t kMaxAppCodesPerApp = 5;

struct Limits {
  std::int64_t max_apps_per_instance = 50;   // APIG.3103
  std::int64_t modelarts_apps_per_user = 5;  // ModelArts v1 create
  int login_failures_before_lock = 5;
  std::int64_t login_lock_seconds = 900;
  std::int64_t token_lifetime_seconds = 24 * 3600;
};

}  // namespace gh::services
