#pragma once
// Who keeps the shards of a copy-on-write index alive (ShardedIndex, CodeIndex), in pages.
//
// Every edit of an index copies its table. With one reference per shard, that copy took 1024
// reference-count increments, and dropping the old table as many decrements: most of what a
// one-app snapshot update cost. Here the owners sit in pages of 32 that tables share: a copy
// takes 32 references, and an edit that replaces a shard's owner copies that shard's page first
// (32 more). Lookups never read owners: the tables keep plain pointers for them.
#include <array>
#include <bitset>
#include <cstddef>
#include <memory>

namespace gh::gateway {

template <class Owner, std::size_t kShards>
class ShardOwners {
 public:
  static constexpr std::size_t kPerPage = 32;
  static constexpr std::size_t kPages = kShards / kPerPage;
  static_assert(kShards % kPerPage == 0, "whole pages");
  // The pages an editor has copied for itself (set() may change them in place).
  using CopiedPages = std::bitset<kPages>;

  // Replaces shard i's owner in an editor's copy of a table. A page the editor has not copied
  // yet may be shared with published tables: it is copied first.
  void set(std::size_t i, Owner owner, CopiedPages& copied) {
    auto& page = pages_[i / kPerPage];
    if (!copied[i / kPerPage]) {
      page = page ? std::make_shared<Page>(*page) : std::make_shared<Page>();
      copied[i / kPerPage] = true;
    }
    (*page)[i % kPerPage] = std::move(owner);
  }

  // A new table's pages, all of them, so that threads building disjoint shards may then set()
  // owners side by side (with every bit of `copied` set: nothing is shared yet).
  void create_all(CopiedPages& copied) {
    for (auto& page : pages_) page = std::make_shared<Page>();
    copied.set();
  }

 private:
  using Page = std::array<Owner, kPerPage>;
  std::array<std::shared_ptr<Page>, kPages> pages_;
};

}  // namespace gh::gateway
