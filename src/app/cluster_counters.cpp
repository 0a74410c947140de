#include "app/cluster_counters.hpp"

#include <spdlog/spdlog.h>

#include <random>

#include "core/clock.hpp"
#include "store/counter_store.hpp"

namespace gh::app {
namespace {

constexpr std::int64_t kHeartbeatMs = 500;
constexpr std::int64_t kAliveMs = 3'000;  // a node silent this long no longer shares the limits
constexpr std::int64_t kGcMs = 10'000;

std::string random_node_id() {
  std::random_device rd;
  std::uniform_int_distribution<std::uint64_t> d;
  return fmt::format("{:016x}{:016x}", d(rd), d(rd));
}

}  // namespace

ClusterCounters::ClusterCounters(gateway::CounterTable& table, std::function<store::Store*()> store,
                                 gateway::LeaseSettings settings, http::ThreadPriority priority)
    : table_((table.enable_leases(), table)),
      book_(table, settings),
      store_(std::move(store)),
      settings_(settings),
      node_id_(random_node_id()) {
  // Joins the live set before the first request: until it knows, a node counts as alone.
  try {
    if (auto* st = store_()) {
      last_heartbeat_ms_ = core::to_millis(core::now_nanos());
      nodes_ = store::CounterStore(st->backend()).heartbeat(node_id_, last_heartbeat_ms_, kAliveMs);
      table.set_nodes(nodes_);
    }
  } catch (const std::exception& e) {
    spdlog::debug("cluster counters: first heartbeat: {}", e.what());
  }
  table.set_waker([this] { wake_.notify_one(); });
  thread_ = std::thread([this, priority] { run(priority); });
}

ClusterCounters::~ClusterCounters() {
  stop();
}

void ClusterCounters::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (auto* st = store_()) try {
      store::CounterStore(st->backend()).leave(node_id_);
    } catch (const std::exception& e) {
      spdlog::debug("cluster counters: leaving: {}", e.what());
    }
}

bool ClusterCounters::exchange(std::int64_t now_ms) {
  // The book is read first, store or not: keys that arrived meanwhile fail open too.
  auto rows = book_.collect(now_ms, nodes_);
  try {
    store::Store* st = store_();
    if (!st) throw store::SqlError(store::SqlError::Kind::kUnavailable, "store not opened yet");
    store::CounterStore counters(st->backend());
    if (now_ms - last_heartbeat_ms_ >= kHeartbeatMs) {
      nodes_ = counters.heartbeat(node_id_, now_ms, kAliveMs);
      last_heartbeat_ms_ = now_ms;
    }
    counters.exchange(rows);
    book_.apply(rows);
    if (now_ms - last_gc_ms_ >= kGcMs) {
      last_gc_ms_ = now_ms;
      if (auto n = counters.collect_garbage(now_ms); n > 0)
        spdlog::debug("cluster counters: {} rows of windows that are over deleted", n);
    }
    return true;
  } catch (const std::exception& e) {
    book_.fail_open();
    if (up_.exchange(false)) {
      outages_.fetch_add(1);
      spdlog::warn(
          "cluster counters: store unreachable ({}); each node admits its share (1/{}) of every "
          "throttling limit and quota until it is back (fail open)",
          e.what(), nodes_);
    }
    return false;
  }
}

void ClusterCounters::run(http::ThreadPriority priority) {
  http::lower_thread_priority(priority);
  const auto period = std::chrono::milliseconds(std::max<std::int64_t>(1, settings_.interval_ms));
  constexpr auto kMinGap = std::chrono::milliseconds(2);  // woken early: at most 500/s
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    table_.clear_want();
    bool was_up = up_.load();
    if (exchange(core::to_millis(core::now_nanos())) && !was_up) {
      up_ = true;
      spdlog::info(
          "cluster counters: store reachable again; what each node admitted meanwhile is counted "
          "(live nodes: {})",
          nodes_);
    }
    lock.lock();
    wake_.wait_for(lock, kMinGap, [this] { return stopping_; });
    wake_.wait_for(lock, period - kMinGap, [this] { return stopping_ || table_.wanted(); });
  }
}

}  // namespace gh::app

namespace gh::app {

std::unique_ptr<ClusterCounters> start_cluster_counters(const std::string& location,
                                                        gateway::CounterTable& table,
                                                        http::ThreadPriority priority,
                                                        std::function<store::Store*()> store) {
  if (!store::Store::is_postgres_location(location)) return nullptr;
  return std::make_unique<ClusterCounters>(table, std::move(store), gateway::LeaseSettings{},
                                           priority);
}

}  // namespace gh::app
