#include "store/postgres/postgres_backend.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <cstring>
#include <random>
#include <thread>
#include <utility>
#include <vector>

namespace gh::store {
namespace {

constexpr Oid kInt8Oid = 20;

using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

std::string trimmed(const char* s) {
  std::string out = s ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

bool connection_lost(PGconn* c) {
  return PQstatus(c) != CONNECTION_OK;
}

// Maps a failed result (or a failure with no result) to a SqlError.
SqlError error_from(PGconn* c, const PGresult* r, std::string_view what) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(c));
  if (msg.empty()) msg = trimmed(PQerrorMessage(c));
  std::string code = state ? state : "";
  auto kind = SqlError::Kind::kOther;
  if (code == "23505")
    kind = SqlError::Kind::kUnique;
  else if (code == "40001" || code == "40P01")
    kind = SqlError::Kind::kBusy;
  else if (code.rfind("08", 0) == 0 || code == "57P01" || code == "57P02" || code == "57P03" ||
           connection_lost(c))
    kind = SqlError::Kind::kUnavailable;
  return SqlError(kind, std::string(what) + (code.empty() ? "" : " [" + code + "]") + ": " + msg);
}

void ignore_notice(void*, const char*) {}

// Runs a statement without parameters that returns no rows.
void exec_simple(PGconn* c, const char* sql) {
  Result r(PQexec(c, sql), &PQclear);
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) throw error_from(c, r.get(), sql);
}

void rollback_quietly(PGconn* c) {
  if (connection_lost(c) || PQtransactionStatus(c) == PQTRANS_IDLE) return;
  PQclear(PQexec(c, "ROLLBACK"));
}

class PgSession final : public SqlSession {
 public:
  explicit PgSession(PGconn* c) : c_(c) {}

  Rows query(std::string_view sql, const std::vector<SqlValue>& params) override {
    Result r = run(sql, params);
    Rows rows;
    int n = PQntuples(r.get()), cols = PQnfields(r.get());
    rows.reserve(n);
    for (int i = 0; i < n; ++i) {
      Row row;
      row.cols.reserve(cols);
      for (int j = 0; j < cols; ++j) {
        if (PQgetisnull(r.get(), i, j))
          row.cols.emplace_back(std::nullopt);
        else
          row.cols.emplace_back(std::string(PQgetvalue(r.get(), i, j), PQgetlength(r.get(), i, j)));
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  std::int64_t execute(std::string_view sql, const std::vector<SqlValue>& params) override {
    Result r = run(sql, params);
    const char* n = PQcmdTuples(r.get());
    return (n && *n) ? std::strtoll(n, nullptr, 10) : 0;
  }

  std::string_view dialect() const override { return "postgresql"; }

  // Set once a statement failed: PostgreSQL has aborted the transaction, so it cannot commit.
  const std::optional<SqlError>& failure() const { return failed_; }
  // After ROLLBACK TO SAVEPOINT: the transaction works again.
  void clear_failure() { failed_.reset(); }

 private:
  Result run(std::string_view sql, const std::vector<SqlValue>& params) {
    if (failed_) throw *failed_;  // every later statement in an aborted transaction fails too
    std::string text = rewrite_placeholders(sql);
    std::vector<std::string> ints;
    ints.reserve(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<Oid> types(params.size(), 0);
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (auto* n = std::get_if<std::int64_t>(&params[i])) {
        ints.push_back(std::to_string(*n));
        values[i] = ints.back().c_str();
        types[i] = kInt8Oid;
      } else if (auto* s = std::get_if<std::string>(&params[i])) {
        values[i] = s->c_str();  // text format: a NUL inside a string is not representable
      }
    }
    Result r(PQexecParams(c_, text.c_str(), static_cast<int>(params.size()), types.data(),
                          values.data(), nullptr, nullptr, 0),
             &PQclear);
    auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      failed_.emplace(error_from(c_, r.get(), "query"));
      throw *failed_;
    }
    return r;
  }

  PGconn* c_;
  std::optional<SqlError> failed_;
};

PGconn* connect_to(const std::string& url, int connect_timeout_seconds) {
  // Earlier keywords are overridden by what the URL (expanded from dbname) sets itself.
  // TCP keepalives and tcp_user_timeout bound how long a call can hang on a server that vanished
  // without closing its connections (network partition): about 10 s instead of the kernel's
  // minutes; the connection then fails as kUnavailable.
  std::string timeout = std::to_string(connect_timeout_seconds);
  const char* keys[] = {"connect_timeout",
                        "keepalives_idle",
                        "keepalives_interval",
                        "keepalives_count",
                        "tcp_user_timeout",
                        "application_name",
                        "dbname",
                        nullptr};
  const char* values[] = {timeout.c_str(), "5",         "2",         "2",
                          "10000",         "gatehouse", url.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, values, 1);
  if (!c) throw SqlError(SqlError::Kind::kUnavailable, "PostgreSQL: out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = redact_passwords(trimmed(PQerrorMessage(c)), url);
    PQfinish(c);
    throw SqlError(SqlError::Kind::kUnavailable,
                   "cannot connect to PostgreSQL at " + redact_url(url) + ": " + msg);
  }
  PQsetNoticeProcessor(c, ignore_notice, nullptr);
  if (PQsetClientEncoding(c, "UTF8") != 0) {
    std::string msg = trimmed(PQerrorMessage(c));
    PQfinish(c);
    throw SqlError(SqlError::Kind::kUnavailable, "PostgreSQL: cannot use UTF8: " + msg);
  }
  return c;
}

void backoff(int attempt) {
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> jitter(1, 20);
  std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng) * attempt));
}

}  // namespace

