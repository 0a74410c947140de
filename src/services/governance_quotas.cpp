// GovernanceService: app quotas and their bindings to apps (docs/compatibility.md#app-quotas,
// #q1–#q3).
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/validation.hpp"
#include "crypto/random.hpp"
#include "services/governance_service.hpp"
#include "services/traffic_internal.hpp"

namespace gh::services {
namespace errors = core::errors;
using core::Result;

namespace {

constexpr std::int64_t kMaxLimit = 2147483647;

core::Status check_positive(const std::optional<std::int64_t>& v, std::string_view name) {
  if (!v) return errors::invalid_param(name);
  if (*v <= 0) return errors::param_too_small(name);
  if (*v > kMaxLimit) return errors::param_too_large(name);
  return core::ok_status();
}

Result<core::AppQuota> check_quota(const AppQuotaInput& in) {
  if (!in.name || !core::rules::is_app_name(*in.name, 255)) return errors::invalid_param("name");
  if (auto v = check_positive(in.call_limits, "call_limits"); !v) return v.error();
  if (auto v = check_positive(in.time_interval, "time_interval"); !v) return v.error();
  if (!in.time_unit || (*in.time_unit != "SECOND" && *in.time_unit != "MINUTE" &&
                        *in.time_unit != "HOUR" && *in.time_unit != "DAY"))
    return errors::invalid_param("time_unit");
  if (in.remark && (!core::rules::is_remark(*in.remark, 255) ||
                    in.remark->find_first_of("<>") != std::string::npos))
    return errors::invalid_param("remark");
  core::AppQuota q;
  q.name = *in.name;
  q.call_limits = *in.call_limits;
  q.time_interval = *in.time_interval;
  q.time_unit = *in.time_unit;
  q.remark = in.remark.value_or("");
  if (in.reset_time && !in.reset_time->empty()) {  // docs/compatibility.md#q1
    auto t = core::parse_utc_datetime(*in.reset_time);
    if (!t) return errors::invalid_param("reset_time");
    q.reset_time = *t;
    q.reset_time_set = true;
  }
  return q;
}

Result<core::AppQuota> load_quota(store::Tx& tx, const InstanceScope& s, const std::string& id) {
  auto q = plausible_id(id) ? tx.app_quota(s.instance_id, id) : std::nullopt;
  if (!q) return errors::app_quota_not_found(id);
  return std::move(*q);
}

}  // namespace

Result<core::AppQuota> GovernanceService::create_quota(const Caller& c, const InstanceScope& s,
                                                       AppQuotaInput in) {
  return writer_.in_instance(
      c, s, {s.project_id, "app_quota.create", "app_quota", "", in.name.value_or("")},
      [&](Write& w) -> Result<core::AppQuota> {
        auto q = check_quota(in);
        if (!q) return q.error();
        if (w.tx.app_quota_name_taken(s.instance_id, q->name, ""))
          return errors::app_quota_name_exists();
        q->id = crypto::new_id();
        q->instance_id = s.instance_id;
        q->create_time = core::now_nanos();
        w.tx.insert_app_quota(*q);
        w.tx.record_change(s.instance_id, "app_quota", q->id, "create");
        w.audit.target_id = q->id;
        return q;
      },
      errors::app_quota_name_exists());
}

Result<core::Paged<core::AppQuota>> GovernanceService::list_quotas(const Caller& c,
                                                                   const InstanceScope& s,
                                                                   const std::string& name,
                                                                   core::Page page) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<core::Paged<core::AppQuota>> {
    return tx.app_quotas(s.instance_id, name, page);
  });
}

Result<core::AppQuota> GovernanceService::get_quota(const Caller& c, const InstanceScope& s,
                                                    const std::string& id) {
  return read_in_instance(
      store_, c, s, [&](store::Tx& tx) -> Result<core::AppQuota> { return load_quota(tx, s, id); });
}

Result<core::AppQuota> GovernanceService::update_quota(const Caller& c, const InstanceScope& s,
                                                       const std::string& id, AppQuotaInput in) {
  return writer_.in_instance(
      c, s, {s.project_id, "app_quota.update", "app_quota", id, in.name.value_or("")},
      [&](Write& w) -> Result<core::AppQuota> {
        auto old = load_quota(w.tx, s, id);
        if (!old) return old.error();
        auto q = check_quota(in);
        if (!q) return q.error();
        if (w.tx.app_quota_name_taken(s.instance_id, q->name, id))
          return errors::app_quota_name_exists();
        q->id = id;
        q->instance_id = s.instance_id;
        q->create_time = old->create_time;
        w.tx.update_app_quota(*q);
        w.tx.record_change(s.instance_id, "app_quota", id, "update");
        return load_quota(w.tx, s, id);
      },
      errors::app_quota_name_exists());
}

