#pragma once
// One row of a cluster counter exchange (docs/operations.md#throttling-cluster): what a node sends
// the shared counter of one (key, window) and what it gets back. Filled by the gateway's lease
// book (gateway/counter_leases.hpp), sent by the store (store/counter_store.hpp), read back by
// the lease book; the application moves it between the two (app/cluster_counters.hpp).
#include <cstdint>

namespace gh::core {

struct CounterLease {
  // The row: the counter key (a 64-bit hash, stored as a signed BIGINT) and the window index.
  std::uint64_t key = 0;
  std::int64_t window = 0;
  // Added to the row's count whatever it holds: requests this node admitted beyond what it held
  // (> 0), or the unspent part of its lease given back (< 0).
  std::int64_t add = 0;
  // Requested on top, granted only from what the limit leaves: ≤ ask, ≤ ceil(room / nodes).
  std::int64_t ask = 0;
  std::int64_t limit = 0;
  // Sliding windows: the previous window's count weighs previous × weight / length (floor) into
  // the room; fixed windows: weight 0.
  std::int64_t weight = 0;
  std::int64_t length_ms = 1;
  std::int64_t nodes = 1;       // nodes sharing the room (≥ 1)
  std::int64_t expires_ms = 0;  // the row may be deleted after this instant
  // Back from the store:
  std::int64_t count = 0;    // the row's count after this exchange (every node's part)
  std::int64_t granted = 0;  // of `ask`
};

}  // namespace gh::core
