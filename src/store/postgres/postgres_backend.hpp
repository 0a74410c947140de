#pragma once
// PostgreSQL backend on libpq: a small pool of connections shared by all threads of one process.
//
// Contract (in addition to SqlBackend's):
//  - Statements use '?' placeholders; they are rewritten to $1, $2, … (see rewrite_placeholders).
//    Parameters travel as text; int64 values are typed int8, strings and NULL are left for the
//    server to infer from context.
//  - kWrite transactions run at READ COMMITTED. Writers on several nodes are serialised where it
//    matters by the row locks Tx takes (lock_app / lock_instance: SELECT … FOR UPDATE) and by the
//    schema's UNIQUE constraints. kRead transactions are REPEATABLE READ READ ONLY (one snapshot,
//    as a SQLite read transaction has).
//  - Commits are durable: synchronous_commit is left at the server's default (on) and never
//    lowered by this backend. Concurrent kWrite transactions of the process are group-committed
//    (store/group_commit.hpp): one transaction, one savepoint per member, one COMMIT; a batch that
//    hits one of the failures below is run again member by member, with the retries below.
//  - SQLSTATE mapping: 23505 → kUnique; 40001 / 40P01 (serialization failure, deadlock) → the
//    whole transaction is retried up to `max_tx_attempts` times, then kBusy; connection failures
//    (class 08, 57P01-57P03, a broken socket) → kUnavailable, and that connection is dropped and
//    re-made on next use. A connection that fails before COMMIT was sent is retried once on a fresh
//    connection (the transaction cannot have committed); a failure during COMMIT is reported as
//    kUnavailable (outcome unknown), never retried.
//  - Connection failures when the backend is built (first connection) throw kUnavailable with a
//    message that names the server (the URL's password is never included).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/group_commit.hpp"
#include "store/sql.hpp"

struct pg_conn;

namespace gh::store {

struct PostgresOptions {
  int pool_size = 8;                           // connections kept per process
  int max_tx_attempts = 5;                     // for 40001 / 40P01
  std::chrono::milliseconds pool_wait{30000};  // waiting for a free connection → kBusy
  int connect_timeout_seconds = 3;  // unless the URL sets connect_timeout (bounds 503 latency)
};

// Rewrites '?' placeholders to $1…$n. '?' inside single-quoted string literals ('' escapes) and
// double-quoted identifiers is left alone. Not understood (and not used by Gatehouse's SQL):
// dollar-quoted strings, E'' strings with backslash-escaped quotes, comments, and PostgreSQL
// operators spelled with '?' (jsonb ?, ?|, ?&) — such SQL must not go through this backend.
std::string rewrite_placeholders(std::string_view sql);

// "postgresql://user:secret@host/db" → "postgresql://user:***@host/db" (for messages and logs).
std::string redact_url(std::string_view url);
// `text` (a libpq message, which can quote the URL it failed to parse) with every password that
// `url` carries replaced by "***".
std::string redact_passwords(std::string text, std::string_view url);

// A dedicated connection that LISTENs on one channel (outside the pool). Not thread-safe: one
// owner thread calls wait_for_notification.
class PgListener {
 public:
  PgListener(const std::string& url, const std::string& channel, int connect_timeout_seconds);
  ~PgListener();
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

  struct Notification {
    std::string channel, payload;
    int backend_pid = 0;
  };
  // Waits up to `timeout` for one notification; returns nullopt on timeout. Notifications that
  // arrived earlier are returned first, in order. Throws SqlError kUnavailable if the connection
  // is lost (the caller then makes a new listener and catches up from its last seen sequence:
  // NOTIFY is a wake-up, not a durable queue).
  std::optional<Notification> wait_for_notification(std::chrono::milliseconds timeout);

 private:
  pg_conn* conn_ = nullptr;
};

class PostgresBackend final : public SqlBackend {
 public:
  // Connects once to check the server is reachable. Throws SqlError (kUnavailable on failure).
  explicit PostgresBackend(std::string url, PostgresOptions opts = {});
  ~PostgresBackend() override;
  // kWrite: group-committed (store/group_commit.hpp); a batch runs on one pooled connection.
  void transact(TxMode mode, const std::function<bool(SqlSession&)>& fn) override;
  std::string_view dialect() const override { return "postgresql"; }
  const GroupCommitter& committer() const { return committer_; }

  // A listener on `channel` over its own connection to the same server.
  std::unique_ptr<PgListener> listen(const std::string& channel) const;
  const PostgresOptions& options() const { return opts_; }

 private:
  pg_conn* acquire();
  void release(pg_conn* conn, bool healthy);
  pg_conn* connect() const;
  void run_transaction(TxMode mode, const std::function<bool(SqlSession&)>& fn);
  class Batch;  // a group commit's transaction
  std::unique_ptr<BatchTx> open_batch();

  std::string url_;
  PostgresOptions opts_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<pg_conn*> idle_;
  int open_ = 0;  // connections handed out or idle
  GroupCommitter committer_;
};

}  // namespace gh::store
