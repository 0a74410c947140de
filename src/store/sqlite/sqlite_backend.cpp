#include "store/sqlite/sqlite_backend.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/background.hpp"
#include "store/read_parallel.hpp"

namespace gh::store {
namespace {

// The error of a failed call, read from the connection before anything else touches it.
SqlError error_of(sqlite3* db, int rc, std::string_view what) {
  int ext = db ? sqlite3_extended_errcode(db) : rc;
  auto kind = SqlError::Kind::kOther;
  if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
    kind = SqlError::Kind::kUnique;
  else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
    kind = SqlError::Kind::kBusy;
  return SqlError(kind, std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what) {
  throw error_of(db, rc, what);
}

// Binds, steps and resets a prepared statement it does not own (statements are cached per
// connection and reused across transactions: preparing costs more than running most of them).
// Text is bound without a copy (SQLITE_STATIC): the caller's parameters outlive the Statement,
// whose destructor resets the statement and clears its bindings.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  ~Statement() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(const std::vector<SqlValue>& params) {
    for (std::size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1), rc = SQLITE_OK;
      if (auto* n = std::get_if<std::int64_t>(&params[i]))
        rc = sqlite3_bind_int64(st_, idx, *n);
      else if (auto* s = std::get_if<std::string>(&params[i]))
        rc = sqlite3_bind_text(st_, idx, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
      else
        rc = sqlite3_bind_null(st_, idx);
      if (rc != SQLITE_OK) fail(db_, rc, "bind");
    }
  }
  // Steps once: true on a row, false when done.
  bool step() {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_DONE) return false;
    if (rc != SQLITE_ROW) fail(db_, rc, "step");
    return true;
  }
  // Steps to completion, collecting rows.
  Rows run() {
    Rows rows;
    while (step()) {
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
    return rows;
  }
  sqlite3_stmt* handle() const { return st_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_;
};

sqlite3_stmt* prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &st, nullptr);
  if (rc != SQLITE_OK) fail(db, rc, "prepare");
  return st;
}

class CurrentRow final : public RowView {
 public:
  explicit CurrentRow(sqlite3_stmt* st) : st_(st) {}
  std::string_view text(std::size_t i) const override {
    int c = static_cast<int>(i);
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, c));
    return p ? std::string_view(p, sqlite3_column_bytes(st_, c)) : std::string_view();
  }
  std::int64_t integer(std::size_t i) const override {
    return sqlite3_column_int64(st_, static_cast<int>(i));
  }

 private:
  sqlite3_stmt* st_;
};

}  // namespace

// Prepared statements of the connection by SQL text. SQL is built from fixed fragments, so the set
// is small; it is bounded anyway.
class SqliteBackend::StatementCache {
 public:
  static constexpr std::size_t kMax = 512;
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache() { clear(); }
  sqlite3_stmt* get(std::string_view sql) {
    auto it = map_.find(sql);
    if (it != map_.end()) return it->second;
    if (map_.size() >= kMax) clear();
    auto* st = prepare(db_, sql);
    map_.emplace(std::string(sql), st);
    return st;
  }
  void clear() {
    for (auto& [sql, st] : map_) sqlite3_finalize(st);
    map_.clear();
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> map_;
};

namespace {

// Runs a statement without parameters or rows (BEGIN, COMMIT, SAVEPOINT…) from the connection's
// cache. sqlite3_exec parses its text on every call: a management write's BEGIN and COMMIT and
// those of its snapshot update's read were ~16,000 instructions a write.
void exec_cached(sqlite3* db, SqliteBackend::StatementCache& cache, const char* sql) {
  sqlite3_stmt* st = cache.get(sql);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
    sqlite3_reset(st);
    return;
  }
  auto error = error_of(db, rc, sql);
  sqlite3_reset(st);
  throw error;
}

class SqliteSession final : public SqlSession {
 public:
  SqliteSession(sqlite3* db, SqliteBackend::StatementCache& cache) : db_(db), cache_(cache) {}
  Rows query(std::string_view sql, const std::vector<SqlValue>& params) override {
    Statement st(db_, cache_.get(sql));
    st.bind(params);
    return st.run();
  }
  std::int64_t execute(std::string_view sql, const std::vector<SqlValue>& params) override {
    query(sql, params);
    return sqlite3_changes64(db_);
  }
  void for_each_row(std::string_view sql, const std::vector<SqlValue>& params,
                    const std::function<void(const RowView&)>& fn) override {
    // Its own statement: fn may not run statements, but a cached one must never be left stepping.
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owned(prepare(db_, sql),
                                                                sqlite3_finalize);
    Statement st(db_, owned.get());
    st.bind(params);
    CurrentRow row(owned.get());
    while (st.step()) fn(row);
  }
  std::string_view dialect() const override { return "sqlite"; }

