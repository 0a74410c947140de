#include "admin/views.hpp"

#include "core/clock.hpp"

namespace gh::admin {
namespace {
std::string t(core::Nanos n, bool fresh) {
  return fresh ? core::rfc3339_nanos(n) : core::rfc3339_seconds(n);
}
}  // namespace

json::object app_v2(const core::App& a, bool fresh) {
  json::object o{{"id", a.id},
                 {"name", a.name},
                 {"remark", a.remark},
                 {"creator", a.creator},
                 {"status", a.status},
                 {"app_key", a.app_key},
                 {"app_secret", a.app_secret},
                 {"register_time", t(a.register_time, fresh)},
                 {"update_time", t(a.update_time, fresh)},
                 {"app_type", a.app_type}};
  if (!a.roma_app_type.empty()) o["roma_app_type"] = a.roma_app_type;
  return o;
}

json::object app_code_v2(const core::AppCode& c, bool fresh) {
  return {{"id", c.id},
          {"app_code", c.value},
          {"app_id", c.app_id},
          {"create_time", t(c.create_time, fresh)}};
}

json::object apig_instance(const core::Instance& i) {
  return {{"id", i.id},
          {"instance_id", i.id},
          {"instance_name", i.name},
          {"project_id", i.project_id},
          {"status", "Running"},
          {"instance_status", 6},
          {"type", "apig"},
          {"spec", "PROFESSIONAL"},
          {"enterprise_project_id", "0"},
          {"charging_mode", 0},
          {"create_time", core::to_millis(i.created)}};
}

json::object roma_instance(const core::Instance& i) {
  return {{"id", i.id},
          {"instance_id", i.id},
          {"name", i.name},
          {"instance_name", i.name},
          {"project_id", i.project_id},
          {"status", "RUNNING"},
          {"type", "roma"},
          {"enterprise_project_id", "0"},
          {"create_time", core::rfc3339_seconds(i.created)}};
}

json::object roma_app(const core::App& a, const std::string& user_name) {
  json::object user{{"user_id", a.owner_user_id}, {"user_name", user_name}};
  return {{"id", a.id},
          {"name", a.name},
          {"remark", a.remark},
          {"key", a.app_key},
          {"secret", a.app_secret},
          {"owner", "Gatehouse"},
          {"public", false},
          {"favorite", false},
          {"app_type", a.app_type},
          {"roma_app_type", a.roma_app_type},
          {"created_user", user},
          {"last_updated_user", user},
          {"created_time", core::rfc3339_seconds(a.register_time)},
          {"last_updated_time", core::rfc3339_seconds(a.update_time)},
          {"permissions", json::array{"read", "access", "delete", "modify"}}};
}

json::object modelarts_app(const services::ModelArtsApp& m) {
  json::array codes;
  for (auto& c : m.app_codes) codes.emplace_back(c);
  return {{"app_id", m.app.id},
          {"app_name", m.app.name},
          {"app_remark", m.app.remark},
          {"app_key", m.app.app_key},
          {"app_secret", m.app.app_secret},
          {"user_id", m.app.owner_user_id},
          {"project_id", m.app.project_id},
          {"app_type", m.app_type},
          {"app_codes", std::move(codes)},
          {"created_at", core::to_millis(m.app.register_time)},
          {"updated_at", core::to_millis(m.app.update_time)},
          {"bounded_api_count", m.bound_api_count}};
}

json::object audit_event(const core::AuditEvent& e) {
  return {{"seq", e.seq},
          {"time", core::rfc3339_nanos(e.time)},
          {"project_id", e.project_id},
          {"user_id", e.user_id},
          {"user_name", e.user_name},
          {"action", e.action},
          {"target_type", e.target_type},
          {"target_id", e.target_id},
          {"result", e.result},
          {"detail", e.detail}};
}

}  // namespace gh::admin
