// API groups, environments, environment variables, APIs, publishing and app authorizations
// (docs/compatibility.md#traffic-endpoints, #api-definition) under APIG's /apigw/ and ROMA
// Connect's /apic/ prefixes (same handlers; docs/compatibility.md#g12: the path's kind must match
// the instance's). Parse and render only; rules live in services/traffic_service.
#include <charconv>

#include "admin/admin_api.hpp"
#include "admin/respond.hpp"
#include "admin/views.hpp"
#include "core/errors.hpp"

namespace gh::admin {
namespace {
using V = http::bhttp::verb;
using core::Result;
constexpr Dialect D = Dialect::kApig;
namespace errors = core::errors;

services::InstanceScope scope(const AdminRequest& q, core::InstanceKind kind) {
  return {q.param("project_id"), q.param("instance_id"), kind};
}
std::string qv(const AdminRequest& q, std::string_view name) {
  return q.query_value(name).value_or("");
}

// ---- JSON field readers: wrong JSON types are APIG.2011 on the field's name.
Result<std::string> str_field(const json::object& o, std::string_view name, std::string_view param,
                              std::string fallback) {
  auto v = opt_string(o, name);
  if (!v) return errors::invalid_param(param);
  return v->value_or(std::move(fallback));
}
Result<int> int_field(const json::object& o, std::string_view name, std::string_view param,
                      int fallback) {
  auto* v = o.if_contains(name);
  if (!v || v->is_null()) return fallback;
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->as_int64();
  } else if (v->is_uint64() && v->as_uint64() < (1u << 31)) {
    n = static_cast<std::int64_t>(v->as_uint64());
  } else if (v->is_string()) {  // some clients send numbers as strings (e.g. retry_count)
    auto s = v->as_string();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p != s.data() + s.size()) return errors::invalid_param(param);
  } else {
    return errors::invalid_param(param);
  }
  if (n < -(1LL << 31) || n > (1LL << 31) - 1) return errors::invalid_param(param);
  return static_cast<int>(n);
}
Result<const json::array*> array_field(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (!v || v->is_null()) return static_cast<const json::array*>(nullptr);
  if (!v->is_array()) return errors::invalid_param(name);
  return &v->as_array();
}
Result<std::vector<std::string>> string_list(const json::object& o, std::string_view name) {
  auto arr = array_field(o, name);
  if (!arr) return arr.error();
  std::vector<std::string> out;
  if (*arr)
    for (auto& e : **arr) {
      if (!e.is_string()) return errors::invalid_param(name);
      out.emplace_back(e.as_string());
    }
  return out;
}

