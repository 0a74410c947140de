#pragma once
// The error catalogue: every APIG.xxxx / ModelArts.xxxx entry Gatehouse answers with, in one place
// (docs/compatibility.md#app-errors, #pipeline and #decisions). Change wording here and nowhere
// else.
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace gh::core::errors {

// ---- management plane, common (docs/compatibility.md#app-errors)
Error token_missing();                          // 401 APIG.1000
Error token_expired();                          // 401 APIG.1001
Error token_invalid();                          // 401 APIG.1002
Error no_permission();                          // 403 APIG.1005
Error instance_not_found(std::string_view id);  // 404 APIG.3030
Error system_error();                           // 500 APIG.9999
Error store_unavailable();                      // 503 APIG.9999
Error resource_not_found();                     // 404 APIG.0101-like for unknown management paths
Error method_not_allowed();                     // 405 APIG.2000
Error body_too_large();                         // 413 APIG.2000
Error uri_too_long();                           // 414 APIG.0201
Error headers_too_large();                      // 494 APIG.0201
Error request_timeout();                        // 408 APIG.0201
Error transfer_coding_not_implemented();        // 501 APIG.0201

// ---- parameters
Error parameter_error();                             // 400 APIG.2000
Error parameters_missing();                          // 400 APIG.2001 (no body / not JSON)
Error invalid_param(std::string_view name);          // 400 APIG.2011
Error forbidden_param_value(std::string_view name);  // 400 APIG.2012

// ---- apps and AppCodes
Error app_not_found(std::string_view app_id);  // 404 APIG.3004
Error app_name_exists();                       // 400 APIG.3203
Error app_key_exists();                        // 400 APIG.3310
Error too_many_apps();                         // 403 APIG.3103
Error too_many_app_codes();                    // 403 APIG.3131
Error app_code_exists();                       // 400 APIG.2012 (docs/compatibility.md#g1)
Error app_code_not_found();                    // 404 APIG.3082 (docs/compatibility.md#g5)

// ---- API groups, environments, variables, APIs, publications, authorizations
// (docs/compatibility.md#traffic-endpoints)
Error group_not_found();                            // 404 APIG.3001
Error api_not_found(std::string_view api_id);       // 404 APIG.3002
Error env_not_found();                              // 404 APIG.3003
Error app_auth_not_found();                         // 404 APIG.3009
Error env_variable_not_found(std::string_view id);  // 404 APIG.3011
Error publication_not_found();                      // 404 APIG.3015
Error too_many_groups();                            // 403 APIG.3101
Error too_many_apis();                              // 403 APIG.3102 (per group)
Error too_many_envs();                              // 403 APIG.3104
Error group_name_exists();                          // 400 APIG.3201
Error api_name_exists();                            // 400 APIG.3202
Error env_name_exists();                            // 400 APIG.3205
Error env_variable_exists();                        // 400 APIG.3303
Error app_auth_exists();                            // 400 APIG.3316
Error api_route_exists();        // 400 APIG.2012 on req_uri (same group+method+path)
Error resource_unchangeable();   // 403 APIG.3400 (DEFAULT group, RELEASE env)
Error group_has_apis();          // 403 APIG.3415
Error api_is_published();        // 403 APIG.3416
Error env_has_published_apis();  // 403 APIG.3418
// "action" of PUT …?action=delete is not "delete"
Error action_not_delete();  // 400 APIG.2011

// ---- access control (docs/compatibility.md#acls)
Error acl_not_found(std::string_view id);  // 404 APIG.3006
Error acl_binding_not_found();             // 404 APIG.3010
Error too_many_acls();                     // 403 APIG.3112
Error acl_name_exists();                   // 400 APIG.3206
Error acl_is_bound();                      // 403 APIG.3447 (docs/compatibility.md#acl-delete)
// The API already has an ACL of that entity type in that environment
// (docs/compatibility.md#acl-one-per-type): 400 APIG.2012 on publish_ids.
Error acl_binding_exists();

// ---- traffic governance (docs/compatibility.md#throttling, #app-quotas)
Error param_too_small(std::string_view name);           // 400 APIG.2002
Error param_too_large(std::string_view name);           // 400 APIG.2003
Error action_must_be_delete();                          // 400 APIG.2011 (batch unbind)
Error throttle_not_found(std::string_view id);          // 404 APIG.3005
Error throttle_binding_not_found();                     // 404 APIG.3012
Error throttle_special_not_found(std::string_view id);  // 404 APIG.3013
Error app_quota_not_found(std::string_view id);         // 404 APIG.3093
Error too_many_throttles();                             // 403 APIG.3107
Error too_many_throttle_specials();                     // 403 APIG.3100 (per policy and type)
Error throttle_name_exists();                           // 400 APIG.3204
Error throttle_special_exists();                        // 400 APIG.3308
Error app_quota_name_exists();                          // 400 APIG.3325
Error api_already_throttled();  // 400 APIG.2012 on publish_ids (docs/compatibility.md#t3)
Error app_already_has_quota();  // 400 APIG.2012 on app_ids (docs/compatibility.md#q2)
Error app_has_no_quota(std::string_view app_id);  // 404 APIG.3093 (docs/compatibility.md#q3)

// ---- IAM (Keystone shape is rendered by the iam dialect from these)
Error iam_bad_request(std::string_view message);   // 400
Error iam_unauthorized(std::string_view message);  // 401
Error iam_forbidden(std::string_view message);     // 403
Error iam_not_found(std::string_view message);     // 404
Error iam_conflict(std::string_view message);      // 409
Error iam_locked();                                // 401, too many failed logins

// ---- ModelArts v1 (docs/compatibility.md#g10)
Error modelarts_param(std::string_view detail);      // 400 ModelArts.0104
Error modelarts_not_creator();                       // 403 ModelArts.0203
Error modelarts_app_not_found(std::string_view id);  // 404 ModelArts.0202
Error modelarts_app_bound();                         // 400 ModelArts.0104 (app still bound to APIs)
Error modelarts_too_many_apps();                     // 400 ModelArts.0104 (5 apps per user)

}  // namespace gh::core::errors

namespace gh::core::errors {
// AK/SK signature failures on management calls, as Huawei's front gateway words them.
Error aksk_failure(std::string_view detail);  // 401 APIGW.0301
}  // namespace gh::core::errors

namespace gh::core::errors {
Error modelarts_code_not_found();  // 404 ModelArts.0204 (not in Huawei's public catalogue)
Error modelarts_internal();        // 500 ModelArts.0001
}  // namespace gh::core::errors

namespace gh::core::errors {
// The console's "try it" call could not reach the gateway (refused, TLS, timeout).
Error loopback_call_failed(std::string_view detail);  // 502 APIG.9999
}  // namespace gh::core::errors
