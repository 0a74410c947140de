#pragma once
// An immutable hash index split into shards, updated by copy-on-write per shard.
//
// Readers call find() on a const index: no lock, no allocation. A writer calls edit(), applies
// puts/erases to the Editor, and commit() returns a new index that shares every untouched shard
// with the old one: a change costs O(size / kShards) per touched shard plus a copy of the shard
// pointer table (plain pointers; the owners are shared in pages, gateway/shard_owners.hpp), never
// a rebuild of everything. Old indexes stay valid while anyone holds them.
#include <algorithm>
#include <array>
#include <bitset>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "gateway/shard_build.hpp"
#include "gateway/shard_owners.hpp"

namespace gh::gateway {

template <class Key, class Value, class Hash, class Eq = std::equal_to<>>
class ShardedIndex {
 public:
  static constexpr std::size_t kShards = 1024;
  using Map = boost::unordered_flat_map<Key, Value, Hash, Eq>;

 private:
  using Owners = ShardOwners<std::shared_ptr<const Map>, kShards>;
  struct Table {
    std::array<const Map*, kShards> maps{};  // what lookups read; null: an empty shard
    Owners owners;                           // keeps each shard's map alive
  };

 public:
  ShardedIndex() : table_(std::make_shared<Table>()) {}

  // Lookup by Key or by any type Hash and Eq accept transparently.
  template <class K>
  const Value* find(const K& key) const {
    const Map* shard = table_->maps[shard_of(key)];
    if (!shard) return nullptr;
    auto it = shard->find(key);
    return it == shard->end() ? nullptr : &it->second;
  }

  // Calls fn(key, value) for every entry, in no particular order.
  template <class F>
  void for_each(F&& fn) const {
    for (const Map* s : table_->maps)
      if (s)
        for (const auto& [k, v] : *s) fn(k, v);
  }

  std::size_t size() const {
    std::size_t n = 0;
    for (const Map* s : table_->maps)
      if (s) n += s->size();
    return n;
  }

  class Editor {
   public:
    explicit Editor(const ShardedIndex& base) : table_(std::make_shared<Table>(*base.table_)) {}

    // Inserts or replaces. A replaced entry's key is replaced too: a key that is a view into its
    // value (std::string_view) then views the new value, never the one dropped.
    void put(Key key, Value value) {
      auto& shard = mutable_shard(shard_of(key));
      shard.erase(key);
      shard.emplace(std::move(key), std::move(value));
    }
    template <class K>
    void erase(const K& key) {
      auto i = shard_of(key);
      if (!table_->maps[i] || !table_->maps[i]->contains(key)) return;
      mutable_shard(i).erase(key);
    }
    // Pre-sizes every shard for about `total` entries (bulk loads).
    void reserve(std::size_t total) {
      for (std::size_t i = 0; i < kShards; ++i) mutable_shard(i).reserve(total / kShards + 1);
    }
    ShardedIndex commit() && { return ShardedIndex(std::move(table_)); }

   private:
    Map& mutable_shard(std::size_t i) {
      const Map*& slot = table_->maps[i];
      if (!touched_[i]) {
        auto copy = slot ? std::make_shared<Map>(*slot) : std::make_shared<Map>();
        slot = copy.get();
        table_->owners.set(i, std::move(copy), copied_pages_);
        touched_[i] = true;
      }
      // Safe: this shard was copied for this editor and is not shared until commit().
      return const_cast<Map&>(*slot);
    }
    std::shared_ptr<Table> table_;
    std::bitset<kShards> touched_;  // shards copied for this editor
    typename Owners::CopiedPages copied_pages_;
  };
  Editor edit() const { return Editor(*this); }

  // Builds an index from `entries` in one go (a start with many entries): every shard is sized
  // exactly once, and the shards are filled by up to `threads` threads. Keys must be unique.
  static ShardedIndex build(std::vector<std::pair<Key, Value>> entries, unsigned threads) {
    // Named references, not a structured binding: lambdas capture those only from C++20 compilers
    // newer than clang 14 (the fuzz build's).
    const ShardOrder sorted = order_by_shard(
        entries.size(), kShards, [&](std::size_t i) { return shard_of(entries[i].first); },
        threads);
    const auto& start = sorted.start;
    const auto& order = sorted.order;
    auto table = std::make_shared<Table>();
    typename Owners::CopiedPages fresh;
    table->owners.create_all(fresh);  // the threads below set owners of disjoint shards
    auto fill = [&](std::size_t from, std::size_t to) {
      for (std::size_t s = from; s < to; ++s) {
        if (start[s] == start[s + 1]) continue;
        auto map = std::make_shared<Map>();
        map->reserve(start[s + 1] - start[s]);
        for (auto k = start[s]; k < start[s + 1]; ++k) {
          // A key that views its value's text (the apps' ids and AppKeys) is a random cold line
          // in a large store: ask for the one a few entries ahead while this one is hashed.
          if constexpr (std::is_same_v<Key, std::string_view>)
            if (k + kPrefetchAhead < start[s + 1])
              __builtin_prefetch(entries[order[k + kPrefetchAhead]].first.data());
          map->emplace(std::move(entries[order[k]].first), std::move(entries[order[k]].second));
        }
        table->maps[s] = map.get();
        table->owners.set(s, std::move(map), fresh);
      }
    };
    fill_in_parallel(kShards, entries.size(), threads, fill);
    return ShardedIndex(std::move(table));
  }

 private:
  explicit ShardedIndex(std::shared_ptr<Table> t) : table_(std::move(t)) {}

  template <class K>
  static std::size_t shard_of(const K& key) {
    // The high bits pick the shard; the map itself hashes the whole value again.
    std::uint64_t h = Hash{}(key);
    return static_cast<std::size_t>((h * 0x9E3779B97F4A7C15ull) >> 54);
  }

  std::shared_ptr<const Table> table_;
};

}  // namespace gh::gateway
