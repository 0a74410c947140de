// GovernanceService: throttling policies, special limits and bindings
// (docs/compatibility.md#throttling, #throttle-rules, #throttle-specials, #t1–#t4).
#include <algorithm>
#include <map>

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

// A required or optional positive limit: absent → `absent` (required: APIG.2011), ≤ 0 → APIG.2002,
// above 2^31 − 1 → APIG.2003.
core::Status check_limit(const std::optional<std::int64_t>& v, std::string_view name,
                         bool required) {
  if (!v) return required ? core::Status(errors::invalid_param(name)) : core::ok_status();
  if (*v <= 0) {
    if (!required && *v == 0) return core::ok_status();  // docs/compatibility.md#t2
    return errors::param_too_small(name);
  }
  if (*v > kMaxLimit) return errors::param_too_large(name);
  return core::ok_status();
}

bool is_time_unit(std::string_view u) {
  return u == "SECOND" || u == "MINUTE" || u == "HOUR" || u == "DAY";
}

// Account (domain) ids of USER specials: 1–64 of [A-Za-z0-9_-].
bool is_account_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

Result<core::Throttle> load_throttle(store::Tx& tx, const InstanceScope& s, const std::string& id) {
  auto t = plausible_id(id) ? tx.throttle(s.instance_id, id) : std::nullopt;
  if (!t) return errors::throttle_not_found(id);
  return std::move(*t);
}

}  // namespace

Result<core::Throttle> GovernanceService::check_throttle(const ThrottleInput& in) {
  if (!in.name || !core::rules::is_app_name(*in.name)) return errors::invalid_param("name");
  if (auto v = check_limit(in.api_call_limits, "api_call_limits", true); !v) return v.error();
  if (auto v = check_limit(in.user_call_limits, "user_call_limits", false); !v) return v.error();
  if (auto v = check_limit(in.app_call_limits, "app_call_limits", false); !v) return v.error();
  if (auto v = check_limit(in.ip_call_limits, "ip_call_limits", false); !v) return v.error();
  if (auto v = check_limit(in.time_interval, "time_interval", true); !v) return v.error();
  if (!in.time_unit || !is_time_unit(*in.time_unit)) return errors::invalid_param("time_unit");
  if (in.remark && !core::rules::is_remark(*in.remark, 255)) return errors::invalid_param("remark");
  if (in.type && *in.type != 1 && *in.type != 2) return errors::invalid_param("type");
  if (in.enable_adaptive_control && *in.enable_adaptive_control != "TRUE" &&
      *in.enable_adaptive_control != "FALSE")
    return errors::invalid_param("enable_adaptive_control");
  core::Throttle t;
  t.name = *in.name;
  t.api_call_limits = *in.api_call_limits;
  t.user_call_limits = in.user_call_limits.value_or(0);
  t.app_call_limits = in.app_call_limits.value_or(0);
  t.ip_call_limits = in.ip_call_limits.value_or(0);
  t.time_interval = *in.time_interval;
  t.time_unit = *in.time_unit;
  t.remark = in.remark.value_or("");
  t.type = static_cast<int>(in.type.value_or(1));
  t.enable_adaptive_control = in.enable_adaptive_control.value_or("FALSE");
  // Ordering (docs/compatibility.md#throttle-rules): user ≤ api, ip ≤ api, app ≤ user (or api).
  if (t.user_call_limits > t.api_call_limits) return errors::invalid_param("user_call_limits");
  if (t.ip_call_limits > t.api_call_limits) return errors::invalid_param("ip_call_limits");
  auto app_bound = t.user_call_limits > 0 ? t.user_call_limits : t.api_call_limits;
  if (t.app_call_limits > app_bound) return errors::invalid_param("app_call_limits");
  return t;
}

// ---------------------------------------------------------------- policies

Result<core::Throttle> GovernanceService::create_throttle(const Caller& c, const InstanceScope& s,
                                                          ThrottleInput in) {
  return writer_.in_instance(
      c, s, {s.project_id, "throttle.create", "throttle", "", in.name.value_or("")},
      [&](Write& w) -> Result<core::Throttle> {
        auto t = check_throttle(in);
        if (!t) return t.error();
        if (w.tx.count_throttles(s.instance_id) >= settings_.max_throttles)
          return errors::too_many_throttles();
        if (w.tx.throttle_name_taken(s.instance_id, t->name, ""))
          return errors::throttle_name_exists();
        t->id = crypto::new_id();
        t->instance_id = s.instance_id;
        t->create_time = core::now_nanos();
        w.tx.insert_throttle(*t);
        w.tx.record_change(s.instance_id, "throttle", t->id, "create");
        w.audit.target_id = t->id;
        return t;
      },
      errors::throttle_name_exists());
}

