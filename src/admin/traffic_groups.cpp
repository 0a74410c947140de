// API groups (docs/compatibility.md#traffic-endpoints).
#include "admin/traffic_routes.hpp"

namespace gh::admin::traffic {

void register_groups(Router& r, services::TrafficService& tr, const std::string& base,
                     core::InstanceKind kind) {
  auto group_view = [&tr](bool fresh) {
    return [&tr, fresh](const core::ApiGroup& g) { return group_v2(g, tr.sl_domain(g), fresh); };
  };

  // ---- API groups
  r.add(V::post, base + "/api-groups", D, true, [&tr, kind, group_view](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, name_remark<services::GroupInput>(*body), q, D);
    return respond(q, D, tr.create_group(q.caller, instance_scope(q, kind), *in), 201,
                   group_view(true));
  });
  r.add(V::get, base + "/api-groups", D, true, [&tr, kind, group_view](AdminRequest& q) {
    GH_TRY(page, page_from_query(q), q, D);
    store::NameFilter f{qv(q, "id"), qv(q, "name"), qv(q, "precise_search") == "name"};
    auto list = tr.list_groups(q.caller, instance_scope(q, kind), f, *page);
    return respond(q, D, list, 200, [&](const core::Paged<core::ApiGroup>& p) {
      return paged_envelope(p, "groups", group_view(false));
    });
  });
  r.add(V::get, base + "/api-groups/{group_id}", D, true, [&tr, kind, group_view](AdminRequest& q) {
    return respond(q, D, tr.get_group(q.caller, instance_scope(q, kind), q.param("group_id")), 200,
                   group_view(false));
  });
  r.add(V::put, base + "/api-groups/{group_id}", D, true, [&tr, kind, group_view](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(in, name_remark<services::GroupInput>(*body), q, D);
    return respond(q, D,
                   tr.update_group(q.caller, instance_scope(q, kind), q.param("group_id"), *in),
                   200, group_view(false));
  });
  r.add(V::delete_, base + "/api-groups/{group_id}", D, true, [&tr, kind](AdminRequest& q) {
    return respond_empty(
        q, D, tr.delete_group(q.caller, instance_scope(q, kind), q.param("group_id")), 204);
  });
}

}  // namespace gh::admin::traffic
