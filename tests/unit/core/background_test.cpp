#include "core/background.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "app/config.hpp"
#include "http/server.hpp"

namespace gh::core {
namespace {

using Clock = std::chrono::steady_clock;

TEST(YieldPacer, AllowsOneYieldPerGap) {
  YieldPacer pacer;
  Clock::time_point t{std::chrono::seconds(100)};
  EXPECT_TRUE(pacer.due(t));
  EXPECT_FALSE(pacer.due(t));
  EXPECT_FALSE(pacer.due(t + kYieldGap - std::chrono::microseconds(1)));
  EXPECT_TRUE(pacer.due(t + kYieldGap));
  EXPECT_FALSE(pacer.due(t + kYieldGap + std::chrono::microseconds(10)));
  EXPECT_TRUE(pacer.due(t + 3 * kYieldGap));
}

TEST(YieldToForeground, DoesNothingOnAForegroundThread) {
  std::uint64_t yields = 1;
  bool background = true;
  std::thread([&] {
    for (int i = 0; i < 100; ++i) {
      yield_to_foreground();
      std::this_thread::sleep_for(kYieldGap);
    }
    yields = yields_of_this_thread();
    background = is_background_thread();
  }).join();
  EXPECT_EQ(yields, 0u);
  EXPECT_FALSE(background);
}

TEST(YieldToForeground, YieldsOnABackgroundThreadAtMostOncePerGap) {
  std::uint64_t spaced = 0, burst = 0;
  std::thread([&] {
    mark_background_thread();
    for (int i = 0; i < 5; ++i) {
      note_foreground_work();  // a loop had work since the last look
      yield_to_foreground();
      std::this_thread::sleep_for(2 * kYieldGap);
    }
    spaced = yields_of_this_thread();
    auto start = Clock::now();
    while (Clock::now() - start < 10 * kYieldGap) {
      note_foreground_work();
      yield_to_foreground();
    }
    burst = yields_of_this_thread() - spaced;
  }).join();
  EXPECT_EQ(spaced, 5u);
  EXPECT_LE(burst, 11u);  // one per gap over ten gaps (plus the edge)
  EXPECT_GE(burst, 1u);
}

TEST(YieldToForeground, YieldsOnlyAfterForegroundWork) {
  std::uint64_t idle = 1, after_work = 0, after_look = 1;
  std::thread([&] {
    mark_background_thread();
    yield_to_foreground();  // the first look takes in whatever was counted before
    std::this_thread::sleep_for(2 * kYieldGap);
    auto before = yields_of_this_thread();
    for (int i = 0; i < 5; ++i) {
      yield_to_foreground();
      std::this_thread::sleep_for(2 * kYieldGap);
    }
    idle = yields_of_this_thread() - before;
    // Another thread (a loop) starts a request: the next due look yields, the one after does not.
    std::thread([] { note_foreground_work(); }).join();
    yield_to_foreground();
    after_work = yields_of_this_thread() - before - idle;
    std::this_thread::sleep_for(2 * kYieldGap);
    yield_to_foreground();
    after_look = yields_of_this_thread() - before - idle - after_work;
  }).join();
  EXPECT_EQ(idle, 0u);
  EXPECT_EQ(after_work, 1u);
  EXPECT_EQ(after_look, 0u);
}

TEST(YieldToForeground, LoweredPriorityMarksTheThreadAsBackground) {
  bool niced = false, idle = false;
  std::thread([&] {
    http::lower_thread_priority(app::parse_thread_priority("10"));
    niced = is_background_thread();
  }).join();
  std::thread([&] {
    http::lower_thread_priority(app::parse_thread_priority("idle"));
    idle = is_background_thread();
  }).join();
  EXPECT_TRUE(niced);
  EXPECT_TRUE(idle);
  EXPECT_FALSE(is_background_thread());  // this thread was not lowered
}

}  // namespace
}  // namespace gh::core
