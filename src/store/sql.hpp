#pragma once
// A minimal portable SQL surface shared by the SQLite and PostgreSQL backends. Statements use '?'
// placeholders; the PostgreSQL backend rewrites them to $n. Failures are thrown as SqlError inside
// the store layer only; Store converts them into core::Error values at its boundary.
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gh::store {

using SqlValue = std::variant<std::nullptr_t, std::int64_t, std::string>;

struct Row {
  std::vector<std::optional<std::string>> cols;
  const std::string& text(std::size_t i) const;  // "" for NULL
  std::int64_t integer(std::size_t i) const;     // 0 for NULL
  bool is_null(std::size_t i) const { return !cols.at(i).has_value(); }
};
using Rows = std::vector<Row>;

struct SqlError : std::runtime_error {
  enum class Kind { kUnique, kBusy, kUnavailable, kOther };
  Kind kind;
  SqlError(Kind k, const std::string& what) : std::runtime_error(what), kind(k) {}
};

// One row of a streamed result; valid only during the callback that receives it.
class RowView {
 public:
  virtual ~RowView() = default;
  virtual std::string_view text(std::size_t i) const = 0;  // "" for NULL
  virtual std::int64_t integer(std::size_t i) const = 0;   // 0 for NULL
};

// One connection inside one transaction.
class SqlSession {
 public:
  virtual ~SqlSession() = default;
  virtual Rows query(std::string_view sql, const std::vector<SqlValue>& params = {}) = 0;
  // Calls fn for every row without materialising the result (large scans, e.g. the gateway's
  // load of every AppCode digest). fn must not run statements on this session. The default
  // implementation runs query() and walks its rows.
  virtual void for_each_row(std::string_view sql, const std::vector<SqlValue>& params,
                            const std::function<void(const RowView&)>& fn);
  // Returns the number of rows changed.
  virtual std::int64_t execute(std::string_view sql, const std::vector<SqlValue>& params = {}) = 0;
  // "sqlite" | "postgresql": for the few statements whose SQL differs between the two.
  virtual std::string_view dialect() const = 0;
};

enum class TxMode { kRead, kWrite };

class SqlBackend {
 public:
  virtual ~SqlBackend() = default;
  // Runs fn inside one transaction; commit is durable (fsync) before returning. fn returning false
  // rolls back. Throws SqlError. SQLite: kWrite transactions are serialised against other writers
  // from their first statement (BEGIN IMMEDIATE). PostgreSQL: READ COMMITTED; writers serialise
  // only on the rows Tx locks (lock_app/lock_instance) and on UNIQUE constraints, and fn may be
  // run more than once (retry after a serialization failure or deadlock), so fn must have no
  // effects outside the transaction other than on its own result.
  virtual void transact(TxMode mode, const std::function<bool(SqlSession&)>& fn) = 0;
  virtual std::string_view dialect() const = 0;  // "sqlite" | "postgresql"
};

}  // namespace gh::store
