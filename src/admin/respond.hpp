#pragma once
// Small helpers shared by the dialect handlers: turn a service Result into a response.
#include <string_view>

#include "admin/errors_view.hpp"
#include "admin/json_io.hpp"
#include "services/app_service.hpp"
#include "services/scope.hpp"

namespace gh::admin {

template <class T, class Render>
http::Response respond(AdminRequest& req, Dialect d, const core::Result<T>& r, unsigned status,
                       Render&& render) {
  if (!r) return error_response(req, d, r.error());
  return json_response(req, status, render(r.value()));
}

inline http::Response respond_empty(AdminRequest& req, Dialect d, const core::Status& r,
                                    unsigned status) {
  if (!r) return error_response(req, d, r.error());
  return empty_response(req, status);
}

// The instance a /v2/{project_id}/…/instances/{instance_id}/… path addresses, as a `kind` path.
// Huawei's batch calls are `PUT …?action=delete`: anything else is refused before the body is
// read, with the wording of that resource's page (errors::action_not_delete for ACLs,
// errors::action_must_be_delete for throttle bindings).
inline bool is_delete_action(const AdminRequest& req) {
  return req.query_value("action").value_or("") == "delete";
}

inline services::InstanceScope instance_scope(const AdminRequest& req, core::InstanceKind kind) {
  return {req.param("project_id"), req.param("instance_id"), kind};
}

// The APIG list envelope: {"total": p.total, "size": items on this page, key: [render(item)…]}.
template <class T, class Render>
json::object paged_envelope(const core::Paged<T>& p, std::string_view key, Render&& render) {
  json::array items;
  for (auto& x : p.items) items.push_back(render(x));
  return json::object{{"total", p.total},
                      {"size", static_cast<std::int64_t>(items.size())},
                      {key, std::move(items)}};
}

// GET …/instances (APIG, ROMA): the project's instances of `kind`, paged, each rendered by `view`.
template <class View>
RouteHandler instance_list(services::AppService& apps, core::InstanceKind kind, Dialect d,
                           View view) {
  return [&apps, kind, d, view](AdminRequest& q) {
    auto page = page_from_query(q);
    if (!page) return error_response(q, d, page.error());
    auto list = apps.instances(q.caller, q.param("project_id"), kind);
    return respond(q, d, list, 200, [&](const std::vector<core::Instance>& all) {
      return paged_envelope(core::slice_page(all, *page), "instances", view);
    });
  };
}

// Evaluates a Result-returning expression; on error returns the rendered error from the handler.
#define GH_TRY(var, expr, req, dialect) \
  auto var = (expr);                    \
  if (!var) return ::gh::admin::error_response(req, dialect, var.error())

}  // namespace gh::admin
