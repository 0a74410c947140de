// Several nodes on one store: each thread has its own Store (its own connections / pool, as a
// separate gatehouse process would), all racing on the same rows. Runs on SQLite (separate
// connections to one file) and, with GATEHOUSE_TEST_PG set, on PostgreSQL.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <thread>

#include "core/errors.hpp"
#include "services/app_service.hpp"
#include "services/iam_service.hpp"
#include "store_fixture.hpp"

using namespace gh;
using gh::testing::Backend;

namespace {

services::PasswordLogin wrong_password_for(const std::string& user) {
  services::PasswordLogin in;
  in.user_name = user;
  in.domain_name = "default";
  in.password = "wrong-password";
  return in;
}

class NodesTest : public gh::testing::StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    if (IsSkipped()) return;
    services::IamService iam(*store_, limits_);
    boot_ = iam.bootstrap("admin-password-1");
    admin_.user_id = boot_.admin_user_id;
    admin_.user_name = "admin";
    admin_.domain_id = boot_.domain_id;
    admin_.project_id = boot_.project_id;
    admin_.domain_admin = true;
    admin_.roles = {core::kRoleAdmin};
  }
  services::InstanceScope apig() const {
    return {boot_.project_id, boot_.apig_instance_id, core::InstanceKind::kApig};
  }
  core::App new_app(services::AppService& svc, const std::string& name) {
    services::AppInput in;
    in.name = name;
    auto r = svc.create_app(admin_, apig(), in);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? r.value() : core::App{};
  }
  // Runs body(node_index, service) on `n` threads, each with its own Store and its own Service
  // over it (AppService or IamService), all released at once after every node has opened its store.
  template <class Service = services::AppService, class Body>
  void on_nodes(int n, Body body) {
    std::vector<std::unique_ptr<store::Store>> stores;
    for (int i = 0; i < n; ++i) stores.push_back(open(/*pool_size=*/2));
    std::barrier start(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i)
      threads.emplace_back([&, i] {
        Service svc(*stores[i], limits_);
        start.arrive_and_wait();
        body(i, svc);
      });
    for (auto& t : threads) t.join();
  }

  services::Limits limits_;
  services::BootstrapInfo boot_;
  services::Caller admin_;
};

INSTANTIATE_TEST_SUITE_P(Backends, NodesTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         gh::testing::backend_name);

TEST_P(NodesTest, AppCodeLimitHoldsAcrossNodes) {
  services::AppService svc(*store_, limits_);
  auto app = new_app(svc, "race_app");
  std::atomic<int> ok{0}, limited{0}, other{0};
  on_nodes(20, [&](int, services::AppService& node) {
    auto r = node.generate_code(admin_, apig(), app.id);
    if (r)
      ++ok;
    else if (r.error().code == core::errors::too_many_app_codes().code)
      ++limited;
    else
      ++other;
  });
  EXPECT_EQ(ok.load(), 5);
  EXPECT_EQ(limited.load(), 15);
  EXPECT_EQ(other.load(), 0);
  auto count = store_->read(
      [&](store::Tx& tx) -> core::Result<std::int64_t> { return tx.count_app_codes(app.id); });
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 5);
}

TEST_P(NodesTest, CustomAppCodeValueIsTakenOnceAcrossNodes) {
  services::AppService svc(*store_, limits_);
  std::vector<core::App> apps;
  for (int i = 0; i < 8; ++i) apps.push_back(new_app(svc, "race_app_" + std::to_string(i)));
  const std::string value = "RaceCode" + crypto::random_hex(32);
  std::atomic<int> ok{0}, exists{0}, other{0};
  on_nodes(16, [&](int i, services::AppService& node) {
    auto r = node.create_code(admin_, apig(), apps[i % apps.size()].id, value);
    if (r)
      ++ok;
    else if (r.error().code == core::errors::app_code_exists().code)
      ++exists;
    else
      ++other;
  });
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(exists.load(), 15);
  EXPECT_EQ(other.load(), 0);
  auto taken = store_->read([&](store::Tx& tx) -> core::Result<bool> {
    return tx.app_code_value_taken(boot_.apig_instance_id, value);
  });
  EXPECT_TRUE(taken && *taken);
}

