#include "gateway/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "../services/services_fixture.hpp"
#include "gateway/credentials.hpp"

namespace gh::testing {
namespace {

// Every write is in the published snapshot before its call returns, also when concurrent writers
// share their snapshot updates (SnapshotLoader::apply_changes lets one read serve several calls).
TEST_F(ServicesTest, ConcurrentWritersFindTheirCodesInTheSnapshot) {
  gateway::SnapshotHolder holder;
  gateway::SnapshotLoader loader(*store_, holder, ".apig.example", false);
  loader.load_all();
  apps_->on_change([&] { loader.apply_changes(); });
  constexpr int kWriters = 8, kCodes = 5;
  std::vector<core::App> apps;
  for (int i = 0; i < kWriters; ++i) apps.push_back(new_app("writer_" + std::to_string(i)));
  std::atomic<int> failed{0}, stale{0};
  std::vector<std::thread> writers;
  for (const auto& app : apps) {
    writers.emplace_back([&, id = app.id] {
      for (std::size_t k = 1; k <= kCodes; ++k) {
        if (!apps_->generate_code(admin_, apig(), id)) {
          ++failed;
          return;
        }
        auto snapshot = holder.load();
        const auto* entry = snapshot->credentials.apps.find(id);
        if (!entry || (*entry)->codes().size() != k) ++stale;
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(stale.load(), 0);
}

// The app's entry in the current snapshot (null when the snapshot has none).
std::shared_ptr<const gateway::AppEntry> entry_of(const gateway::SnapshotHolder& holder,
                                                  const std::string& app_id) {
  auto snapshot = holder.load();
  const auto* entry = snapshot->credentials.apps.find(app_id);
  return entry ? *entry : nullptr;
}

bool by_bytes(const gateway::Digest& a, const gateway::Digest& b) {
  return a.bytes < b.bytes;
}

// The digests of the app's AppCodes as the store has them, in the entry's form, sorted.
std::vector<gateway::Digest> stored_digests(store::Store& store, const std::string& app_id) {
  std::vector<gateway::Digest> out;
  auto read = store.read([&](store::Tx& tx) {
    for (const auto& hex : tx.code_digests_of_app(app_id))
      if (auto d = gateway::digest_from_hex(hex)) out.push_back(*d);
    return core::Result<core::Unit>(core::Unit{});
  });
  EXPECT_TRUE(read);
  std::sort(out.begin(), out.end(), by_bytes);
  return out;
}

std::vector<gateway::Digest> sorted_codes(const gateway::AppEntry& entry) {
  std::vector<gateway::Digest> out(entry.codes().begin(), entry.codes().end());
  std::sort(out.begin(), out.end(), by_bytes);
  return out;
}

// AppCode changes keep the snapshot's app (its row is not read again); a change of the row in the
// same run of changes is read: the new secret is served with the new codes.
TEST_F(ServicesTest, CodeChangesKeepTheAppAndRowChangesBesideThemAreRead) {
  gateway::SnapshotHolder holder;
  gateway::SnapshotLoader loader(*store_, holder, ".apig.example", false);
  auto app = new_app("churned");
  loader.load_all();
  // The snapshot's entry of the app: its key, `secret` and exactly the store's `n` codes.
  auto expect_entry = [&](const std::string& secret, std::size_t n) {
    auto entry = entry_of(holder, app.id);
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->app_key(), app.app_key);
    EXPECT_EQ(entry->instance_id(), app.instance_id);
    EXPECT_EQ(entry->secret(), secret);
    EXPECT_EQ(entry->codes().size(), n);
    EXPECT_EQ(sorted_codes(*entry), stored_digests(*store_, app.id));
  };
  auto first = apps_->generate_code(admin_, apig(), app.id);
  ASSERT_TRUE(first);
  ASSERT_TRUE(loader.apply_changes());
  expect_entry(app.app_secret, 1);

  // One update for both: the secret is reset, then a code is added.
  auto reset = apps_->reset_secret(admin_, apig(), app.id, std::nullopt);
  ASSERT_TRUE(reset);
  ASSERT_NE(reset->app_secret, app.app_secret);
  ASSERT_TRUE(apps_->generate_code(admin_, apig(), app.id));
  ASSERT_TRUE(loader.apply_changes());
  expect_entry(reset->app_secret, 2);

  // A code deleted: the codes follow, the new secret stays.
  ASSERT_TRUE(apps_->delete_code(admin_, apig(), app.id, first->id));
  ASSERT_TRUE(loader.apply_changes());
  expect_entry(reset->app_secret, 1);
}

// An app whose row is gone leaves the snapshot even when the change log names only a change of
// its AppCodes (every deletion logs the app's own "delete"; this does not rely on it).
TEST_F(ServicesTest, AnAppWhoseRowIsGoneLeavesOnACodeChange) {
  gateway::SnapshotHolder holder;
  gateway::SnapshotLoader loader(*store_, holder, ".apig.example", false);
  auto app = new_app("vanishing");
  auto other = new_app("staying");
  loader.load_all();
  ASSERT_TRUE(entry_of(holder, app.id));
  auto gone = store_->write([&](store::Tx& tx) {
    tx.delete_app(app.id);
    tx.record_change(app.instance_id, "app", app.id, "code.delete");
    return core::Result<core::Unit>(core::Unit{});
  });
  ASSERT_TRUE(gone);
  ASSERT_TRUE(loader.apply_changes());
  EXPECT_FALSE(entry_of(holder, app.id));
  EXPECT_TRUE(entry_of(holder, other.id));
}

}  // namespace
}  // namespace gh::testing
