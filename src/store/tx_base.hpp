#pragma once
// What every per-aggregate transaction interface (store/tx.hpp) shares: the one connection of the
// transaction, the sealer, the write locks and the change records. Each aggregate's interface is
// a class deriving virtually from TxBase, so that store::Tx, which derives from all of them, has
// exactly one of each.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "crypto/sealer.hpp"
#include "store/sql.hpp"

namespace gh::store {

// PostgreSQL NOTIFY channel of the change log (payload: the change's sequence, decimal).
inline constexpr std::string_view kChangeChannel = "gatehouse_changes";

// One change_log row: entity (e.g. "app", "app_code") `entity_id` in `instance_id` had `op`
// ("create" | "update" | "delete").
struct Change {
  std::int64_t seq = 0;
  std::string instance_id, entity, entity_id, op;
};

class TxBase {
 public:
  SqlSession& session() { return s_; }
  bool postgres() const { return s_.dialect() == "postgresql"; }

  // ---- write locks, held to the end of the transaction.
  //
  // Lock order, the same in every transaction (PostgreSQL would otherwise deadlock two writers
  // that take the same locks the other way round):
  //   1. instance (lock_instance),  2. app (lock_app),  3. change log (write_changes, at commit).
  // The change-log lock comes last by construction: record_change only remembers the change.
  // lock_instance after lock_app in one transaction fails the transaction (500, logged) on both
  // stores, so the SQLite tests find such a bug too.
  //
  // The instance's write lock (row lock on PostgreSQL; SQLite writers are serial anyway).
  void lock_instance(const std::string& id);
  // The app's write lock: AppService::add_code_in holds it while it counts the app's AppCodes, so
  // the per-app limit holds with writers on several nodes.
  void lock_app(const std::string& id);
  // A transaction-scoped lock on an arbitrary name (pg_advisory_xact_lock; no-op on SQLite, whose
  // writers are serial). For one-off work such as bootstrapping that has no row to lock yet.
  void lock_name(const std::string& name);

  // ---- change records (tx_journal.cpp)
  // Records that an entity changed, for data-plane deltas and other nodes. The row is written
  // by write_changes(), which Store::write calls once the callback succeeded, just before commit;
  // a rolled-back transaction records nothing. Sequences grow in commit order: on PostgreSQL
  // write_changes takes a transaction-scoped lock (so change-recording writers commit one after
  // another) and sends NOTIFY gatehouse_changes with each sequence as payload, delivered when
  // (and only if) the transaction commits.
  void record_change(const std::string& instance_id, const std::string& entity,
                     const std::string& entity_id, const std::string& op);
  bool has_pending_changes() const { return !pending_.empty(); }
  // Writes the recorded changes (see record_change).
  void write_changes();

  // Bulk writers (gatehouse import): SQLite keeps up to 256 MiB of pages of this connection in
  // memory instead of its 2 MiB default, so index lookups and inserts into a large store do not
  // go to the file for every page. No-op on PostgreSQL.
  void use_bulk_cache();

 protected:
  TxBase(SqlSession& s, const crypto::Sealer& sealer) : s_(s), sealer_(sealer) {}
  ~TxBase() = default;
  SqlSession& s_;
  const crypto::Sealer& sealer_;

 private:
  std::vector<Change> pending_;  // record_change, written by write_changes
  bool app_locked_ = false;      // lock order check (lock_instance)
};

}  // namespace gh::store
