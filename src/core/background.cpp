#include "core/background.hpp"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstddef>

namespace gh::core {
namespace {
thread_local bool background = false;
thread_local YieldPacer pacer;
thread_local std::uint64_t yields = 0;

// Foreground work counters: one cache line per loop thread, written by that thread only (a plain
// load and store, no locked instruction), read by background threads when a yield is due.
struct alignas(64) WorkCount {
  std::atomic<std::uint64_t> n{0};
};
constexpr std::size_t kWorkCounts = 64;
WorkCount work_counts[kWorkCounts];
std::atomic<std::size_t> work_counts_taken{0};
thread_local WorkCount* my_work_count = nullptr;
thread_local std::uint64_t work_seen = 0;  // a background thread's sum at its last look

// True when some foreground loop noted work since this thread last asked.
bool foreground_moved() {
  std::size_t used = std::min(work_counts_taken.load(std::memory_order_relaxed), kWorkCounts);
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < used; ++i) sum += work_counts[i].n.load(std::memory_order_relaxed);
  bool moved = sum != work_seen;
  work_seen = sum;
  return moved;
}
}  // namespace

void mark_background_thread() {
  background = true;
}

bool is_background_thread() {
  return background;
}

void note_foreground_work() {
  if (!my_work_count) {
    my_work_count = &work_counts[work_counts_taken.fetch_add(1) % kWorkCounts];
  }
  auto& n = my_work_count->n;
  n.store(n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

void yield_to_foreground() {
  if (!background || !pacer.due(std::chrono::steady_clock::now()) || !foreground_moved()) return;
  ::sched_yield();
  ++yields;
}

std::uint64_t yields_of_this_thread() {
  return yields;
}

}  // namespace gh::core
