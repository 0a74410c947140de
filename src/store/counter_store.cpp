#include "store/counter_store.hpp"

#include <algorithm>
#include <boost/unordered/unordered_flat_map.hpp>
#include <string_view>

namespace gh::store {
namespace {

// A PostgreSQL array literal of integers, "{1,-2,3}", bound as text and cast in the statement.
template <class F>
std::string array_of(const std::vector<core::CounterLease>& rows, F field) {
  std::string out = "{";
  for (const auto& r : rows) {
    if (out.size() > 1) out += ',';
    out += std::to_string(field(r));
  }
  out += '}';
  return out;
}

void fast_commit(SqlSession& s) {
  // Counters are not configuration: the last few hundred ms may be lost in a crash of the
  // server, in exchange for no fsync wait per exchange.
  s.execute("SET LOCAL synchronous_commit TO off");
}

struct PairHash {
  std::size_t operator()(const std::pair<std::int64_t, std::int64_t>& p) const {
    return std::hash<std::int64_t>{}(p.first) * 31 + std::hash<std::int64_t>{}(p.second);
  }
};

}  // namespace

void CounterStore::exchange(std::vector<core::CounterLease>& rows) {
  if (rows.empty()) return;
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    auto ka = static_cast<std::int64_t>(a.key), kb = static_cast<std::int64_t>(b.key);
    return ka != kb ? ka < kb : a.window < b.window;
  });
  const auto keys = array_of(rows, [](const auto& r) { return static_cast<std::int64_t>(r.key); });
  const auto windows = array_of(rows, [](const auto& r) { return r.window; });
  backend_.transact(TxMode::kWrite, [&](SqlSession& s) {
    fast_commit(s);
    // Creates the missing rows and locks every row, in key order (the SELECT feeds the insert
    // sorted; a conflicting row is locked as it comes).
    s.execute(
        "INSERT INTO rate_counters(key, win, count, granted, expires) SELECT k, w, 0, 0, e FROM "
        "unnest(?::bigint[], ?::bigint[], ?::bigint[]) AS t(k, w, e) ORDER BY k, w ON CONFLICT "
        "(key, win) DO UPDATE SET expires = GREATEST(rate_counters.expires, EXCLUDED.expires)",
        {keys, windows, array_of(rows, [](const auto& r) { return r.expires_ms; })});
    // room = limit − floor(previous × weight / length) − (count + add); grant = min(ask,
    // ceil(room / nodes)). The previous window's row is read, not locked.
    auto out = s.query(
        "UPDATE rate_counters r SET count = GREATEST(0, r.count + t.a) + LEAST(t.n, (GREATEST(0, "
        "t.lim - t.pw - GREATEST(0, r.count + t.a)) + t.nodes - 1) / t.nodes), granted = "
        "LEAST(t.n, (GREATEST(0, t.lim - t.pw - GREATEST(0, r.count + t.a)) + t.nodes - 1) / "
        "t.nodes) FROM (SELECT u.*, COALESCE((SELECT floor(p.count::numeric * u.wt / u.len) "
        "FROM rate_counters p WHERE p.key = u.k AND p.win = u.w - 1), 0)::bigint AS pw FROM "
        "unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], "
        "?::bigint[], ?::bigint[]) AS u(k, w, a, n, lim, wt, len, nodes)) t WHERE r.key = t.k "
        "AND r.win = t.w RETURNING r.key, r.win, r.count, r.granted",
        {keys, windows, array_of(rows, [](const auto& r) { return r.add; }),
         array_of(rows, [](const auto& r) { return std::max<std::int64_t>(0, r.ask); }),
         array_of(rows, [](const auto& r) { return r.limit; }),
         array_of(rows, [](const auto& r) { return std::max<std::int64_t>(0, r.weight); }),
         array_of(rows, [](const auto& r) { return std::max<std::int64_t>(1, r.length_ms); }),
         array_of(rows, [](const auto& r) { return std::max<std::int64_t>(1, r.nodes); })});
    boost::unordered_flat_map<std::pair<std::int64_t, std::int64_t>, core::CounterLease*, PairHash>
        by_row;
    for (auto& r : rows) by_row[{static_cast<std::int64_t>(r.key), r.window}] = &r;
    for (const auto& row : out) {
      auto it = by_row.find({row.integer(0), row.integer(1)});
      if (it == by_row.end()) continue;
      it->second->count = row.integer(2);
      it->second->granted = row.integer(3);
    }
    return true;
  });
}

std::int64_t CounterStore::heartbeat(const std::string& node_id, std::int64_t now_ms,
                                     std::int64_t alive_ms) {
  std::int64_t nodes = 1;
  backend_.transact(TxMode::kWrite, [&](SqlSession& s) {
    fast_commit(s);
    s.execute(
        "INSERT INTO cluster_nodes(id, seen) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET seen "
        "= EXCLUDED.seen",
        {node_id, now_ms});
    auto rows = s.query("SELECT count(*) FROM cluster_nodes WHERE seen >= ?", {now_ms - alive_ms});
    nodes = std::max<std::int64_t>(1, rows.empty() ? 1 : rows[0].integer(0));
    return true;
  });
  return nodes;
}

void CounterStore::leave(const std::string& node_id) {
  backend_.transact(TxMode::kWrite, [&](SqlSession& s) {
    s.execute("DELETE FROM cluster_nodes WHERE id = ?", {node_id});
    return true;
  });
}

std::int64_t CounterStore::collect_garbage(std::int64_t now_ms, std::int64_t batch) {
  std::int64_t gone = 0;
  backend_.transact(TxMode::kWrite, [&](SqlSession& s) {
    fast_commit(s);
    gone = s.execute(
        "DELETE FROM rate_counters WHERE (key, win) IN (SELECT key, win FROM rate_counters "
        "WHERE expires < ? LIMIT ?)",
        {now_ms, batch});
    s.execute("DELETE FROM cluster_nodes WHERE seen < ?", {now_ms - 3'600'000});
    return true;
  });
  return gone;
}

}  // namespace gh::store
