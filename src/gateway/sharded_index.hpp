#pragma once
// An immutable hash index split into shards, updated by copy-on-write per shard.
//
// Readers call find() on a const index: no lock, no allocation. A writer calls edit(), applies
// puts/erases to the Editor, and commit() returns a new index that shares every untouched shard
// with the old one: a change costs O(size / kShards) per touched shard plus a copy of the shard
// pointer table, never a rebuild of everything. Old indexes stay valid while anyone holds them.
#include <algorithm>
#include <array>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "gateway/shard_build.hpp"

namespace gh::gateway {

template <class Key, class Value, class Hash, class Eq = std::equal_to<>>
class ShardedIndex {
 public:
  static constexpr std::size_t kShards = 1024;
  using Map = boost::unordered_flat_map<Key, Value, Hash, Eq>;

 private:
  using Table = std::array<std::shared_ptr<const Map>, kShards>;

 public:
  ShardedIndex() : table_(std::make_shared<Table>()) {}

  // Lookup by Key or by any type Hash and Eq accept transparently.
  template <class K>
  const Value* find(const K& key) const {
    const auto& shard = (*table_)[shard_of(key)];
    if (!shard) return nullptr;
    auto it = shard->find(key);
    return it == shard->end() ? nullptr : &it->second;
  }

  // Calls fn(key, value) for every entry, in no particular order.
  template <class F>
  void for_each(F&& fn) const {
    for (const auto& s : *table_)
      if (s)
        for (const auto& [k, v] : *s) fn(k, v);
  }

  std::size_t size() const {
    std::size_t n = 0;
    for (const auto& s : *table_)
      if (s) n += s->size();
    return n;
  }

  class Editor {
   public:
    explicit Editor(const ShardedIndex& base)
        : table_(std::make_shared<Table>(*base.table_)), touched_(kShards, false) {}

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
      if (!(*table_)[i] || !(*table_)[i]->contains(key)) return;
      mutable_shard(i).erase(key);
    }
    // Pre-sizes every shard for about `total` entries (bulk loads).
    void reserve(std::size_t total) {
      for (std::size_t i = 0; i < kShards; ++i) mutable_shard(i).reserve(total / kShards + 1);
    }
    ShardedIndex commit() && { return ShardedIndex(std::move(table_)); }

   private:
    Map& mutable_shard(std::size_t i) {
      auto& slot = (*table_)[i];
      if (!touched_[i]) {
        slot = slot ? std::make_shared<Map>(*slot) : std::make_shared<Map>();
        touched_[i] = true;
      }
      // Safe: this shard was copied for this editor and is not shared until commit().
      return const_cast<Map&>(*slot);
    }
    std::shared_ptr<Table> table_;
    std::vector<bool> touched_;
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
        (*table)[s] = std::move(map);
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
