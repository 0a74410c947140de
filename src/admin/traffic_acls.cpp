// API access-control policies, their bindings and app ACLs (docs/compatibility.md#acls,
// #app-acl). Parse and render only; rules live in services/traffic_acls.cpp.
#include "admin/traffic_routes.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"

namespace gh::admin::traffic {
namespace errors = core::errors;

namespace {
json::object acl_v2(const services::AclInfo& a, bool with_bind_num) {
  json::object o{{"id", a.acl.id},
                 {"acl_name", a.acl.name},
                 {"acl_type", a.acl.acl_type},
                 {"acl_value", a.acl.acl_value},
                 {"entity_type", a.acl.entity_type},
                 {"update_time", core::rfc3339_nanos(a.acl.update_time)}};
  if (with_bind_num) o["bind_num"] = a.bind_num;
  return o;
}

json::object app_acl_v2(const core::AppAcl& a) {
  json::array values;
  for (auto& v : a.values) values.push_back(json::value(v));
  return {{"app_id", a.app_id}, {"app_acl_type", a.acl_type}, {"app_acl_values", values}};
}

// AclBindApiInfo (binded-apis): the API side of a binding.
json::object bound_api_v2(const services::AclBindingInfo& b) {
  return {{"api_id", b.api.id},
          {"api_name", b.api.name},
          {"api_type", b.api.type},
          {"api_remark", b.api.remark},
          {"env_id", b.binding.env_id},
          {"env_name", b.env_name},
          {"bind_id", b.binding.id},
          {"group_name", b.group_name},
          {"bind_time", core::rfc3339_seconds(b.binding.create_time)},
          {"publish_id", b.binding.publish_id},
          {"req_method", b.api.req_method}};
}

// ApiBindAclInfo (binded-acls): the policy side of a binding.
json::object bound_acl_v2(const services::AclBindingInfo& b) {
  return {{"acl_id", b.acl.id},
          {"acl_name", b.acl.name},
          {"entity_type", b.acl.entity_type},
          {"acl_type", b.acl.acl_type},
          {"acl_value", b.acl.acl_value},
          {"env_id", b.binding.env_id},
          {"env_name", b.env_name},
          {"bind_id", b.binding.id},
          {"bind_time", core::rfc3339_seconds(b.binding.create_time)}};
}

json::object unbound_api_v2(const services::AclApiItem& a) {
  return {{"id", a.api.id},
          {"name", a.api.name},
          {"type", a.api.type},
          {"remark", a.api.remark},
          {"group_id", a.api.group_id},
          {"group_name", a.group_name},
          {"run_env_id", a.env_id},
          {"run_env_name", a.env_name},
          {"publish_id", a.publish_id},
          {"req_uri", a.api.req_uri},
          {"req_method", a.api.req_method},
          {"auth_type", a.api.auth_type}};
}

// {success_count, failure[]}: `id_key` names the item's id ("acl_id", "bind_id").
json::object batch_v2(const services::BatchResult& r, std::string_view id_key, bool acl) {
  json::array failure;
  for (auto& f : r.failure) {
    json::object o{{id_key, f.id}, {"error_code", f.error.code}, {"error_msg", f.error.message}};
    if (acl) o["acl_name"] = f.name;
    failure.push_back(std::move(o));
  }
  return {{"success_count", r.success_count}, {"failure", std::move(failure)}};
}

core::Result<services::AclInput> acl_input(const json::object& b) {
  services::AclInput in;
  for (auto [field, slot] :
       {std::pair{"acl_name", &in.name}, std::pair{"acl_type", &in.acl_type},
        std::pair{"acl_value", &in.acl_value}, std::pair{"entity_type", &in.entity_type}}) {
    auto v = opt_string(b, field);
    if (!v) return v.error();
    *slot = std::move(*v);
  }
  return in;
}
}  // namespace

void register_acls(Router& r, services::TrafficService& tr, const std::string& base,
                   core::InstanceKind kind) {
  // ---- policies
  r.add(V::post, base + "/acls", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, acl_input(*body), q, D);
    return respond(q, D, tr.create_acl(q.caller, instance_scope(q, kind), std::move(*in)), 201,
                   [](const services::AclInfo& a) { return acl_v2(a, false); });
  });
  r.add(V::get, base + "/acls", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    store::AclFilter f{qv(q, "id"), qv(q, "name"), qv(q, "acl_type"), qv(q, "entity_type"),
                       qv(q, "precise_search") == "name"};
    return respond(q, D, tr.list_acls(q.caller, instance_scope(q, kind), f, *page), 200,
                   [](const core::Paged<services::AclInfo>& p) {
                     return paged_envelope(
                         p, "acls", [](const services::AclInfo& a) { return acl_v2(a, true); });
                   });
  });
  r.add(V::put, base + "/acls", D, true, [&tr, kind](AdminRequest& q) {
    if (!is_delete_action(q)) return error_response(q, D, errors::action_not_delete());
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(ids, string_list(*body, "acls"), q, D);
    return respond(q, D, tr.delete_acls(q.caller, instance_scope(q, kind), *ids), 200,
                   [](const services::BatchResult& b) { return batch_v2(b, "acl_id", true); });
  });
  r.add(V::get, base + "/acls/{acl_id}", D, true, [&tr, kind](AdminRequest& q) {
    return respond(q, D, tr.get_acl(q.caller, instance_scope(q, kind), q.param("acl_id")), 200,
                   [](const services::AclInfo& a) { return acl_v2(a, false); });
  });
  r.add(V::put, base + "/acls/{acl_id}", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, acl_input(*body), q, D);
    return respond(
        q, D, tr.update_acl(q.caller, instance_scope(q, kind), q.param("acl_id"), std::move(*in)),
        200, [](const services::AclInfo& a) { return acl_v2(a, false); });
  });
  r.add(V::delete_, base + "/acls/{acl_id}", D, true, [&tr, kind](AdminRequest& q) {
    return respond_empty(q, D, tr.delete_acl(q.caller, instance_scope(q, kind), q.param("acl_id")),
                         204);
  });

  // ---- bindings
  r.add(V::post, base + "/acl-bindings", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    services::AclBindInput in;
    GH_TRY(acl, opt_string(*body, "acl_id"), q, D);
    in.acl_id = acl->value_or("");
    GH_TRY(ids, string_list(*body, "publish_ids"), q, D);
    in.publish_ids = std::move(*ids);
    return respond(
        q, D, tr.bind_acl(q.caller, instance_scope(q, kind), std::move(in)), 201,
        [](const std::vector<core::AclBinding>& all) {
          json::array items;
          for (auto& b : all)
            items.push_back(json::object{{"id", b.id},
                                         {"api_id", b.api_id},
                                         {"env_id", b.env_id},
                                         {"acl_id", b.acl_id},
                                         {"create_time", core::rfc3339_nanos(b.create_time)}});
          return json::object{{"acl_bindings", std::move(items)}};
        });
  });
  r.add(V::put, base + "/acl-bindings", D, true, [&tr, kind](AdminRequest& q) {
    if (!is_delete_action(q)) return error_response(q, D, errors::action_not_delete());
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(ids, string_list(*body, "acl_bindings"), q, D);
    return respond(q, D, tr.unbind_acls(q.caller, instance_scope(q, kind), *ids), 200,
                   [](const services::BatchResult& b) { return batch_v2(b, "bind_id", false); });
  });
  r.add(V::delete_, base + "/acl-bindings/{acl_binding_id}", D, true, [&tr, kind](AdminRequest& q) {
    return respond_empty(
        q, D, tr.unbind_acl(q.caller, instance_scope(q, kind), q.param("acl_binding_id")), 204);
  });
  auto query = [](const AdminRequest& q) {
    return services::AclBindingQuery{qv(q, "acl_id"),   qv(q, "api_id"),   qv(q, "env_id"),
                                     qv(q, "group_id"), qv(q, "api_name"), qv(q, "acl_name"),
                                     qv(q, "env_name")};
  };
  r.add(V::get, base + "/acl-bindings/binded-apis", D, true, [&tr, kind, query](AdminRequest& q) {
    if (qv(q, "acl_id").empty()) return error_response(q, D, errors::invalid_param("acl_id"));
    GH_TRY(page, page_from_query(q), q, D);
    return respond(q, D, tr.acl_bindings(q.caller, instance_scope(q, kind), query(q), *page), 200,
                   [](const core::Paged<services::AclBindingInfo>& p) {
                     return paged_envelope(p, "apis", bound_api_v2);
                   });
  });
  r.add(V::get, base + "/acl-bindings/unbinded-apis", D, true, [&tr, kind, query](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    return respond(q, D, tr.acl_unbound_apis(q.caller, instance_scope(q, kind), query(q), *page),
                   200, [](const core::Paged<services::AclApiItem>& p) {
                     return paged_envelope(p, "apis", unbound_api_v2);
                   });
  });
  r.add(V::get, base + "/acl-bindings/binded-acls", D, true, [&tr, kind, query](AdminRequest& q) {
    if (qv(q, "api_id").empty()) return error_response(q, D, errors::invalid_param("api_id"));
    GH_TRY(page, page_from_query(q), q, D);
    return respond(q, D, tr.acl_bindings(q.caller, instance_scope(q, kind), query(q), *page), 200,
                   [](const core::Paged<services::AclBindingInfo>& p) {
                     return paged_envelope(p, "acls", bound_acl_v2);
                   });
  });

  // ---- app ACLs
  r.add(V::put, base + "/apps/{app_id}/app-acl", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    services::AppAclInput in;
    GH_TRY(type, opt_string(*body, "app_acl_type"), q, D);
    in.acl_type = std::move(*type);
    if (auto it = body->find("app_acl_values"); it != body->end() && !it->value().is_null()) {
      GH_TRY(values, string_list(*body, "app_acl_values"), q, D);
      in.values = std::move(*values);
    }
    return respond(
        q, D, tr.set_app_acl(q.caller, instance_scope(q, kind), q.param("app_id"), std::move(in)),
        201, app_acl_v2);
  });
  r.add(V::get, base + "/apps/{app_id}/app-acl", D, true, [&tr, kind](AdminRequest& q) {
    return respond(q, D, tr.get_app_acl(q.caller, instance_scope(q, kind), q.param("app_id")), 200,
                   app_acl_v2);
  });
  r.add(V::delete_, base + "/apps/{app_id}/app-acl", D, true, [&tr, kind](AdminRequest& q) {
    return respond_empty(
        q, D, tr.delete_app_acl(q.caller, instance_scope(q, kind), q.param("app_id")), 204);
  });
}

}  // namespace gh::admin::traffic