core::Status GovernanceService::delete_quota(const Caller& c, const InstanceScope& s,
                                             const std::string& id) {
  return writer_.in_instance(c, s, {s.project_id, "app_quota.delete", "app_quota", id, ""},
                             [&](Write& w) -> core::Status {
                               auto q = load_quota(w.tx, s, id);
                               if (!q) return q.error();
                               w.tx.delete_app_quota(id);  // and its bindings
                               w.tx.record_change(s.instance_id, "app_quota", id, "delete");
                               return core::ok_status();
                             });
}

Result<std::vector<core::AppQuotaBinding>> GovernanceService::bind_apps(
    const Caller& c, const InstanceScope& s, const std::string& quota_id,
    const std::vector<std::string>& app_ids) {
  return writer_.in_instance(
      c, s, {s.project_id, "app_quota_binding.create", "app_quota", quota_id, ""},
      [&](Write& w) -> Result<std::vector<core::AppQuotaBinding>> {
        auto q = load_quota(w.tx, s, quota_id);
        if (!q) return q.error();
        if (app_ids.empty() || app_ids.size() > 1000) return errors::invalid_param("app_ids");
        std::vector<core::AppQuotaBinding> out;
        auto now = core::now_nanos();
        for (const auto& id : app_ids) {
          auto app = load_app_of(w.tx, s, id);
          if (!app) return app.error();
          // At most one quota per app (docs/compatibility.md#q2): checked here, and by the
          // table's primary key for writers on other nodes (mapped to the same error).
          if (w.tx.app_quota_binding_of(app->id)) return errors::app_already_has_quota();
          core::AppQuotaBinding b{app->id, quota_id, s.instance_id, now};
          w.tx.insert_app_quota_binding(b);
          w.tx.record_change(s.instance_id, "app_quota_binding", app->id, "create");
          out.push_back(std::move(b));
        }
        return out;
      },
      errors::app_already_has_quota());
}

core::Status GovernanceService::unbind_app(const Caller& c, const InstanceScope& s,
                                           const std::string& quota_id, const std::string& app_id) {
  return writer_.in_instance(
      c, s, {s.project_id, "app_quota_binding.delete", "app_quota", quota_id, "app=" + app_id},
      [&](Write& w) -> core::Status {
        auto q = load_quota(w.tx, s, quota_id);
        if (!q) return q.error();
        auto app = load_app_of(w.tx, s, app_id);
        if (!app) return app.error();
        if (!w.tx.delete_app_quota_binding(quota_id, app_id))
          return errors::app_has_no_quota(app_id);
        w.tx.record_change(s.instance_id, "app_quota_binding", app_id, "delete");
        return core::ok_status();
      });
}

Result<core::Paged<QuotaApp>> GovernanceService::quota_apps(const Caller& c, const InstanceScope& s,
                                                            const std::string& quota_id, bool bound,
                                                            const std::string& app_name,
                                                            core::Page page) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<core::Paged<QuotaApp>> {
    auto q = load_quota(tx, s, quota_id);
    if (!q) return q.error();
    std::vector<QuotaApp> all;
    auto matches = [&](const core::App& a) {
      return app_name.empty() || a.name.find(app_name) != std::string::npos;
    };
    if (bound) {
      for (auto& b : tx.app_quota_bindings(quota_id))
        if (auto app = tx.app(s.instance_id, b.app_id); app && matches(*app))
          all.push_back({std::move(*app), *q, b.bound_time});
    } else {
      for (auto& app : tx.apps_of_instance(s.instance_id))
        if (matches(app) && !tx.app_quota_binding_of(app.id))
          all.push_back({std::move(app), std::nullopt, 0});
    }
    return core::slice_page(std::move(all), page);
  });
}

Result<core::AppQuota> GovernanceService::quota_of_app(const Caller& c, const InstanceScope& s,
                                                       const std::string& app_id) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<core::AppQuota> {
    auto app = load_app_of(tx, s, app_id);
    if (!app) return app.error();
    auto b = tx.app_quota_binding_of(app->id);
    if (!b) return errors::app_has_no_quota(app_id);  // docs/compatibility.md#q3
    return load_quota(tx, s, b->quota_id);
  });
}

}  // namespace gh::services
