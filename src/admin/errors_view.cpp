#include "admin/errors_view.hpp"

#include "core/errors.hpp"

namespace gh::admin {
namespace {
const char* title_for(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Request Entity Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}
}  // namespace

core::Error to_modelarts(const core::Error& e) {
  if (e.code.rfind("ModelArts.", 0) == 0 || e.code.rfind("APIGW.", 0) == 0) return e;
  using K = core::ErrorKind;
  switch (e.kind) {
    case K::kBadRequest:
    case K::kConflict:
    case K::kQuota:
      return core::errors::modelarts_param(e.message);
    case K::kUnauthorized:
      return core::errors::aksk_failure(e.message);
    case K::kForbidden:
      return core::Error{K::kForbidden, 403, "ModelArts.0203", e.message, {}};
    case K::kNotFound:
      return core::Error{K::kNotFound, 404, "ModelArts.0202", e.message, {}};
    case K::kUnavailable:
      return core::Error{K::kUnavailable, 503, "ModelArts.0001", e.message, {}};
    case K::kInternal:
      return core::errors::modelarts_internal();
  }
  return core::errors::modelarts_internal();
}

http::Response error_response(const AdminRequest& req, Dialect dialect, const core::Error& e) {
  if (dialect == Dialect::kIam) {
    json::object inner{
        {"code", e.http_status}, {"message", e.message}, {"title", title_for(e.http_status)}};
    if (e.code.rfind("APIG", 0) == 0) inner["error_code"] = e.code;
    return json_response(req, e.http_status, json::object{{"error", std::move(inner)}});
  }
  const core::Error& shown = e;
  core::Error translated;
  if (dialect == Dialect::kModelArts) translated = to_modelarts(e);
  const core::Error& out = dialect == Dialect::kModelArts ? translated : shown;
  json::object body{{"error_code", out.code}, {"error_msg", out.message}};
  if (dialect == Dialect::kModelArts) body["request_id"] = req.request_id;
  return json_response(req, out.http_status, body);
}

}  // namespace gh::admin
