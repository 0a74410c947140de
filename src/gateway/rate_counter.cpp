#include "gateway/rate_counter.hpp"

#include <algorithm>

namespace gh::gateway {
namespace {

using Wide = __int128;

constexpr std::uint64_t kClaiming = 1;   // a slot being handed to another key
constexpr std::uint64_t kFirstKey = 2;   // keys below are reserved (0 = empty slot)
constexpr std::int64_t kGraceMs = 1000;  // a newly claimed slot stays its key's at least this long

std::uint64_t pack(std::uint32_t tag, std::uint32_t count) {
  return (std::uint64_t{tag} << 32) | count;
}
std::uint32_t tag_of(std::uint64_t v) {
  return static_cast<std::uint32_t>(v >> 32);
}
std::uint32_t count_of(std::uint64_t v) {
  return static_cast<std::uint32_t>(v);
}
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  auto q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

namespace window {

std::int64_t index(const WindowSpec& w, std::int64_t now_ms) {
  return floor_div(now_ms - w.origin_ms, w.length_ms);
}

std::int64_t elapsed(const WindowSpec& w, std::int64_t idx, std::int64_t now_ms) {
  return now_ms - (w.origin_ms + idx * w.length_ms);
}

std::int64_t weighted_previous(std::int64_t previous, std::int64_t elapsed, std::int64_t length) {
  if (previous <= 0 || elapsed >= length) return 0;
  return static_cast<std::int64_t>(Wide{previous} * (length - elapsed) / length);
}

std::int64_t wait_ms(const WindowSpec& w, std::int64_t previous, std::int64_t current,
                     std::int64_t limit, std::int64_t elapsed) {
  const std::int64_t length = w.length_ms;
  auto rest_of_window = std::max<std::int64_t>(1, length - elapsed);
  if (current >= limit || !w.sliding) {
    // The next window starts with this one's count as its previous: admitted once
    // floor(current × (length − e) / length) < limit, i.e. e > (current − limit) × length /
    // current.
    if (!w.sliding || current <= 0) return rest_of_window;
    auto e = static_cast<std::int64_t>(Wide{current - limit} * length / current) + 1;
    return rest_of_window + std::min(e, length);
  }
  // Admitted once floor(previous × (length − e) / length) < limit − current.
  std::int64_t room = limit - current;
  if (previous <= room) return 1;
  auto e = static_cast<std::int64_t>(Wide{previous - room} * length / previous) + 1;
  return std::max<std::int64_t>(1, e - elapsed);
}

}  // namespace window

std::uint64_t mix_key(std::uint64_t a, std::uint64_t b) {
  // splitmix64's finaliser over a combination of the two.
  std::uint64_t z = a ^ (b + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return z < kFirstKey ? z + kFirstKey : z;
}

std::uint64_t hash_text(const char* data, std::size_t size) {
  // FNV-1a, then mixed: stable across processes (a cluster backend names keys by it).
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < size; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 0x100000001b3ull;
  }
  return mix_key(h, size);
}

struct CounterTable::Slot {
  std::atomic<std::uint64_t> key{0};
  std::atomic<std::uint64_t> cell[2] = {0, 0};  // by window index parity: tag << 32 | count
  std::atomic<std::int64_t> idle_after_ms{0};   // free for another key after this instant
};

CounterTable::CounterTable(std::size_t capacity)
    : chunks_(std::max<std::size_t>(1, (capacity + kChunk - 1) / kChunk)),
      table_(new std::atomic<Slot*>[chunks_]) {
  for (std::size_t i = 0; i < chunks_; ++i) table_[i].store(nullptr, std::memory_order_relaxed);
}

CounterTable::~CounterTable() {
  for (std::size_t i = 0; i < chunks_; ++i) delete[] table_[i].load(std::memory_order_relaxed);
}

CounterTable::Slot* CounterTable::chunk(std::size_t i) {
  Slot* c = table_[i].load(std::memory_order_acquire);
  if (c) return c;
  auto* made = new Slot[kChunk];
  if (table_[i].compare_exchange_strong(c, made, std::memory_order_acq_rel)) return made;
  delete[] made;  // another loop allocated it first
  return c;
}

CounterTable::Slot* CounterTable::find(std::uint64_t key, std::int64_t now_ms, bool claim) {
  if (key < kFirstKey) key += kFirstKey;
  std::size_t ci = (key >> 32) % chunks_;
  Slot* c = claim ? chunk(ci) : table_[ci].load(std::memory_order_acquire);
  if (!c) return nullptr;
  std::size_t start = key & (kChunk - 1);
  auto slot = [&](int i) -> Slot& {
    return c[(start + static_cast<std::size_t>(i)) & (kChunk - 1)];
  };
  auto key_at = [](Slot& s) {
    std::uint64_t k = s.key.load(std::memory_order_acquire);
    while (k == kClaiming) k = s.key.load(std::memory_order_acquire);  // a reuse in progress
    return k;
  };
  // The key's own slot first: slots are never emptied, so it lies before the first empty one.
  for (int i = 0; i < kProbe; ++i) {
    std::uint64_t k = key_at(slot(i));
    if (k == key) return &slot(i);
    if (k == 0) break;
  }
  if (!claim) return nullptr;
  // Then the first slot that is empty or idle. Loops claiming one key at once converge on the
  // same slot (a failed claim re-reads it); only a neighbour expiring between two loops' clock
  // reads could part them, and then the key's first window is counted in two slots.
  for (int i = 0; i < kProbe; ++i) {
    Slot& s = slot(i);
    std::uint64_t k = key_at(s);
    if (k == key) return &s;
    if (k == 0) {
      // Not reusable by another key before this one has counted (acquire() extends it).
      s.idle_after_ms.store(now_ms + kGraceMs, std::memory_order_relaxed);
      if (s.key.compare_exchange_strong(k, key, std::memory_order_acq_rel)) return &s;
      while (k == kClaiming) k = key_at(s);
      if (k == key) return &s;  // another loop claimed it for the same key
      continue;
    }
    if (s.idle_after_ms.load(std::memory_order_relaxed) < now_ms &&
        s.key.compare_exchange_strong(k, kClaiming, std::memory_order_acq_rel)) {
      s.cell[0].store(0, std::memory_order_relaxed);
      s.cell[1].store(0, std::memory_order_relaxed);
      s.idle_after_ms.store(now_ms + kGraceMs, std::memory_order_relaxed);
      s.key.store(key, std::memory_order_release);
      return &s;
    }
    if (key_at(s) == key) return &s;
  }
  return nullptr;
}

Admission CounterTable::acquire(std::uint64_t key, std::int64_t limit, const WindowSpec& w,
                                std::int64_t now_ms) {
  Admission a;
  a.limit = limit;
  Slot* s = find(key, now_ms, true);
  if (!s) {
    uncounted_.fetch_add(1, std::memory_order_relaxed);
    a.remaining = std::max<std::int64_t>(0, limit - 1);
    return a;
  }
  const std::int64_t idx = window::index(w, now_ms);
  const std::int64_t elapsed = window::elapsed(w, idx, now_ms);
  const auto tag = static_cast<std::uint32_t>(idx);
  std::int64_t previous = 0;
  if (w.sliding) {
    auto pv = s->cell[static_cast<std::uint64_t>(idx - 1) & 1].load(std::memory_order_relaxed);
    if (tag_of(pv) == static_cast<std::uint32_t>(idx - 1)) previous = count_of(pv);
  }
  const std::int64_t weighted = window::weighted_previous(previous, elapsed, w.length_ms);
  auto& cell = s->cell[static_cast<std::uint64_t>(idx) & 1];
  std::uint64_t v = cell.load(std::memory_order_relaxed);
  for (;;) {
    std::int64_t current = tag_of(v) == tag ? count_of(v) : 0;
    if (weighted + current >= limit) {
      a.admitted = false;
      a.remaining = 0;
      a.retry_after_ms = window::wait_ms(w, previous, current, limit, elapsed);
      return a;
    }
    if (cell.compare_exchange_weak(v, pack(tag, static_cast<std::uint32_t>(current + 1)),
                                   std::memory_order_relaxed)) {
      a.remaining = limit - (weighted + current + 1);
      break;
    }
  }
  // Free for another key once this window and the next one are over.
  std::int64_t idle_after = w.origin_ms + (idx + 2) * w.length_ms;
  if (s->idle_after_ms.load(std::memory_order_relaxed) < idle_after)
    s->idle_after_ms.store(idle_after, std::memory_order_relaxed);
  return a;
}

void CounterTable::release(std::uint64_t key, const WindowSpec& w, std::int64_t now_ms) {
  Slot* s = find(key, now_ms, false);
  if (!s) return;
  const std::int64_t idx = window::index(w, now_ms);
  const auto tag = static_cast<std::uint32_t>(idx);
  auto& cell = s->cell[static_cast<std::uint64_t>(idx) & 1];
  std::uint64_t v = cell.load(std::memory_order_relaxed);
  while (tag_of(v) == tag && count_of(v) > 0 &&
         !cell.compare_exchange_weak(v, v - 1, std::memory_order_relaxed)) {
  }
}

std::int64_t CounterTable::count(std::uint64_t key, const WindowSpec& w,
                                 std::int64_t now_ms) const {
  auto* self = const_cast<CounterTable*>(this);
  Slot* s = self->find(key, now_ms, false);
  if (!s) return 0;
  const std::int64_t idx = window::index(w, now_ms);
  auto v = s->cell[static_cast<std::uint64_t>(idx) & 1].load(std::memory_order_relaxed);
  return tag_of(v) == static_cast<std::uint32_t>(idx) ? count_of(v) : 0;
}

}  // namespace gh::gateway
