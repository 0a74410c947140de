// APIs and publishing (docs/compatibility.md#traffic-endpoints, #api-definition).
#include "admin/traffic_routes.hpp"

namespace gh::admin::traffic {

void register_apis(Router& r, services::TrafficService& tr, const std::string& base,
                   core::InstanceKind kind) {
  // ---- APIs
  r.add(V::post, base + "/apis", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, api_input(*body), q, D);
    return respond(q, D, tr.create_api(q.caller, instance_scope(q, kind), std::move(*in)), 201,
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
    return respond(q, D, tr.list_apis(q.caller, instance_scope(q, kind), f, *page), 200,
                   [](const core::Paged<services::ApiView>& p) {
                     return paged_envelope(
                         p, "apis", [](const services::ApiView& v) { return api_v2(v, false); });
                   });
  });
  r.add(V::get, base + "/apis/{api_id}", D, true, [&tr, kind](AdminRequest& q) {
    return respond(q, D, tr.get_api(q.caller, instance_scope(q, kind), q.param("api_id")), 200,
                   [](const services::ApiView& v) { return api_v2(v, false); });
  });
  r.add(V::put, base + "/apis/{api_id}", D, true, [&tr, kind](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, api_input(*body), q, D);
    return respond(
        q, D, tr.update_api(q.caller, instance_scope(q, kind), q.param("api_id"), std::move(*in)),
        200, [](const services::ApiView& v) { return api_v2(v, false); });
  });
  r.add(V::delete_, base + "/apis/{api_id}", D, true, [&tr, kind](AdminRequest& q) {
    return respond_empty(q, D, tr.delete_api(q.caller, instance_scope(q, kind), q.param("api_id")),
                         204);
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
    return respond(q, D, tr.publish(q.caller, instance_scope(q, kind), in), 201,
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
        q, D, tr.publish_batch(q.caller, instance_scope(q, kind), std::move(in)), 200,
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
    auto list = tr.publication_history(q.caller, instance_scope(q, kind), q.param("api_id"),
                                       qv(q, "env_id"));
    return respond(q, D, list, 200, [&](const std::vector<services::VersionInfo>& all) {
      return paged_envelope(core::slice_page(all, *page), "api_versions", version_v2);
    });
  });
}

}  // namespace gh::admin::traffic
