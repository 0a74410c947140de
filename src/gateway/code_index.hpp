#pragma once
// AppCode digest → CodeEntry: the index every AppCode request looks up, laid out for a large
// store whose slots are cold. A lookup reads the shard table (16 KB, stays in cache) and, in the
// common case, one 64-byte line of slots; a general-purpose hash map per shard read the map's
// header, a metadata group and a slot: three cold lines with a million codes.
//
// Layout: 1024 shards picked by the digest's top bits; each an open-addressing array of 32-byte
// slots (two per cache line, the array 64-byte aligned), linear probing from an even home slot,
// at most 70 % full; erase shifts later slots back, so there are no tombstones.
//
// A slot keeps the digest's first 16 bytes. The digest is HMAC-SHA-256 under the store's secret
// pepper, a pseudo-random function: two AppCodes of a store share those 128 bits by chance only
// (about n²/2^129 for n codes, 10^-27 for a million), and nobody without the pepper can aim at
// a stored value.
//
// Readers call find() on a const index: no lock, no allocation. Changes go through an Editor and
// commit() returns a new index sharing every untouched shard with the old one (copy-on-write per
// shard, as ShardedIndex; the slot arrays' owners are shared in pages, gateway/shard_owners.hpp).
// Old indexes stay valid while anyone holds them.
#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "gateway/app_entry.hpp"
#include "gateway/shard_owners.hpp"

namespace gh::gateway {

class CodeIndex {
  struct Shard;
  struct Table;

 public:
  static constexpr std::size_t kShards = 1024;
  using Tag = std::array<std::uint64_t, 2>;  // the digest's first 16 bytes
  struct alignas(32) Slot {
    Tag tag{};
    CodeEntry entry;  // entry.app == nullptr: the slot is empty
  };
  static_assert(sizeof(Slot) == 32, "two slots per cache line");

  CodeIndex();

  const CodeEntry* find(const Digest& digest) const {
    Tag t = tag_of(digest);
    const Shard& s = table_->shards[shard_of(t)];
    if (!s.slots) return nullptr;
    for (std::size_t i = home(t, s.mask);; i = (i + 1) & s.mask) {
      const Slot& slot = s.slots[i];
      if (!slot.entry.app) return nullptr;
      if (slot.tag == t) return &slot.entry;
    }
  }

  std::size_t size() const;

  class Editor {
   public:
    explicit Editor(const CodeIndex& base);
    // Inserts or replaces the entry of `digest`.
    void put(const Digest& digest, CodeEntry entry);
    // Removes the entry of `digest` if there is one.
    void erase(const Digest& digest);
    CodeIndex commit() &&;

   private:
    Shard& writable(std::size_t shard, std::size_t extra);
    std::shared_ptr<Table> table_;
    std::bitset<kShards> touched_;  // shards copied for this editor
    ShardOwners<std::shared_ptr<Slot[]>, kShards>::CopiedPages copied_pages_;
  };
  Editor edit() const { return Editor(*this); }

  // Builds an index from `entries` at once (a start with many codes): every shard sized once,
  // filled by up to `threads` threads. Digests must be unique; each is read through its pointer
  // during the call only (a start with ten million codes points into the apps' entries instead
  // of copying 320 MB of digests).
  static CodeIndex build(std::vector<std::pair<const Digest*, CodeEntry>> entries,
                         unsigned threads);

 private:
  struct Shard {
    Slot* slots = nullptr;  // capacity = mask + 1 slots, a power of two ≥ 4
    std::uint32_t mask = 0;
    std::uint32_t size = 0;
  };
  struct Table {
    std::array<Shard, kShards> shards;                     // what find() reads
    ShardOwners<std::shared_ptr<Slot[]>, kShards> owners;  // keeps each shard's slots alive
  };
  explicit CodeIndex(std::shared_ptr<const Table> t) : table_(std::move(t)) {}

  static Tag tag_of(const Digest& d) {
    Tag t;
    std::memcpy(t.data(), d.bytes.data(), sizeof t);
    return t;
  }
  // The top ten bits pick the shard, the low bits the home slot: independent bits of the digest.
  static std::size_t shard_of(const Tag& t) { return static_cast<std::size_t>(t[0] >> 54); }
  static std::size_t home(const Tag& t, std::size_t mask) {
    return static_cast<std::size_t>(t[0]) & mask & ~std::size_t{1};
  }

  friend struct CodeIndexShards;  // the shard operations (code_index.cpp)
  std::shared_ptr<const Table> table_;
};

}  // namespace gh::gateway