std::string rewrite_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;  // ' or " while inside a literal / quoted identifier
  for (char c : sql) {
    if (quote) {
      out += c;
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: same result
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$' + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

namespace {
// Where `url` holds passwords: the userinfo's "user:PASSWORD@" and each "password=VALUE" query
// parameter, as (offset, length) pairs in ascending order.
std::vector<std::pair<std::size_t, std::size_t>> password_spans(std::string_view url) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  auto scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    auto start = scheme + 3;
    auto end = url.find_first_of("/?", start);
    auto at = url.rfind('@', end == std::string_view::npos ? url.size() : end);
    if (at != std::string_view::npos && at > start) {
      auto colon = url.find(':', start);
      if (colon != std::string_view::npos && colon < at)
        spans.emplace_back(colon + 1, at - colon - 1);
    }
  }
  for (auto p = url.find("password="); p != std::string_view::npos;
       p = url.find("password=", p + 1)) {
    auto v = p + 9;
    auto e = url.find('&', v);
    spans.emplace_back(v, (e == std::string_view::npos ? url.size() : e) - v);
  }
  return spans;
}
}  // namespace

std::string redact_url(std::string_view url) {
  std::string out;
  std::size_t from = 0;
  for (auto [pos, len] : password_spans(url)) {
    if (pos < from) continue;
    out.append(url.substr(from, pos - from)).append("***");
    from = pos + len;
  }
  return out.append(url.substr(from));
}

std::string redact_passwords(std::string text, std::string_view url) {
  for (auto [pos, len] : password_spans(url)) {
    if (len == 0) continue;
    std::string secret(url.substr(pos, len));
    for (auto p = text.find(secret); p != std::string::npos; p = text.find(secret, p + 3))
      text.replace(p, secret.size(), "***");
  }
  return text;
}

// ---------------------------------------------------------------- pool and transactions
PostgresBackend::PostgresBackend(std::string url, PostgresOptions opts)
    : url_(std::move(url)),
      opts_(opts),
      committer_({[this] { return open_batch(); },
                  [this](const std::function<bool(SqlSession&)>& fn) {
                    run_transaction(TxMode::kWrite, fn);
                  }}) {
  if (opts_.pool_size < 1) opts_.pool_size = 1;
  if (opts_.max_tx_attempts < 1) opts_.max_tx_attempts = 1;
  idle_.push_back(connect());
  open_ = 1;
}