Result<core::Paged<core::Throttle>> GovernanceService::list_throttles(const Caller& c,
                                                                      const InstanceScope& s,
                                                                      store::NameFilter f,
                                                                      core::Page page) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<core::Paged<core::Throttle>> {
    return tx.throttles(s.instance_id, f.id, f.name, f.precise_name, page);
  });
}

Result<core::Throttle> GovernanceService::get_throttle(const Caller& c, const InstanceScope& s,
                                                       const std::string& id) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<core::Throttle> {
    return load_throttle(tx, s, id);
  });
}

Result<core::Throttle> GovernanceService::update_throttle(const Caller& c, const InstanceScope& s,
                                                          const std::string& id, ThrottleInput in) {
  return writer_.in_instance(
      c, s, {s.project_id, "throttle.update", "throttle", id, in.name.value_or("")},
      [&](Write& w) -> Result<core::Throttle> {
        auto old = load_throttle(w.tx, s, id);
        if (!old) return old.error();
        auto t = check_throttle(in);
        if (!t) return t.error();
        if (w.tx.throttle_name_taken(s.instance_id, t->name, id))
          return errors::throttle_name_exists();
        t->id = id;
        t->instance_id = s.instance_id;
        t->create_time = old->create_time;
        w.tx.update_throttle(*t);
        w.tx.record_change(s.instance_id, "throttle", id, "update");
        return load_throttle(w.tx, s, id);
      },
      errors::throttle_name_exists());
}

core::Status GovernanceService::delete_throttle(const Caller& c, const InstanceScope& s,
                                                const std::string& id) {
  return writer_.in_instance(c, s, {s.project_id, "throttle.delete", "throttle", id, ""},
                             [&](Write& w) -> core::Status {
                               auto t = load_throttle(w.tx, s, id);
                               if (!t) return t.error();
                               w.tx.delete_throttle(id);  // docs/compatibility.md#t1
                               w.tx.record_change(s.instance_id, "throttle", id, "delete");
                               return core::ok_status();
                             });
}

// ---------------------------------------------------------------- special limits

Result<core::ThrottleSpecial> GovernanceService::create_special(const Caller& c,
                                                                const InstanceScope& s,
                                                                const std::string& throttle_id,
                                                                ThrottleSpecialInput in) {
  return writer_.in_instance(
      c, s,
      {s.project_id, "throttle_special.create", "throttle_special", "",
       "throttle_id=" + throttle_id},
      [&](Write& w) -> Result<core::ThrottleSpecial> {
        auto t = load_throttle(w.tx, s, throttle_id);
        if (!t) return t.error();
        if (!in.object_type || (*in.object_type != "APP" && *in.object_type != "USER"))
          return errors::invalid_param("object_type");
        if (!in.object_id || in.object_id->empty()) return errors::invalid_param("object_id");
        if (auto v = check_limit(in.call_limits, "call_limits", true); !v) return v.error();
        if (*in.call_limits > t->api_call_limits) return errors::param_too_large("call_limits");
        core::ThrottleSpecial x;
        if (*in.object_type == "APP") {
          auto app = load_app_of(w.tx, s, *in.object_id);
          if (!app) return app.error();
          x.app_id = app->id;
          x.app_name = app->name;
        } else if (!is_account_id(*in.object_id)) {
          return errors::invalid_param("object_id");
        }
        if (w.tx.throttle_special_exists(throttle_id, *in.object_type, *in.object_id))
          return errors::throttle_special_exists();
        x.id = crypto::new_id();
        x.throttle_id = throttle_id;
        x.instance_id = s.instance_id;
        x.object_type = *in.object_type;
        x.object_id = *in.object_id;
        x.call_limits = *in.call_limits;
        x.apply_time = core::now_nanos();
        w.tx.insert_throttle_special(x);
        w.tx.record_change(s.instance_id, "throttle_special", x.id, "create");
        w.audit.target_id = x.id;
        return x;
      },
      errors::throttle_special_exists());
}

Result<core::Paged<core::ThrottleSpecial>> GovernanceService::list_specials(
    const Caller& c, const InstanceScope& s, const std::string& throttle_id,
    const ThrottleSpecialQuery& q, core::Page page) {
  return read_in_instance(
      store_, c, s, [&](store::Tx& tx) -> Result<core::Paged<core::ThrottleSpecial>> {
        auto t = load_throttle(tx, s, throttle_id);
        if (!t) return t.error();
        std::vector<core::ThrottleSpecial> all;
        for (auto& x : tx.throttle_specials(throttle_id)) {
          if (!q.object_type.empty() && x.object_type != q.object_type) continue;
          if (!q.app_name.empty() && x.app_name.find(q.app_name) == std::string::npos) continue;
          if (!q.user.empty() &&
              (x.object_type != "USER" || x.object_id.find(q.user) == std::string::npos))
            continue;
          all.push_back(std::move(x));
        }
        return core::slice_page(std::move(all), page);
      });
}

