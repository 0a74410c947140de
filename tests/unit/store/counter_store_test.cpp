// The cluster's shared throttling counters on PostgreSQL (store/counter_store.hpp): grants never
// sum above the limit, the sliding window's previous row weighs in, reports and give-backs move
// the count, live nodes are counted, and rows of windows that are over are deleted.
#include "store/counter_store.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "store_fixture.hpp"

namespace gh::testing {
namespace {

class CounterStoreTest : public ::testing::Test, protected StoreHarness {
 protected:
  void SetUp() override {
    if (pg_admin_url().empty()) GTEST_SKIP() << kPgSkipMessage;
    set_up(Backend::kPostgres);
  }
  void TearDown() override { tear_down(); }

  static core::CounterLease row(std::uint64_t key, std::int64_t win, std::int64_t add,
                                std::int64_t ask, std::int64_t limit, std::int64_t nodes = 1) {
    core::CounterLease r;
    r.key = key;
    r.window = win;
    r.add = add;
    r.ask = ask;
    r.limit = limit;
    r.length_ms = 60'000;
    r.nodes = nodes;
    r.expires_ms = 1'000;
    return r;
  }
};

TEST_F(CounterStoreTest, GrantsComeFromWhatTheLimitLeavesSplitAmongTheNodes) {
  store::CounterStore cs(store_->backend());
  const std::uint64_t key = 0xfedcba9876543210ull;  // above INT64_MAX: stored as a negative
  std::vector<core::CounterLease> rows = {row(key, 7, 0, 100, 100, 3)};
  cs.exchange(rows);
  EXPECT_EQ(rows[0].granted, 34);  // ceil(100 / 3)
  EXPECT_EQ(rows[0].count, 34);
  rows = {row(key, 7, 5, 100, 100, 3)};  // 5 admitted beyond leases: counted whatever
  cs.exchange(rows);
  EXPECT_EQ(rows[0].granted, 21);  // ceil((100 − 39) / 3)
  EXPECT_EQ(rows[0].count, 60);
  rows = {row(key, 7, 50, 10, 100, 3)};  // over the limit: nothing more granted
  cs.exchange(rows);
  EXPECT_EQ(rows[0].granted, 0);
  EXPECT_EQ(rows[0].count, 110);
  rows = {row(key, 7, -30, 0, 100, 3)};  // a lease given back
  cs.exchange(rows);
  EXPECT_EQ(rows[0].count, 80);
  rows = {row(key, 8, 0, 1000, 100, 1), row(key + 1, 7, 0, 3, 100, 1)};  // other rows: their own
  cs.exchange(rows);
  EXPECT_EQ(rows[0].granted + rows[1].granted, 103);
}

TEST_F(CounterStoreTest, TheSlidingWindowsPreviousRowWeighsIntoTheRoom) {
  store::CounterStore cs(store_->backend());
  std::vector<core::CounterLease> rows = {row(9, 1, 80, 0, 100)};
  cs.exchange(rows);
  auto r = row(9, 2, 0, 1000, 100);
  r.weight = 45'000;  // 15 s into the window: 80 × 45/60 = 60 weigh
  rows = {r};
  cs.exchange(rows);
  EXPECT_EQ(rows[0].granted, 40);
  r.weight = 0;  // fixed windows (quotas): the previous window weighs nothing
  r.key = 10;
  rows = {r};
  cs.exchange(rows);
  EXPECT_EQ(rows[0].granted, 100);
}

TEST_F(CounterStoreTest, ConcurrentNodesNeverGetMoreThanTheLimit) {
  constexpr int kNodes = 4, kRounds = 50;
  std::vector<std::int64_t> granted(kNodes, 0);
  std::vector<std::thread> threads;
  for (int n = 0; n < kNodes; ++n)
    threads.emplace_back([&, n] {
      auto st = open(2);
      store::CounterStore cs(st->backend());
      for (int i = 0; i < kRounds; ++i) {
        // Overlapping rows in both orders: locked in key order, no deadlock.
        std::vector<core::CounterLease> rows = {row(n % 2 ? 1 : 2, 5, 0, 7, 1000, kNodes),
                                                row(n % 2 ? 2 : 1, 5, 0, 7, 1000, kNodes)};
        cs.exchange(rows);
        granted[n] += rows[0].granted + rows[1].granted;
      }
    });
  for (auto& t : threads) t.join();
  std::int64_t total = 0;
  for (auto g : granted) total += g;
  // 4 × 50 asks of 7 per row (1,400) against a limit of 1,000 each: exactly the limits.
  EXPECT_EQ(total, 2000);
  store::CounterStore cs(store_->backend());
  std::vector<core::CounterLease> rows = {row(1, 5, 0, 1000, 1000, 1), row(2, 5, 0, 1000, 1000, 1)};
  cs.exchange(rows);
  EXPECT_EQ(rows[0].count, 1000);
  EXPECT_EQ(rows[1].count, 1000);
  EXPECT_EQ(rows[0].granted + rows[1].granted, 0);
}

TEST_F(CounterStoreTest, NodesAreCountedWhileAliveAndOldRowsAreDeleted) {
  store::CounterStore cs(store_->backend());
  EXPECT_EQ(cs.heartbeat("a", 10'000, 3'000), 1);
  EXPECT_EQ(cs.heartbeat("b", 11'000, 3'000), 2);
  EXPECT_EQ(cs.heartbeat("a", 14'500, 3'000), 1);  // b silent for 3.5 s
  cs.leave("a");
  EXPECT_EQ(cs.heartbeat("c", 14'600, 3'000), 1);
  std::vector<core::CounterLease> rows = {row(1, 1, 1, 0, 10), row(1, 2, 1, 0, 10)};
  rows[1].expires_ms = 5'000;
  cs.exchange(rows);
  EXPECT_EQ(cs.collect_garbage(2'000), 1);  // window 1 (expired at 1,000), not window 2
  EXPECT_EQ(cs.collect_garbage(2'000), 0);
  EXPECT_EQ(cs.collect_garbage(6'000), 1);
}

}  // namespace
}  // namespace gh::testing
