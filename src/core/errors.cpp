#include "core/errors.hpp"

#include <fmt/format.h>

namespace gh::core::errors {
namespace {
Error make(ErrorKind kind, int status, std::string code, std::string message,
           std::string param = {}) {
  return Error{kind, status, std::move(code), std::move(message), std::move(param)};
}
constexpr std::string_view kParamMsg =
    "Invalid parameter value,parameterName:{}. Please refer to the support documentation";
}  // namespace

Error token_missing() {
  return make(ErrorKind::kUnauthorized, 401, "APIG.1000", "The token is missing.");
}
Error token_expired() {
  return make(ErrorKind::kUnauthorized, 401, "APIG.1001", "The token has expired.");
}
Error token_invalid() {
  return make(ErrorKind::kUnauthorized, 401, "APIG.1002",
              "Incorrect token or token resolution failed");
}
Error no_permission() {
  return make(ErrorKind::kForbidden, 403, "APIG.1005", "No permissions to request this method");
}
Error instance_not_found(std::string_view id) {
  return make(ErrorKind::kNotFound, 404, "APIG.3030",
              fmt::format("The instance does not exist;id:{}", id));
}
Error system_error() {
  return make(ErrorKind::kInternal, 500, "APIG.9999", "System error");
}
Error store_unavailable() {
  return make(ErrorKind::kUnavailable, 503, "APIG.9999",
              "System error: the configuration store is unavailable, retry later");
}
Error resource_not_found() {
  return make(ErrorKind::kNotFound, 404, "APIG.3000", "The requested resource does not exist.");
}
Error method_not_allowed() {
  return make(ErrorKind::kBadRequest, 405, "APIG.2000", "Parameter error. Method not allowed.");
}
Error body_too_large() {
  return make(ErrorKind::kBadRequest, 413, "APIG.2000", "Parameter error. Request body too large.");
}
Error uri_too_long() {
  return make(ErrorKind::kBadRequest, 414, "APIG.0201", "Request URI too large.");
}
Error headers_too_large() {
  return make(ErrorKind::kBadRequest, 494, "APIG.0201", "Request headers too large.");
}
Error request_timeout() {
  return make(ErrorKind::kBadRequest, 408, "APIG.0201", "Request timeout.");
}
Error transfer_coding_not_implemented() {
  return make(ErrorKind::kBadRequest, 501, "APIG.0201", "Transfer-Encoding not implemented.");
}

Error parameter_error() {
  return make(ErrorKind::kBadRequest, 400, "APIG.2000", "Parameter error.");
}
Error parameters_missing() {
  return make(ErrorKind::kBadRequest, 400, "APIG.2001",
              "The request parameters must be specified.");
}
Error invalid_param(std::string_view name) {
  return make(ErrorKind::kBadRequest, 400, "APIG.2011", fmt::format(kParamMsg, name),
              std::string(name));
}
Error forbidden_param_value(std::string_view name) {
  return make(ErrorKind::kBadRequest, 400, "APIG.2012", fmt::format(kParamMsg, name),
              std::string(name));
}

Error app_not_found(std::string_view app_id) {
  return make(ErrorKind::kNotFound, 404, "APIG.3004", fmt::format("App {} does not exist", app_id));
}
Error app_name_exists() {
  return make(ErrorKind::kConflict, 400, "APIG.3203", "The app name already exists.", "name");
}
Error app_key_exists() {
  return make(ErrorKind::kConflict, 400, "APIG.3310", "The app key already exist", "app_key");
}
Error too_many_apps() {
  return make(ErrorKind::kQuota, 403, "APIG.3103",
              "The number of apps exceeds the maximum allowed limit.");
}
Error too_many_app_codes() {
  return make(ErrorKind::kQuota, 403, "APIG.3131",
              "The number of APP codes exceeds the maximum allowed limit");
}
Error app_code_exists() {
  Error e = forbidden_param_value("app_code");
  e.kind = ErrorKind::kConflict;
  return e;
}
Error app_code_not_found() {
  return make(ErrorKind::kNotFound, 404, "APIG.3082", "The APP code does not exist");
}

Error group_not_found() {
  return make(ErrorKind::kNotFound, 404, "APIG.3001", "The API group does not exist.");
}
Error api_not_found(std::string_view api_id) {
  return make(ErrorKind::kNotFound, 404, "APIG.3002", fmt::format("API {} does not exist", api_id));
}
Error env_not_found() {
  return make(ErrorKind::kNotFound, 404, "APIG.3003", "The environment does not exist.");
}
Error app_auth_not_found() {
  return make(ErrorKind::kNotFound, 404, "APIG.3009",
              "The app authorization record does not exist.");
}
Error env_variable_not_found(std::string_view id) {
  return make(ErrorKind::kNotFound, 404, "APIG.3011",
              fmt::format("The environment variable does not exist, id: {}", id));
}
Error publication_not_found() {
  return make(ErrorKind::kNotFound, 404, "APIG.3015", "The API publication record does not exist.");
}
Error too_many_groups() {
  return make(ErrorKind::kQuota, 403, "APIG.3101",
              "The number of API groups exceeds the maximum allowed limit.");
}
Error too_many_apis() {
  return make(ErrorKind::kQuota, 403, "APIG.3102",
              "The number of APIs exceeds the maximum allowed limit.");
}
Error too_many_envs() {
  return make(ErrorKind::kQuota, 403, "APIG.3104",
              "The number of environments exceeds the maximum allowed limit.");
}
Error group_name_exists() {
  return make(ErrorKind::kConflict, 400, "APIG.3201", "The API group name already exists.", "name");
}
Error api_name_exists() {
  return make(ErrorKind::kConflict, 400, "APIG.3202", "The API name already exists.", "name");
}
Error env_name_exists() {
  return make(ErrorKind::kConflict, 400, "APIG.3205", "The environment name already exists.",
              "name");
}
Error env_variable_exists() {
  return make(ErrorKind::kConflict, 400, "APIG.3303", "The environment variable already exists.",
              "variable_name");
}
Error app_auth_exists() {
  return make(ErrorKind::kConflict, 400, "APIG.3316", "The api auth relation already exists");
}
Error api_route_exists() {
  Error e = forbidden_param_value("req_uri");
  e.kind = ErrorKind::kConflict;
  return e;
}
Error resource_unchangeable() {
  return make(ErrorKind::kForbidden, 403, "APIG.3400", "The resource cannot be changed.");
}
Error group_has_apis() {
  return make(ErrorKind::kForbidden, 403, "APIG.3415",
              "The API group cannot be deleted because it contains APIs.");
}
Error api_is_published() {
  return make(ErrorKind::kForbidden, 403, "APIG.3416",
              "The API cannot be deleted because it has been published.");
}
Error env_has_published_apis() {
  return make(ErrorKind::kForbidden, 403, "APIG.3418", "The environment contains published APIs.");
}

Error action_not_delete() {
  return make(ErrorKind::kBadRequest, 400, "APIG.2011",
              "Invalid parameter value: parameter action should be \"delete\"", "action");
}

Error acl_not_found(std::string_view id) {
  return make(ErrorKind::kNotFound, 404, "APIG.3006",
              fmt::format("Access control policy {} does not exist", id));
}
Error acl_binding_not_found() {
  return make(ErrorKind::kNotFound, 404, "APIG.3010",
              "The access control policy binding record does not exist");
}
Error too_many_acls() {
  return make(ErrorKind::kQuota, 403, "APIG.3112",
              "The number of access control policies exceeds the maximum allowed limit.");
}
Error acl_name_exists() {
  return make(ErrorKind::kConflict, 400, "APIG.3206",
              "The access control policy name already exists.", "acl_name");
}
Error acl_is_bound() {
  return make(ErrorKind::kForbidden, 403, "APIG.3447",
              "The access control policy has been bound to APIs");
}
Error acl_binding_exists() {
  Error e = forbidden_param_value("publish_ids");
  e.kind = ErrorKind::kConflict;
  return e;
}

Error iam_bad_request(std::string_view m) {
  return make(ErrorKind::kBadRequest, 400, "400", std::string(m));
}
Error iam_unauthorized(std::string_view m) {
  return make(ErrorKind::kUnauthorized, 401, "401", std::string(m));
}
Error iam_forbidden(std::string_view m) {
  return make(ErrorKind::kForbidden, 403, "403", std::string(m));
}
Error iam_not_found(std::string_view m) {
  return make(ErrorKind::kNotFound, 404, "404", std::string(m));
}
Error iam_conflict(std::string_view m) {
  return make(ErrorKind::kConflict, 409, "409", std::string(m));
}
Error iam_locked() {
  return make(ErrorKind::kUnauthorized, 401, "401",
              "The account is locked due to too many failed login attempts. Retry later.");
}

Error modelarts_param(std::string_view detail) {
  return make(ErrorKind::kBadRequest, 400, "ModelArts.0104",
              detail.empty() ? std::string("Parameter error.")
                             : fmt::format("Parameter error. {}", detail));
}
Error modelarts_not_creator() {
  return make(ErrorKind::kForbidden, 403, "ModelArts.0203",
              "Only the creator of the app can perform this operation.");
}
Error modelarts_app_not_found(std::string_view id) {
  return make(ErrorKind::kNotFound, 404, "ModelArts.0202",
              fmt::format("App {} does not exist.", id));
}
Error modelarts_app_bound() {
  return modelarts_param("The app is still bound to APIs and cannot be deleted.");
}
Error modelarts_too_many_apps() {
  return modelarts_param("The number of apps of the user exceeds the maximum allowed limit (5).");
}

}  // namespace gh::core::errors

