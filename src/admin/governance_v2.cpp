// Request throttling policies, special limits and bindings (docs/compatibility.md#throttling) and
// app quotas (#app-quotas) under APIG's /apigw/ and ROMA Connect's /apic/ prefixes. Parse and
// render only; rules live in services/governance_service.
#include <limits>

#include "admin/traffic_routes.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "services/governance_service.hpp"

namespace gh::admin {
namespace errors = core::errors;
using core::Result;
using traffic::qv;
using V = http::bhttp::verb;

namespace {
constexpr Dialect D = Dialect::kApig;

// An integer field: absent or null → nullopt; not an integer → APIG.2011 on its name; beyond
// int64 → the largest int64 (the service answers "too large").
Result<std::optional<std::int64_t>> opt_int(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (!v || v->is_null()) return std::optional<std::int64_t>{};
  if (v->is_int64()) return std::optional(v->as_int64());
  if (v->is_uint64()) return std::optional(std::numeric_limits<std::int64_t>::max());
  return errors::invalid_param(name);
}

Result<services::ThrottleInput> throttle_input(const json::object& b) {
  services::ThrottleInput in;
  for (auto [name, field] : {std::pair{"name", &in.name}, std::pair{"time_unit", &in.time_unit},
                             std::pair{"remark", &in.remark},
                             std::pair{"enable_adaptive_control", &in.enable_adaptive_control}}) {
    auto v = opt_string(b, name);
    if (!v) return errors::invalid_param(name);
    *field = std::move(*v);
  }
  for (auto [name, field] :
       {std::pair{"api_call_limits", &in.api_call_limits},
        std::pair{"user_call_limits", &in.user_call_limits},
        std::pair{"app_call_limits", &in.app_call_limits},
        std::pair{"ip_call_limits", &in.ip_call_limits},
        std::pair{"time_interval", &in.time_interval}, std::pair{"type", &in.type}}) {
    auto v = opt_int(b, name);
    if (!v) return v.error();
    *field = *v;
  }
  return in;
}

std::string ts(core::Nanos n) {
  return core::rfc3339_seconds(n);
}

json::object throttle_v2(const core::Throttle& t) {
  return {{"id", t.id},
          {"name", t.name},
          {"api_call_limits", t.api_call_limits},
          {"user_call_limits", t.user_call_limits},
          {"app_call_limits", t.app_call_limits},
          {"ip_call_limits", t.ip_call_limits},
          {"time_interval", t.time_interval},
          {"time_unit", t.time_unit},
          {"remark", t.remark},
          {"type", t.type},
          {"enable_adaptive_control", t.enable_adaptive_control},
          {"bind_num", t.bind_num},
          {"is_inclu_special_throttle", t.has_specials ? 1 : 2},
          {"create_time", ts(t.create_time)}};
}

json::object special_v2(const core::ThrottleSpecial& x) {
  bool app = x.object_type == "APP";
  return {{"id", x.id},
          {"throttle_id", x.throttle_id},
          {"object_type", x.object_type},
          {"object_id", x.object_id},
          {"object_name", app ? x.app_name : x.object_id},
          {"app_id", app ? x.app_id : ""},
          {"app_name", app ? x.app_name : ""},
          {"call_limits", x.call_limits},
          {"apply_time", ts(x.apply_time)}};
}

json::object binding_v2(const core::ThrottleBinding& b) {
  return {{"id", b.id},
          {"strategy_id", b.throttle_id},
          {"publish_id", b.publish_id},
          {"scope", 1},
          {"apply_time", ts(b.apply_time)}};
}

json::object api_for_throttle(const core::ApiSpec& api, const std::string& group_name,
                              const std::string& env_id, const std::string& env_name,
                              const std::string& publish_id) {
  return {{"id", api.id},
          {"name", api.name},
          {"group_id", api.group_id},
          {"group_name", group_name},
          {"type", api.type},
          {"remark", api.remark},
          {"req_method", api.req_method},
          {"req_uri", api.req_uri},
          {"auth_type", api.auth_type},
          {"run_env_id", env_id},
          {"run_env_name", env_name},
          {"publish_id", publish_id}};
}

services::ThrottleBindingQuery binding_query(const AdminRequest& q) {
  services::ThrottleBindingQuery bq;
  bq.throttle_id = qv(q, "throttle_id");
  bq.api_id = qv(q, "api_id");
  bq.env_id = qv(q, "env_id");
  bq.group_id = qv(q, "group_id");
  bq.api_name = qv(q, "api_name");
  bq.throttle_name = qv(q, "throttle_name");
  return bq;
}

void register_throttles(Router& r, services::GovernanceService& lim, const std::string& base,
                        core::InstanceKind kind) {
  // ---- policies
  r.add(V::post, base + "/throttles", D, true, [&lim, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, throttle_input(*body), q, D);
    return respond(q, D, lim.create_throttle(q.caller, instance_scope(q, kind), std::move(*in)),
                   201, throttle_v2);
  });
  r.add(V::get, base + "/throttles", D, true, [&lim, kind](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    store::NameFilter f{qv(q, "id"), qv(q, "name"), qv(q, "precise_search") == "name"};
    return respond(q, D, lim.list_throttles(q.caller, instance_scope(q, kind), f, *page), 200,
                   [](const core::Paged<core::Throttle>& p) {
                     return paged_envelope(p, "throttles", throttle_v2);
                   });
  });
  r.add(V::get, base + "/throttles/{throttle_id}", D, true, [&lim, kind](AdminRequest& q) {
    return respond(q, D,
                   lim.get_throttle(q.caller, instance_scope(q, kind), q.param("throttle_id")), 200,
                   throttle_v2);
  });
  r.add(V::put, base + "/throttles/{throttle_id}", D, true, [&lim, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, throttle_input(*body), q, D);
    return respond(q, D,
                   lim.update_throttle(q.caller, instance_scope(q, kind), q.param("throttle_id"),
                                       std::move(*in)),
                   200, throttle_v2);
  });
  r.add(V::delete_, base + "/throttles/{throttle_id}", D, true, [&lim, kind](AdminRequest& q) {
    return respond_empty(
        q, D, lim.delete_throttle(q.caller, instance_scope(q, kind), q.param("throttle_id")), 204);
  });