TEST_P(NodesTest, AppNameIsTakenOnceAcrossNodes) {
  std::atomic<int> ok{0}, other{0};
  on_nodes(10, [&](int, services::AppService& node) {
    services::AppInput in;
    in.name = "same_name";
    auto r = node.create_app(admin_, apig(), in);
    r ? ++ok : ++other;
  });
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(other.load(), 9);
}

// Wrong passwords on many nodes at once: every failure counts (the counter is one atomic UPDATE,
// not a read in one transaction and a write in another, which lost concurrent increments).
TEST_P(NodesTest, ConcurrentWrongPasswordsAreAllCounted) {
  constexpr int kNodes = 6, kTriesPerNode = 4;
  limits_.login_failures_before_lock = 1000;
  auto user = [&] {
    services::IamService iam(*store_, limits_);
    return iam.create_user(admin_, "hammered", "password-hammered", "");
  }();
  ASSERT_TRUE(user);
  std::atomic<int> refused{0};
  on_nodes<services::IamService>(kNodes, [&](int, services::IamService& node) {
    for (int k = 0; k < kTriesPerNode; ++k)
      if (!node.login(wrong_password_for("hammered"))) ++refused;
  });
  EXPECT_EQ(refused.load(), kNodes * kTriesPerNode);
  auto sec = store_->read([&](store::Tx& tx) -> core::Result<store::UserSecurity> {
    return tx.user_security(user->id);
  });
  ASSERT_TRUE(sec);
  EXPECT_EQ(sec->failed_logins, kNodes * kTriesPerNode);
  EXPECT_EQ(sec->locked_until, 0);
}

// The failure that reaches the threshold locks the user, however many nodes race to it.
TEST_P(NodesTest, ConcurrentWrongPasswordsReachingTheThresholdLock) {
  constexpr int kNodes = 6, kTriesPerNode = 3;
  limits_.login_failures_before_lock = kNodes * kTriesPerNode;
  services::IamService iam(*store_, limits_);
  ASSERT_TRUE(iam.create_user(admin_, "lockme", "password-lockme", ""));
  on_nodes<services::IamService>(kNodes, [&](int, services::IamService& node) {
    for (int k = 0; k < kTriesPerNode; ++k) (void)node.login(wrong_password_for("lockme"));
  });
  auto in = wrong_password_for("lockme");
  in.password = "password-lockme";
  auto r = iam.login(in);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, core::errors::iam_locked().message);
}

// Nodes starting together on an empty store: migrations and bootstrap happen exactly once.
TEST_P(NodesTest, NodesStartingTogetherMigrateAndBootstrapOnce) {
  std::unique_ptr<gh::testing::PgTestDatabase> db;
  std::string where = dir_ + "/fresh.db";
  if (postgres()) {
    db = std::make_unique<gh::testing::PgTestDatabase>();
    where = db->url();
  }
  constexpr int kNodes = 6;
  std::vector<services::BootstrapInfo> infos(kNodes);
  std::vector<std::string> failures(kNodes);
  std::barrier start(kNodes);
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        store::StoreOptions opts;
        opts.pool_size = 2;
        auto s = store::Store::open(where, crypto::Sealer(key_), opts);
        services::IamService iam(*s, limits_);
        infos[i] = iam.bootstrap("admin-password-1");
      } catch (const std::exception& e) {
        failures[i] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  int created = 0;
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_EQ(failures[i], "") << "node " << i;
    EXPECT_EQ(infos[i].project_id, infos[0].project_id);
    created += infos[i].created ? 1 : 0;
  }
  EXPECT_EQ(created, 1);
}

}  // namespace
