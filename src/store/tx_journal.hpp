#pragma once
// The audit trail and the change log inside a transaction (tx_journal.cpp).
#include <vector>

#include "core/model.hpp"
#include "store/tx_base.hpp"

namespace gh::store {

class JournalTx : public virtual TxBase {
 public:
  // ---- audit trail
  void append_audit(const core::AuditEvent& e);
  core::Paged<core::AuditEvent> audit(const std::string& project_id, core::Page page);
  // ---- change log (written by TxBase::write_changes)
  // Changes with seq > `after`, oldest first, at most `limit`.
  std::vector<Change> changes_after(std::int64_t after, int limit);
  std::int64_t last_change_seq();

 protected:
  JournalTx(SqlSession& s, const crypto::Sealer& sealer) : TxBase(s, sealer) {}
  ~JournalTx() = default;
};

}  // namespace gh::store
