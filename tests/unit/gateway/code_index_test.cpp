#include "gateway/code_index.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace gh::gateway {
namespace {

// A digest whose first eight bytes (shard and home slot) and next eight (the rest of the tag)
// are chosen, so tests can pile entries onto one home slot.
Digest digest(std::uint64_t first, std::uint64_t second, unsigned char tail = 0) {
  Digest d;
  std::memcpy(d.bytes.data(), &first, 8);
  std::memcpy(d.bytes.data() + 8, &second, 8);
  d.bytes[31] = tail;
  return d;
}

// Distinct app pointers to check which entry a lookup found (never dereferenced).
const AppEntry* app(std::size_t n) {
  static std::vector<AppEntry> apps(5000);
  return &apps.at(n);
}

CodeEntry entry(std::size_t n) {
  return CodeEntry{app(n), AppIdSet::Key{static_cast<std::uint32_t>(n)}};
}

TEST(CodeIndexTest, EmptyIndexFindsNothing) {
  CodeIndex index;
  EXPECT_EQ(index.find(digest(1, 2)), nullptr);
  EXPECT_EQ(index.size(), 0u);
}

TEST(CodeIndexTest, MatchesAMapUnderRandomPutsAndErases) {
  std::mt19937_64 rng(7);
  std::vector<Digest> universe;
  for (int i = 0; i < 3000; ++i) universe.push_back(digest(rng(), rng()));
  // Few distinct shard/home values, so probe chains are long and wrap around.
  for (int i = 0; i < 1000; ++i) universe.push_back(digest(rng() % 4, rng()));
  std::map<std::size_t, std::size_t> expected;  // universe index → entry number
  CodeIndex index;
  for (int round = 0; round < 20; ++round) {
    auto editor = index.edit();
    for (int op = 0; op < 400; ++op) {
      std::size_t k = rng() % universe.size();
      if (rng() % 3 == 0) {
        editor.erase(universe[k]);
        expected.erase(k);
      } else {
        std::size_t v = rng() % 5000;
        editor.put(universe[k], entry(v));
        expected[k] = v;
      }
    }
    index = std::move(editor).commit();
    ASSERT_EQ(index.size(), expected.size());
    for (std::size_t k = 0; k < universe.size(); ++k) {
      const CodeEntry* found = index.find(universe[k]);
      auto it = expected.find(k);
      if (it == expected.end()) {
        ASSERT_EQ(found, nullptr) << "round " << round << " key " << k;
      } else {
        ASSERT_NE(found, nullptr) << "round " << round << " key " << k;
        EXPECT_EQ(found->app, app(it->second));
        EXPECT_EQ(found->id_key.ordinal, it->second);
      }
    }
  }
}

TEST(CodeIndexTest, EraseInsideAChainKeepsTheEntriesAfterItReachable) {
  // Five entries with one home slot (same first eight bytes), then the middle ones removed.
  CodeIndex index;
  auto editor = index.edit();
  for (std::uint64_t i = 0; i < 5; ++i) editor.put(digest(0x40, i), entry(i));
  editor.erase(digest(0x40, 1));
  editor.erase(digest(0x40, 3));
  index = std::move(editor).commit();
  EXPECT_EQ(index.size(), 3u);
  for (std::uint64_t i : {0u, 2u, 4u}) {
    ASSERT_NE(index.find(digest(0x40, i)), nullptr) << i;
    EXPECT_EQ(index.find(digest(0x40, i))->app, app(i));
  }
  EXPECT_EQ(index.find(digest(0x40, 1)), nullptr);
  EXPECT_EQ(index.find(digest(0x40, 3)), nullptr);
}

TEST(CodeIndexTest, CommitLeavesTheOldIndexUnchanged) {
  CodeIndex before;
  {
    auto e = before.edit();
    e.put(digest(1, 1), entry(1));
    e.put(digest(2, 2), entry(2));
    before = std::move(e).commit();
  }
  auto e = before.edit();
  e.erase(digest(1, 1));
  e.put(digest(2, 2), entry(3));
  e.put(digest(3, 3), entry(4));
  CodeIndex after = std::move(e).commit();
  EXPECT_EQ(before.find(digest(1, 1))->app, app(1));
  EXPECT_EQ(before.find(digest(2, 2))->app, app(2));
  EXPECT_EQ(before.find(digest(3, 3)), nullptr);
  EXPECT_EQ(after.find(digest(1, 1)), nullptr);
  EXPECT_EQ(after.find(digest(2, 2))->app, app(3));
  EXPECT_EQ(after.find(digest(3, 3))->app, app(4));
}

TEST(CodeIndexTest, BuildFindsWhatWasGivenAndNothingElse) {
  std::mt19937_64 rng(11);
  std::vector<std::pair<Digest, CodeEntry>> entries;
  for (std::size_t i = 0; i < 60000; ++i)
    entries.emplace_back(digest(rng(), rng()), entry(i % 5000));
  std::vector<std::pair<const Digest*, CodeEntry>> pointing;
  for (const auto& [d, e] : entries) pointing.emplace_back(&d, e);
  CodeIndex index = CodeIndex::build(std::move(pointing), 2);
  EXPECT_EQ(index.size(), entries.size());
  for (const auto& [d, e] : entries) {
    const CodeEntry* found = index.find(d);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->app, e.app);
  }
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(index.find(digest(rng(), rng())), nullptr);
  // A digest that differs from a stored one after its first 16 bytes is the same tag: by design.
  Digest twin = entries[0].first;
  twin.bytes[20] ^= 1;
  EXPECT_EQ(index.find(twin), index.find(entries[0].first));
}

}  // namespace
}  // namespace gh::gateway
