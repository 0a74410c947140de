// Gatehouse's own management extensions (not part of any Huawei dialect): the audit trail.
#include "admin/admin_api.hpp"
#include "admin/respond.hpp"
#include "admin/views.hpp"
#include "services/audit.hpp"

namespace gh::admin {

void register_gatehouse(Router& r, AdminServices& s) {
  auto& store = s.store;
  r.add(http::bhttp::verb::get, "/v2/{project_id}/gatehouse/audit-events", Dialect::kApig, true,
        [&store](AdminRequest& q) {
          GH_TRY(page, page_from_query(q), q, Dialect::kApig);
          auto list = services::list_audit(store, q.caller, q.param("project_id"), *page);
          return respond(q, Dialect::kApig, list, 200, [](const core::Paged<core::AuditEvent>& p) {
            return paged_envelope(p, "events", audit_event);
          });
        });
}

}  // namespace gh::admin
