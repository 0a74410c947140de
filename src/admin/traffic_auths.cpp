// App authorizations (docs/compatibility.md#traffic-endpoints; #g6).
#include "admin/traffic_routes.hpp"
#include "core/errors.hpp"

namespace gh::admin::traffic {
namespace errors = core::errors;

namespace {
// The filters of the authorization lists: app_id, api_id and env_id always; the API side (api_name,
// group_id) for the lists by app, the app side (app_name) for the list by API.
services::AuthQuery auth_query(const AdminRequest& q, bool by_app) {
  services::AuthQuery aq;
  aq.app_id = qv(q, "app_id");
  aq.api_id = qv(q, "api_id");
  aq.env_id = qv(q, "env_id");
  if (by_app) {
    aq.api_name = qv(q, "api_name");
    aq.group_id = qv(q, "group_id");
  } else {
    aq.app_name = qv(q, "app_name");
  }
  return aq;
}
}  // namespace

void register_app_auths(Router& r, services::TrafficService& tr, const std::string& base,
                        core::InstanceKind kind) {
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
    return respond(q, D, tr.authorize(q.caller, instance_scope(q, kind), std::move(in)), 201,
                   [](const std::vector<services::AuthResult>& all) {
                     json::array items;
                     for (auto& a : all) items.push_back(auth_result_v2(a));
                     return json::object{{"auths", std::move(items)}};
                   });
  });
  r.add(V::delete_, base + "/app-auths/{app_auth_id}", D, true, [&tr, kind](AdminRequest& q) {
    return respond_empty(
        q, D, tr.unauthorize(q.caller, instance_scope(q, kind), q.param("app_auth_id")), 204);
  });
  auto auth_list = [&tr, kind](AdminRequest& q, services::AuthQuery aq) {
    GH_TRY(page, page_from_query(q), q, D);
    return respond(q, D, tr.list_auths(q.caller, instance_scope(q, kind), aq, *page), 200,
                   [](const core::Paged<services::AuthInfo>& p) {
                     return paged_envelope(p, "auths", auth_info_v2);
                   });
  };
  r.add(V::get, base + "/app-auths/binded-apis", D, true, [auth_list](AdminRequest& q) {
    if (qv(q, "app_id").empty()) return error_response(q, D, errors::invalid_param("app_id"));
    return auth_list(q, auth_query(q, true));
  });
  r.add(V::get, base + "/app-auths/binded-apps", D, true, [auth_list](AdminRequest& q) {
    if (qv(q, "api_id").empty()) return error_response(q, D, errors::invalid_param("api_id"));
    return auth_list(q, auth_query(q, false));
  });
  r.add(V::get, base + "/app-auths/unbinded-apis", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    return respond(q, D,
                   tr.unbound_apis(q.caller, instance_scope(q, kind), auth_query(q, true), *page),
                   200, [](const core::Paged<services::ApiView>& p) {
                     return paged_envelope(
                         p, "apis", [](const services::ApiView& v) { return api_v2(v, false); });
                   });
  });
}

}  // namespace gh::admin::traffic
