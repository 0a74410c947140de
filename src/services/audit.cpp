#include "services/audit.hpp"

#include <spdlog/spdlog.h>

#include "core/clock.hpp"

namespace gh::services {

std::string mask_secret(std::string_view value) {
  return std::string(value.substr(0, std::min<std::size_t>(4, value.size() / 4))) + "****";
}

namespace {
core::AuditEvent make_event(const Caller& caller, AuditRecord rec, const core::Error* failure) {
  core::AuditEvent e;
  e.time = core::now_nanos();
  e.project_id = rec.project_id;
  e.user_id = caller.user_id;
  e.user_name = caller.user_name;
  e.action = std::move(rec.action);
  e.target_type = std::move(rec.target_type);
  e.target_id = std::move(rec.target_id);
  e.result = failure ? failure->code : "success";
  e.detail = std::move(rec.detail);
  return e;
}
}  // namespace

void audit_in(store::Tx& tx, const Caller& caller, AuditRecord rec) {
  tx.append_audit(make_event(caller, std::move(rec), nullptr));
}

void audit(store::Store& store, const Caller& caller, AuditRecord rec, const core::Error* failure) {
  auto e = make_event(caller, std::move(rec), failure);
  auto r = store.write([&](store::Tx& tx) -> core::Status {
    tx.append_audit(e);
    return core::ok_status();
  });
  if (!r) spdlog::warn("audit: could not record {} on {}", e.action, e.target_id);
}

}  // namespace gh::services

namespace gh::services {
core::Result<core::Paged<core::AuditEvent>> list_audit(store::Store& store, const Caller& caller,
                                                       const std::string& project_id,
                                                       core::Page page) {
  if (auto p = require_project_write(caller, project_id); !p) return p.error();
  return store.read([&](store::Tx& tx) -> core::Result<core::Paged<core::AuditEvent>> {
    return tx.audit(project_id, page);
  });
}
}  // namespace gh::services
