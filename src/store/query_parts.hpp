#pragma once
// The pieces every typed store operation (tx*.cpp) shares, so that no row check, filter or paging
// query is written twice: optional_row / select_one (a lookup of at most one row), select_all,
// count_of / exists_of (COUNT(*) / any row of a "FROM … WHERE …" tail), add_eq / add_like (filter
// clauses) and page_of (one page of a filtered list with the count of all its matches), and what
// two aggregates share (secret_aad, the instance row). Internal to store/.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model.hpp"
#include "store/sql.hpp"

namespace gh::store {

// The aad a sealed secret is bound to: its kind ("app_secret", "app_code", "ak") and row id.
inline std::string secret_aad(std::string_view kind, std::string_view id) {
  return std::string(kind) + ":" + std::string(id);
}

// Instances are read by AppsTx and DataPlaneTx.
inline constexpr const char* kInstanceCols = "id, project_id, kind, name, created";
inline constexpr const char* kInstanceById = " FROM instances WHERE id = ?";
inline core::Instance instance_from(const Row& r) {
  return core::Instance{r.text(0), r.text(1), r.text(3),
                        r.text(2) == "roma" ? core::InstanceKind::kRoma : core::InstanceKind::kApig,
                        r.integer(4)};
}

// The first row of `rows` mapped by `from`, or nullopt when there is none.
template <class From>
auto optional_row(const Rows& rows, From from) -> std::optional<decltype(from(rows.front()))> {
  if (rows.empty()) return std::nullopt;
  return from(rows.front());
}

// The row "SELECT cols <from_where>" finds (at most one is expected), mapped by `from`.
template <class From>
auto select_one(SqlSession& s, std::string_view cols, std::string_view from_where,
                const std::vector<SqlValue>& params, From from) {
  std::string sql = "SELECT ";
  sql.append(cols).append(from_where);
  return optional_row(s.query(sql, params), from);
}

// Every row "SELECT cols <from_where>" finds (from_where ends with its ORDER BY), mapped by `from`.
template <class From>
auto select_all(SqlSession& s, std::string_view cols, std::string_view from_where,
                const std::vector<SqlValue>& params, From from) {
  std::string sql = "SELECT ";
  sql.append(cols).append(from_where);
  std::vector<decltype(from(std::declval<const Row&>()))> out;
  for (auto& r : s.query(sql, params)) out.push_back(from(r));
  return out;
}

// COUNT(*) of `from_where` (" FROM t WHERE …", with its parameters).
inline std::int64_t count_of(SqlSession& s, std::string_view from_where,
                             const std::vector<SqlValue>& params) {
  return s.query("SELECT COUNT(*)" + std::string(from_where), params)[0].integer(0);
}

// Whether `from_where` (" FROM t WHERE …", with its parameters) matches any row.
inline bool exists_of(SqlSession& s, std::string_view from_where,
                      const std::vector<SqlValue>& params) {
  return !s.query("SELECT 1" + std::string(from_where) + " LIMIT 1", params).empty();
}

// Appends " AND column = ?" unless `value` is empty (an absent filter).
inline void add_eq(std::string& where, std::vector<SqlValue>& params, std::string_view column,
                   const std::string& value) {
  if (value.empty()) return;
  where.append(" AND ").append(column).append(" = ?");
  params.emplace_back(value);
}

// Appends " AND column = ?" when `value` is set.
inline void add_eq(std::string& where, std::vector<SqlValue>& params, std::string_view column,
                   std::optional<int> value) {
  if (!value) return;
  where.append(" AND ").append(column).append(" = ?");
  params.emplace_back(std::int64_t{*value});
}

// Appends a fuzzy match of `value` anywhere in `column` (unless `value` is empty), ignoring ASCII
// case on both backends (SQLite's LIKE does; PostgreSQL needs ILIKE). LIKE's wildcards and the
// escape character in `value` are escaped, so user text matches literally.
inline void add_like(std::string& where, std::vector<SqlValue>& params, std::string_view column,
                     std::string_view value, bool postgres) {
  if (value.empty()) return;
  std::string pattern = "%";
  for (char c : value) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  where.append(" AND ").append(column).append(postgres ? " ILIKE ? ESCAPE '\\'"
                                                       : " LIKE ? ESCAPE '\\'");
  params.emplace_back(std::move(pattern));
}

// An exact match when `precise`, else add_like: the APIG `name` + `precise_search` filter.
inline void add_name(std::string& where, std::vector<SqlValue>& params, std::string_view column,
                     const std::string& value, bool precise, bool postgres) {
  if (precise)
    add_eq(where, params, column, value);
  else
    add_like(where, params, column, value, postgres);
}

// One page of "SELECT cols <from_where> ORDER BY order_by", rows mapped by `from`, and the count
// of every row `from_where` matches. `params` are from_where's parameters.
template <class T, class From>
core::Paged<T> page_of(SqlSession& s, std::string_view cols, const std::string& from_where,
                       std::vector<SqlValue> params, std::string_view order_by, core::Page page,
                       From from) {
  core::Paged<T> out;
  out.total = count_of(s, from_where, params);
  params.emplace_back(std::int64_t{page.limit});
  params.emplace_back(std::int64_t{page.offset});
  std::string sql = "SELECT ";
  sql.append(cols).append(from_where).append(" ORDER BY ").append(order_by);
  sql += " LIMIT ? OFFSET ?";
  for (auto& r : s.query(sql, params)) out.items.push_back(from(r));
  return out;
}

}  // namespace gh::store
