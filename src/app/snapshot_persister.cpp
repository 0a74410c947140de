#include "app/snapshot_persister.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "app/change_watcher.hpp"
#include "gateway/snapshot_file.hpp"

namespace gh::app {

SnapshotPersister::SnapshotPersister(bool enabled, std::string path, const crypto::Sealer& sealer,
                                     const gateway::SnapshotHolder& snapshots,
                                     const std::atomic<bool>& from_file,
                                     http::ThreadPriority priority)
    : enabled_(enabled),
      path_(std::move(path)),
      sealer_(sealer),
      snapshots_(snapshots),
      from_file_(from_file),
      priority_(priority) {}

SnapshotPersister::~SnapshotPersister() {
  stop();
}

void SnapshotPersister::start() {
  if (!enabled_) return;
  running_ = true;
  thread_ = std::thread([this] {
    http::lower_thread_priority(priority_);
    using Clock = std::chrono::steady_clock;
    auto last_write = Clock::now() - std::chrono::seconds(1);
    while (running_.load()) {
      pause_while(running_, std::chrono::milliseconds(100));
      if (Clock::now() - last_write >= std::chrono::seconds(1) && persist())
        last_write = Clock::now();
    }
  });
}

void SnapshotPersister::stop() {
  running_ = false;
  if (!thread_.joinable()) return;
  thread_.join();
  persist();
}

bool SnapshotPersister::persist() {
  auto snap = snapshots_.load();
  if (!enabled_ || snap == written_ || !snap->route_inputs || from_file_.load()) return false;
  if (auto r = gateway::write_snapshot_file(path_, *snap, sealer_); !r) {
    spdlog::warn("{}", r.error().message);
    return true;
  }
  written_ = std::move(snap);
  spdlog::debug("snapshot file written (change seq {})", written_->change_seq);
  return true;
}

}  // namespace gh::app
