#pragma once
// Shared by the traffic route files (admin/traffic_*.cpp; not an interface of admin/): the routes
// of one prefix (/apigw/ or /apic/) are registered resource by resource, each file a resource.
#include <string>
#include <vector>

#include "admin/admin_api.hpp"
#include "admin/respond.hpp"
#include "admin/views.hpp"

namespace gh::admin::traffic {

using V = http::bhttp::verb;
inline constexpr Dialect D = Dialect::kApig;

// Each registers the routes of one resource under `base` ("/v2/{project_id}/<prefix>/instances/
// {instance_id}"); `kind`: the instance kind the prefix implies (docs/compatibility.md#g12).
using RegisterFn = void(Router& r, services::TrafficService& tr, const std::string& base,
                        core::InstanceKind kind);
RegisterFn register_groups;     // api-groups
RegisterFn register_envs;       // envs, env-variables
RegisterFn register_apis;       // apis, apis/action, apis/publish
RegisterFn register_app_auths;  // app-auths
RegisterFn register_acls;       // acls, acl-bindings, apps/{app_id}/app-acl

// A query parameter, "" when absent.
inline std::string qv(const AdminRequest& q, std::string_view name) {
  return q.query_value(name).value_or("");
}
// The {name, remark} body of groups and environments (In: GroupInput or EnvInput).
template <class In>
core::Result<In> name_remark(const json::object& body) {
  auto name = opt_string(body, "name");
  if (!name) return name.error();
  auto remark = opt_string(body, "remark");
  if (!remark) return remark.error();
  return In{*name, *remark};
}
// A JSON array of strings (absent or null → empty); anything else → APIG.2011 for name.
core::Result<std::vector<std::string>> string_list(const json::object& o, std::string_view name);
// The API definition of POST/PUT /apis (docs/compatibility.md#api-definition); wrong JSON types are
// APIG.2011 on the field's name, values are checked by the service.
core::Result<core::ApiSpec> api_input(const json::object& b);

}  // namespace gh::admin::traffic
