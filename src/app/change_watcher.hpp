#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "app/config.hpp"
#include "app/control_plane.hpp"
#include "app/health.hpp"
#include "gateway/snapshot.hpp"
#include "http/server.hpp"

namespace gh::app {

// Where the node's control plane lives: absent while the store has not been reached (the node
// serves its snapshot file), set once and never replaced afterwards. Request threads read
// `current()`; only the starter and the change watcher set it.
class ControlSlot {
 public:
  ControlPlane* current() const { return control_.load(); }
  void set(std::unique_ptr<ControlPlane> made) {
    owner_ = std::move(made);
    control_ = owner_.get();
  }

 private:
  std::unique_ptr<ControlPlane> owner_;
  std::atomic<ControlPlane*> control_{nullptr};
};

// The change watcher thread. Without a control plane (the node started from its snapshot file)
// it keeps trying to build one with `make_control`, then bootstraps and reloads. With one it
// follows changes made by other nodes sharing the store: on PostgreSQL it wakes on NOTIFY, and
// every --change-poll-ms at the latest (drift check; catch-up after lost notifications, from the
// snapshot's last seq); on SQLite it polls. While the store is unreachable apply_changes() fails
// and leaves the snapshot in force; the watcher backs off (100 ms doubling to max(poll, 1 s)) and
// retries. It keeps `node.store_ok` and `node.from_file` true to what it saw last.
class ChangeWatcher {
 public:
  ChangeWatcher(const ServeConfig& cfg, ControlSlot& control, NodeStatus& node,
                gateway::SnapshotHolder& snapshots,
                std::function<std::unique_ptr<ControlPlane>()> make_control,
                http::ThreadPriority priority);
  ~ChangeWatcher();  // stops and joins

  void start();
  void stop();  // returns once the thread has ended

 private:
  void run();
  bool reach_store();  // builds the control plane; false while the store is still unreachable

  const ServeConfig& cfg_;
  ControlSlot& control_;
  NodeStatus& node_;
  gateway::SnapshotHolder& snapshots_;
  std::function<std::unique_ptr<ControlPlane>()> make_control_;
  http::ThreadPriority priority_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

// Pauses up to `d`, returning early once `running` turns false (checked every 20 ms).
void pause_while(const std::atomic<bool>& running, std::chrono::milliseconds d);

}  // namespace gh::app
