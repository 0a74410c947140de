#include "store/sqlite/sqlite_backend.hpp"

#include <sqlite3.h>

#include <unordered_map>

namespace gh::store {
namespace {

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what) {
  int ext = db ? sqlite3_extended_errcode(db) : rc;
  auto kind = SqlError::Kind::kOther;
  if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
    kind = SqlError::Kind::kUnique;
  else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
    kind = SqlError::Kind::kBusy;
  throw SqlError(kind, std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql) : db_(db) {
    int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &st_, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, "prepare");
  }
  ~Statement() { sqlite3_finalize(st_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(const std::vector<SqlValue>& params) {
    for (std::size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1), rc = SQLITE_OK;
      if (auto* n = std::get_if<std::int64_t>(&params[i]))
        rc = sqlite3_bind_int64(st_, idx, *n);
      else if (auto* s = std::get_if<std::string>(&params[i]))
        rc = sqlite3_bind_text(st_, idx, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
      else
        rc = sqlite3_bind_null(st_, idx);
      if (rc != SQLITE_OK) fail(db_, rc, "bind");
    }
  }
  // Steps to completion, collecting rows.
  Rows run() {
    Rows rows;
    for (;;) {
      int rc = sqlite3_step(st_);
      if (rc == SQLITE_DONE) return rows;
      if (rc != SQLITE_ROW) fail(db_, rc, "step");
      Row row;
      int n = sqlite3_column_count(st_);
      row.cols.reserve(n);
      for (int c = 0; c < n; ++c) {
        if (sqlite3_column_type(st_, c) == SQLITE_NULL) {
          row.cols.emplace_back(std::nullopt);
        } else {
          auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, c));
          row.cols.emplace_back(std::string(p, sqlite3_column_bytes(st_, c)));
        }
      }
      rows.push_back(std::move(row));
    }
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

class SqliteSession final : public SqlSession {
 public:
  explicit SqliteSession(sqlite3* db) : db_(db) {}
  Rows query(std::string_view sql, const std::vector<SqlValue>& params) override {
    Statement st(db_, sql);
    st.bind(params);
    return st.run();
  }
  std::int64_t execute(std::string_view sql, const std::vector<SqlValue>& params) override {
    query(sql, params);
    return sqlite3_changes64(db_);
  }
  std::string_view dialect() const override { return "sqlite"; }

 private:
  sqlite3* db_;
};

void exec_plain(sqlite3* db, const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : "";
    sqlite3_free(err);
    throw SqlError(rc == SQLITE_BUSY ? SqlError::Kind::kBusy : SqlError::Kind::kOther,
                   std::string(sql) + ": " + msg);
  }
}

}  // namespace

SqliteBackend::SqliteBackend(const std::string& path) {
  int rc =
      sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqlError(SqlError::Kind::kUnavailable, "open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec_plain(db_, "PRAGMA journal_mode=WAL");
  exec_plain(db_, "PRAGMA synchronous=FULL");  // WAL + FULL: fsync on every commit
  exec_plain(db_, "PRAGMA foreign_keys=ON");
  exec_plain(db_, "PRAGMA secure_delete=ON");  // deleted sealed values are overwritten
}

SqliteBackend::~SqliteBackend() {
  if (db_) sqlite3_close(db_);
}

void SqliteBackend::transact(TxMode mode, const std::function<bool(SqlSession&)>& fn) {
  std::lock_guard lock(mu_);
  exec_plain(db_, mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
  SqliteSession session(db_);
  bool commit = false;
  try {
    commit = fn(session);
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  if (commit) {
    try {
      exec_plain(db_, "COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  } else {
    exec_plain(db_, "ROLLBACK");
  }
}

}  // namespace gh::store
