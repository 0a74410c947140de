// Environments and environment variables (docs/compatibility.md#traffic-endpoints).
#include "admin/traffic_routes.hpp"

namespace gh::admin::traffic {

void register_envs(Router& r, services::TrafficService& tr, const std::string& base,
                   core::InstanceKind kind) {
  // ---- environments
  r.add(V::post, base + "/envs", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, name_remark<services::EnvInput>(*body), q, D);
    return respond(q, D, tr.create_env(q.caller, instance_scope(q, kind), *in), 201,
                   [](const core::Environment& e) { return env_v2(e, true); });
  });
  r.add(V::get, base + "/envs", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    store::NameFilter f{"", qv(q, "name"), false};
    return respond(q, D, tr.list_envs(q.caller, instance_scope(q, kind), f, *page), 200,
                   [](const core::Paged<core::Environment>& p) {
                     return paged_envelope(
                         p, "envs", [](const core::Environment& e) { return env_v2(e, false); });
                   });
  });
  r.add(V::put, base + "/envs/{env_id}", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, name_remark<services::EnvInput>(*body), q, D);
    return respond(q, D, tr.update_env(q.caller, instance_scope(q, kind), q.param("env_id"), *in),
                   200, [](const core::Environment& e) { return env_v2(e, false); });
  });
  r.add(V::delete_, base + "/envs/{env_id}", D, true, [&tr, kind](AdminRequest& q) {
    return respond_empty(q, D, tr.delete_env(q.caller, instance_scope(q, kind), q.param("env_id")),
                         204);
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
    return respond(q, D, tr.create_variable(q.caller, instance_scope(q, kind), in), 201,
                   env_variable_v2);
  });
  r.add(V::get, base + "/env-variables", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    store::EnvVariableFilter f{qv(q, "group_id"), qv(q, "env_id"), qv(q, "variable_name"),
                               qv(q, "precise_search") == "variable_name"};
    return respond(q, D, tr.list_variables(q.caller, instance_scope(q, kind), f, *page), 200,
                   [](const core::Paged<core::EnvVariable>& p) {
                     return paged_envelope(p, "variables", env_variable_v2);
                   });
  });
  const std::string var_path = base + "/env-variables/{env_variable_id}";
  r.add(V::get, var_path, D, true, [&tr, kind](AdminRequest& q) {
    return respond(q, D,
                   tr.get_variable(q.caller, instance_scope(q, kind), q.param("env_variable_id")),
                   200, env_variable_v2);
  });
  r.add(V::put, var_path, D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(value, opt_string(*body, "variable_value"), q, D);
    return respond(
        q, D,
        tr.update_variable(q.caller, instance_scope(q, kind), q.param("env_variable_id"), *value),
        200, env_variable_v2);
  });
  r.add(V::delete_, var_path, D, true, [&tr, kind](AdminRequest& q) {
    return respond_empty(
        q, D, tr.delete_variable(q.caller, instance_scope(q, kind), q.param("env_variable_id")),
        204);
  });
}

}  // namespace gh::admin::traffic