PostgresBackend::~PostgresBackend() {
  for (auto* c : idle_) PQfinish(c);
}

PGconn* PostgresBackend::connect() const {
  return connect_to(url_, opts_.connect_timeout_seconds);
}

PGconn* PostgresBackend::acquire() {
  std::unique_lock lock(mu_);
  if (!freed_.wait_for(lock, opts_.pool_wait,
                       [&] { return !idle_.empty() || open_ < opts_.pool_size; }))
    throw SqlError(SqlError::Kind::kBusy, "all " + std::to_string(opts_.pool_size) +
                                              " PostgreSQL connections stayed busy");
  if (!idle_.empty()) {
    auto* c = idle_.back();
    idle_.pop_back();
    return c;
  }
  ++open_;
  lock.unlock();
  try {
    return connect();
  } catch (...) {
    lock.lock();
    --open_;
    freed_.notify_one();
    throw;
  }
}

void PostgresBackend::release(PGconn* c, bool healthy) {
  std::vector<PGconn*> dropped;
  {
    std::lock_guard lock(mu_);
    if (healthy) {
      idle_.push_back(c);
    } else {
      // A lost connection usually means the server restarted or the network broke: the idle
      // ones are most likely dead as well, so they are re-made on next use too.
      dropped.push_back(c);
      dropped.insert(dropped.end(), idle_.begin(), idle_.end());
      idle_.clear();
      open_ -= static_cast<int>(dropped.size());
    }
  }
  freed_.notify_all();
  for (auto* d : dropped) PQfinish(d);
}

// A group commit's transaction (store/group_commit.hpp) on one pooled connection.
class PostgresBackend::Batch final : public BatchTx {
 public:
  explicit Batch(PostgresBackend& pg) : pg_(pg), c_(pg.acquire()), session_(c_) {
    try {
      exec_simple(c_, "BEGIN ISOLATION LEVEL READ COMMITTED");
    } catch (...) {
      done(false);
      throw;
    }
  }
  ~Batch() override { done(true); }
  SqlSession& session() override { return session_; }
  void begin_member() override { exec_simple(c_, "SAVEPOINT gh_member"); }
  void end_member(bool keep) override {
    // fn caught a failure itself: the transaction is aborted up to the savepoint.
    if (keep && session_.failure()) throw *session_.failure();
    if (!keep && !abort_member()) throw SqlError(SqlError::Kind::kOther, "ROLLBACK TO SAVEPOINT");
    if (keep) exec_simple(c_, "RELEASE SAVEPOINT gh_member");
  }
  bool abort_member() noexcept override {
    if (connection_lost(c_)) return false;
    Result r(PQexec(c_, "ROLLBACK TO SAVEPOINT gh_member"), &PQclear);
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) return false;
    session_.clear_failure();
    Result rel(PQexec(c_, "RELEASE SAVEPOINT gh_member"), &PQclear);
    return rel && PQresultStatus(rel.get()) == PGRES_COMMAND_OK;
  }
  void commit() override {
    if (session_.failure()) throw *session_.failure();
    Result r(PQexec(c_, "COMMIT"), &PQclear);
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) throw error_from(c_, r.get(), "COMMIT");
    if (std::strcmp(PQcmdStatus(r.get()), "COMMIT") != 0)
      throw SqlError(SqlError::Kind::kOther, "COMMIT: the server rolled the transaction back");
  }
  void rollback() noexcept override { rollback_quietly(c_); }

 private:
  void done(bool roll_back) {
    if (!c_) return;
    if (roll_back) rollback_quietly(c_);
    pg_.release(c_, !connection_lost(c_) && PQtransactionStatus(c_) == PQTRANS_IDLE);
    c_ = nullptr;
  }
  PostgresBackend& pg_;
  PGconn* c_;
  PgSession session_;
};

