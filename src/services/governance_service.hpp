#pragma once
// Use cases of traffic governance (docs/compatibility.md#throttling, #app-quotas): throttling
// policies, their special limits and bindings to published APIs, app quotas and their bindings to
// apps. Shared by the APIG (/apigw/) and ROMA Connect (/apic/) dialects; every rule lives here
// once. Every write goes through the Writer (services/writer.hpp): one store transaction with its
// change records (entities "throttle", "throttle_special", "throttle_binding", "app_quota",
// "app_quota_binding": each rebuilds the gateway's routes) and its audit record.
#include <optional>
#include <string>
#include <vector>

#include "core/api_model.hpp"
#include "core/error.hpp"
#include "core/policy_model.hpp"
#include "services/caller.hpp"
#include "services/writer.hpp"
#include "store/store.hpp"

namespace gh::services {

struct GovernanceSettings {
  std::int64_t max_throttles = 300;  // per instance, APIG.3107 (Huawei's dedicated-gateway quota)
  // Special limits per policy, for each object_type (Huawei: 30 excluded apps and 30 excluded
  // tenants per policy); APIG.3100.
  std::int64_t max_specials_per_type = 30;
};

// A policy body (POST and PUT take the same). Integers are as sent (the dialect refuses
// non-integers with APIG.2011); absent optional limits are 0 (docs/compatibility.md#t2).
struct ThrottleInput {
  std::optional<std::string> name, time_unit, remark, enable_adaptive_control;
  std::optional<std::int64_t> api_call_limits, user_call_limits, app_call_limits, ip_call_limits,
      time_interval, type;
};
struct ThrottleSpecialInput {
  std::optional<std::string> object_type, object_id;
  std::optional<std::int64_t> call_limits;
};
struct ThrottleSpecialQuery {
  std::string object_type, app_name, user;
};

// One binding with what the binded-apis view shows of its API.
struct ThrottleBindingInfo {
  core::ThrottleBinding binding;
  core::ApiSpec api;
  std::string group_name, env_name, throttle_name;
};
// One policy bound to an API (binded-throttles).
struct BoundThrottle {
  core::Throttle throttle;
  core::ThrottleBinding binding;
  std::string env_name;
};
struct ThrottleBindingQuery {
  std::string throttle_id, api_id, env_id, group_id, api_name, throttle_name;
};
struct UnbindFailure {
  std::string bind_id;
  core::Error error;
};
struct UnbindResult {
  std::int64_t success_count = 0;
  std::vector<UnbindFailure> failure;
};
// An API online in one environment (unbinded-apis).
struct OnlineApi {
  core::ApiSpec api;
  std::string group_name, env_id, env_name, publish_id;
};

// An app quota body (POST and PUT take the same; docs/compatibility.md#app-quotas).
struct AppQuotaInput {
  std::optional<std::string> name, time_unit, remark, reset_time;
  std::optional<std::int64_t> call_limits, time_interval;
};
// An app bound to a quota (bound-apps), or one that can be (bindable-apps: quota empty).
struct QuotaApp {
  core::App app;
  std::optional<core::AppQuota> quota;
  core::Nanos bound_time = 0;
};

class GovernanceService {
 public:
  GovernanceService(store::Store& store, GovernanceSettings settings = {})
      : store_(store), settings_(settings), writer_(store_, listener_) {}
  void on_change(ChangeListener l) { listener_ = std::move(l); }

  // ---- throttling policies
  core::Result<core::Throttle> create_throttle(const Caller& c, const InstanceScope& s,
                                               ThrottleInput in);
  core::Result<core::Paged<core::Throttle>> list_throttles(const Caller& c, const InstanceScope& s,
                                                           store::NameFilter f, core::Page page);
  core::Result<core::Throttle> get_throttle(const Caller& c, const InstanceScope& s,
                                            const std::string& id);
  core::Result<core::Throttle> update_throttle(const Caller& c, const InstanceScope& s,
                                               const std::string& id, ThrottleInput in);
  // Deletes the policy with its specials and bindings (docs/compatibility.md#t1).
  core::Status delete_throttle(const Caller& c, const InstanceScope& s, const std::string& id);

