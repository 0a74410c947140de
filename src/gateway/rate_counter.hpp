#pragma once
// The one counting primitive of request throttling and app quotas (docs/operations.md#throttling).
//
// Algorithm: a sliding-window counter over fixed windows. Time is cut into windows of
// `length_ms` aligned on `origin_ms` (Unix milliseconds, so every node cuts the same windows); a
// key keeps the count of the current window and of the previous one, and a request is admitted
// when
//     floor(previous × (length − elapsed) / length) + current < limit
// (elapsed: milliseconds since the current window began). Within a window whose predecessor saw
// nothing this is exact: limit + k requests see exactly k refusals. Across a boundary the
// previous window's weight smooths the burst a fixed window would allow (2 × limit around the
// boundary). App quotas use the same table with `sliding = false`: plain fixed windows aligned on
// the quota's reset time.
//
// Concurrency: every event loop of the node shares one CounterTable. A key's two windows are two
// 64-bit words, each (window tag << 32 | count); a request reads the previous window's word and
// changes the current one with one compare-and-swap, the admission test inside the CAS loop, so
// concurrent requests never admit more than the limit. No lock on the path (a slot being reused
// for another key is waited for, a few stores).
//
// Memory: a fixed number of slots (32 bytes each), allocated by chunks of 4,096 on first use; a
// key finds its slot by linear probing over at most 32 slots of one chunk. A key idle for two
// windows leaves its slot to the next key that needs one. A table with no slot left for a new key
// admits its requests uncounted (fail open) and counts them in uncounted().
//
// Cluster mode (enable_leases(), PostgreSQL stores; docs/operations.md#throttling-cluster): each
// slot also holds what the node's lease book (counter_leases.hpp) last learnt from the shared
// counter — the other nodes' count and this node's ceiling for the window — and a request is
// admitted when, in addition, the node's own count stays under that ceiling. Keys are handed to
// the book through a lock-free queue the first time they count. Callers do not change; a table
// without leases takes the same path as before (one predictable branch).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

namespace gh::gateway {

struct WindowSpec {
  std::int64_t length_ms = 1000;  // > 0
  std::int64_t origin_ms = 0;     // windows begin at origin + n × length (n may be negative)
  bool sliding = true;            // false: fixed windows (the previous one weighs nothing)
};

struct Admission {
  bool admitted = true;
  std::int64_t limit = 0;
  std::int64_t remaining = 0;       // requests still admitted in this window after this one
  std::int64_t retry_after_ms = 0;  // refused: milliseconds until a request would be admitted
};

// The window arithmetic, as pure functions.
namespace window {
// The index of the window `now_ms` is in (floor division: before the origin it is negative).
std::int64_t index(const WindowSpec& w, std::int64_t now_ms);
// Milliseconds since window `idx` began.
std::int64_t elapsed(const WindowSpec& w, std::int64_t idx, std::int64_t now_ms);
// The previous window's count as it weighs `elapsed` ms into the current one.
std::int64_t weighted_previous(std::int64_t previous, std::int64_t elapsed, std::int64_t length);
// Given the counts of a refused request, milliseconds until a request would be admitted.
std::int64_t wait_ms(const WindowSpec& w, std::int64_t previous, std::int64_t current,
                     std::int64_t limit, std::int64_t elapsed);
}  // namespace window

// A key of the table: a 64-bit hash of (policy, scope, subject); 0 is never a key (key_of maps it
// elsewhere). Two subjects whose hashes collide share a counter (probability ~ n² / 2^65).
std::uint64_t mix_key(std::uint64_t a, std::uint64_t b);
std::uint64_t hash_text(const char* data, std::size_t size);

class CounterTable {
 public:
  // `capacity` slots at most (rounded up to a multiple of 4,096).
  explicit CounterTable(std::size_t capacity = std::size_t{1} << 20);
  ~CounterTable();
  CounterTable(const CounterTable&) = delete;
  CounterTable& operator=(const CounterTable&) = delete;

  // Counts one request for `key` when admitted under `limit` (≥ 1) at `now_ms`.
  Admission acquire(std::uint64_t key, std::int64_t limit, const WindowSpec& w,
                    std::int64_t now_ms);
  // Takes back one request acquire() admitted for `key` in the same window (a later check of the
  // same request refused it). Nothing happens once that window is over.
  void release(std::uint64_t key, const WindowSpec& w, std::int64_t now_ms);
  // The count of the window `now_ms` is in (tests, debug).
  std::int64_t count(std::uint64_t key, const WindowSpec& w, std::int64_t now_ms) const;

  // Requests admitted uncounted because no slot was free.
  std::uint64_t uncounted() const { return uncounted_.load(std::memory_order_relaxed); }
  std::size_t capacity() const { return chunks_ * kChunk; }

  // --- Cluster mode (the lease book's side; one thread) ---
  // Switches leases on; call before the first acquire().
  void enable_leases();
  bool leased() const { return leases_ != nullptr; }
  // How many nodes share the limits (the book sets it; 1: this node counts alone and exactly).
  void set_nodes(std::int64_t n) { nodes_.store(n, std::memory_order_relaxed); }
  std::int64_t nodes() const { return nodes_.load(std::memory_order_relaxed); }
  // Requests a node admits for a key before its first lease of a window (alone: the limit).
  static std::int64_t provisional(std::int64_t limit, std::int64_t nodes);
  // The next slot whose key counted since it was handed over (its id); false when none.
  bool next_registered(std::uint32_t& slot);
  struct SlotView {
    std::uint64_t key = 0;
    std::int64_t limit = 0;
    WindowSpec window;
    std::int64_t idle_after_ms = 0;
  };
  // What the slot counts now; false for a slot never used.
  bool inspect(std::uint32_t slot, SlotView& out) const;
  // The slot's count of window `idx` (0 once the window's cell was reused).
  std::int64_t count_at(std::uint32_t slot, std::int64_t idx) const;
  // The shared counter's answer for window `idx`: the other nodes' count, this node's ceiling.
  void set_lease(std::uint32_t slot, std::int64_t idx, std::int64_t others, std::int64_t ceiling);
  // The book let the slot go (idle): its next request hands it over again.
  void untrack(std::uint32_t slot);
  // Called (from a request loop) when a request was refused for want of a lease while the limit
  // was not reached, once until clear_want(): the book should exchange now rather than later.
  void set_waker(std::function<void()> waker) { waker_ = std::move(waker); }
  bool wanted() const { return want_.load(std::memory_order_relaxed); }
  void clear_want() { want_.store(false, std::memory_order_relaxed); }

 private:
  static constexpr std::size_t kChunk = 4096;
  static constexpr int kProbe = 32;
  struct Slot;
  struct Lease;
  struct Registry;
  Slot* chunk(std::size_t i);
  Lease* lease_chunk(std::size_t i) const;
  Slot* find(std::uint64_t key, std::int64_t now_ms, bool claim);
  Admission acquire_leased(Slot& s, std::uint64_t key, std::int64_t limit, const WindowSpec& w,
                           std::int64_t now_ms);

  std::size_t chunks_;
  std::unique_ptr<std::atomic<Slot*>[]> table_;
  std::atomic<std::uint64_t> uncounted_{0};
  // Cluster mode only: per-slot lease state, chunk by chunk like the slots.
  std::unique_ptr<std::atomic<Lease*>[]> leases_;
  std::atomic<std::int64_t> nodes_{1};
  std::unique_ptr<Registry> registered_;
  std::atomic<bool> want_{false};
  std::function<void()> waker_;
};

}  // namespace gh::gateway
