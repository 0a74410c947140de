#include "gateway/rate_counter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace gh::gateway {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kT0 = 1'800'000'000'000;  // a minute boundary (divisible by 60,000)

TEST(Window, IndexIsFloorDivisionFromTheOrigin) {
  WindowSpec w{kMinute, 0, true};
  EXPECT_EQ(window::index(w, kT0), kT0 / kMinute);
  EXPECT_EQ(window::index(w, kT0 + kMinute - 1), kT0 / kMinute);
  EXPECT_EQ(window::index(w, kT0 + kMinute), kT0 / kMinute + 1);
  WindowSpec q{3'600'000, kT0 + 300'000, false};  // hours aligned on hh:05
  EXPECT_EQ(window::index(q, kT0 + 300'000), 0);
  EXPECT_EQ(window::index(q, kT0 + 299'999), -1);  // before the origin: negative, not 0
  EXPECT_EQ(window::elapsed(q, -1, kT0 + 299'999), 3'599'999);
}

TEST(Window, PreviousWindowWeighsByTheShareStillInside) {
  EXPECT_EQ(window::weighted_previous(10, 0, 1000), 10);
  EXPECT_EQ(window::weighted_previous(10, 500, 1000), 5);
  EXPECT_EQ(window::weighted_previous(10, 999, 1000), 0);  // floor(0.01)
  EXPECT_EQ(window::weighted_previous(10, 1000, 1000), 0);
  EXPECT_EQ(window::weighted_previous(2'147'483'647, 1, 86'400'000LL * 2'147'483'647LL),
            2'147'483'646);  // no overflow with the largest limit and period
}

TEST(Window, WaitIsTheTimeUntilTheEstimateFallsUnderTheLimit) {
  WindowSpec w{1000, 0, true};
  // Current window full: the rest of it, then 1 ms into the next (10 × 999/1000 floors to 9).
  EXPECT_EQ(window::wait_ms(w, 0, 10, 10, 400), 600 + 1);
  // Previous window weighs 10 × (1000 − 200)/1000 = 8, current 2, limit 10: admitted once
  // floor(10 × (1000 − e)/1000) < 8, i.e. e > 200.
  EXPECT_EQ(window::wait_ms(w, 10, 2, 10, 200), 1);
  EXPECT_EQ(window::wait_ms(w, 10, 5, 10, 200), 301);  // e > 500
  WindowSpec fixed{1000, 0, false};
  EXPECT_EQ(window::wait_ms(fixed, 0, 10, 10, 400), 600);
}

TEST(CounterTable, ExactlyLimitAdmittedInOneWindow) {
  CounterTable t(4096);
  WindowSpec w{kMinute, 0, true};
  int admitted = 0, refused = 0;
  for (int i = 0; i < 15; ++i) {
    auto a = t.acquire(42, 10, w, kT0 + 1000 + i);
    (a.admitted ? admitted : refused)++;
    if (a.admitted) {
      EXPECT_EQ(a.remaining, 9 - i);
    } else {
      EXPECT_EQ(a.retry_after_ms, kMinute - 1000 - i + 1);
    }
  }
  EXPECT_EQ(admitted, 10);
  EXPECT_EQ(refused, 5);
  EXPECT_EQ(t.count(42, w, kT0 + 2000), 10);
  EXPECT_EQ(t.count(43, w, kT0 + 2000), 0);  // another key
}

TEST(CounterTable, SlidingWindowCarriesThePreviousCount) {
  CounterTable t(4096);
  WindowSpec w{1000, 0, true};
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(t.acquire(7, 10, w, kT0 + 900).admitted);
  // 250 ms into the next window the previous count weighs floor(10 × 0.75) = 7: 3 more.
  int admitted = 0;
  for (int i = 0; i < 5; ++i) admitted += t.acquire(7, 10, w, kT0 + 1250).admitted;
  EXPECT_EQ(admitted, 3);
  // Two windows later nothing weighs.
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(t.acquire(7, 10, w, kT0 + 3100).admitted);
}

TEST(CounterTable, FixedWindowsResetAtTheirBoundary) {
  CounterTable t(4096);
  WindowSpec q{kMinute, kT0 + 5000, false};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(t.acquire(9, 3, q, kT0 + 4000).admitted);
  auto refused = t.acquire(9, 3, q, kT0 + 4000);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_after_ms, 1000);  // the period ends at the origin
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(t.acquire(9, 3, q, kT0 + 5000).admitted);
  EXPECT_FALSE(t.acquire(9, 3, q, kT0 + 5000 + kMinute - 1).admitted);
}

TEST(CounterTable, ReleaseGivesBackOneRequestOfTheSameWindow) {
  CounterTable t(4096);
  WindowSpec w{kMinute, 0, true};
  ASSERT_TRUE(t.acquire(5, 1, w, kT0).admitted);
  ASSERT_FALSE(t.acquire(5, 1, w, kT0).admitted);
  t.release(5, w, kT0);
  EXPECT_TRUE(t.acquire(5, 1, w, kT0).admitted);
  t.release(5, w, kT0 + kMinute);  // the window is over: nothing to give back there
  EXPECT_EQ(t.count(5, w, kT0), 1);
}

TEST(CounterTable, IdleKeysLeaveTheirSlotsToNewOnes) {
  CounterTable t(4096);  // one chunk: at most 4,096 live keys
  WindowSpec w{1000, 0, true};
  int uncounted_before = 0;
  for (std::uint64_t k = 0; k < 20'000; ++k) t.acquire(1000 + k, 5, w, kT0);
  EXPECT_GT(t.uncounted(), 0u);  // more live keys than slots: admitted uncounted
  uncounted_before = static_cast<int>(t.uncounted());
  // Two windows later they are idle: the same number of new keys is counted.
  for (std::uint64_t k = 0; k < 3000; ++k) t.acquire(900'000 + k, 5, w, kT0 + 2500);
  EXPECT_EQ(static_cast<int>(t.uncounted()), uncounted_before);
  EXPECT_EQ(t.count(900'000, w, kT0 + 2500), 1);
}

TEST(CounterTable, ExactUnderConcurrentLoops) {
  CounterTable t;
  WindowSpec w{kMinute, 0, true};
  constexpr int kThreads = 2, kEach = 50'000, kLimit = 33'333;
  std::atomic<int> admitted{0}, ready{0};
  std::vector<std::thread> threads;
  for (int n = 0; n < kThreads; ++n)
    threads.emplace_back([&] {
      ++ready;
      while (ready.load() < kThreads) {  // start together: the CAS loops contend
      }
      int mine = 0;
      for (int i = 0; i < kEach; ++i) mine += t.acquire(77, kLimit, w, kT0 + 10).admitted;
      admitted += mine;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(admitted.load(), kLimit);
  EXPECT_EQ(t.count(77, w, kT0 + 10), kLimit);
}

TEST(CounterTable, ManyNewKeysFromTwoLoopsEachGetOneSlot) {
  CounterTable t;
  WindowSpec w{kMinute, 0, true};
  std::vector<std::thread> threads;
  for (int n = 0; n < 2; ++n)
    threads.emplace_back([&] {
      for (std::uint64_t k = 0; k < 5000; ++k) t.acquire(mix_key(k, 1), 1000, w, kT0);
    });
  for (auto& th : threads) th.join();
  for (std::uint64_t k = 0; k < 5000; ++k) ASSERT_EQ(t.count(mix_key(k, 1), w, kT0), 2) << k;
}

}  // namespace
}  // namespace gh::gateway
