// Schema version 2: constraints of the traffic tables and the spec JSON round trip.
#include <gtest/gtest.h>

#include "store/migrations.hpp"
#include "store/spec_json.hpp"
#include "store_fixture.hpp"

using namespace gh;
using gh::testing::StoreTest;

namespace {

core::Instance instance_in(store::Tx& tx) {
  core::Domain d{crypto::new_id(), "dom"};
  tx.insert_domain(d);
  core::Project p{crypto::new_id(), "proj", d.id, ""};
  tx.insert_project(p);
  core::Instance i{crypto::new_id(), p.id, "inst", core::InstanceKind::kApig, 1};
  tx.insert_instance(i);
  return i;
}

TEST(SpecJson, RoundTripsEveryField) {
  core::ApiSpec a;
  a.id = "id1";
  a.instance_id = "inst";
  a.group_id = "grp";
  a.name = "名字_api";
  a.remark = "quote \" and \\ backslash";
  a.type = 2;
  a.req_protocol = "BOTH";
  a.req_method = "ANY";
  a.req_uri = "/a/{b}";
  a.match_mode = "SWA";
  a.auth_type = "APP";
  a.app_code_auth_type = "HEADER";
  a.backend_type = "MOCK";
  a.backend = {"h:1", "HTTPS", "POST", "/x", 1234, 3};
  a.mock_result = "{\"ok\":true}";
  a.req_params = {{"b", "NUMBER", "PATH", "7", 1}};
  a.backend_params = {{"CONSTANT", "k", "HEADER", "v"}};
  a.register_time = 11;
  a.update_time = 22;
  auto back = store::spec_from_json(store::spec_to_json(a));
  ASSERT_TRUE(back);
  EXPECT_EQ(store::spec_to_json(*back), store::spec_to_json(a));
  EXPECT_EQ(back->backend.timeout_ms, 1234);
  EXPECT_EQ(back->req_params[0].default_value, "7");
  EXPECT_FALSE(store::spec_from_json("{\"v\":99}"));
  EXPECT_FALSE(store::spec_from_json("not json"));
}

TEST(Migrations, VersionTwoHasBothDialects) {
  const auto& all = store::migrations();
  ASSERT_GE(all.size(), 2u);
  EXPECT_EQ(all[1].version, 2);
  EXPECT_EQ(all[1].sqlite_sql.size(), all[1].postgres_sql.size());
  EXPECT_FALSE(all[1].postgres_sql.empty());
}

TEST_F(StoreTest, InstancesGetOneDefaultGroupEnforcedByTheSchema) {
  auto r =
      store_->write([&](store::Tx& tx) -> core::Result<core::Instance> { return instance_in(tx); });
  ASSERT_TRUE(r);
  auto groups = store_->read([&](store::Tx& tx) -> core::Result<std::vector<core::ApiGroup>> {
    return tx.groups_of_instance(r->id);
  });
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_TRUE((*groups)[0].is_default);
  // A second default group for the same instance violates the partial unique index.
  auto second = store_->write(
      [&](store::Tx& tx) -> core::Result<int> {
        core::ApiGroup g{crypto::new_id(), r->id, "OTHER", "", true, 1, 1};
        tx.insert_group(g);
        return 1;
      },
      core::errors::group_name_exists());
  EXPECT_FALSE(second);
}

TEST_F(StoreTest, UniquenessIsEnforcedByConstraints) {
  auto inst =
      store_->write([&](store::Tx& tx) -> core::Result<core::Instance> { return instance_in(tx); })
          .value();
  auto insert_group = [&](const std::string& name) {
    return store_->write(
        [&](store::Tx& tx) -> core::Result<int> {
          tx.insert_group({crypto::new_id(), inst.id, name, "", false, 1, 1});
          return 1;
        },
        core::errors::group_name_exists());
  };
  EXPECT_TRUE(insert_group("same"));
  auto dup = insert_group("same");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, "APIG.3201");

  auto env_dup = store_->write(
      [&](store::Tx& tx) -> core::Result<int> {
        tx.insert_env({crypto::new_id(), inst.id, "staging", "", 1});
        tx.insert_env({crypto::new_id(), inst.id, "staging", "", 2});
        return 1;
      },
      core::errors::env_name_exists());
  EXPECT_EQ(env_dup.error().code, "APIG.3205");
  // The failed transaction left nothing behind.
  auto envs = store_->read(
      [&](store::Tx& tx) -> core::Result<std::size_t> { return tx.environments(inst.id).size(); });
  EXPECT_EQ(*envs, 1u);  // RELEASE only
}

TEST_F(StoreTest, ReleaseEnvironmentIsBuiltIn) {
  auto inst =
      store_->write([&](store::Tx& tx) -> core::Result<core::Instance> { return instance_in(tx); })
          .value();
  auto r = store_->read([&](store::Tx& tx) -> core::Result<std::optional<core::Environment>> {
    return tx.env(inst.id, core::kReleaseEnvId);
  });
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ((*r)->name, "RELEASE");
  auto missing = store_->read([&](store::Tx& tx) -> core::Result<std::optional<core::Environment>> {
    return tx.env("no-such-instance", core::kReleaseEnvId);
  });
  EXPECT_FALSE(missing->has_value());
}

}  // namespace

namespace {
TEST_F(StoreTest, EnsureDefaultGroupsRepairsInstancesFromOlderSchemas) {
  auto inst =
      store_->write([&](store::Tx& tx) -> core::Result<core::Instance> { return instance_in(tx); })
          .value();
  // An instance created before schema 2 has no group at all.
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Result<int> {
    tx.session().execute("DELETE FROM api_groups WHERE instance_id = ?", {inst.id});
    return 1;
  }));
  auto run = [&] {
    return store_
        ->write([&](store::Tx& tx) -> core::Result<int> { return tx.ensure_default_groups(); })
        .value();
  };
  EXPECT_EQ(run(), 1);
  EXPECT_EQ(run(), 0);
}
}  // namespace
