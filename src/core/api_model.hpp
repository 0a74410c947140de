#pragma once
// Entities of the traffic side (docs/compatibility.md#traffic-endpoints): API groups, environments,
// environment variables, API definitions, publications and app authorizations. The JSON form of an
// ApiSpec (the published snapshot, Publication::spec_json) is in store/spec_json.hpp: spec_to_json
// / spec_from_json.
#include <string>
#include <vector>

#include "core/model.hpp"

namespace gh::core {

inline constexpr const char* kReleaseEnvId = "DEFAULT_ENVIRONMENT_RELEASE_ID";
inline constexpr const char* kReleaseEnvName = "RELEASE";

struct ApiGroup {
  std::string id, instance_id, name, remark;
  bool is_default = false;
  Nanos register_time = 0, update_time = 0;
};

struct Environment {
  std::string id, instance_id, name, remark;
  Nanos create_time = 0;
};

struct EnvVariable {
  std::string id, instance_id, group_id, env_id, name, value;
};

struct ReqParam {
  std::string name, type = "STRING", location = "QUERY", default_value;
  int required = 2;  // 1 required, 2 optional
};

struct BackendParam {
  std::string origin = "REQUEST", name, location = "HEADER", value;
};

struct BackendApi {
  std::string url_domain, req_protocol = "HTTP", req_method = "GET", req_uri;
  int timeout_ms = 5000;
  int retry_count = -1;  // -1: idempotent methods retried once
};

struct ApiSpec {
  std::string id, instance_id, group_id, name, remark;
  int type = 1;
  std::string req_protocol = "HTTPS", req_method = "GET", req_uri, match_mode = "NORMAL";
  std::string auth_type = "NONE", app_code_auth_type = "DISABLE";
  std::string backend_type = "HTTP";
  BackendApi backend;
  std::string mock_result;
  std::vector<ReqParam> req_params;
  std::vector<BackendParam> backend_params;
  Nanos register_time = 0, update_time = 0;
};

struct Publication {
  std::string publish_id, api_id, env_id, version_id, remark;
  Nanos publish_time = 0;
  std::string spec_json;  // the API definition as published
};

struct AppAuth {
  std::string id, instance_id, api_id, app_id, env_id;
  Nanos auth_time = 0;
};

}  // namespace gh::core
