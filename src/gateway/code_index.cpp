#include "gateway/code_index.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <new>

#include "gateway/shard_build.hpp"

namespace gh::gateway {

// Operations on one shard's slot array; friends of CodeIndex.
struct CodeIndexShards {
  using Slot = CodeIndex::Slot;
  using Shard = CodeIndex::Shard;

  // Smallest power of two ≥ 4 that keeps `n` entries at most 70 % full.
  static std::size_t capacity_for(std::size_t n) {
    std::size_t cap = 4;
    while (cap * 7 < n * 10) cap *= 2;
    return cap;
  }

  // Empty slots, 64-byte aligned (a home slot and its neighbour share one cache line).
  static std::shared_ptr<Slot[]> allocate(std::size_t capacity) {
    void* raw = std::aligned_alloc(64, capacity * sizeof(Slot));
    if (!raw) throw std::bad_alloc();
    Slot* slots = static_cast<Slot*>(raw);
    std::uninitialized_value_construct_n(slots, capacity);
    return std::shared_ptr<Slot[]>(slots, [](Slot* p) { std::free(p); });
  }

  // One mapping for the slots of every shard of a bulk build, with transparent huge pages asked
  // for: a lookup in a large index lands on a random slot line, and with 4 KiB pages each also
  // needs its own page-table walk (this guest's kernel flushes the TLB at every system call).
  // The slots are not constructed: the caller constructs each shard's part before using it.
  // Shards point into it through aliasing shared_ptrs; it is unmapped with the last of them.
  static std::shared_ptr<Slot[]> map_arena(std::size_t slots) {
    constexpr std::size_t kHuge = 2u << 20;
    std::size_t bytes = (slots * sizeof(Slot) + kHuge - 1) / kHuge * kHuge;
    // Mapped with room to start on a 2 MiB boundary, where a huge page can begin.
    std::size_t mapped = bytes + kHuge;
    void* raw = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    auto base = reinterpret_cast<std::uintptr_t>(raw);
    auto* aligned = reinterpret_cast<void*>((base + kHuge - 1) / kHuge * kHuge);
    ::madvise(aligned, bytes, MADV_HUGEPAGE);  // advice only: without THP the pages stay 4 KiB
    return std::shared_ptr<Slot[]>(static_cast<Slot*>(aligned),
                                   [raw, mapped](Slot*) { ::munmap(raw, mapped); });
  }

  // Inserts or replaces; the shard must have room for one more entry.
  static void put(Shard& s, const CodeIndex::Tag& tag, const CodeEntry& entry) {
    for (std::size_t i = CodeIndex::home(tag, s.mask);; i = (i + 1) & s.mask) {
      Slot& slot = s.slots[i];
      if (!slot.entry.app) {
        slot = Slot{tag, entry};
        ++s.size;
        return;
      }
      if (slot.tag == tag) {
        slot.entry = entry;
        return;
      }
    }
  }

  // Removes `tag` and shifts back the entries after it whose probe went through its slot, so
  // every entry stays reachable from its home without tombstones.
  static void erase(Shard& s, const CodeIndex::Tag& tag) {
    std::size_t hole = CodeIndex::home(tag, s.mask);
    for (;; hole = (hole + 1) & s.mask) {
      if (!s.slots[hole].entry.app) return;  // not present
      if (s.slots[hole].tag == tag) break;
    }
    for (std::size_t j = (hole + 1) & s.mask;; j = (j + 1) & s.mask) {
      Slot& next = s.slots[j];
      if (!next.entry.app) break;
      std::size_t h = CodeIndex::home(next.tag, s.mask);
      // `next` may move to the hole only if the hole lies (cyclically) in [h, j).
      bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
      if (stays) continue;
      s.slots[hole] = next;
      hole = j;
    }
    s.slots[hole] = Slot{};
    --s.size;
  }

