#include <gtest/gtest.h>

#include "../store/store_fixture.hpp"
#include "gateway/credentials.hpp"
#include "gateway/loader.hpp"

using namespace gh;
using gh::testing::Backend;

class LoaderStartTest : public gh::testing::StoreBackendTest {
 protected:
  using Codes = std::vector<std::pair<std::string, int>>;  // value, index into the apps

  // A start of a gateway over the store: the snapshot load_all() publishes.
  std::shared_ptr<const gateway::Snapshot> start() {
    gateway::SnapshotHolder holder;
    gateway::SnapshotLoader loader(*store_, holder, "", false);
    loader.load_all();
    return holder.load();
  }

  // Every code of `codes` leads to its app in the snapshot, and each app has `per_app` codes.
  void expect_codes_of_apps(const gateway::Snapshot& snap, const std::string& instance_id,
                            const Codes& codes, const std::vector<core::App>& apps,
                            const std::vector<std::size_t>& per_app) {
    const auto* creds = snap.credentials.instance(instance_id);
    ASSERT_NE(creds, nullptr);
    for (const auto& [value, app] : codes) {
      auto digest = gateway::digest_from_hex(store_->sealer().index_digest(value));
      ASSERT_TRUE(digest);
      const auto* entry = creds->codes.find(*digest);
      ASSERT_NE(entry, nullptr) << value;
      EXPECT_EQ(entry->app->id(), apps[app].id);
    }
    for (std::size_t i = 0; i < apps.size(); ++i) {
      const auto* entry = snap.credentials.apps.find(apps[i].id);
      ASSERT_NE(entry, nullptr);
      EXPECT_EQ((*entry)->codes().size(), per_app[i]) << i;
    }
  }
};
INSTANTIATE_TEST_SUITE_P(Backends, LoaderStartTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         gh::testing::backend_name);

// The start reads apps and AppCode digests side by side and joins them by app id: every code
// leads to its app, also when an app's codes were not written one after the other.
TEST_P(LoaderStartTest, LoadAllJoinsEveryCodeToItsApp) {
  auto inst = gh::testing::seed_instance(*store_);
  std::vector<core::App> apps;
  for (int i = 0; i < 3; ++i)
    apps.push_back(gh::testing::make_app(inst, "app" + std::to_string(i)));
  // Codes in the order app0, app1, app0, app2, app0: app0's come in three runs.
  Codes codes;
  for (int app : {0, 1, 0, 2, 0}) codes.emplace_back("C" + crypto::random_hex(24), app);
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    for (const auto& a : apps) tx.insert_app(a);
    return core::ok_status();
  }));
  for (const auto& code : codes)  // a named entry: clang 14 lambdas cannot capture bindings
    ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
      tx.insert_app_code(
          {crypto::new_id(), apps[code.second].id, inst.id, code.first, core::now_nanos()});
      return core::ok_status();
    }));

  auto snap = start();
  ASSERT_EQ(snap->credentials.apps.size(), 3u);
  expect_codes_of_apps(*snap, inst.id, codes, apps, {3, 1, 1});
  for (int i = 0; i < 3; ++i) {
    const auto* entry = snap->credentials.apps.find(apps[i].id);
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ((*entry)->secret(), apps[i].app_secret);
    EXPECT_EQ((*entry)->app_key(), apps[i].app_key);
  }
  EXPECT_GT(snap->change_seq, 0);
}

// Apps without codes, and a store with no app at all, load too.
TEST_P(LoaderStartTest, LoadAllWithoutCodes) {
  gateway::SnapshotHolder holder;
  gateway::SnapshotLoader loader(*store_, holder, "", false);
  loader.load_all();
  EXPECT_EQ(holder.load()->credentials.apps.size(), 0u);
  auto inst = gh::testing::seed_instance(*store_);
  auto app = gh::testing::make_app(inst, "lonely");
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    tx.insert_app(app);
    return core::ok_status();
  }));
  loader.load_all();
  auto snap = holder.load();
  ASSERT_EQ(snap->credentials.apps.size(), 1u);
  EXPECT_TRUE((*snap->credentials.apps.find(app.id))->codes().empty());
}

// The usual layout (codes written app after app, in the apps' order, some apps without codes)
// is joined without the by-id map; every code still leads to its own app.
TEST_P(LoaderStartTest, LoadAllJoinsCodesWrittenInTheAppsOrder) {
  auto inst = gh::testing::seed_instance(*store_);
  std::vector<core::App> apps;
  for (int i = 0; i < 5; ++i)
    apps.push_back(gh::testing::make_app(inst, "ordered" + std::to_string(i)));
  Codes codes;  // none for apps 1 and 4
  for (int app : {0, 0, 2, 3, 3, 3}) codes.emplace_back("C" + crypto::random_hex(24), app);
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    for (const auto& a : apps) tx.insert_app(a);
    for (const auto& code : codes)
      tx.insert_app_code(
          {crypto::new_id(), apps[code.second].id, inst.id, code.first, core::now_nanos()});
    return core::ok_status();
  }));

  expect_codes_of_apps(*start(), inst.id, codes, apps, {2, 0, 1, 3, 0});
}
