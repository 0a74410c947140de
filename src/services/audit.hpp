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

// Appends the record in its own transaction (a failed write was rolled back, its audit is not).
void audit(store::Store& store, const Caller& caller, AuditRecord rec, const core::Error* failure);

template <class T>
void audit_result(store::Store& store, const Caller& caller, AuditRecord rec,
                  const core::Result<T>& result) {
  audit(store, caller, std::move(rec), result.ok() ? nullptr : &result.error());
}

// Appends the record of a successful write inside that write's own transaction: one durable
// commit instead of two, and the record exists exactly when the write does.
void audit_in(store::Tx& tx, const Caller& caller, AuditRecord rec);

// Records a failed write in a transaction of its own (the write was rolled back); no-op on
// success (its record was written by audit_in).
template <class T>
void audit_failure(store::Store& store, const Caller& caller, AuditRecord rec,
                   const core::Result<T>& result) {
  if (!result.ok()) audit(store, caller, std::move(rec), &result.error());
}

}  // namespace gh::services

namespace gh::services {
// Reads the project's audit trail, newest first. Only project administrators may read it.
core::Result<core::Paged<core::AuditEvent>> list_audit(store::Store& store, const Caller& caller,
                                                       const std::string& project_id,
                                                       core::Page page);
}  // namespace gh::services
