#pragma once
// JSON shapes of the entities, per dialect.
#include "admin/json_io.hpp"
#include "core/model.hpp"
#include "services/modelarts_service.hpp"

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

}  // namespace gh::admin
