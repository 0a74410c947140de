#pragma once
// Traffic-governance entities: request throttling policies, their special (excluded) limits and
// bindings, app quotas and their bindings (docs/compatibility.md#throttling, #app-quotas).
#include <cstdint>
#include <string>

namespace gh::core {

struct Throttle {
  std::string id, instance_id, name, time_unit, remark;
  std::string enable_adaptive_control = "FALSE";
  std::int64_t api_call_limits = 0, user_call_limits = 0, app_call_limits = 0,
               ip_call_limits = 0;  // 0: not set (docs/compatibility.md#t2)
  std::int64_t time_interval = 0;
  int type = 1;  // 1 per API, 2 shared
  std::int64_t create_time = 0;
  // Answers only.
  std::int64_t bind_num = 0;
  bool has_specials = false;
};

struct ThrottleSpecial {
  std::string id, throttle_id, instance_id, object_type, object_id;
  std::string app_id;  // object_id for APP, "" for USER (the row's cascade key)
  std::int64_t call_limits = 0, apply_time = 0;
  std::string app_name;  // answers only
};

struct ThrottleBinding {
  std::string id, throttle_id, instance_id, api_id, env_id, publish_id;
  std::int64_t apply_time = 0;
};

struct AppQuota {
  std::string id, instance_id, name, time_unit, remark;
  std::int64_t call_limits = 0, time_interval = 0;
  std::int64_t reset_time = 0;     // Unix ms: periods are aligned on it
  bool reset_time_set = false;     // false: aligned on create_time (docs/compatibility.md#q1)
  std::int64_t create_time = 0;    // Unix ns
  std::int64_t bound_app_num = 0;  // answers only
};

struct AppQuotaBinding {
  std::string app_id, quota_id, instance_id;
  std::int64_t bound_time = 0;
};

}  // namespace gh::core
