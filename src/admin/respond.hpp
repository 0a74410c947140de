#pragma once
// Small helpers shared by the dialect handlers: turn a service Result into a response.
#include "admin/errors_view.hpp"
#include "admin/json_io.hpp"

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

// Evaluates a Result-returning expression; on error returns the rendered error from the handler.
#define GH_TRY(var, expr, req, dialect) \
  auto var = (expr);                    \
  if (!var) return ::gh::admin::error_response(req, dialect, var.error())

}  // namespace gh::admin
