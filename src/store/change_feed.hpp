#pragma once
// Groundwork for propagating changes between nodes (not wired into the gateway yet).
//
//   ChangeFeed feed(store);
//   std::int64_t seen = 0;
//   for (;;) {
//     auto batch = feed.after(seen);            // change_log rows with seq > seen, oldest first
//     if (batch) for (auto& c : *batch) { apply(c); seen = c.seq; }
//     if (!batch || batch->empty()) feed.wait_for_change(std::chrono::seconds(5));
//   }
//
// Contract:
//  - after(N) returns committed changes with seq > N in seq order. Sequences grow in commit order
//    (Tx::write_changes), so once a reader has seen N it will never later find a change < N;
//    gaps (rolled-back transactions) never fill.
//  - wait_for_change is a wake-up hint only. PostgreSQL: it returns true when a NOTIFY on
//    `gatehouse_changes` (sent by Tx::write_changes, delivered at commit, payload = seq) arrived
//    within the timeout, or when the listener connection was lost (it is re-made on the next call;
//    notifications sent meanwhile are lost, which is why callers always catch up with after()).
//    SQLite (one node): it sleeps for the timeout and returns false; callers poll.
//  - One ChangeFeed belongs to one thread.
#include <chrono>
#include <memory>
#include <vector>

#include "core/error.hpp"
#include "store/store.hpp"

namespace gh::store {

class PgListener;

class ChangeFeed {
 public:
  explicit ChangeFeed(Store& store);
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  core::Result<std::vector<Change>> after(std::int64_t seq, int limit = 500);
  bool wait_for_change(std::chrono::milliseconds timeout);

 private:
  Store& store_;
  std::unique_ptr<PgListener> listener_;
};

}  // namespace gh::store