#define GH_FIELD(var, expr) \
  auto var##_r = (expr);    \
  if (!var##_r) return var##_r.error();

// Parses the API definition of POST/PUT /apis (docs/compatibility.md#api-definition). Values are
// checked by the service.
Result<core::ApiSpec> api_input(const json::object& b) {
  core::ApiSpec a;
  GH_FIELD(name, str_field(b, "name", "name", ""));
  a.name = *name_r;
  GH_FIELD(type, int_field(b, "type", "type", 1));
  a.type = *type_r;
  GH_FIELD(group, str_field(b, "group_id", "group_id", ""));
  a.group_id = *group_r;
  GH_FIELD(proto, str_field(b, "req_protocol", "req_protocol", "HTTPS"));
  a.req_protocol = *proto_r;
  GH_FIELD(method, str_field(b, "req_method", "req_method", ""));
  a.req_method = *method_r;
  GH_FIELD(uri, str_field(b, "req_uri", "req_uri", ""));
  a.req_uri = *uri_r;
  GH_FIELD(mode, str_field(b, "match_mode", "match_mode", "NORMAL"));
  a.match_mode = *mode_r;
  GH_FIELD(auth, str_field(b, "auth_type", "auth_type", "NONE"));
  a.auth_type = *auth_r;
  GH_FIELD(remark, str_field(b, "remark", "remark", ""));
  a.remark = *remark_r;
  if (auto* opt = b.if_contains("auth_opt"); opt && !opt->is_null()) {
    if (!opt->is_object()) return errors::invalid_param("auth_opt");
    GH_FIELD(code, str_field(opt->as_object(), "app_code_auth_type", "auth_opt.app_code_auth_type",
                             "DISABLE"));
    a.app_code_auth_type = *code_r;
  }
  GH_FIELD(backend_type, str_field(b, "backend_type", "backend_type", "HTTP"));
  a.backend_type = *backend_type_r;
  if (auto* be = b.if_contains("backend_api"); be && !be->is_null()) {
    if (!be->is_object()) return errors::invalid_param("backend_api");
    const auto& bo = be->as_object();
    GH_FIELD(dom, str_field(bo, "url_domain", "backend_api.url_domain", ""));
    a.backend.url_domain = *dom_r;
    GH_FIELD(bp, str_field(bo, "req_protocol", "backend_api.req_protocol", "HTTP"));
    a.backend.req_protocol = *bp_r;
    GH_FIELD(bm, str_field(bo, "req_method", "backend_api.req_method", ""));
    a.backend.req_method = *bm_r;
    GH_FIELD(bu, str_field(bo, "req_uri", "backend_api.req_uri", ""));
    a.backend.req_uri = *bu_r;
    GH_FIELD(to, int_field(bo, "timeout", "backend_api.timeout", 5000));
    a.backend.timeout_ms = *to_r;
    GH_FIELD(rc, int_field(bo, "retry_count", "backend_api.retry_count", -1));
    a.backend.retry_count = *rc_r;
  } else if (a.backend_type == "HTTP") {
    return errors::invalid_param("backend_api");
  }
  if (auto* mock = b.if_contains("mock_info"); mock && !mock->is_null()) {
    if (!mock->is_object()) return errors::invalid_param("mock_info");
    GH_FIELD(rc, str_field(mock->as_object(), "result_content", "mock_info.result_content", ""));
    a.mock_result = *rc_r;
  }
  GH_FIELD(req, array_field(b, "req_params"));
  if (*req_r)
    for (auto& e : **req_r) {
      if (!e.is_object()) return errors::invalid_param("req_params");
      const auto& po = e.as_object();
      core::ReqParam p;
      GH_FIELD(pn, str_field(po, "name", "req_params.name", ""));
      p.name = *pn_r;
      GH_FIELD(pt, str_field(po, "type", "req_params.type", "STRING"));
      p.type = *pt_r;
      GH_FIELD(pl, str_field(po, "location", "req_params.location", ""));
      p.location = *pl_r;
      GH_FIELD(pd, str_field(po, "default_value", "req_params.default_value", ""));
      p.default_value = *pd_r;
      GH_FIELD(pr, int_field(po, "required", "req_params.required", p.location == "PATH" ? 1 : 2));
      p.required = *pr_r;
      a.req_params.push_back(std::move(p));
    }
  GH_FIELD(back, array_field(b, "backend_params"));
  if (*back_r)
    for (auto& e : **back_r) {
      if (!e.is_object()) return errors::invalid_param("backend_params");
      const auto& po = e.as_object();
      core::BackendParam p;
      GH_FIELD(po_, str_field(po, "origin", "backend_params.origin", ""));
      p.origin = *po__r;
      GH_FIELD(pn, str_field(po, "name", "backend_params.name", ""));
      p.name = *pn_r;
      GH_FIELD(pl, str_field(po, "location", "backend_params.location", ""));
      p.location = *pl_r;
      GH_FIELD(pv, str_field(po, "value", "backend_params.value", ""));
      p.value = *pv_r;
      a.backend_params.push_back(std::move(p));
    }
  return a;
}
#undef GH_FIELD

template <class T, class Render>
json::object paged(const core::Paged<T>& p, const char* key, Render&& render) {
  json::array items;
  for (auto& x : p.items) items.push_back(render(x));
  return json::object{{"total", p.total},
                      {"size", static_cast<std::int64_t>(p.items.size())},
                      {key, std::move(items)}};
}

void register_traffic_for(Router& r, AdminServices& s, const std::string& prefix,
                          core::InstanceKind kind) {
  auto& tr = s.traffic;
  const std::string base = "/v2/{project_id}/" + prefix + "/instances/{instance_id}";
  auto group_view = [&tr](bool fresh) {
    return [&tr, fresh](const core::ApiGroup& g) { return group_v2(g, tr.sl_domain(g), fresh); };
  };

  // ---- API groups
  r.add(V::post, base + "/api-groups", D, true, [&tr, kind, group_view](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    services::GroupInput in;
    GH_TRY(name, opt_string(*body, "name"), q, D);
    GH_TRY(remark, opt_string(*body, "remark"), q, D);
    in.name = *name;
    in.remark = *remark;
    return respond(q, D, tr.create_group(q.caller, scope(q, kind), in), 201, group_view(true));
  });
  r.add(V::get, base + "/api-groups", D, true, [&tr, kind, group_view](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    store::NameFilter f{qv(q, "id"), qv(q, "name"), qv(q, "precise_search") == "name"};
    auto list = tr.list_groups(q.caller, scope(q, kind), f, *page);
    return respond(q, D, list, 200, [&](const core::Paged<core::ApiGroup>& p) {
      return paged(p, "groups", group_view(false));
    });
  });
  r.add(V::get, base + "/api-groups/{group_id}", D, true, [&tr, kind, group_view](AdminRequest& q) {
    return respond(q, D, tr.get_group(q.caller, scope(q, kind), q.param("group_id")), 200,
                   group_view(false));
  });
  r.add(V::put, base + "/api-groups/{group_id}", D, true, [&tr, kind, group_view](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    services::GroupInput in;
    GH_TRY(name, opt_string(*body, "name"), q, D);
    GH_TRY(remark, opt_string(*body, "remark"), q, D);
    in.name = *name;
    in.remark = *remark;
    return respond(q, D, tr.update_group(q.caller, scope(q, kind), q.param("group_id"), in), 200,
                   group_view(false));
  });
  r.add(V::delete_, base + "/api-groups/{group_id}", D, true, [&tr, kind](AdminRequest& q) {
    return respond_empty(q, D, tr.delete_group(q.caller, scope(q, kind), q.param("group_id")), 204);
  });

  // ---- environments
  auto env_in = [](const json::object& body) -> Result<services::EnvInput> {
    auto name = opt_string(body, "name");
    if (!name) return name.error();
    auto remark = opt_string(body, "remark");
    if (!remark) return remark.error();
    return services::EnvInput{*name, *remark};
  };
  r.add(V::post, base + "/envs", D, true, [&tr, kind, env_in](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, env_in(*body), q, D);
    return respond(q, D, tr.create_env(q.caller, scope(q, kind), *in), 201,
                   [](const core::Environment& e) { return env_v2(e, true); });
  });
  r.add(V::get, base + "/envs", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    store::NameFilter f{"", qv(q, "name"), false};
    return respond(q, D, tr.list_envs(q.caller, scope(q, kind), f, *page), 200,
                   [](const core::Paged<core::Environment>& p) {
                     return paged(p, "envs",
                                  [](const core::Environment& e) { return env_v2(e, false); });
                   });
  });
  r.add(V::put, base + "/envs/{env_id}", D, true, [&tr, kind, env_in](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, env_in(*body), q, D);
    return respond(q, D, tr.update_env(q.caller, scope(q, kind), q.param("env_id"), *in), 200,
                   [](const core::Environment& e) { return env_v2(e, false); });
  });
  r.add(V::delete_, base + "/envs/{env_id}", D, true, [&tr, kind](AdminRequest& q) {
    return respond_empty(q, D, tr.delete_env(q.caller, scope(q, kind), q.param("env_id")), 204);
  });

  // ---- environment variables
  r.add(V::post, base + "/env-variables", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    services::EnvVariableInput in;
    for (auto [field, target] :
         {std::pair{"group_id", &in.group_id}, std::pair{"env_id", &in.env_id},
          std::pair{"variable_name", &in.name}, std::pair{"variable_value", &in.value}}) {
      GH_TRY(v, opt_string(*body, field), q, D);
      *target = *v;
    }
    return respond(q, D, tr.create_variable(q.caller, scope(q, kind), in), 201, env_variable_v2);
  });
  r.add(V::get, base + "/env-variables", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    store::EnvVariableFilter f{qv(q, "group_id"), qv(q, "env_id"), qv(q, "variable_name"),
                               qv(q, "precise_search") == "variable_name"};
    return respond(q, D, tr.list_variables(q.caller, scope(q, kind), f, *page), 200,
                   [](const core::Paged<core::EnvVariable>& p) {
                     return paged(p, "variables", env_variable_v2);
                   });
  });
  const std::string var_path = base + "/env-variables/{env_variable_id}";
  r.add(V::get, var_path, D, true, [&tr, kind](AdminRequest& q) {
    return respond(q, D, tr.get_variable(q.caller, scope(q, kind), q.param("env_variable_id")), 200,
                   env_variable_v2);
  });
  r.add(V::put, var_path, D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(value, opt_string(*body, "variable_value"), q, D);
    return respond(q, D,
                   tr.update_variable(q.caller, scope(q, kind), q.param("env_variable_id"), *value),
                   200, env_variable_v2);
  });
  r.add(V::delete_, var_path, D, true, [&tr, kind](AdminRequest& q) {
    return respond_empty(
        q, D, tr.delete_variable(q.caller, scope(q, kind), q.param("env_variable_id")), 204);
  });

  // ---- APIs
  r.add(V::post, base + "/apis", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, api_input(*body), q, D);
    return respond(q, D, tr.create_api(q.caller, scope(q, kind), std::move(*in)), 201,
                   [](const services::ApiView& v) { return api_v2(v, true); });
  });
  r.add(V::get, base + "/apis", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    store::ApiFilter f;
    f.id = qv(q, "id");
    f.name = qv(q, "name");
    f.group_id = qv(q, "group_id");
    f.req_protocol = qv(q, "req_protocol");
    f.req_method = qv(q, "req_method");
    f.req_uri = qv(q, "req_uri");
    f.auth_type = qv(q, "auth_type");
    f.env_id = qv(q, "env_id");
    f.precise_name = qv(q, "precise_search") == "name";
    GH_TRY(type, query_int(q, "type"), q, D);
    if (*type) f.type = static_cast<int>(**type);
    return respond(q, D, tr.list_apis(q.caller, scope(q, kind), f, *page), 200,
                   [](const core::Paged<services::ApiView>& p) {
                     return paged(p, "apis",
                                  [](const services::ApiView& v) { return api_v2(v, false); });
                   });
  });
  r.add(V::get, base + "/apis/{api_id}", D, true, [&tr, kind](AdminRequest& q) {
    return respond(q, D, tr.get_api(q.caller, scope(q, kind), q.param("api_id")), 200,
                   [](const services::ApiView& v) { return api_v2(v, false); });
  });
  r.add(V::put, base + "/apis/{api_id}", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, api_input(*body), q, D);
    return respond(q, D, tr.update_api(q.caller, scope(q, kind), q.param("api_id"), std::move(*in)),
                   200, [](const services::ApiView& v) { return api_v2(v, false); });
  });
  r.add(V::delete_, base + "/apis/{api_id}", D, true, [&tr, kind](AdminRequest& q) {
    return respond_empty(q, D, tr.delete_api(q.caller, scope(q, kind), q.param("api_id")), 204);
  });

  // ---- publishing
  r.add(V::post, base + "/apis/action", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    services::PublishInput in;
    for (auto [field, target] :
         {std::pair{"action", &in.action}, std::pair{"env_id", &in.env_id},
          std::pair{"api_id", &in.api_id}, std::pair{"remark", &in.remark}}) {
      GH_TRY(v, opt_string(*body, field), q, D);
      *target = v->value_or("");
    }
    return respond(q, D, tr.publish(q.caller, scope(q, kind), in), 201,
                   [](const services::PublishResult& p) { return publish_v2(p, true); });
  });
  r.add(V::post, base + "/apis/publish", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    services::BatchPublishInput in;
    in.action = qv(q, "action");
    for (auto [field, target] :
         {std::pair{"env_id", &in.env_id}, std::pair{"group_id", &in.group_id},
          std::pair{"remark", &in.remark}}) {
      GH_TRY(v, opt_string(*body, field), q, D);
      *target = v->value_or("");
    }
    GH_TRY(apis, string_list(*body, "apis"), q, D);
    in.api_ids = std::move(*apis);
    return respond(
        q, D, tr.publish_batch(q.caller, scope(q, kind), std::move(in)), 200,
        [](const services::BatchPublishResult& b) {
          json::array ok, failed;
          for (auto& p : b.success) ok.push_back(publish_v2(p, true));
          for (auto& f : b.failure)
            failed.push_back(json::object{{"api_id", f.api_id},
                                          {"error_code", f.error.code},
                                          {"error_msg", f.error.message},
                                          {"api_name", f.api_name}});
          return json::object{{"success", std::move(ok)}, {"failure", std::move(failed)}};
        });
  });
  r.add(V::get, base + "/apis/publish/{api_id}", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    auto list =
        tr.publication_history(q.caller, scope(q, kind), q.param("api_id"), qv(q, "env_id"));
    return respond(q, D, list, 200, [&](const std::vector<services::VersionInfo>& all) {
      core::Paged<services::VersionInfo> p;
      p.total = static_cast<std::int64_t>(all.size());
      for (auto i = page->offset; i < p.total && i < page->offset + page->limit; ++i)
        p.items.push_back(all[static_cast<std::size_t>(i)]);
      return paged(p, "api_versions", version_v2);
    });
  });

  // ---- app authorizations
  r.add(V::post, base + "/app-auths", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    services::AuthInput in;
    GH_TRY(env, opt_string(*body, "env_id"), q, D);
    in.env_id = env->value_or("");
    GH_TRY(apps, string_list(*body, "app_ids"), q, D);
    GH_TRY(apis, string_list(*body, "api_ids"), q, D);
    in.app_ids = std::move(*apps);
    in.api_ids = std::move(*apis);
    return respond(q, D, tr.authorize(q.caller, scope(q, kind), std::move(in)), 201,
                   [](const std::vector<services::AuthResult>& all) {
                     json::array items;
                     for (auto& a : all) items.push_back(auth_result_v2(a));
                     return json::object{{"auths", std::move(items)}};
                   });
  });
  r.add(V::delete_, base + "/app-auths/{app_auth_id}", D, true, [&tr, kind](AdminRequest& q) {
    return respond_empty(q, D, tr.unauthorize(q.caller, scope(q, kind), q.param("app_auth_id")),
                         204);
  });
  auto auth_list = [&tr, kind](AdminRequest& q, services::AuthQuery aq) {
    GH_TRY(page, page_from_query(q), q, D);
    return respond(
        q, D, tr.list_auths(q.caller, scope(q, kind), aq, *page), 200,
        [](const core::Paged<services::AuthInfo>& p) { return paged(p, "auths", auth_info_v2); });
  };
  r.add(V::get, base + "/app-auths/binded-apis", D, true, [auth_list](AdminRequest& q) {
    if (qv(q, "app_id").empty()) return error_response(q, D, errors::invalid_param("app_id"));
    services::AuthQuery aq;
    aq.app_id = qv(q, "app_id");
    aq.api_id = qv(q, "api_id");
    aq.api_name = qv(q, "api_name");
    aq.group_id = qv(q, "group_id");
    aq.env_id = qv(q, "env_id");
    return auth_list(q, aq);
  });
  r.add(V::get, base + "/app-auths/binded-apps", D, true, [auth_list](AdminRequest& q) {
    if (qv(q, "api_id").empty()) return error_response(q, D, errors::invalid_param("api_id"));
    services::AuthQuery aq;
    aq.api_id = qv(q, "api_id");
    aq.app_id = qv(q, "app_id");
    aq.app_name = qv(q, "app_name");
    aq.env_id = qv(q, "env_id");
    return auth_list(q, aq);
  });
  r.add(V::get, base + "/app-auths/unbinded-apis", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    services::AuthQuery aq;
    aq.app_id = qv(q, "app_id");
    aq.env_id = qv(q, "env_id");
    aq.group_id = qv(q, "group_id");
    aq.api_id = qv(q, "api_id");
    aq.api_name = qv(q, "api_name");
    return respond(q, D, tr.unbound_apis(q.caller, scope(q, kind), aq, *page), 200,
                   [](const core::Paged<services::ApiView>& p) {
                     return paged(p, "apis",
                                  [](const services::ApiView& v) { return api_v2(v, false); });
                   });
  });
}
}  // namespace

void register_traffic_v2(Router& r, AdminServices& s) {
  register_traffic_for(r, s, "apigw", core::InstanceKind::kApig);
  register_traffic_for(r, s, "apic", core::InstanceKind::kRoma);
}

}  // namespace gh::admin
