#include "app/change_watcher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "store/change_feed.hpp"

namespace gh::app {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

void pause_while(const std::atomic<bool>& running, Millis d) {
  auto until = Clock::now() + d;
  while (running.load() && Clock::now() < until) std::this_thread::sleep_for(Millis(20));
}

ChangeWatcher::ChangeWatcher(const ServeConfig& cfg, ControlSlot& control, NodeStatus& node,
                             gateway::SnapshotHolder& snapshots,
                             std::function<std::unique_ptr<ControlPlane>()> make_control,
                             http::ThreadPriority priority)
    : cfg_(cfg),
      control_(control),
      node_(node),
      snapshots_(snapshots),
      make_control_(std::move(make_control)),
      priority_(priority) {}

ChangeWatcher::~ChangeWatcher() {
  stop();
}

void ChangeWatcher::start() {
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void ChangeWatcher::stop() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
}

bool ChangeWatcher::reach_store() {
  try {
    control_.set(make_control_());
    node_.from_file = false;
    node_.store_ok = true;
    spdlog::info("store reachable again: bootstrapped and reloaded; management is back");
    return true;
  } catch (const std::exception& e) {
    spdlog::debug("store still unreachable: {}", e.what());
    return false;
  }
}

void ChangeWatcher::run() {
  http::lower_thread_priority(priority_);
  const Millis period(std::max(50, cfg_.change_poll_ms));
  const Millis max_backoff = std::max(period, Millis(1000));
  Millis backoff(100);
  auto back_off = [&] {
    pause_while(running_, backoff);
    backoff = std::min(backoff * 2, max_backoff);
  };
  std::unique_ptr<store::ChangeFeed> feed;
  while (running_.load()) {
    snapshots_.reclaim();  // replaced snapshots the request threads have let go of
    auto* cp = control_.current();
    if (!cp) {
      if (!reach_store()) back_off();
      continue;
    }
    if (!feed) feed = std::make_unique<store::ChangeFeed>(*cp->store);
    bool ok = cp->loader.apply_changes();
    if (ok != node_.store_ok.load()) {
      node_.store_ok = ok;
      if (ok)
        spdlog::info("store reachable again; snapshot caught up to change seq {}",
                     snapshots_.load()->change_seq);
      else
        spdlog::warn("store unreachable; the data plane keeps serving its snapshot");
    }
    if (!ok) {
      back_off();
      continue;
    }
    backoff = Millis(100);
    if (running_.load()) feed->wait_for_change(period);
  }
}

}  // namespace gh::app