  // ---- special limits
  core::Result<core::ThrottleSpecial> create_special(const Caller& c, const InstanceScope& s,
                                                     const std::string& throttle_id,
                                                     ThrottleSpecialInput in);
  core::Result<core::Paged<core::ThrottleSpecial>> list_specials(const Caller& c,
                                                                 const InstanceScope& s,
                                                                 const std::string& throttle_id,
                                                                 const ThrottleSpecialQuery& q,
                                                                 core::Page page);
  core::Result<core::ThrottleSpecial> update_special(const Caller& c, const InstanceScope& s,
                                                     const std::string& throttle_id,
                                                     const std::string& id,
                                                     std::optional<std::int64_t> call_limits);
  core::Status delete_special(const Caller& c, const InstanceScope& s,
                              const std::string& throttle_id, const std::string& id);

  // ---- bindings (docs/compatibility.md#t3, #t4)
  core::Result<std::vector<core::ThrottleBinding>> bind(
      const Caller& c, const InstanceScope& s, const std::string& throttle_id,
      const std::vector<std::string>& publish_ids);
  core::Status unbind(const Caller& c, const InstanceScope& s, const std::string& binding_id);
  core::Result<UnbindResult> unbind_batch(const Caller& c, const InstanceScope& s,
                                          const std::vector<std::string>& binding_ids);
  core::Result<core::Paged<ThrottleBindingInfo>> bound_apis(const Caller& c, const InstanceScope& s,
                                                            const ThrottleBindingQuery& q,
                                                            core::Page page);
  core::Result<core::Paged<OnlineApi>> unbound_apis(const Caller& c, const InstanceScope& s,
                                                    const ThrottleBindingQuery& q, core::Page page);
  core::Result<core::Paged<BoundThrottle>> bound_throttles(const Caller& c, const InstanceScope& s,
                                                           const ThrottleBindingQuery& q,
                                                           core::Page page);

  // ---- app quotas (docs/compatibility.md#app-quotas, #q1–#q3)
  core::Result<core::AppQuota> create_quota(const Caller& c, const InstanceScope& s,
                                            AppQuotaInput in);
  core::Result<core::Paged<core::AppQuota>> list_quotas(const Caller& c, const InstanceScope& s,
                                                        const std::string& name, core::Page page);
  core::Result<core::AppQuota> get_quota(const Caller& c, const InstanceScope& s,
                                         const std::string& id);
  core::Result<core::AppQuota> update_quota(const Caller& c, const InstanceScope& s,
                                            const std::string& id, AppQuotaInput in);
  core::Status delete_quota(const Caller& c, const InstanceScope& s, const std::string& id);
  // Binds apps that have no quota yet (an app has at most one: the whole call fails otherwise).
  core::Result<std::vector<core::AppQuotaBinding>> bind_apps(
      const Caller& c, const InstanceScope& s, const std::string& quota_id,
      const std::vector<std::string>& app_ids);
  core::Status unbind_app(const Caller& c, const InstanceScope& s, const std::string& quota_id,
                          const std::string& app_id);
  // bound: the quota's apps; else the instance's apps without a quota. `app_name` fuzzy.
  core::Result<core::Paged<QuotaApp>> quota_apps(const Caller& c, const InstanceScope& s,
                                                 const std::string& quota_id, bool bound,
                                                 const std::string& app_name, core::Page page);
  core::Result<core::AppQuota> quota_of_app(const Caller& c, const InstanceScope& s,
                                            const std::string& app_id);

  // Validates a policy body; the stored policy it makes (id, instance, time left to the caller).
  // Exposed for tests.
  static core::Result<core::Throttle> check_throttle(const ThrottleInput& in);

 private:
  store::Store& store_;
  GovernanceSettings settings_;
  ChangeListener listener_;
  Writer writer_;
};

}  // namespace gh::services