namespace gh::core::errors {
Error aksk_failure(std::string_view detail) {
  return Error{ErrorKind::kUnauthorized,
               401,
               "APIGW.0301",
               fmt::format("Incorrect IAM authentication information: {}", detail),
               {}};
}
}  // namespace gh::core::errors

namespace gh::core::errors {
Error modelarts_code_not_found() {
  return Error{ErrorKind::kNotFound, 404, "ModelArts.0204", "The app code does not exist.", {}};
}
Error modelarts_internal() {
  return Error{ErrorKind::kInternal, 500, "ModelArts.0001", "Internal error.", {}};
}
Error loopback_call_failed(std::string_view detail) {
  return make(ErrorKind::kUnavailable, 502, "APIG.9999",
              fmt::format("System error: the gateway could not be called ({})", detail));
}

}  // namespace gh::core::errors

namespace gh::core::errors {
namespace {
constexpr std::string_view kTooSmall =
    "The parameter value is too small,parameterName:{}. Please refer to the support documentation";
constexpr std::string_view kTooLarge =
    "The parameter value is too large,parameterName:{}. Please refer to the support documentation";
}  // namespace

Error param_too_small(std::string_view name) {
  return make(ErrorKind::kBadRequest, 400, "APIG.2002", fmt::format(kTooSmall, name),
              std::string(name));
}
Error param_too_large(std::string_view name) {
  return make(ErrorKind::kBadRequest, 400, "APIG.2003", fmt::format(kTooLarge, name),
              std::string(name));
}
Error action_must_be_delete() {
  return make(ErrorKind::kBadRequest, 400, "APIG.2011", "parameter action should be \"delete\"",
              "action");
}
Error throttle_not_found(std::string_view id) {
  return make(ErrorKind::kNotFound, 404, "APIG.3005",
              fmt::format("Request throttling policy {} does not exist", id));
}
Error throttle_binding_not_found() {
  return make(ErrorKind::kNotFound, 404, "APIG.3012",
              "The request throttling policy binding record does not exist");
}
Error throttle_special_not_found(std::string_view id) {
  return make(ErrorKind::kNotFound, 404, "APIG.3013",
              fmt::format("Excluded request throttling configuration {} does not exist", id));
}
Error app_quota_not_found(std::string_view id) {
  return make(ErrorKind::kNotFound, 404, "APIG.3093",
              fmt::format("The App quota {} does not exist", id));
}
Error too_many_throttles() {
  return make(ErrorKind::kQuota, 403, "APIG.3107",
              "The number of request throttling policies exceeds the maximum allowed limit.");
}
// Huawei's catalogue has no code of its own for this quota: its generic one.
Error too_many_throttle_specials() {
  return make(ErrorKind::kQuota, 403, "APIG.3100",
              "The number of resources exceeds the maximum allowed limit.");
}
Error throttle_name_exists() {
  return make(ErrorKind::kConflict, 400, "APIG.3204",
              "The request throttling policy name already exists.", "name");
}
Error throttle_special_exists() {
  return make(ErrorKind::kConflict, 400, "APIG.3308",
              "The excluded request throttling configuration already exists.", "object_id");
}
Error app_quota_name_exists() {
  return make(ErrorKind::kConflict, 400, "APIG.3325", "The API quota name already exists", "name");
}
Error api_already_throttled() {
  auto e = forbidden_param_value("publish_ids");
  e.kind = ErrorKind::kConflict;
  return e;
}
Error app_has_no_quota(std::string_view app_id) {
  return make(ErrorKind::kNotFound, 404, "APIG.3093",
              fmt::format("App {} is not bound to an App quota", app_id));
}
Error app_already_has_quota() {
  auto e = forbidden_param_value("app_ids");
  e.kind = ErrorKind::kConflict;
  return e;
}
}  // namespace gh::core::errors