  // ---- special limits
  const std::string specials = base + "/throttles/{throttle_id}/throttle-specials";
  r.add(V::post, specials, D, true, [&lim, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    services::ThrottleSpecialInput in;
    GH_TRY(type, opt_string(*body, "object_type"), q, D);
    GH_TRY(id, opt_string(*body, "object_id"), q, D);
    GH_TRY(limits, opt_int(*body, "call_limits"), q, D);
    in.object_type = *type;
    in.object_id = *id;
    in.call_limits = *limits;
    return respond(q, D,
                   lim.create_special(q.caller, instance_scope(q, kind), q.param("throttle_id"),
                                      std::move(in)),
                   201, special_v2);
  });
  r.add(V::get, specials, D, true, [&lim, kind](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    services::ThrottleSpecialQuery sq{qv(q, "object_type"), qv(q, "app_name"), qv(q, "user")};
    return respond(
        q, D,
        lim.list_specials(q.caller, instance_scope(q, kind), q.param("throttle_id"), sq, *page),
        200, [](const core::Paged<core::ThrottleSpecial>& p) {
          return paged_envelope(p, "throttle_specials", special_v2);
        });
  });
  r.add(V::put, specials + "/{strategy_id}", D, true, [&lim, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(limits, opt_int(*body, "call_limits"), q, D);
    return respond(q, D,
                   lim.update_special(q.caller, instance_scope(q, kind), q.param("throttle_id"),
                                      q.param("strategy_id"), *limits),
                   200, special_v2);
  });
  r.add(V::delete_, specials + "/{strategy_id}", D, true, [&lim, kind](AdminRequest& q) {
    return respond_empty(q, D,
                         lim.delete_special(q.caller, instance_scope(q, kind),
                                            q.param("throttle_id"), q.param("strategy_id")),
                         204);
  });

