#include "store/change_feed.hpp"

#include <thread>

#include "store/postgres/postgres_backend.hpp"

namespace gh::store {

ChangeFeed::ChangeFeed(Store& store) : store_(store) {}
ChangeFeed::~ChangeFeed() = default;

core::Result<std::vector<Change>> ChangeFeed::after(std::int64_t seq, int limit) {
  return store_.read(
      [&](Tx& tx) -> core::Result<std::vector<Change>> { return tx.changes_after(seq, limit); });
}

bool ChangeFeed::wait_for_change(std::chrono::milliseconds timeout) {
  auto* pg = dynamic_cast<PostgresBackend*>(&store_.backend());
  if (!pg) {
    std::this_thread::sleep_for(timeout);
    return false;
  }
  try {
    if (!listener_) {
      listener_ = pg->listen(std::string(kChangeChannel));
      return true;  // anything committed before LISTEN took effect is only seen by after()
    }
    bool got = listener_->wait_for_notification(timeout).has_value();
    // Drain what else already arrived: one wake-up covers them all.
    while (got && listener_->wait_for_notification(std::chrono::milliseconds(0))) {
    }
    return got;
  } catch (const SqlError&) {
    listener_.reset();  // re-made on the next call; no busy loop while the server is away
    std::this_thread::sleep_for(timeout);
    return true;
  }
}

}  // namespace gh::store
