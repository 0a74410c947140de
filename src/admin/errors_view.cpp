#include "admin/errors_view.hpp"

#include "core/errors.hpp"
#include "core/validation.hpp"

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
    case 414:
      return "Request-URI Too Long";
    case 494:
      return "Request Header Too Large";
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
    case K::kQuota: {
      auto m = core::errors::modelarts_param(e.message);
      // Protocol-level answers (405, 413, 414, 494) keep their HTTP status.
      if (e.http_status != 400 && e.http_status != 403 && e.http_status != 409)
        m.http_status = e.http_status;
      return m;
    }
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

http::Response render_error(Dialect dialect, const core::Error& e, const std::string& request_id,
                            unsigned version) {
  json::object body;
  unsigned status = static_cast<unsigned>(e.http_status);
  if (dialect == Dialect::kIam) {
    json::object inner{
        {"code", e.http_status}, {"message", e.message}, {"title", title_for(e.http_status)}};
    if (e.code.rfind("APIG", 0) == 0) inner["error_code"] = e.code;
    body = json::object{{"error", std::move(inner)}};
  } else if (dialect == Dialect::kModelArts) {
    auto out = to_modelarts(e);
    status = static_cast<unsigned>(out.http_status);
    body = json::object{
        {"error_code", out.code}, {"error_msg", out.message}, {"request_id", request_id}};
  } else {
    body = json::object{{"error_code", e.code}, {"error_msg", e.message}};
  }
  http::Response res{static_cast<http::bhttp::status>(status), version};
  res.set(http::bhttp::field::content_type, "application/json;charset=UTF-8");
  res.set("X-Request-Id", request_id);
  res.body() = core::rules::to_valid_utf8(json::serialize(body));  // ids echo client bytes
  res.prepare_payload();
  return res;
}

http::Response error_response(const AdminRequest& req, Dialect dialect, const core::Error& e) {
  return render_error(dialect, e, req.request_id, req.raw.version());
}

}  // namespace gh::admin
