#pragma once
// What the data plane knows, as one immutable value: the route configuration of every instance and
// the credential index. Request threads read a Snapshot through SnapshotHolder without locks;
// the loader builds the next one off the request threads and publishes it.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/background.hpp"
#include "gateway/code_index.hpp"
#include "gateway/routes.hpp"
#include "gateway/sharded_index.hpp"

namespace gh::gateway {

// Per instance: AppCode digest → app and AppKey → app. Values point into Credentials::apps of
// the same snapshot (every delta rewrites both together, so a snapshot is always consistent); the
// AppKey keys are views of the entries' own AppKeys (an app's key is dropped with its entry).
struct InstanceCredentials {
  CodeIndex codes;
  ShardedIndex<std::string_view, CodeEntry, TransparentHash> keys;
};

struct Credentials {
  // By app id; each key is a view of the id in the entry it maps to (no second copy of the id).
  ShardedIndex<std::string_view, std::shared_ptr<const AppEntry>, TransparentHash> apps;
  // Instances are few; a small vector beats a map here.
  std::vector<std::pair<std::string, InstanceCredentials>> by_instance;

  const InstanceCredentials* instance(std::string_view id) const {
    for (const auto& [k, v] : by_instance)
      if (k == id) return &v;
    return nullptr;
  }
};

struct Snapshot {
  std::shared_ptr<const RouteConfig> routes = std::make_shared<RouteConfig>();
  // What `routes` was built from (kept for the snapshot file); null in an empty snapshot and when
  // the loader does not keep them (SQLite nodes write no snapshot file).
  std::shared_ptr<const RouteInputs> route_inputs;
  Credentials credentials;
  std::int64_t change_seq = 0;  // the last change_log entry this snapshot includes
};

// Publishes snapshots. current() is wait-free in the common case: one relaxed atomic load of the
// version, and a locked pointer copy only when a new snapshot was published since this thread last
// looked.
//
// A replaced snapshot is destroyed by the publishing side, never by a request thread. Request
// threads drop their references (their current() view, the calls in flight) after the publisher
// did, so the last reference used to fall to a request thread, which then paid for the old
// snapshot's destruction: thousands of shard references dropped, a cache miss each, between two
// requests, once per management write. Now publish() parks the replaced snapshot in a retired list
// and reclaim() destroys those nobody else holds any more; it runs on every publish() and should
// be called periodically by the (low-priority) publishing thread.
class SnapshotHolder {
 public:
  SnapshotHolder() : snapshot_(std::make_shared<Snapshot>()) {}

  // The lock is held for a pointer swap only, so a request thread refreshing its view never
  // waits for the publisher's clean-up.
  void publish(std::shared_ptr<const Snapshot> next) {
    {
      std::lock_guard lock(mutex_);
      snapshot_.swap(next);
      published_ms_.store(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count(),
                          std::memory_order_relaxed);
      version_.fetch_add(1, std::memory_order_release);
    }
    core::yield_to_foreground();  // destroying retired snapshots is a step of its own
    std::lock_guard lock(retired_mutex_);
    retired_.push_back(std::move(next));  // the previous snapshot
    reclaim_locked();
  }

  // Destroys the retired snapshots that only this holder still references (no one can take a new
  // reference to a retired snapshot, so one found alone stays alone). Returns how many are still
  // held elsewhere.
  std::size_t reclaim() {
    std::lock_guard lock(retired_mutex_);
    return reclaim_locked();
  }

  std::shared_ptr<const Snapshot> load() const {
    std::lock_guard lock(mutex_);
    return snapshot_;
  }

  // How many snapshots were published: 0 while only the empty initial one is there.
  std::uint64_t published() const { return version_.load(std::memory_order_acquire); }
  // When the current snapshot was published (Unix milliseconds; 0 before the first).
  std::int64_t published_at_ms() const { return published_ms_.load(std::memory_order_relaxed); }

  // The calling thread's view: refreshed when the published version moved. The pointer stays
  // valid until this thread's next call; copy it to keep the snapshot longer.
  const std::shared_ptr<const Snapshot>& current() const {
    thread_local struct {
      const SnapshotHolder* holder = nullptr;
      std::uint64_t version = ~0ull;
      std::shared_ptr<const Snapshot> snapshot;
    } cache;
    auto v = version_.load(std::memory_order_acquire);
    if (cache.holder != this || cache.version != v) {
      cache.snapshot = load();
      cache.holder = this;
      cache.version = v;
    }
    return cache.snapshot;
  }

 private:
  std::size_t reclaim_locked() {
    // use_count() == 1 only decides when to reset(); the reset's own atomic decrement orders the
    // destruction after every other owner's last use.
    std::erase_if(retired_, [](const std::shared_ptr<const Snapshot>& s) {
      return s == nullptr || s.use_count() == 1;
    });
    return retired_.size();
  }

  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::atomic<std::uint64_t> version_{0};
  std::atomic<std::int64_t> published_ms_{0};
  std::mutex retired_mutex_;
  std::vector<std::shared_ptr<const Snapshot>> retired_;  // replaced, maybe still in use
};

}  // namespace gh::gateway
