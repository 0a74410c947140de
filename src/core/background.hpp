#pragma once
// Cooperative yielding of background work (management calls, store transactions, snapshot
// updates) to the request loops that share its CPU.
//
// A lower priority alone does not keep background work out of a loop's way: on an EEVDF kernel
// a niced thread that the scheduler picked keeps the CPU until it blocks or its slice ends, even
// while a gateway loop is runnable. A management write is ~450 µs of CPU between blocking points,
// so a loop waited 200-500 µs behind it (perf sched, 100 writes/s). Background code therefore calls
// yield_to_foreground() between small steps: on a background thread, at most once per kYieldGap,
// and only while the gateway loops have work, it gives any runnable thread of its CPU a turn
// (sched_yield). Elsewhere it does nothing.
//
// "The loops have work": each gateway loop counts the requests it starts
// (note_foreground_work(), a plain increment of a counter of its own), and a background thread
// yields only when some loop's count moved since that thread last looked. With the gateway idle
// a yield helps no loop, and on a shared host sched_yield hands the CPU to other processes for up
// to a scheduler tick (4 ms measured per 1-client AppCode create, against a 0.1 ms fsync).
#include <chrono>
#include <cstdint>

namespace gh::core {

// Marks the calling thread as background work (http::lower_thread_priority does).
void mark_background_thread();
bool is_background_thread();

// Called by a foreground loop (the gateway) for every request it starts. A few instructions: the
// thread's own counter (one cache line per loop; threads beyond the first 64 share lines, which
// may lose a count but never hides that counts moved).
void note_foreground_work();

// On a background thread: sched_yield(), unless this thread yielded or looked less than kYieldGap
// ago, or no foreground loop noted work since this thread last looked. A no-op on other threads.
// Safe anywhere a thread may be preempted (it holds no lock of ours).
void yield_to_foreground();
// How many times this thread actually yielded (for tests and diagnostics).
std::uint64_t yields_of_this_thread();

// At most one yield per kYieldGap: more often, each yield costs a thread its place in the
// scheduler's order (its deadline moves a whole slice on) and management writes fall behind.
inline constexpr std::chrono::microseconds kYieldGap{50};

// The pacing rule on its own: due() when `now` is at least kYieldGap after the last due().
class YieldPacer {
 public:
  bool due(std::chrono::steady_clock::time_point now) {
    if (now - last_ < kYieldGap) return false;
    last_ = now;
    return true;
  }

 private:
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace gh::core
