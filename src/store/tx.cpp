// The write locks of every transaction (store/tx_base.hpp) and the operations that span two
// aggregates (store/tx.hpp).
#include "store/tx.hpp"

namespace gh::store {

void TxBase::lock_instance(const std::string& id) {
  if (app_locked_)  // a bug: rolls back, logged, 500
    throw SqlError(SqlError::Kind::kOther, "lock order: lock_instance after lock_app (tx.hpp)");
  // PostgreSQL: a row lock held to commit; writers on other nodes wait here, and at READ COMMITTED
  // their later statements see what this transaction committed. SQLite writers are serial already
  // (BEGIN IMMEDIATE takes the file's write lock, across processes too), so there is nothing to
  // do: an UPDATE of the row (as before) cost a statement and a WAL page per write.
  if (postgres()) s_.query("SELECT 1 FROM instances WHERE id = ? FOR UPDATE", {id});
}
void TxBase::lock_app(const std::string& id) {
  app_locked_ = true;
  if (postgres()) s_.query("SELECT 1 FROM apps WHERE id = ? FOR UPDATE", {id});  // see above
}
void TxBase::lock_name(const std::string& name) {
  // hashtext() is stable for a given text; a collision only serialises two unrelated names.
  if (postgres()) s_.query("SELECT pg_advisory_xact_lock(hashtext(?))", {"gatehouse:" + name});
}
void TxBase::use_bulk_cache() {
  if (postgres()) return;
  // Never lowered: a bulk-loading connection may have been given more (SqliteBackend).
  auto rows = s_.query("PRAGMA cache_size");
  std::int64_t now = rows.empty() ? 0 : std::stoll(rows[0].text(0));
  if (now > -262144) s_.execute("PRAGMA cache_size = -262144");
}

void Tx::insert_instance(const core::Instance& i) {
  insert_instance_row(i);
  ensure_default_group(i);
}

int Tx::ensure_default_groups() {
  int created = 0;
  for (auto& row : s_.query("SELECT id FROM instances ORDER BY created, id"))
    if (auto inst = instance(row.text(0)); inst && ensure_default_group(*inst)) ++created;
  return created;
}

}  // namespace gh::store
