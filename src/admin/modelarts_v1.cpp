// ModelArts app-auth v1 (docs/compatibility.md#modelarts, #g10; seed 004). Errors render as
// ModelArts.xxxx.
#include "admin/admin_api.hpp"
#include "admin/respond.hpp"
#include "admin/views.hpp"
#include "core/errors.hpp"

namespace gh::admin {
namespace {
using V = http::bhttp::verb;
constexpr Dialect D = Dialect::kModelArts;

json::object wrap(const services::ModelArtsApp& m) {
  return {{"app", modelarts_app(m)}};
}

core::Result<services::ModelArtsListQuery> list_query(const AdminRequest& q) {
  services::ModelArtsListQuery lq;
  lq.app_name = q.query_value("app_name").value_or("");
  auto offset = query_int(q, "offset");
  auto limit = query_int(q, "limit");
  if (!offset || !limit) return core::errors::modelarts_param("offset and limit must be integers.");
  lq.offset = std::max<std::int64_t>(0, offset->value_or(0));
  lq.limit = limit->value_or(1000);
  if (lq.limit <= 0 || lq.limit > 1000) lq.limit = 1000;
  auto order = q.query_value("order").value_or("desc");
  if (order != "asc" && order != "desc") return core::errors::modelarts_param("Invalid order.");
  lq.descending = order == "desc";
  lq.sort_by = q.query_value("sort_by").value_or("created_at");
  if (lq.sort_by != "created_at" && lq.sort_by != "updated_at" && lq.sort_by != "app_name")
    return core::errors::modelarts_param("Invalid sort_by.");
  if (auto ids = q.query_value("app_ids"); ids && !ids->empty()) {
    std::size_t start = 0;
    for (std::size_t i = 0; i <= ids->size(); ++i)
      if (i == ids->size() || (*ids)[i] == ',') {
        if (i > start) lq.app_ids.push_back(ids->substr(start, i - start));
        start = i + 1;
      }
  }
  return lq;
}
}  // namespace

void register_modelarts_v1(Router& r, AdminServices& s) {
  auto& ma = s.modelarts;
  const std::string base = "/v1/{project_id}/app-auth/apps";

  r.add(V::get, base, D, true, [&ma](AdminRequest& q) {
    GH_TRY(lq, list_query(q), q, D);
    auto list = ma.list(q.caller, q.param("project_id"), *lq);
    return respond(q, D, list, 200, [](const auto& p) {
      json::array apps;
      for (auto& m : p.second) apps.push_back(modelarts_app(m));
      auto count = static_cast<std::int64_t>(apps.size());
      return json::object{{"total", p.first}, {"count", count}, {"apps", std::move(apps)}};
    });
  });

  r.add(V::post, base, D, true, [&ma](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    GH_TRY(name, opt_string(*body, "app_name"), q, D);
    GH_TRY(remark, opt_string(*body, "app_remark"), q, D);
    GH_TRY(ws, opt_string(*body, "workspace_id"), q, D);
    if (!name.value())
      return error_response(q, D, core::errors::modelarts_param("app_name is required."));
    auto app = ma.create(q.caller, q.param("project_id"), **name, remark->value_or(""),
                         ws->value_or(q.query_value("workspace_id").value_or("0")));
    return respond(q, D, app, 200, wrap);
  });

  r.add(V::get, base + "/{app_id}", D, true, [&ma](AdminRequest& q) {
    return respond(q, D, ma.show(q.caller, q.param("project_id"), q.param("app_id")), 200, wrap);
  });

  r.add(V::delete_, base + "/{app_id}", D, true, [&ma](AdminRequest& q) {
    auto st = ma.remove(q.caller, q.param("project_id"), q.param("app_id"));
    return respond_empty(q, D, st, 200);
  });

  r.add(V::post, base + "/{app_id}/app-code", D, true, [&ma](AdminRequest& q) {
    // Body {app_name, app_remark, workspace_id} is accepted; the code is always generated.
    GH_TRY(body, body_object(q, true), q, D);
    for (auto field : {"app_name", "app_remark", "workspace_id"}) {
      auto v = opt_string(*body, field);
      if (!v) return error_response(q, D, v.error());
    }
    return respond(q, D, ma.add_code(q.caller, q.param("project_id"), q.param("app_id")), 200,
                   wrap);
  });

  r.add(V::put, base + "/{app_id}/app-code/{app_code}", D, true, [&ma](AdminRequest& q) {
    auto app =
        ma.reset_code(q.caller, q.param("project_id"), q.param("app_id"), q.param("app_code"));
    return respond(q, D, app, 200, wrap);
  });

  r.add(V::delete_, base + "/{app_id}/app-code/{app_code}", D, true, [&ma](AdminRequest& q) {
    auto app =
        ma.delete_code(q.caller, q.param("project_id"), q.param("app_id"), q.param("app_code"));
    return respond(q, D, app, 200, wrap);
  });

  r.add(V::put, base + "/{app_id}/app-secret", D, true, [&ma](AdminRequest& q) {
    return respond(q, D, ma.reset_secret(q.caller, q.param("project_id"), q.param("app_id")), 200,
                   wrap);
  });
}

}  // namespace gh::admin
