// The lease book (gateway/counter_leases.hpp) against an in-memory stand-in for the shared counter
// that grants as store/counter_store.cpp does (its SQL is tested in counter_store_test.cpp):
// alone a node is exact, three nodes share one limit, a node restarted gets its count back, an
// outage fails open at the node's share, and a busy key has its next window leased before it.
#include "gateway/counter_leases.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <vector>

namespace gh::gateway {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kT0 = 1'800'000'000'000;  // a minute boundary
const WindowSpec kWindow{kMinute, 0, true};

// The shared counter: the arithmetic of CounterStore::exchange.
struct Shared {
  std::map<std::pair<std::uint64_t, std::int64_t>, std::int64_t> count;
  void exchange(std::vector<core::CounterLease>& rows) {
    for (auto& r : rows) {
      auto& c = count[{r.key, r.window}];
      std::int64_t prev = count.count({r.key, r.window - 1}) ? count[{r.key, r.window - 1}] : 0;
      c = std::max<std::int64_t>(0, c + r.add);
      std::int64_t room = std::max<std::int64_t>(0, r.limit - prev * r.weight / r.length_ms - c);
      r.granted = std::min(r.ask, (room + r.nodes - 1) / r.nodes);
      c += r.granted;
      r.count = c;
    }
  }
};

struct Node {
  CounterTable table{4096};
  LeaseBook book{table, LeaseSettings{}};
  Node() { table.enable_leases(); }
  bool call(std::int64_t limit, std::int64_t now, std::uint64_t key = 42) {
    return table.acquire(key, limit, kWindow, now).admitted;
  }
  void exchange(Shared& shared, std::int64_t now, std::int64_t nodes) {
    auto rows = book.collect(now, nodes);
    shared.exchange(rows);
    book.apply(rows);
  }
};

TEST(LeaseBook, AloneANodeIsExactAndARestartedOneGetsItsCountBack) {
  Shared shared;
  Node a;
  const std::int64_t now = kT0 + 1'000;
  int admitted = 0;
  for (int i = 0; i < 8; ++i) admitted += a.call(5, now);
  EXPECT_EQ(admitted, 5);  // before any exchange: exact on its own
  a.exchange(shared, now + 20, 1);
  EXPECT_EQ((shared.count[{42, window::index(kWindow, now)}]), 5);
  EXPECT_FALSE(a.call(5, now + 30));

  Node restarted;                            // same key, fresh memory
  EXPECT_TRUE(restarted.call(5, now + 40));  // its provisional request (alone: up to the limit)
  restarted.exchange(shared, now + 60, 1);
  EXPECT_FALSE(restarted.call(5, now + 70));  // the cluster's count is back
  EXPECT_EQ((shared.count[{42, window::index(kWindow, now)}]), 6);
}

TEST(LeaseBook, ThreeNodesUnderFullLoadShareOneLimit) {
  Shared shared;
  std::vector<std::unique_ptr<Node>> nodes;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(std::make_unique<Node>());
    nodes.back()->table.set_nodes(3);  // as the first heartbeat at start tells it
  }
  const std::int64_t limit = 1000;
  std::int64_t admitted = 0, refused = 0;
  // 50 requests per node every 20 ms for 3 s (7,500/s), an exchange per node per step.
  for (std::int64_t t = kT0 + 1'000; t < kT0 + 4'000; t += 20) {
    for (auto& n : nodes)
      for (int i = 0; i < 50; ++i) (n->call(limit, t) ? admitted : refused)++;
    for (auto& n : nodes) n->exchange(shared, t + 10, 3);
  }
  const std::int64_t bound = 3 * CounterTable::provisional(limit, 3);
  EXPECT_LE(admitted, limit + bound);
  EXPECT_GE(admitted, limit - bound);
  EXPECT_GE((shared.count[{42, window::index(kWindow, kT0)}]), admitted);  // all reported
}

TEST(LeaseBook, AnOutageFailsOpenAtTheNodesShare) {
  Shared shared;
  Node a;
  const std::int64_t now = kT0 + 1'000;
  EXPECT_TRUE(a.call(30, now));
  a.exchange(shared, now + 10, 3);  // three live nodes
  // The store is gone: the next window, the node admits its share, 30 / 3.
  const std::int64_t later = now + kMinute + kMinute;  // two windows on: no previous weight
  EXPECT_TRUE(a.call(30, later));
  a.book.collect(later + 10, 3);
  a.book.fail_open();
  int admitted = 1;
  for (int i = 0; i < 20; ++i) admitted += a.call(30, later + 20);
  EXPECT_EQ(admitted, 10);
  // Back: what was admitted meanwhile is reported (with a new lease on top).
  a.exchange(shared, later + 40, 3);
  EXPECT_GE((shared.count[{42, window::index(kWindow, later)}]), 10);
}

TEST(LeaseBook, ABusyKeyHasItsNextWindowLeasedBeforeItTurns) {
  Shared shared;
  Node a;
  const std::int64_t end = kT0 + kMinute;
  std::int64_t t = end - 200;
  for (; t < end - 30; t += 20) {
    for (int i = 0; i < 5; ++i) a.call(200, t);
    a.exchange(shared, t + 5, 2);
  }
  const auto next = window::index(kWindow, end);
  EXPECT_GT((shared.count[{42, next}]), 0);  // leased ahead
  // The window turns: more than the provisional share is admitted before any exchange.
  int admitted = 0;
  for (int i = 0; i < 20; ++i) admitted += a.call(200, end + 1);
  EXPECT_GT(admitted, CounterTable::provisional(200, 2));
}

TEST(LeaseBook, IdleKeysLeaveTheBook) {
  Shared shared;
  Node a;
  EXPECT_TRUE(a.call(5, kT0 + 1'000));
  a.exchange(shared, kT0 + 1'010, 1);
  EXPECT_EQ(a.book.keys(), 1u);
  a.exchange(shared, kT0 + 3 * kMinute + 10, 1);  // nothing for two windows
  EXPECT_EQ(a.book.keys(), 0u);
  EXPECT_TRUE(a.call(5, kT0 + 3 * kMinute + 20));  // handed over again
  a.exchange(shared, kT0 + 3 * kMinute + 30, 1);
  EXPECT_EQ(a.book.keys(), 1u);
}

}  // namespace
}  // namespace gh::gateway
