#include "core/background.hpp"

#include <sched.h>

namespace gh::core {
namespace {
thread_local bool background = false;
thread_local YieldPacer pacer;
thread_local std::uint64_t yields = 0;
}  // namespace

void mark_background_thread() {
  background = true;
}

bool is_background_thread() {
  return background;
}

void yield_to_foreground() {
  if (!background || !pacer.due(std::chrono::steady_clock::now())) return;
  ::sched_yield();
  ++yields;
}

std::uint64_t yields_of_this_thread() {
  return yields;
}

}  // namespace gh::core
