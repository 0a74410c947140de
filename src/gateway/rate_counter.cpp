#include "gateway/rate_counter.hpp"

#include <algorithm>
#include <boost/lockfree/queue.hpp>
#include <limits>

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

// Cluster mode: what the lease book last learnt for the slot's key, and what it needs to know of
// the key (its limit and window, as the last request saw them).
struct CounterTable::Lease {
  std::atomic<std::uint64_t> others[2] = {0, 0};   // by window parity: tag << 32 | count
  std::atomic<std::uint64_t> ceiling[2] = {0, 0};  // by window parity: tag << 32 | ceiling
  std::atomic<std::int64_t> limit{0}, length_ms{0}, origin_ms{0};
  std::atomic<bool> sliding{false};
  std::atomic<bool> tracked{false};  // handed to the book
  void reset() {
    for (auto& o : others) o.store(0, std::memory_order_relaxed);
    for (auto& c : ceiling) c.store(0, std::memory_order_relaxed);
    limit.store(0, std::memory_order_relaxed);
    tracked.store(false, std::memory_order_relaxed);
  }
};

struct CounterTable::Registry {
  // Slots handed to the book; bounded_push never allocates (a full queue: the slot is handed
  // over by a later request).
  boost::lockfree::queue<std::uint32_t> queue{65'536};
};

CounterTable::CounterTable(std::size_t capacity)
    : chunks_(std::max<std::size_t>(1, (capacity + kChunk - 1) / kChunk)),
      table_(new std::atomic<Slot*>[chunks_]) {
  for (std::size_t i = 0; i < chunks_; ++i) table_[i].store(nullptr, std::memory_order_relaxed);
}

CounterTable::~CounterTable() {
  for (std::size_t i = 0; i < chunks_; ++i) delete[] table_[i].load(std::memory_order_relaxed);
  if (leases_)
    for (std::size_t i = 0; i < chunks_; ++i) delete[] leases_[i].load(std::memory_order_relaxed);
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
      if (leases_) lease_chunk(ci)[static_cast<std::size_t>(&s - c)].reset();
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
  if (leases_) [[unlikely]]
    return acquire_leased(*s, key, limit, w, now_ms);
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

// --- Cluster mode ---

namespace gh::gateway {

void CounterTable::enable_leases() {
  if (leases_) return;
  leases_.reset(new std::atomic<Lease*>[chunks_]);
  for (std::size_t i = 0; i < chunks_; ++i) leases_[i].store(nullptr, std::memory_order_relaxed);
  registered_ = std::make_unique<Registry>();
}

std::int64_t CounterTable::provisional(std::int64_t limit, std::int64_t nodes) {
  // Alone, the node is exact on its own; with others, 1 % of the limit split among the nodes
  // (at least one request): what the limit may be overshot by per window when a node sees a
  // key late in a window the others have used up.
  return nodes <= 1 ? limit : std::max<std::int64_t>(1, limit / (100 * nodes));
}

CounterTable::Lease* CounterTable::lease_chunk(std::size_t i) const {
  Lease* c = leases_[i].load(std::memory_order_acquire);
  if (c) return c;
  auto* made = new Lease[kChunk];
  if (leases_[i].compare_exchange_strong(c, made, std::memory_order_acq_rel)) return made;
  delete[] made;
  return c;
}

namespace {
// A lease cell: tag << 32 | 1 << 31 | value (31 bits). The set bit tells a value written for
// window 0 from a cell never written (all zero).
constexpr std::uint32_t kSet = 0x8000'0000u;
std::uint64_t lease_pack(std::int64_t idx, std::int64_t v) {
  return pack(static_cast<std::uint32_t>(idx),
              kSet | static_cast<std::uint32_t>(std::clamp<std::int64_t>(v, 0, kSet - 1)));
}
std::int64_t tagged(const std::atomic<std::uint64_t>& cell, std::int64_t idx, std::int64_t absent) {
  auto v = cell.load(std::memory_order_relaxed);
  return tag_of(v) == static_cast<std::uint32_t>(idx) && (count_of(v) & kSet)
             ? std::int64_t{count_of(v) & ~kSet}
             : absent;
}
template <class T>
void store_changed(std::atomic<T>& a, T v) {
  if (a.load(std::memory_order_relaxed) != v) a.store(v, std::memory_order_relaxed);
}
}  // namespace

Admission CounterTable::acquire_leased(Slot& s, std::uint64_t key, std::int64_t limit,
                                       const WindowSpec& w, std::int64_t now_ms) {
  if (key < kFirstKey) key += kFirstKey;
  const std::size_t ci = (key >> 32) % chunks_;
  const auto off = static_cast<std::size_t>(&s - table_[ci].load(std::memory_order_relaxed));
  Lease& l = lease_chunk(ci)[off];
  store_changed(l.limit, limit);
  store_changed(l.length_ms, w.length_ms);
  store_changed(l.origin_ms, w.origin_ms);
  store_changed(l.sliding, w.sliding);
  if (!l.tracked.load(std::memory_order_relaxed) &&
      !l.tracked.exchange(true, std::memory_order_acq_rel) &&
      !registered_->queue.bounded_push(static_cast<std::uint32_t>(ci * kChunk + off)))
    l.tracked.store(false, std::memory_order_relaxed);

  Admission a;
  a.limit = limit;
  const std::int64_t idx = window::index(w, now_ms);
  const std::int64_t elapsed = window::elapsed(w, idx, now_ms);
  const auto tag = static_cast<std::uint32_t>(idx);
  std::int64_t previous = 0;
  if (w.sliding) {
    auto pv = s.cell[static_cast<std::uint64_t>(idx - 1) & 1].load(std::memory_order_relaxed);
    if (tag_of(pv) == static_cast<std::uint32_t>(idx - 1)) previous = count_of(pv);
    previous += tagged(l.others[static_cast<std::uint64_t>(idx - 1) & 1], idx - 1, 0);
  }
  const std::int64_t weighted = window::weighted_previous(previous, elapsed, w.length_ms);
  const std::int64_t others = tagged(l.others[static_cast<std::uint64_t>(idx) & 1], idx, 0);
  const std::int64_t ceiling =
      tagged(l.ceiling[static_cast<std::uint64_t>(idx) & 1], idx, provisional(limit, nodes()));
  auto& cell = s.cell[static_cast<std::uint64_t>(idx) & 1];
  std::uint64_t v = cell.load(std::memory_order_relaxed);
  for (;;) {
    std::int64_t current = tag_of(v) == tag ? count_of(v) : 0;
    if (weighted + others + current >= limit || current >= ceiling) {
      if (weighted + others + current < limit && !want_.exchange(true, std::memory_order_relaxed) &&
          waker_)
        waker_();  // the lease is spent, not the limit: ask for more now
      a.admitted = false;
      a.remaining = 0;
      a.retry_after_ms = window::wait_ms(w, previous, others + current, limit, elapsed);
      return a;
    }
    if (cell.compare_exchange_weak(v, pack(tag, static_cast<std::uint32_t>(current + 1)),
                                   std::memory_order_relaxed)) {
      a.remaining = limit - (weighted + others + current + 1);
      break;
    }
  }
  std::int64_t idle_after = w.origin_ms + (idx + 2) * w.length_ms;
  if (s.idle_after_ms.load(std::memory_order_relaxed) < idle_after)
    s.idle_after_ms.store(idle_after, std::memory_order_relaxed);
  return a;
}

bool CounterTable::next_registered(std::uint32_t& slot) {
  return registered_ && registered_->queue.pop(slot);
}

bool CounterTable::inspect(std::uint32_t slot, SlotView& out) const {
  const std::size_t ci = slot / kChunk, off = slot % kChunk;
  if (!leases_ || ci >= chunks_) return false;
  Slot* c = table_[ci].load(std::memory_order_acquire);
  Lease* lc = leases_[ci].load(std::memory_order_acquire);
  if (!c || !lc) return false;
  out.key = c[off].key.load(std::memory_order_acquire);
  if (out.key < kFirstKey) return false;
  const Lease& l = lc[off];
  out.limit = l.limit.load(std::memory_order_relaxed);
  out.window.length_ms = std::max<std::int64_t>(1, l.length_ms.load(std::memory_order_relaxed));
  out.window.origin_ms = l.origin_ms.load(std::memory_order_relaxed);
  out.window.sliding = l.sliding.load(std::memory_order_relaxed);
  out.idle_after_ms = c[off].idle_after_ms.load(std::memory_order_relaxed);
  return out.limit > 0;
}

std::int64_t CounterTable::count_at(std::uint32_t slot, std::int64_t idx) const {
  Slot* c = table_[slot / kChunk].load(std::memory_order_acquire);
  if (!c) return 0;
  auto v =
      c[slot % kChunk].cell[static_cast<std::uint64_t>(idx) & 1].load(std::memory_order_relaxed);
  return tag_of(v) == static_cast<std::uint32_t>(idx) ? count_of(v) : 0;
}

void CounterTable::set_lease(std::uint32_t slot, std::int64_t idx, std::int64_t others,
                             std::int64_t ceiling) {
  Lease* lc = leases_[slot / kChunk].load(std::memory_order_acquire);
  if (!lc) return;
  Lease& l = lc[slot % kChunk];
  const auto p = static_cast<std::uint64_t>(idx) & 1;
  l.others[p].store(lease_pack(idx, others), std::memory_order_relaxed);
  l.ceiling[p].store(lease_pack(idx, ceiling), std::memory_order_relaxed);
}

void CounterTable::untrack(std::uint32_t slot) {
  Lease* lc = leases_[slot / kChunk].load(std::memory_order_acquire);
  if (lc) lc[slot % kChunk].tracked.store(false, std::memory_order_relaxed);
}

}  // namespace gh::gateway
