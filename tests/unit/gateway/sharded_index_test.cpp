// ShardedIndex and CodeIndex keep every published version intact while later versions are
// edited: edits share untouched shards and the pages of shard owners (gateway/shard_owners.hpp),
// so a version's shards must never change or be freed under it. Every version is checked again
// after all the edits (under ASan a freed shard is a finding).
#include "gateway/sharded_index.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gateway/code_index.hpp"
#include "gateway/routes.hpp"

namespace gh::gateway {
namespace {

using Index = ShardedIndex<std::string, int, TransparentHash>;

void expect_same(const Index& index, const std::map<std::string, int>& model, std::size_t version) {
  EXPECT_EQ(index.size(), model.size()) << "version " << version;
  for (const auto& [k, v] : model) {
    const int* found = index.find(k);
    ASSERT_NE(found, nullptr) << "version " << version << " key " << k;
    EXPECT_EQ(*found, v) << "version " << version << " key " << k;
  }
  std::size_t seen = 0;
  index.for_each([&](const std::string& k, int v) {
    ++seen;
    auto it = model.find(k);
    ASSERT_NE(it, model.end()) << "version " << version << " extra key " << k;
    EXPECT_EQ(it->second, v);
  });
  EXPECT_EQ(seen, model.size());
}

TEST(ShardedIndexTest, EveryPublishedVersionKeepsItsContents) {
  std::mt19937 rng(7);
  std::vector<std::pair<std::string, int>> initial;
  std::map<std::string, int> model;
  for (int i = 0; i < 3000; ++i) {
    initial.emplace_back("k" + std::to_string(i), i);
    model["k" + std::to_string(i)] = i;
  }
  std::vector<Index> versions{Index::build(initial, 2)};
  std::vector<std::map<std::string, int>> models{model};
  for (int round = 0; round < 60; ++round) {
    auto e = versions.back().edit();
    // Few changes per edit (as a snapshot update): most pages stay shared with older versions.
    for (int op = 0; op < 1 + round % 4; ++op) {
      std::string key = "k" + std::to_string(rng() % 4000);
      if (rng() % 3 == 0) {
        e.erase(key);
        model.erase(key);
      } else {
        e.put(key, round * 10 + op);
        model[key] = round * 10 + op;
      }
    }
    versions.push_back(std::move(e).commit());
    models.push_back(model);
  }
  for (std::size_t v = 0; v < versions.size(); ++v) expect_same(versions[v], models[v], v);
}

Digest digest_of(std::uint64_t n) {
  Digest d{};
  std::uint64_t mixed = n * 0x9E3779B97F4A7C15ull;
  std::memcpy(d.bytes.data(), &mixed, 8);
  std::memcpy(d.bytes.data() + 8, &n, 8);
  return d;
}

TEST(CodeIndexTest, EveryPublishedVersionKeepsItsContents) {
  static std::vector<AppEntry> apps(64);
  auto entry = [](std::size_t n) {
    return CodeEntry{&apps[n % apps.size()], AppIdSet::Key{static_cast<std::uint32_t>(n)}};
  };
  std::vector<Digest> digests;
  for (std::uint64_t i = 0; i < 4000; ++i) digests.push_back(digest_of(i));
  std::vector<std::pair<const Digest*, CodeEntry>> initial;
  std::map<std::uint64_t, std::size_t> model;  // digest number → entry number
  for (std::uint64_t i = 0; i < 3000; ++i) {
    initial.emplace_back(&digests[i], entry(i));
    model[i] = i;
  }
  std::vector<CodeIndex> versions{CodeIndex::build(initial, 2)};
  std::vector<std::map<std::uint64_t, std::size_t>> models{model};
  std::mt19937 rng(11);
  for (int round = 0; round < 60; ++round) {
    auto e = versions.back().edit();
    for (int op = 0; op < 1 + round % 4; ++op) {
      std::uint64_t n = rng() % 4000;
      if (rng() % 3 == 0) {
        e.erase(digests[n]);
        model.erase(n);
      } else {
        std::size_t value = 5000 + round * 10 + op;
        e.put(digests[n], entry(value));
        model[n] = value;
      }
    }
    versions.push_back(std::move(e).commit());
    models.push_back(model);
  }
  for (std::size_t v = 0; v < versions.size(); ++v) {
    EXPECT_EQ(versions[v].size(), models[v].size()) << "version " << v;
    for (std::uint64_t n = 0; n < 4000; ++n) {
      const CodeEntry* found = versions[v].find(digests[n]);
      auto it = models[v].find(n);
      if (it == models[v].end()) {
        EXPECT_EQ(found, nullptr) << "version " << v << " digest " << n;
      } else {
        ASSERT_NE(found, nullptr) << "version " << v << " digest " << n;
        EXPECT_EQ(found->app, entry(it->second).app) << "version " << v << " digest " << n;
        EXPECT_EQ(found->id_key.ordinal, entry(it->second).id_key.ordinal) << "version " << v;
      }
    }
  }
}

}  // namespace
}  // namespace gh::gateway