  // ---- bindings
  r.add(V::post, base + "/throttle-bindings", D, true, [&lim, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(strategy, opt_string(*body, "strategy_id"), q, D);
    GH_TRY(ids, traffic::string_list(*body, "publish_ids"), q, D);
    return respond(q, D, lim.bind(q.caller, instance_scope(q, kind), strategy->value_or(""), *ids),
                   201, [](const std::vector<core::ThrottleBinding>& all) {
                     json::array items;
                     for (auto& b : all) items.push_back(binding_v2(b));
                     return json::object{{"throttle_applys", std::move(items)}};
                   });
  });
  r.add(V::put, base + "/throttle-bindings", D, true, [&lim, kind](AdminRequest& q) {
    if (!is_delete_action(q)) return error_response(q, D, errors::action_must_be_delete());
    GH_TRY(body, body_object(q, true), q, D);
    GH_TRY(ids, traffic::string_list(*body, "throttle_bindings"), q, D);
    return respond(
        q, D, lim.unbind_batch(q.caller, instance_scope(q, kind), *ids), 200,
        [](const services::UnbindResult& u) {
          json::array failure;
          for (auto& f : u.failure)
            failure.push_back(json::object{{"bind_id", f.bind_id},
                                           {"error_code", f.error.code},
                                           {"error_msg", f.error.message}});
          return json::object{{"success_count", u.success_count}, {"failure", std::move(failure)}};
        });
  });
  r.add(V::delete_, base + "/throttle-bindings/{throttle_binding_id}", D, true,
        [&lim, kind](AdminRequest& q) {
          return respond_empty(
              q, D, lim.unbind(q.caller, instance_scope(q, kind), q.param("throttle_binding_id")),
              204);
        });
  r.add(V::get, base + "/throttle-bindings/binded-apis", D, true, [&lim, kind](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    return respond(q, D, lim.bound_apis(q.caller, instance_scope(q, kind), binding_query(q), *page),
                   200, [](const core::Paged<services::ThrottleBindingInfo>& p) {
                     return paged_envelope(p, "apis", [](const services::ThrottleBindingInfo& i) {
                       auto o = api_for_throttle(i.api, i.group_name, i.binding.env_id, i.env_name,
                                                 i.binding.publish_id);
                       o["throttle_apply_id"] = i.binding.id;
                       o["throttle_name"] = i.throttle_name;
                       o["apply_time"] = ts(i.binding.apply_time);
                       return o;
                     });
                   });
  });
  r.add(V::get, base + "/throttle-bindings/unbinded-apis", D, true, [&lim, kind](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    return respond(
        q, D, lim.unbound_apis(q.caller, instance_scope(q, kind), binding_query(q), *page), 200,
        [](const core::Paged<services::OnlineApi>& p) {
          return paged_envelope(p, "apis", [](const services::OnlineApi& a) {
            return api_for_throttle(a.api, a.group_name, a.env_id, a.env_name, a.publish_id);
          });
        });
  });
  r.add(V::get, base + "/throttle-bindings/binded-throttles", D, true,
        [&lim, kind](AdminRequest& q) {
          GH_TRY(page, page_from_query(q), q, D);
          return respond(
              q, D, lim.bound_throttles(q.caller, instance_scope(q, kind), binding_query(q), *page),
              200, [](const core::Paged<services::BoundThrottle>& p) {
                return paged_envelope(p, "throttles", [](const services::BoundThrottle& b) {
                  auto o = throttle_v2(b.throttle);
                  o["env_id"] = b.binding.env_id;
                  o["env_name"] = b.env_name;
                  o["bind_id"] = b.binding.id;
                  o["bind_time"] = ts(b.binding.apply_time);
                  return o;
                });
              });
        });
}
Result<services::AppQuotaInput> quota_input(const json::object& b) {
  services::AppQuotaInput in;
  for (auto [name, field] :
       {std::pair{"name", &in.name}, std::pair{"time_unit", &in.time_unit},
        std::pair{"remark", &in.remark}, std::pair{"reset_time", &in.reset_time}}) {
    auto v = opt_string(b, name);
    if (!v) return errors::invalid_param(name);
    *field = std::move(*v);
  }
  for (auto [name, field] :
       {std::pair{"call_limits", &in.call_limits}, std::pair{"time_interval", &in.time_interval}}) {
    auto v = opt_int(b, name);
    if (!v) return v.error();
    *field = *v;
  }
  return in;
}

// AppQuotaInfo; reset_time as "YYYY-MM-DD HH:MM:SS" UTC, "" when unset
// (docs/compatibility.md#q1).
json::object quota_v2(const core::AppQuota& q) {
  return {{"app_quota_id", q.id},
          {"name", q.name},
          {"call_limits", q.call_limits},
          {"time_unit", q.time_unit},
          {"time_interval", q.time_interval},
          {"remark", q.remark},
          {"reset_time", q.reset_time_set ? core::utc_datetime(q.reset_time) : ""},
          {"create_time", ts(q.create_time)},
          {"bound_app_num", q.bound_app_num}};
}

