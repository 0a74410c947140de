#pragma once
// The cluster's shared throttling counters (docs/operations.md#throttling-cluster), PostgreSQL
// only: one row per (counter key, window) in `rate_counters` holding every node's part (what each
// admitted beyond its lease, plus the leases it holds), and one row per live node in
// `cluster_nodes` (its last heartbeat), from which a node learns how many share a limit.
//
// Every call is one short transaction with synchronous_commit off: a crash of PostgreSQL may lose
// the last few hundred milliseconds of counts, never corrupt them. Calls throw SqlError (the
// caller — the node's leaser — treats any failure as an outage).
#include <cstdint>
#include <string>
#include <vector>

#include "core/counter_lease.hpp"
#include "store/sql.hpp"

namespace gh::store {

class CounterStore {
 public:
  explicit CounterStore(SqlBackend& backend) : backend_(backend) {}

  // Applies each row's `add` and grants from its `ask` (docs: the room is the limit less the
  // weighted previous window and the count; a grant is at most ceil(room / nodes)); fills `count`
  // and `granted`. Rows must name distinct (key, window) pairs; they are locked in key order, so
  // nodes exchanging overlapping sets at once cannot deadlock.
  void exchange(std::vector<core::CounterLease>& rows);
  // Records that `node_id` is alive at `now_ms`; returns how many nodes were seen in the last
  // `alive_ms` (at least 1: this one).
  std::int64_t heartbeat(const std::string& node_id, std::int64_t now_ms, std::int64_t alive_ms);
  // A node leaving (graceful stop): the others stop counting it at once.
  void leave(const std::string& node_id);
  // Deletes rows whose windows are over (expires before `now_ms`) and nodes silent for an hour,
  // at most `batch` rows a call; returns how many counter rows went.
  std::int64_t collect_garbage(std::int64_t now_ms, std::int64_t batch = 10'000);

 private:
  SqlBackend& backend_;
};

}  // namespace gh::store
