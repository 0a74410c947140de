#include "admin/admin_api.hpp"

#include <spdlog/spdlog.h>

#include "admin/auth.hpp"
#include "admin/console_static.hpp"
#include "admin/errors_view.hpp"
#include "core/errors.hpp"
#include "core/uri_text.hpp"
#include "crypto/random.hpp"

namespace gh::admin {
using core::parse_query;

AdminApi::AdminApi(AdminServices services) : s_(std::move(services)) {
  register_iam_v3(router_, s_);
  register_apig_v2(router_, s_);
  register_roma_v2(router_, s_);
  register_modelarts_v1(router_, s_);
  register_traffic_v2(router_, s_);
  register_governance_v2(router_, s_);
  register_gatehouse(router_, s_);
  register_console_try(router_, s_);
}

http::Response AdminApi::handle(http::Request& raw, const http::RequestContext& ctx) {
  std::string_view target(raw.target().data(), raw.target().size());
  std::string_view path = target.substr(0, target.find('?'));
  if (auto console = serve_console(raw, path)) return std::move(*console);
  auto res = handle_management(raw, ctx, target);
  // Management answers carry AppSecrets, AppCodes, access-key secrets and tokens in many shapes:
  // none of them may be kept by a browser or proxy cache, so every management answer says so.
  res.set(http::bhttp::field::cache_control, "no-store");
  return res;
}

http::Response AdminApi::handle_management(http::Request& raw, const http::RequestContext& ctx,
                                           std::string_view target) {
  auto qmark = target.find('?');
  std::string_view path = target.substr(0, qmark);
  AdminRequest req{raw, ctx, crypto::new_id(), {}, {}, {}};
  if (qmark != target.npos) req.query = parse_query(target.substr(qmark + 1));

  auto m = router_.match(raw.method(), path);
  if (!m.route) {
    auto e =
        m.path_matched ? core::errors::method_not_allowed() : core::errors::resource_not_found();
    return error_response(req, m.dialect, e);
  }
  req.params = std::move(m.params);
  try {
    if (m.route->authenticated) {
      auto it = req.params.find("project_id");
      auto caller = authenticate(s_.iam, req, it == req.params.end() ? "" : it->second);
      if (!caller) return error_response(req, m.dialect, caller.error());
      req.caller = std::move(caller.value());
    }
    return m.route->handler(req);
  } catch (const std::exception& ex) {
    // The route pattern, never the path: paths can carry AppCode values (ModelArts v1).
    std::string pattern;
    for (auto& seg : m.route->segments) pattern += "/" + seg;
    spdlog::error("admin: unhandled error on {} {}: {}", std::string(raw.method_string()), pattern,
                  ex.what());
    return error_response(req, m.dialect,
                          m.dialect == Dialect::kModelArts ? core::errors::modelarts_internal()
                                                           : core::errors::system_error());
  }
}

http::Response AdminApi::protocol_error(http::ProtocolError e, std::string_view target) const {
  using P = http::ProtocolError;
  core::Error err;
  switch (e) {
    case P::kBadRequest:
      err = core::errors::parameter_error();
      break;
    case P::kUriTooLong:
      err = core::errors::uri_too_long();
      break;
    case P::kHeadersTooLarge:
      err = core::errors::headers_too_large();
      break;
    case P::kBodyTooLarge:
      err = core::errors::body_too_large();
      break;
    case P::kRequestTimeout:
      err = core::errors::request_timeout();
      break;
    case P::kNotImplemented:
      err = core::errors::transfer_coding_not_implemented();
      break;
    case P::kInternal:
      err = core::errors::system_error();
      break;
  }
  auto path = target.substr(0, target.find('?'));
  return render_error(dialect_for_path(path), err, crypto::new_id(), 11);
}

}  // namespace gh::admin
