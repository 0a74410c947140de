#pragma once
// Audit trail of credential writes: who, when, what, result. Secrets are never recorded; values
// that identify a secret are masked (first 4 characters, then "****").
#include <string>

#include "core/error.hpp"
#include "services/caller.hpp"
#include "store/store.hpp"

namespace gh::services {

std::string mask_secret(std::string_view value);

struct AuditRecord {
  std::string project_id, action, target_type, target_id, detail;
};

// The two halves of the audit rule (services/writer.hpp applies it to every write): a success is
// recorded inside its write's transaction (audit_in), so the record exists exactly when the change
// does; a refusal, whose write was rolled back, in a transaction of its own (audit).
void audit_in(store::Tx& tx, const Caller& caller, AuditRecord rec);
void audit(store::Store& store, const Caller& caller, AuditRecord rec, const core::Error* failure);

}  // namespace gh::services

namespace gh::services {
// Reads the project's audit trail, newest first. Only project administrators may read it.
core::Result<core::Paged<core::AuditEvent>> list_audit(store::Store& store, const Caller& caller,
                                                       const std::string& project_id,
                                                       core::Page page);
}  // namespace gh::services
