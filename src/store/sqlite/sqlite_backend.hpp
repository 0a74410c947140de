#pragma once
// SQLite backend: one connection in WAL mode with synchronous=FULL, so a committed transaction is
// fsynced before commit returns. Access is serialised by a mutex (SQLite allows one writer anyway).
// Concurrent write transactions are group-committed (store/group_commit.hpp): one BEGIN
// IMMEDIATE … COMMIT, one fsync, for every writer that queued while the previous batch committed.
// busy_timeout covers other processes touching the file.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/group_commit.hpp"
#include "store/sql.hpp"

struct sqlite3;

namespace gh::store {

class SqliteBackend final : public SqlBackend {
 public:
  explicit SqliteBackend(const std::string& path);  // throws SqlError
  ~SqliteBackend() override;
  void transact(TxMode mode, const std::function<bool(SqlSession&)>& fn) override;
  std::string_view dialect() const override { return "sqlite"; }
  // store/read_parallel.hpp on a file database: one connection and thread per part, opened for
  // the call; the readers take their snapshots while this connection holds the write lock for an
  // instant, so all see the same commit.
  void read_parallel(const std::vector<std::function<void(SqlSession&)>>& parts);
  // Bulk loading, for a process that has the store to itself (`gatehouse import`): while on, a
  // commit need not reach the disk by itself (synchronous=NORMAL: the WAL is synced at
  // checkpoints only, so a crash loses the last commits, never the database) and foreign keys are
  // not checked (the bulk writer checks its references itself); turning it off sets
  // synchronous=FULL again and fsyncs the database file and its WAL, so everything committed so
  // far is durable when it returns (throws SqlError if it cannot). PostgreSQL has no such mode:
  // there each commit stays durable.
  void set_bulk_load(bool on);

  class StatementCache;  // prepared statements, reused across transactions
  const GroupCommitter& committer() const { return committer_; }

 private:
  void run_transaction(TxMode mode, const std::function<bool(SqlSession&)>& fn);
  std::string path_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<StatementCache> statements_;
  std::mutex mu_;
  GroupCommitter committer_;
};

}  // namespace gh::store