Result<core::ThrottleSpecial> GovernanceService::update_special(
    const Caller& c, const InstanceScope& s, const std::string& throttle_id, const std::string& id,
    std::optional<std::int64_t> call_limits) {
  return writer_.in_instance(
      c, s, {s.project_id, "throttle_special.update", "throttle_special", id, ""},
      [&](Write& w) -> Result<core::ThrottleSpecial> {
        auto t = load_throttle(w.tx, s, throttle_id);
        if (!t) return t.error();
        auto x = plausible_id(id) ? w.tx.throttle_special(throttle_id, id) : std::nullopt;
        if (!x) return errors::throttle_special_not_found(id);
        if (auto v = check_limit(call_limits, "call_limits", true); !v) return v.error();
        if (*call_limits > t->api_call_limits) return errors::param_too_large("call_limits");
        w.tx.update_throttle_special(id, *call_limits);
        w.tx.record_change(s.instance_id, "throttle_special", id, "update");
        x->call_limits = *call_limits;
        return std::move(*x);
      });
}

core::Status GovernanceService::delete_special(const Caller& c, const InstanceScope& s,
                                               const std::string& throttle_id,
                                               const std::string& id) {
  return writer_.in_instance(c, s,
                             {s.project_id, "throttle_special.delete", "throttle_special", id, ""},
                             [&](Write& w) -> core::Status {
                               auto t = load_throttle(w.tx, s, throttle_id);
                               if (!t) return t.error();
                               if (!plausible_id(id) || !w.tx.throttle_special(throttle_id, id))
                                 return errors::throttle_special_not_found(id);
                               w.tx.delete_throttle_special(id);
                               w.tx.record_change(s.instance_id, "throttle_special", id, "delete");
                               return core::ok_status();
                             });
}

// ---------------------------------------------------------------- bindings

Result<std::vector<core::ThrottleBinding>> GovernanceService::bind(
    const Caller& c, const InstanceScope& s, const std::string& throttle_id,
    const std::vector<std::string>& publish_ids) {
  return writer_.in_instance(
      c, s, {s.project_id, "throttle_binding.create", "throttle", throttle_id, ""},
      [&](Write& w) -> Result<std::vector<core::ThrottleBinding>> {
        if (throttle_id.empty() || throttle_id.size() > 65)
          return errors::invalid_param("strategy_id");
        if (publish_ids.empty() || publish_ids.size() > 1000)
          return errors::invalid_param("publish_ids");
        auto t = load_throttle(w.tx, s, throttle_id);
        if (!t) return t.error();
        std::vector<core::ThrottleBinding> out;
        auto now = core::now_nanos();
        for (const auto& pid : publish_ids) {
          auto online =
              plausible_id(pid) ? w.tx.online_by_publish_id(s.instance_id, pid) : std::nullopt;
          if (!online) return errors::publication_not_found();
          // One policy per API per environment (docs/compatibility.md#t3).
          if (w.tx.throttle_binding_of(online->first, online->second))
            return errors::api_already_throttled();
          core::ThrottleBinding b{crypto::new_id(),
                                  throttle_id,
                                  s.instance_id,
                                  online->first,
                                  online->second,
                                  pid,
                                  now};
          w.tx.insert_throttle_binding(b);
          w.tx.record_change(s.instance_id, "throttle_binding", b.id, "create");
          out.push_back(std::move(b));
        }
        return out;
      },
      errors::api_already_throttled());
}

core::Status GovernanceService::unbind(const Caller& c, const InstanceScope& s,
                                       const std::string& binding_id) {
  return writer_.in_instance(
      c, s, {s.project_id, "throttle_binding.delete", "throttle_binding", binding_id, ""},
      [&](Write& w) -> core::Status {
        if (!plausible_id(binding_id) || !w.tx.throttle_binding(s.instance_id, binding_id))
          return errors::throttle_binding_not_found();
        w.tx.delete_throttle_binding(binding_id);
        w.tx.record_change(s.instance_id, "throttle_binding", binding_id, "delete");
        return core::ok_status();
      });
}

Result<UnbindResult> GovernanceService::unbind_batch(const Caller& c, const InstanceScope& s,
                                                     const std::vector<std::string>& binding_ids) {
  return writer_.in_instance(
      c, s, {s.project_id, "throttle_binding.delete", "throttle_binding", "", "batch"},
      [&](Write& w) -> Result<UnbindResult> {
        UnbindResult out;
        for (const auto& id : binding_ids) {
          if (!plausible_id(id) || !w.tx.throttle_binding(s.instance_id, id)) {
            out.failure.push_back({id, errors::throttle_binding_not_found()});
            continue;
          }
          w.tx.delete_throttle_binding(id);
          w.tx.record_change(s.instance_id, "throttle_binding", id, "delete");
          ++out.success_count;
        }
        return out;
      });
}

