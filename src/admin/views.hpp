#pragma once
// JSON shapes of the entities, per dialect.
#include "admin/json_io.hpp"
#include "core/model.hpp"
#include "services/modelarts_service.hpp"
#include "services/traffic_service.hpp"

namespace gh::admin {

// APIG v2 App. `fresh` renders times with nanoseconds (create responses), else seconds.
json::object app_v2(const core::App& a, bool fresh);
json::object app_code_v2(const core::AppCode& c, bool fresh);
json::object apig_instance(const core::Instance& i);
json::object roma_instance(const core::Instance& i);
// ROMA integration app (/v2/{project_id}/instances/{instance_id}/apps).
json::object roma_app(const core::App& a, const std::string& user_name);
// ModelArts ApigAppDetailInfo.
json::object modelarts_app(const services::ModelArtsApp& m);
json::object audit_event(const core::AuditEvent& e);

// ---- traffic side, APIG v2 shapes (docs/compatibility.md#traffic-endpoints, #api-definition)
json::object group_v2(const core::ApiGroup& g, const std::string& sl_domain, bool fresh);
json::object env_v2(const core::Environment& e, bool fresh);
json::object env_variable_v2(const core::EnvVariable& v);
json::object api_v2(const services::ApiView& v, bool fresh);
json::object publish_v2(const services::PublishResult& p, bool fresh);
json::object version_v2(const services::VersionInfo& v);
json::object auth_result_v2(const services::AuthResult& r);
json::object auth_info_v2(const services::AuthInfo& a);

}  // namespace gh::admin
