#pragma once
// Cluster-wide throttling on a PostgreSQL store (docs/operations.md#throttling-cluster): the
// thread that exchanges the gateway's lease book (gateway/counter_leases.hpp) with the shared
// counters (store/counter_store.hpp) every `interval_ms`, heartbeats the node, and deletes the
// rows of windows that are over. A SQLite node has no such thread: it counts in memory alone.
//
// When an exchange fails (store unreachable, or not opened yet) the book fails open; the outage
// is logged once when it begins and once when it ends, and shown by counters_up() and
// outages() (metrics gatehouse_cluster_counters_up, gatehouse_cluster_counter_outages_total).
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gateway/counter_leases.hpp"
#include "gateway/rate_counter.hpp"
#include "http/server.hpp"
#include "store/store.hpp"

namespace gh::app {

class ClusterCounters {
 public:
  // Switches `table` to leases and starts the thread; `store` returns the store, or nullptr
  // while there is none (the node started from its snapshot file).
  ClusterCounters(gateway::CounterTable& table, std::function<store::Store*()> store,
                  gateway::LeaseSettings settings, http::ThreadPriority priority);
  ~ClusterCounters();  // stop()
  ClusterCounters(const ClusterCounters&) = delete;
  ClusterCounters& operator=(const ClusterCounters&) = delete;

  // Stops the thread and takes the node out of the live set (so the others' shares grow).
  void stop();
  bool counters_up() const { return up_.load(); }
  std::uint64_t outages() const { return outages_.load(); }

 private:
  void run(http::ThreadPriority priority);
  bool exchange(std::int64_t now_ms);

  gateway::CounterTable& table_;
  gateway::LeaseBook book_;
  std::function<store::Store*()> store_;
  gateway::LeaseSettings settings_;
  std::string node_id_;
  std::int64_t nodes_ = 1;
  std::int64_t last_heartbeat_ms_ = 0;
  std::int64_t last_gc_ms_ = 0;
  std::atomic<bool> up_{true};
  std::atomic<std::uint64_t> outages_{0};
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// The thread for a node on `location` when it is a PostgreSQL store; nullptr for SQLite.
std::unique_ptr<ClusterCounters> start_cluster_counters(const std::string& location,
                                                        gateway::CounterTable& table,
                                                        http::ThreadPriority priority,
                                                        std::function<store::Store*()> store);

}  // namespace gh::app