  // A copy of `from` with room for `capacity` slots.
  static std::shared_ptr<Slot[]> rehash(const Shard& from, std::size_t capacity, Shard& to) {
    auto owner = allocate(capacity);
    to = Shard{owner.get(), static_cast<std::uint32_t>(capacity - 1), 0};
    for (std::size_t i = 0; from.slots && i <= from.mask; ++i)
      if (from.slots[i].entry.app) put(to, from.slots[i].tag, from.slots[i].entry);
    return owner;
  }
};

CodeIndex::CodeIndex() : table_(std::make_shared<Table>()) {}

std::size_t CodeIndex::size() const {
  std::size_t n = 0;
  for (const auto& s : table_->shards) n += s.size;
  return n;
}

CodeIndex::Editor::Editor(const CodeIndex& base) : table_(std::make_shared<Table>(*base.table_)) {}

CodeIndex::Shard& CodeIndex::Editor::writable(std::size_t i, std::size_t extra) {
  Shard& s = table_->shards[i];
  std::size_t needed = CodeIndexShards::capacity_for(s.size + extra);
  std::size_t capacity = s.slots ? s.mask + 1 : 0;
  if (!touched_[i] || needed > capacity) {
    // Copied on first touch (the old array may be shared with published indexes), and grown.
    Shard copy;
    table_->owners.set(i, CodeIndexShards::rehash(s, std::max(needed, capacity), copy),
                       copied_pages_);
    s = copy;
    touched_[i] = true;
  }
  return s;
}

void CodeIndex::Editor::put(const Digest& digest, CodeEntry entry) {
  Tag t = tag_of(digest);
  CodeIndexShards::put(writable(shard_of(t), 1), t, entry);
}

void CodeIndex::Editor::erase(const Digest& digest) {
  Tag t = tag_of(digest);
  std::size_t i = shard_of(t);
  if (!table_->shards[i].slots) return;
  CodeIndex probe{table_};
  if (!probe.find(digest)) return;  // nothing to copy the shard for
  CodeIndexShards::erase(writable(i, 0), t);
}

CodeIndex CodeIndex::Editor::commit() && {
  return CodeIndex(std::move(table_));
}

CodeIndex CodeIndex::build(std::vector<std::pair<const Digest*, CodeEntry>> entries,
                           unsigned threads) {
  // Named references, not a structured binding: see ShardedIndex::build.
  const ShardOrder sorted = order_by_shard(
      entries.size(), kShards, [&](std::size_t i) { return shard_of(tag_of(*entries[i].first)); },
      threads);
  const auto& start = sorted.start;
  const auto& order = sorted.order;
  auto table = std::make_shared<Table>();
  // Every shard's slots in one huge-page mapping (each shard's part stays 64-byte aligned: the
  // capacities are powers of two ≥ 4 slots of 32 bytes, i.e. multiples of 128 bytes).
  std::vector<std::size_t> offset(kShards + 1, 0);
  for (std::size_t s = 0; s < kShards; ++s) {
    std::size_t n = start[s + 1] - start[s];
    offset[s + 1] = offset[s] + (n ? CodeIndexShards::capacity_for(n) : 0);
  }
  std::shared_ptr<Slot[]> arena;
  if (offset[kShards] > 0) arena = CodeIndexShards::map_arena(offset[kShards]);
  decltype(table->owners)::CopiedPages fresh;
  table->owners.create_all(fresh);  // the threads below set owners of disjoint shards
  auto fill = [&](std::size_t from, std::size_t to) {
    for (std::size_t s = from; s < to; ++s) {
      std::size_t n = start[s + 1] - start[s];
      if (n == 0) continue;
      // The filling threads construct their own shards' slots: the first touch of the mapping's
      // pages (the kernel zeroing them) is then spread over the threads too.
      Slot* slots = arena.get() + offset[s];
      std::uninitialized_value_construct_n(slots, offset[s + 1] - offset[s]);
      Shard& shard = table->shards[s];
      shard = Shard{slots, static_cast<std::uint32_t>(offset[s + 1] - offset[s] - 1), 0};
      table->owners.set(s, std::shared_ptr<Slot[]>(arena, shard.slots), fresh);
      for (auto k = start[s]; k < start[s + 1]; ++k) {
        // Each digest sits in its app's entry, a random cold line: fetch one a few ahead.
        if (k + kPrefetchAhead < start[s + 1])
          __builtin_prefetch(entries[order[k + kPrefetchAhead]].first);
        const auto& [digest, entry] = entries[order[k]];
        CodeIndexShards::put(shard, tag_of(*digest), entry);
      }
    }
  };
  fill_in_parallel(kShards, entries.size(), threads, fill);
  return CodeIndex(std::move(table));
}

}  // namespace gh::gateway
