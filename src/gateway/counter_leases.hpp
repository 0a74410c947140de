#pragma once
// The node's side of cluster-wide throttling (docs/operations.md#throttling-cluster): the lease
// book. One background thread (app/cluster_counters.hpp) calls collect(), sends the rows to the
// shared counter (store/counter_store.hpp) and gives the answer back to apply(), or calls
// fail_open() when the store could not be reached. The request loops never wait on it: they
// admit against what the book last wrote into the CounterTable (rate_counter.hpp).
//
// Per key and window the book knows what this node holds in the shared count (`held`: what it
// admitted beyond its leases, plus the leases granted). Each exchange:
//   - alone (one live node): the node is exact on its own; it reports what it admitted since the
//     last exchange (add = used − held) and its ceiling is the limit;
//   - with others: it reports what it admitted beyond its lease, asks for a lease sized by its
//     recent rate (enough for `horizon_ms`, and at least limit / (4 × nodes) once the key counted
//     in the window), gets at most ceil(room / nodes) of what the limit leaves, and gives back
//     what it holds beyond four times that; its ceiling is what it holds.
//     Shortly before a window ends it leases the next one, so that a busy key has budget when
//     the window turns. A window that ended is settled once (add = used − held).
// Outage: fail_open() lets each key admit its share of the limit (limit / nodes last seen), or
// what it holds already if more; the next exchange reports what was admitted meanwhile.
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <vector>

#include "core/counter_lease.hpp"
#include "gateway/rate_counter.hpp"

namespace gh::gateway {

struct LeaseSettings {
  std::int64_t interval_ms = 20;   // how often the thread exchanges
  std::int64_t horizon_ms = 100;   // a lease covers this long at the key's recent rate
  std::int64_t refresh_ms = 1000;  // a key with nothing to report is exchanged at least this often
};

class LeaseBook {
 public:
  LeaseBook(CounterTable& table, LeaseSettings settings) : table_(table), settings_(settings) {}

  // The rows to exchange now (distinct (key, window) pairs); `nodes` live nodes share the limits.
  std::vector<core::CounterLease> collect(std::int64_t now_ms, std::int64_t nodes);
  // The store's answer for the rows collect() returned (in any order).
  void apply(const std::vector<core::CounterLease>& rows);
  // The rows could not be exchanged: fail open.
  void fail_open();

  std::size_t keys() const { return entries_.size(); }

 private:
  struct Entry {
    std::uint64_t key = 0;
    std::int64_t limit = 0;
    std::int64_t win = 0;
    std::int64_t held = 0;       // this node's part of the window's shared count
    std::int64_t held_next = 0;  // leased for window win + 1 already
    std::int64_t others = 0;     // the other nodes' part, as last seen
    std::int64_t last_used = 0;  // the count at the last collect
    std::int64_t last_exchange_ms = -1;
    std::int64_t collected_ms = 0;
    double rate_per_ms = 0;  // recent admissions per ms (moving average)
  };
  enum class Kind : std::uint8_t { kCurrent, kNext, kSettle };
  struct Pending {
    std::uint32_t slot;
    Kind kind;
  };

  CounterTable& table_;
  LeaseSettings settings_;
  boost::unordered_flat_map<std::uint32_t, Entry> entries_;
  std::int64_t nodes_ = 1;
  std::int64_t now_ms_ = 0;
  // The rows of the last collect(), by (key, window).
  struct PairHash {
    std::size_t operator()(const std::pair<std::uint64_t, std::int64_t>& p) const {
      return std::hash<std::uint64_t>{}(p.first) ^ (std::hash<std::int64_t>{}(p.second) << 1);
    }
  };
  boost::unordered_flat_map<std::pair<std::uint64_t, std::int64_t>, Pending, PairHash> pending_;
};

}  // namespace gh::gateway
