#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "crypto/sealer.hpp"
#include "gateway/snapshot.hpp"
#include "http/server.hpp"

namespace gh::app {

// Keeps the snapshot file (docs/operations.md#snapshot-file) up to date, off the request path:
// at most once a second while running and once more at stop(), so that a PostgreSQL node can
// start from it while the store is unreachable. Only PostgreSQL nodes read the file (an
// unreachable SQLite file is fatal), so when `enabled` is false nothing is written at all.
// A snapshot that came from the file itself (`from_file`) is not written back.
class SnapshotPersister {
 public:
  SnapshotPersister(bool enabled, std::string path, const crypto::Sealer& sealer,
                    const gateway::SnapshotHolder& snapshots, const std::atomic<bool>& from_file,
                    http::ThreadPriority priority);
  ~SnapshotPersister();  // stop()

  void start();
  // Joins the thread, then writes the snapshot in force if the file does not hold it yet.
  void stop();

 private:
  bool persist();  // whether it tried to write

  bool enabled_;
  std::string path_;
  const crypto::Sealer& sealer_;
  const gateway::SnapshotHolder& snapshots_;
  const std::atomic<bool>& from_file_;
  http::ThreadPriority priority_;
  std::shared_ptr<const gateway::Snapshot> written_;  // what the file holds; the thread's
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace gh::app
