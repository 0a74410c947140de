// APIG dedicated gateway v2 (docs/compatibility.md#apps) and the same app/AppCode routes under ROMA
// Connect's /apic/ prefix (docs/compatibility.md#roma). Handlers parse and render only; rules live
// in services/.
#include "admin/admin_api.hpp"
#include "admin/respond.hpp"
#include "admin/views.hpp"
#include "core/errors.hpp"

namespace gh::admin {
namespace {
using V = http::bhttp::verb;
constexpr Dialect D = Dialect::kApig;

core::Result<services::AppInput> app_input(const json::object& body, bool roma) {
  services::AppInput in;
  in.roma_key_rules = false;
  for (auto [field, target] :
       {std::pair{"name", &in.name}, std::pair{"remark", &in.remark},
        std::pair{"app_key", &in.app_key}, std::pair{"app_secret", &in.app_secret}}) {
    auto v = opt_string(body, field);
    if (!v) return v.error();
    *target = std::move(v.value());
  }
  if (roma) {
    in.app_type = "roma";
    in.roma_app_type = "integration";
  }
  return in;
}

void register_for(Router& r, AdminServices& s, const std::string& prefix, core::InstanceKind kind) {
  auto& apps = s.apps;
  const bool roma = kind == core::InstanceKind::kRoma;
  const std::string base = "/v2/{project_id}/" + prefix + "/instances/{instance_id}";

  r.add(V::get, base, D, true, [&apps, kind](AdminRequest& q) {
    auto inst = apps.instance(q.caller, instance_scope(q, kind));
    return respond(q, D, inst, 200, [&](const core::Instance& i) {
      return kind == core::InstanceKind::kRoma ? roma_instance(i) : apig_instance(i);
    });
  });

  r.add(V::post, base + "/apps", D, true, [&apps, kind, roma](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, app_input(*body, roma), q, D);
    auto app = apps.create_app(q.caller, instance_scope(q, kind), std::move(in.value()));
    return respond(q, D, app, 201, [](const core::App& a) { return app_v2(a, true); });
  });

  r.add(V::get, base + "/apps", D, true, [&apps, kind](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    store::AppFilter f;
    f.id = q.query_value("id").value_or("");
    f.name = q.query_value("name").value_or("");
    f.app_key = q.query_value("app_key").value_or("");
    f.creator = q.query_value("creator").value_or("");
    f.precise_name = q.query_value("precise_search").value_or("") == "name";
    GH_TRY(status, query_int(q, "status"), q, D);
    if (status.value()) f.status = static_cast<int>(*status.value());
    auto list = apps.list_apps(q.caller, instance_scope(q, kind), f, *page);
    return respond(q, D, list, 200, [](const core::Paged<core::App>& p) {
      return paged_envelope(p, "apps", [](const core::App& a) {
        auto o = app_v2(a, false);
        o["bind_num"] = a.bound_api_count;
        return o;
      });
    });
  });

  r.add(V::get, base + "/apps/{app_id}", D, true, [&apps, kind](AdminRequest& q) {
    auto app = apps.get_app(q.caller, instance_scope(q, kind), q.param("app_id"));
    return respond(q, D, app, 200, [](const core::App& a) { return app_v2(a, false); });
  });

  r.add(V::put, base + "/apps/{app_id}", D, true, [&apps, kind, roma](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, app_input(*body, roma), q, D);
    auto app =
        apps.update_app(q.caller, instance_scope(q, kind), q.param("app_id"), std::move(*in));
    return respond(q, D, app, 200, [](const core::App& a) { return app_v2(a, false); });
  });

  r.add(V::delete_, base + "/apps/{app_id}", D, true, [&apps, kind](AdminRequest& q) {
    return respond_empty(
        q, D, apps.delete_app(q.caller, instance_scope(q, kind), q.param("app_id")), 204);
  });

  r.add(V::put, base + "/apps/secret/{app_id}", D, true, [&apps, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, true), q, D);
    GH_TRY(secret, opt_string(*body, "app_secret"), q, D);
    auto app = apps.reset_secret(q.caller, instance_scope(q, kind), q.param("app_id"), *secret);
    return respond(q, D, app, 200, [](const core::App& a) { return app_v2(a, false); });
  });

  r.add(V::get, base + "/apps/validation/{app_id}", D, true, [&apps, kind](AdminRequest& q) {
    auto app = apps.validate_app(q.caller, instance_scope(q, kind), q.param("app_id"));
    return respond(q, D, app, 200, [](const core::App& a) {
      return json::object{{"id", a.id}, {"name", a.name}, {"remark", a.remark}};
    });
  });

  r.add(V::get, base + "/resources/outline/apps", D, true, [&apps, kind](AdminRequest& q) {
    auto o = apps.outline(q.caller, instance_scope(q, kind));
    return respond(q, D, o, 200, [](const services::AppOutline& x) {
      return json::object{{"authed_nums", x.authed}, {"unauthed_nums", x.unauthed}};
    });
  });

  // ---- AppCodes
  const std::string codes = base + "/apps/{app_id}/app-codes";
  r.add(V::put, codes, D, true, [&apps, kind](AdminRequest& q) {
    // Clients send no body or "{}"; anything sent is ignored (but must not crash us).
    auto code = apps.generate_code(q.caller, instance_scope(q, kind), q.param("app_id"));
    return respond(q, D, code, 201, [](const core::AppCode& c) { return app_code_v2(c, true); });
  });

  r.add(V::post, codes, D, true, [&apps, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    auto* v = body->if_contains("app_code");
    if (!v || v->is_null()) return error_response(q, D, core::errors::parameters_missing());
    if (!v->is_string()) return error_response(q, D, core::errors::invalid_param("app_code"));
    auto code = apps.create_code(q.caller, instance_scope(q, kind), q.param("app_id"),
                                 std::string(v->as_string()));
    return respond(q, D, code, 201, [](const core::AppCode& c) { return app_code_v2(c, true); });
  });

  r.add(V::get, codes, D, true, [&apps, kind](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    auto list = apps.list_codes(q.caller, instance_scope(q, kind), q.param("app_id"), *page);
    return respond(q, D, list, 200, [](const core::Paged<core::AppCode>& p) {
      return paged_envelope(p, "app_codes",
                            [](const core::AppCode& c) { return app_code_v2(c, false); });
    });
  });

  r.add(V::get, codes + "/{app_code_id}", D, true, [&apps, kind](AdminRequest& q) {
    auto code =
        apps.get_code(q.caller, instance_scope(q, kind), q.param("app_id"), q.param("app_code_id"));
    return respond(q, D, code, 200, [](const core::AppCode& c) { return app_code_v2(c, false); });
  });

  r.add(V::delete_, codes + "/{app_code_id}", D, true, [&apps, kind](AdminRequest& q) {
    return respond_empty(q, D,
                         apps.delete_code(q.caller, instance_scope(q, kind), q.param("app_id"),
                                          q.param("app_code_id")),
                         204);
  });
}
}  // namespace

void register_apig_v2(Router& r, AdminServices& s) {
  auto& apps = s.apps;
  r.add(V::get, "/v2/{project_id}/apigw/instances", D, true,
        instance_list(apps, core::InstanceKind::kApig, D, apig_instance));
  register_for(r, s, "apigw", core::InstanceKind::kApig);
  register_for(r, s, "apic", core::InstanceKind::kRoma);
}

}  // namespace gh::admin
