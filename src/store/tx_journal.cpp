// The audit trail and the change log (store/tx_journal.hpp; record_change and write_changes of
// store/tx_base.hpp).
#include "store/tx_journal.hpp"

#include <algorithm>

#include "core/clock.hpp"
#include "store/query_parts.hpp"

namespace gh::store {
namespace {
using I = std::int64_t;
constexpr std::int64_t kChangeLogLockKey = 0x47484348414e4745;  // "GHCHANGE"
}  // namespace

void JournalTx::append_audit(const core::AuditEvent& e) {
  s_.execute(
      "INSERT INTO audit_events(time, project_id, user_id, user_name, action, target_type, "
      "target_id, result, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {I{e.time}, e.project_id, e.user_id, e.user_name, e.action, e.target_type, e.target_id,
       e.result, e.detail});
}
core::Paged<core::AuditEvent> JournalTx::audit(const std::string& project_id, core::Page page) {
  return page_of<core::AuditEvent>(
      s_,
      "seq, time, project_id, user_id, user_name, action, target_type, target_id, result, detail",
      " FROM audit_events WHERE project_id = ?", {project_id}, "seq DESC", page, [](const Row& r) {
        return core::AuditEvent{r.integer(0), r.integer(1), r.text(2), r.text(3), r.text(4),
                                r.text(5),    r.text(6),    r.text(7), r.text(8), r.text(9)};
      });
}
void TxBase::record_change(const std::string& instance_id, const std::string& entity,
                           const std::string& entity_id, const std::string& op) {
  pending_.push_back({0, instance_id, entity, entity_id, op});
}
void TxBase::write_changes() {
  if (pending_.empty()) return;
  // PostgreSQL allocates BIGSERIAL values at insert, not at commit; holding this lock to commit
  // makes sequence order commit order, so a reader that saw seq N never later finds a smaller one.
  // (SQLite writers are serial already.) Taken here, at the end, it is always the last lock.
  if (postgres()) s_.query("SELECT pg_advisory_xact_lock(?)", {I{kChangeLogLockKey}});
  // Rows go in with multi-row INSERTs of 64, 8 or 1 (three statement texts to cache): one
  // statement per change cost an import ~30,000 instructions per row, mostly the statement's
  // fixed work (AUTOINCREMENT reads and rewrites sqlite_sequence once per statement).
  std::size_t done = 0;
  while (done < pending_.size()) {
    std::size_t left = pending_.size() - done;
    std::size_t n = left >= 64 ? 64 : left >= 8 ? 8 : 1;
    std::string sql = "INSERT INTO change_log(time, instance_id, entity, entity_id, op) VALUES ";
    std::vector<SqlValue> params;
    params.reserve(n * 5);
    auto now = core::now_nanos();
    for (std::size_t i = 0; i < n; ++i) {
      const auto& c = pending_[done + i];
      sql += i == 0 ? "(?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?)";
      params.insert(params.end(), {I{now}, c.instance_id, c.entity, c.entity_id, c.op});
    }
    if (postgres()) {
      // Each sequence is announced (NOTIFY, delivered at commit) for the other nodes.
      sql += " RETURNING seq";
      std::vector<std::int64_t> seqs;
      for (const auto& r : s_.query(sql, params)) seqs.push_back(r.integer(0));
      std::sort(seqs.begin(), seqs.end());  // RETURNING's row order is not specified
      for (auto v : seqs)
        s_.query("SELECT pg_notify(?, ?)", {std::string(kChangeChannel), std::to_string(v)});
    } else {
      // SQLite needs no sequence back, and its RETURNING first collects the rows in a temporary
      // b-tree: ~20,000 instructions of a one-change management write.
      s_.execute(sql, params);
    }
    done += n;
  }
  pending_.clear();
}
std::vector<Change> JournalTx::changes_after(std::int64_t after, int limit) {
  std::vector<Change> out;
  for (auto& r : s_.query(
           "SELECT seq, instance_id, entity, entity_id, op FROM change_log WHERE seq > ? ORDER BY "
           "seq LIMIT ?",
           {I{after}, I{limit}}))
    out.push_back({r.integer(0), r.text(1), r.text(2), r.text(3), r.text(4)});
  return out;
}
std::int64_t JournalTx::last_change_seq() {
  return s_.query("SELECT COALESCE(MAX(seq), 0) FROM change_log")[0].integer(0);
}

}  // namespace gh::store