 private:
  sqlite3* db_;
  SqliteBackend::StatementCache& cache_;
};

// Process-wide SQLite settings, applied before the first connection opens (sqlite3_config must
// precede sqlite3_initialize; a later call is refused and changes nothing). Memory statistics
// off: with them on, every SQLite allocation takes a global mutex (~2.5 % of an import's CPU),
// and nothing here reads the statistics.
void configure_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

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

// Switching a file to WAL takes an exclusive lock. When several processes open a new file at
// once, SQLite may answer SQLITE_BUSY at once instead of calling the busy handler (the lock
// upgrade could deadlock), so the switch is retried for as long as the busy timeout allows.
void enable_wal(sqlite3* db, std::chrono::milliseconds patience) {
  auto give_up = std::chrono::steady_clock::now() + patience;
  for (;;) {
    try {
      exec_plain(db, "PRAGMA journal_mode=WAL");
      return;
    } catch (const SqlError& e) {
      if (e.kind != SqlError::Kind::kBusy || std::chrono::steady_clock::now() > give_up) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// The database file (and so its WAL and shared-memory files, which SQLite creates with the
// database's mode) readable by the owner only: it holds sealed secrets, which stay secret, but
// also every name, id and digest. Creates the file 0600 if it is new; tightens an existing one.
void restrict_to_owner(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;  // sqlite3_open_v2 reports why
  ::fchmod(fd, 0600);
  ::close(fd);
  for (const char* suffix : {"-wal", "-shm"}) ::chmod((path + suffix).c_str(), 0600);
}

// On a background thread, statements offer a waiting request loop the CPU every kYieldOps
// virtual-machine steps (core/background.hpp paces the actual yields).
void yield_while_stepping(sqlite3* db) {
  constexpr int kYieldOps = 100;
  sqlite3_progress_handler(
      db, kYieldOps,
      [](void*) {
        core::yield_to_foreground();
        return 0;  // continue
      },
      nullptr);
}

// A second connection to the same file, for reading beside the main one.
struct ReaderConnection {
  sqlite3* db = nullptr;
  explicit ReaderConnection(const std::string& path) {
    int rc =
        sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
      sqlite3_close(db);
      throw SqlError(SqlError::Kind::kUnavailable, "open " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db, 5000);
    yield_while_stepping(db);
  }
  ~ReaderConnection() { sqlite3_close(db); }
  ReaderConnection(const ReaderConnection&) = delete;
  ReaderConnection& operator=(const ReaderConnection&) = delete;
};

// Starts the readers' transactions on one snapshot: no writer, of this process or another,
// commits while they take it (`mu` guards `db`). False (nothing started) when the write lock stays
// busy; `mu` is released on return either way (read_in_turn takes it again).
bool snapshot_readers(sqlite3* db, std::mutex& mu,
                      std::vector<std::unique_ptr<ReaderConnection>>& readers) {
  std::lock_guard lock(mu);
  try {
    exec_plain(db, "BEGIN IMMEDIATE");
  } catch (const SqlError& e) {
    if (e.kind != SqlError::Kind::kBusy) throw;
    return false;
  }
  try {
    // A read transaction takes its snapshot at its first read.
    for (auto& r : readers) exec_plain(r->db, "BEGIN; SELECT count(*) FROM sqlite_schema");
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  exec_plain(db, "ROLLBACK");
  return true;
}

// A group commit's transaction (store/group_commit.hpp): the connection's lock for the whole
// batch, BEGIN IMMEDIATE, one savepoint per member, one COMMIT.
class SqliteBatch final : public BatchTx {
 public:
  SqliteBatch(sqlite3* db, SqliteBackend::StatementCache& cache, std::mutex& mu)
      : lock_(mu), db_(db), cache_(cache), session_(db, cache) {
    exec_cached(db_, cache_, "BEGIN IMMEDIATE");
  }
  ~SqliteBatch() override { rollback(); }
  SqlSession& session() override { return session_; }
  void begin_member() override { exec_cached(db_, cache_, "SAVEPOINT gh_member"); }
  void end_member(bool keep) override {
    if (!keep) exec_cached(db_, cache_, "ROLLBACK TO gh_member");
    exec_cached(db_, cache_, "RELEASE gh_member");
  }
  bool abort_member() noexcept override {
    // Some errors (disk full, I/O) make SQLite roll the whole transaction back itself.
    if (sqlite3_get_autocommit(db_)) return false;
    return sqlite3_exec(db_, "ROLLBACK TO gh_member", nullptr, nullptr, nullptr) == SQLITE_OK &&
           sqlite3_exec(db_, "RELEASE gh_member", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  void commit() override {
    core::yield_to_foreground();  // the commit (WAL writes, fsync) is a step of its own
    exec_cached(db_, cache_, "COMMIT");
  }
  void rollback() noexcept override {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  std::lock_guard<std::mutex> lock_;
  sqlite3* db_;
  SqliteBackend::StatementCache& cache_;
  SqliteSession session_;
};

}  // namespace

SqliteBackend::SqliteBackend(const std::string& path)
    : path_(path),
      committer_({[this] { return std::make_unique<SqliteBatch>(db_, *statements_, mu_); },
                  [this](const std::function<bool(SqlSession&)>& fn) {
                    run_transaction(TxMode::kWrite, fn);
                  }}) {
  restrict_to_owner(path);
  configure_sqlite_once();
  // NOMUTEX: every use of the connection holds mu_ already (run_transaction, set_bulk_load,
  // construction and destruction); SQLite's own lock per call was ~5 % of an import's CPU.
  int rc =
      sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqlError(SqlError::Kind::kUnavailable, "open " + path + ": " + msg);
  }
  constexpr std::chrono::milliseconds kBusyTimeout{5000};
  sqlite3_busy_timeout(db_, static_cast<int>(kBusyTimeout.count()));
  enable_wal(db_, kBusyTimeout);
  exec_plain(db_, "PRAGMA synchronous=FULL");  // WAL + FULL: fsync on every commit
  exec_plain(db_, "PRAGMA foreign_keys=ON");
  exec_plain(db_, "PRAGMA secure_delete=ON");  // deleted sealed values are overwritten
  yield_while_stepping(db_);
  statements_ = std::make_unique<StatementCache>(db_);
}

SqliteBackend::~SqliteBackend() {
  statements_.reset();  // finalized before the connection closes
  if (db_) sqlite3_close(db_);
}

void SqliteBackend::set_bulk_load(bool on) {
  std::lock_guard lock(mu_);
  if (on) {
    // NORMAL, not OFF: a checkpoint still syncs the WAL before it copies pages into the database
    // and the database after, so a crash loses at most the last commits, never the store.
    exec_plain(db_, "PRAGMA synchronous=NORMAL");
    // 1 GiB of pages: the random-key indexes of a store of millions of AppCodes (ids, digests)
    // stay in memory while the import inserts into them (TxBase::use_bulk_cache gives 256 MiB).
    exec_plain(db_, "PRAGMA cache_size=-1048576");
    // The importer checks every reference it writes in the same transaction (the instance, the
    // app it just inserted or matched, the API it loaded), so SQLite's own foreign-key lookups
    // (eight b-tree seeks per app of the benchmark's lines) only repeat them.
    exec_plain(db_, "PRAGMA foreign_keys=OFF");
    return;
  }
  exec_plain(db_, "PRAGMA foreign_keys=ON");
  exec_plain(db_, "PRAGMA synchronous=FULL");
  exec_plain(db_, "PRAGMA cache_size=-2000");  // SQLite's default
  // The commits made since the last checkpoint are in the WAL, written but not synced; the
  // database file is flushed too (cheap when the last checkpoint synced it). After this, every
  // commit is on disk.
  if (path_.empty() || path_ == ":memory:" || path_.rfind("file:", 0) == 0) return;
  for (const auto& file : {path_, path_ + "-wal"}) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT && file != path_) continue;  // no WAL file: nothing in it
      throw SqlError(SqlError::Kind::kOther, "open " + file + " to flush it failed");
    }
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) throw SqlError(SqlError::Kind::kOther, "fsync " + file + " failed");
  }
}

void SqliteBackend::read_parallel(const std::vector<std::function<void(SqlSession&)>>& parts) {
  bool file = !path_.empty() && path_ != ":memory:" && path_.rfind("file:", 0) != 0;
  if (parts.size() < 2 || !file) return read_in_turn(*this, parts);
  std::vector<std::unique_ptr<ReaderConnection>> readers;
  for (std::size_t i = 0; i < parts.size(); ++i)
    readers.push_back(std::make_unique<ReaderConnection>(path_));
  if (!snapshot_readers(db_, mu_, readers))  // another process holds the write lock for long
    return read_in_turn(*this, parts);       // one connection, in turn
  std::vector<std::exception_ptr> failed(parts.size());
  auto run = [&](std::size_t i) {
    try {
      StatementCache cache(readers[i]->db);
      SqliteSession session(readers[i]->db, cache);
      parts[i](session);
    } catch (...) {
      failed[i] = std::current_exception();
    }
    sqlite3_exec(readers[i]->db, "ROLLBACK", nullptr, nullptr, nullptr);
  };
  bool background = core::is_background_thread();
  std::vector<std::jthread> threads;
  for (std::size_t i = 1; i < parts.size(); ++i)
    threads.emplace_back([&run, i, background] {
      if (background) core::mark_background_thread();  // the niceness is inherited
      run(i);
    });
  run(0);
  threads.clear();  // joined
  for (auto& f : failed)
    if (f) std::rethrow_exception(f);
}

void SqliteBackend::transact(TxMode mode, const std::function<bool(SqlSession&)>& fn) {
  if (mode == TxMode::kWrite)
    committer_.run(fn);
  else
    run_transaction(mode, fn);
  core::yield_to_foreground();
}

void SqliteBackend::run_transaction(TxMode mode, const std::function<bool(SqlSession&)>& fn) {
  std::lock_guard lock(mu_);
  exec_cached(db_, *statements_, mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
  SqliteSession session(db_, *statements_);
  bool commit = false;
  try {
    commit = fn(session);
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  if (commit) {
    try {
      core::yield_to_foreground();  // the commit (WAL writes, fsync) is a step of its own
      exec_cached(db_, *statements_, "COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  } else {
    exec_cached(db_, *statements_, "ROLLBACK");
  }
}

}  // namespace gh::store