json::object quota_app_v2(const services::QuotaApp& a) {
  json::object o{{"app_id", a.app.id},
                 {"name", a.app.name},
                 {"status", a.app.status},
                 {"app_key", a.app.app_key},
                 {"remark", a.app.remark},
                 {"register_time", ts(a.app.register_time)},
                 {"update_time", ts(a.app.update_time)}};
  if (a.quota) {
    o["app_quota_id"] = a.quota->id;
    o["app_quota_name"] = a.quota->name;
    o["bound_time"] = ts(a.bound_time);
  }
  return o;
}

void register_quotas(Router& r, services::GovernanceService& gov, const std::string& base,
                     core::InstanceKind kind) {
  r.add(V::post, base + "/app-quotas", D, true, [&gov, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, quota_input(*body), q, D);
    return respond(q, D, gov.create_quota(q.caller, instance_scope(q, kind), std::move(*in)), 201,
                   quota_v2);
  });
  r.add(V::get, base + "/app-quotas", D, true, [&gov, kind](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    return respond(
        q, D, gov.list_quotas(q.caller, instance_scope(q, kind), qv(q, "name"), *page), 200,
        [](const core::Paged<core::AppQuota>& p) { return paged_envelope(p, "quotas", quota_v2); });
  });
  const std::string one = base + "/app-quotas/{app_quota_id}";
  r.add(V::get, one, D, true, [&gov, kind](AdminRequest& q) {
    return respond(q, D, gov.get_quota(q.caller, instance_scope(q, kind), q.param("app_quota_id")),
                   200, quota_v2);
  });
  r.add(V::put, one, D, true, [&gov, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, quota_input(*body), q, D);
    return respond(q, D,
                   gov.update_quota(q.caller, instance_scope(q, kind), q.param("app_quota_id"),
                                    std::move(*in)),
                   200, quota_v2);
  });
  r.add(V::delete_, one, D, true, [&gov, kind](AdminRequest& q) {
    return respond_empty(
        q, D, gov.delete_quota(q.caller, instance_scope(q, kind), q.param("app_quota_id")), 204);
  });
  r.add(V::post, one + "/binding-apps", D, true, [&gov, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(ids, traffic::string_list(*body, "app_ids"), q, D);
    return respond(q, D,
                   gov.bind_apps(q.caller, instance_scope(q, kind), q.param("app_quota_id"), *ids),
                   201, [](const std::vector<core::AppQuotaBinding>& all) {
                     json::array items;
                     for (auto& b : all)
                       items.push_back(json::object{{"app_id", b.app_id},
                                                    {"app_quota_id", b.quota_id},
                                                    {"bound_time", ts(b.bound_time)}});
                     return json::object{{"applies", std::move(items)}};
                   });
  });
  for (bool bound : {true, false})
    r.add(V::get, one + (bound ? "/bound-apps" : "/bindable-apps"), D, true,
          [&gov, kind, bound](AdminRequest& q) {
            GH_TRY(page, page_from_query(q), q, D);
            return respond(q, D,
                           gov.quota_apps(q.caller, instance_scope(q, kind),
                                          q.param("app_quota_id"), bound, qv(q, "app_name"), *page),
                           200, [](const core::Paged<services::QuotaApp>& p) {
                             return paged_envelope(p, "apps", quota_app_v2);
                           });
          });
  r.add(V::delete_, one + "/bound-apps/{app_id}", D, true, [&gov, kind](AdminRequest& q) {
    return respond_empty(q, D,
                         gov.unbind_app(q.caller, instance_scope(q, kind), q.param("app_quota_id"),
                                        q.param("app_id")),
                         204);
  });
  r.add(V::get, base + "/apps/{app_id}/bound-quota", D, true, [&gov, kind](AdminRequest& q) {
    return respond(q, D, gov.quota_of_app(q.caller, instance_scope(q, kind), q.param("app_id")),
                   200, quota_v2);
  });
}
}  // namespace

void register_governance_v2(Router& r, AdminServices& s) {
  if (!s.governance) return;
  for (auto [prefix, kind] : {std::pair{"apigw", core::InstanceKind::kApig},
                              std::pair{"apic", core::InstanceKind::kRoma}}) {
    const std::string base = std::string("/v2/{project_id}/") + prefix + "/instances/{instance_id}";
    register_throttles(r, *s.governance, base, kind);
    register_quotas(r, *s.governance, base, kind);
  }
}

}  // namespace gh::admin