namespace {
// Names of groups and environments, read once per list.
struct Names {
  store::Tx& tx;
  const InstanceScope& s;
  std::map<std::string, std::string> groups{}, envs{};  // id -> name, looked up once
  const std::string& group(const std::string& id) {
    auto [it, fresh] = groups.try_emplace(id);
    if (fresh)
      if (auto g = tx.group(s.instance_id, id)) it->second = g->name;
    return it->second;
  }
  const std::string& env(const std::string& id) {
    auto [it, fresh] = envs.try_emplace(id);
    if (fresh)
      if (auto e = tx.env(s.instance_id, id)) it->second = e->name;
    return it->second;
  }
};

// The policy a binding query names (throttle_id required: docs/compatibility.md#t4), read with
// the caller's read permission on the scope.
Result<core::Throttle> queried_throttle(store::Tx& tx, const Caller& c, const InstanceScope& s,
                                        const ThrottleBindingQuery& q) {
  auto inst = load_scoped_instance(tx, c, s, false);
  if (!inst) return inst.error();
  if (q.throttle_id.empty() || !plausible_id(q.throttle_id))
    return errors::forbidden_param_value("throttle_id");
  return load_throttle(tx, s, q.throttle_id);
}

bool api_matches(const core::ApiSpec& api, const ThrottleBindingQuery& q) {
  if (!q.group_id.empty() && api.group_id != q.group_id) return false;
  if (!q.api_name.empty() && api.name.find(q.api_name) == std::string::npos) return false;
  return true;
}
}  // namespace

Result<core::Paged<ThrottleBindingInfo>> GovernanceService::bound_apis(
    const Caller& c, const InstanceScope& s, const ThrottleBindingQuery& q, core::Page page) {
  return store_.read([&](store::Tx& tx) -> Result<core::Paged<ThrottleBindingInfo>> {
    auto t = queried_throttle(tx, c, s, q);
    if (!t) return t.error();
    Names names{tx, s};
    std::vector<ThrottleBindingInfo> all;
    for (auto& b : tx.throttle_bindings_where(s.instance_id, {q.throttle_id, q.api_id, q.env_id})) {
      auto api = tx.api(s.instance_id, b.api_id);
      if (!api || !api_matches(*api, q)) continue;
      ThrottleBindingInfo info{b, *api, names.group(api->group_id), names.env(b.env_id), t->name};
      all.push_back(std::move(info));
    }
    return core::slice_page(std::move(all), page);
  });
}

Result<core::Paged<OnlineApi>> GovernanceService::unbound_apis(const Caller& c,
                                                               const InstanceScope& s,
                                                               const ThrottleBindingQuery& q,
                                                               core::Page page) {
  return store_.read([&](store::Tx& tx) -> Result<core::Paged<OnlineApi>> {
    auto t = queried_throttle(tx, c, s, q);
    if (!t) return t.error();
    Names names{tx, s};
    store::ApiFilter f;
    f.group_id = q.group_id;
    f.id = q.api_id;
    f.name = q.api_name;
    std::vector<OnlineApi> all;
    for (auto& api : tx.apis(s.instance_id, f, {0, 1 << 20}).items)
      for (auto& on : tx.online_envs(api.id)) {
        if (!q.env_id.empty() && on.env_id != q.env_id) continue;
        auto b = tx.throttle_binding_of(api.id, on.env_id);
        if (b && b->throttle_id == q.throttle_id) continue;
        all.push_back(
            {api, names.group(api.group_id), on.env_id, names.env(on.env_id), on.publish_id});
      }
    return core::slice_page(std::move(all), page);
  });
}

Result<core::Paged<BoundThrottle>> GovernanceService::bound_throttles(const Caller& c,
                                                                      const InstanceScope& s,
                                                                      const ThrottleBindingQuery& q,
                                                                      core::Page page) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<core::Paged<BoundThrottle>> {
    if (q.api_id.empty()) return errors::forbidden_param_value("api_id");
    auto api = load_api(tx, s, q.api_id);
    if (!api) return api.error();
    Names names{tx, s};
    std::vector<BoundThrottle> all;
    for (auto& b : tx.throttle_bindings_where(s.instance_id, {q.throttle_id, q.api_id, q.env_id})) {
      auto t = tx.throttle(s.instance_id, b.throttle_id);
      if (!t) continue;
      if (!q.throttle_name.empty() && t->name.find(q.throttle_name) == std::string::npos) continue;
      all.push_back({std::move(*t), b, names.env(b.env_id)});
    }
    return core::slice_page(std::move(all), page);
  });
}

}  // namespace gh::services