std::unique_ptr<BatchTx> PostgresBackend::open_batch() {
  return std::make_unique<Batch>(*this);
}

void PostgresBackend::transact(TxMode mode, const std::function<bool(SqlSession&)>& fn) {
  if (mode == TxMode::kWrite)
    committer_.run(fn);
  else
    run_transaction(mode, fn);
}

void PostgresBackend::run_transaction(TxMode mode, const std::function<bool(SqlSession&)>& fn) {
  const char* begin = mode == TxMode::kWrite ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                                             : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  bool reconnected = false;
  for (int attempt = 1;; ++attempt) {
    PGconn* c = acquire();
    bool commit_sent = false;
    try {
      exec_simple(c, begin);
      PgSession session(c);
      bool commit = fn(session);
      // fn caught a failure itself: the transaction is aborted and cannot commit.
      if (session.failure()) throw *session.failure();
      if (commit) {
        commit_sent = true;
        Result r(PQexec(c, "COMMIT"), &PQclear);
        if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK)
          throw error_from(c, r.get(), "COMMIT");
        if (std::strcmp(PQcmdStatus(r.get()), "COMMIT") != 0)
          throw SqlError(SqlError::Kind::kOther, "COMMIT: the server rolled the transaction back");
      } else {
        exec_simple(c, "ROLLBACK");
      }
      release(c, true);
      return;
    } catch (const SqlError& e) {
      rollback_quietly(c);
      bool healthy = !connection_lost(c) && PQtransactionStatus(c) == PQTRANS_IDLE;
      release(c, healthy);
      if (e.kind == SqlError::Kind::kBusy && attempt < opts_.max_tx_attempts) {
        backoff(attempt);
        continue;
      }
      if (e.kind == SqlError::Kind::kUnavailable && !commit_sent && !reconnected) {
        reconnected = true;  // a stale pooled connection: once more on a fresh one
        continue;
      }
      throw;
    } catch (...) {
      rollback_quietly(c);
      release(c, !connection_lost(c) && PQtransactionStatus(c) == PQTRANS_IDLE);
      throw;
    }
  }
}

std::unique_ptr<PgListener> PostgresBackend::listen(const std::string& channel) const {
  return std::make_unique<PgListener>(url_, channel, opts_.connect_timeout_seconds);
}

// ---------------------------------------------------------------- LISTEN / NOTIFY
PgListener::PgListener(const std::string& url, const std::string& channel,
                       int connect_timeout_seconds)
    : conn_(connect_to(url, connect_timeout_seconds)) {
  char* ident = PQescapeIdentifier(conn_, channel.data(), channel.size());
  if (!ident) {
    std::string msg = trimmed(PQerrorMessage(conn_));
    PQfinish(conn_);
    throw SqlError(SqlError::Kind::kOther, "LISTEN: " + msg);
  }
  std::string sql = std::string("LISTEN ") + ident;
  PQfreemem(ident);
  try {
    exec_simple(conn_, sql.c_str());
  } catch (...) {
    PQfinish(conn_);
    throw;
  }
}

PgListener::~PgListener() {
  PQfinish(conn_);
}

std::optional<PgListener::Notification> PgListener::wait_for_notification(
    std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (PGnotify* n = PQnotifies(conn_)) {
      Notification out{n->relname ? n->relname : "", n->extra ? n->extra : "", n->be_pid};
      PQfreemem(n);
      return out;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd pfd{PQsocket(conn_), POLLIN, 0};
    if (pfd.fd < 0) throw SqlError(SqlError::Kind::kUnavailable, "LISTEN: connection lost");
    int rc = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno != EINTR)
      throw SqlError(SqlError::Kind::kUnavailable, "LISTEN: poll failed");
    if (rc > 0 && (PQconsumeInput(conn_) == 0 || connection_lost(conn_)))
      throw SqlError(SqlError::Kind::kUnavailable,
                     "LISTEN: connection lost: " + trimmed(PQerrorMessage(conn_)));
  }
}

}  // namespace gh::store
