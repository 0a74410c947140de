// ROMA Connect v2 (docs/compatibility.md#roma, #g12): instances and integration apps under
// /v2/{project_id}/instances/…; the app/AppCode routes under /apic/ are registered by apig_v2.cpp.
#include "admin/admin_api.hpp"
#include "admin/respond.hpp"
#include "admin/views.hpp"
#include "core/errors.hpp"

namespace gh::admin {
namespace {
using V = http::bhttp::verb;
constexpr Dialect D = Dialect::kApig;

services::InstanceScope scope(const AdminRequest& q) {
  return instance_scope(q, core::InstanceKind::kRoma);
}

core::Result<services::AppInput> integration_input(const json::object& body) {
  services::AppInput in;
  in.roma_key_rules = true;
  in.app_type = "roma";
  in.roma_app_type = "integration";
  for (auto [field, target] :
       {std::pair{"name", &in.name}, std::pair{"remark", &in.remark}, std::pair{"key", &in.app_key},
        std::pair{"secret", &in.app_secret}}) {
    auto v = opt_string(body, field);
    if (!v) return v.error();
    *target = std::move(v.value());
  }
  return in;
}

std::string owner_name(const AdminRequest& q, const core::App& a) {
  return a.owner_user_id == q.caller.user_id ? q.caller.user_name : std::string();
}
}  // namespace

void register_roma_v2(Router& r, AdminServices& s) {
  auto& apps = s.apps;
  r.add(V::get, "/v2/{project_id}/instances", D, true,
        instance_list(apps, core::InstanceKind::kRoma, D, roma_instance));

  const std::string base = "/v2/{project_id}/instances/{instance_id}/apps";
  r.add(V::post, base, D, true, [&apps](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, integration_input(*body), q, D);
    auto app = apps.create_app(q.caller, scope(q), std::move(*in));
    return respond(q, D, app, 201,
                   [&](const core::App& a) { return roma_app(a, owner_name(q, a)); });
  });
  r.add(V::get, base, D, true, [&apps](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    store::AppFilter f;
    f.name = q.query_value("name").value_or("");
    f.app_type = "roma";
    auto list = apps.list_apps(q.caller, scope(q), f, *page);
    return respond(q, D, list, 200, [&](const core::Paged<core::App>& p) {
      return paged_envelope(p, "apps",
                            [&](const core::App& a) { return roma_app(a, owner_name(q, a)); });
    });
  });
  r.add(V::get, base + "/{app_id}", D, true, [&apps](AdminRequest& q) {
    auto app = apps.get_app(q.caller, scope(q), q.param("app_id"));
    return respond(q, D, app, 200,
                   [&](const core::App& a) { return roma_app(a, owner_name(q, a)); });
  });
  r.add(V::put, base + "/{app_id}", D, true, [&apps](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, integration_input(*body), q, D);
    auto app = apps.update_app(q.caller, scope(q), q.param("app_id"), std::move(*in));
    return respond(q, D, app, 200,
                   [&](const core::App& a) { return roma_app(a, owner_name(q, a)); });
  });
  r.add(V::delete_, base + "/{app_id}", D, true, [&apps](AdminRequest& q) {
    return respond_empty(q, D, apps.delete_app(q.caller, scope(q), q.param("app_id")), 204);
  });
  r.add(V::get, base + "/{app_id}/secret", D, true, [&apps](AdminRequest& q) {
    auto app = apps.get_app(q.caller, scope(q), q.param("app_id"));
    return respond(q, D, app, 200, [](const core::App& a) {
      return json::object{{"id", a.id}, {"key", a.app_key}, {"secret", a.app_secret}};
    });
  });
  r.add(V::put, base + "/{app_id}/secret", D, true, [&apps](AdminRequest& q) {
    GH_TRY(body, body_object(q, true), q, D);
    GH_TRY(secret, opt_string(*body, "secret"), q, D);
    auto app = apps.reset_secret(q.caller, scope(q), q.param("app_id"), *secret);
    return respond(q, D, app, 200, [](const core::App& a) {
      return json::object{{"id", a.id}, {"key", a.app_key}, {"secret", a.app_secret}};
    });
  });
}

}  // namespace gh::admin
