// Schema version 4 (docs/compatibility.md#acls) on both backends: policy names unique per
// instance, one binding per (API, environment, entity type), app ACL values round-trip, and
// bindings and app ACLs go with their API and app.
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "store_fixture.hpp"

using namespace gh;
using gh::testing::Backend;
using gh::testing::StoreBackendTest;

namespace {

class AclStore : public StoreBackendTest {
 protected:
  struct Ids {
    std::string instance, api, app;
  };
  Ids seed() {
    auto r = store_->write([&](store::Tx& tx) -> core::Result<Ids> {
      core::Domain d{crypto::new_id(), "dom"};
      tx.insert_domain(d);
      core::Project p{crypto::new_id(), "proj", d.id, ""};
      tx.insert_project(p);
      core::Instance i{crypto::new_id(), p.id, "inst", core::InstanceKind::kApig, 1};
      tx.insert_instance(i);
      core::ApiSpec a;
      a.id = crypto::new_id();
      a.instance_id = i.id;
      a.group_id = tx.groups_of_instance(i.id).at(0).id;
      a.name = "api_one";
      a.req_uri = "/one";
      tx.insert_api(a, "/one");
      core::App app;
      app.id = crypto::new_id();
      app.instance_id = i.id;
      app.project_id = p.id;
      app.name = "app_one";
      app.app_key = crypto::new_id();
      app.app_secret = "secret-secret";
      tx.insert_app(app);
      return Ids{i.id, a.id, app.id};
    });
    EXPECT_TRUE(r);
    return *r;
  }
  core::AclPolicy policy(const Ids& ids, std::string name, std::string entity = "IP") {
    return {crypto::new_id(),
            ids.instance,
            std::move(name),
            "PERMIT",
            std::move(entity),
            "10.0.0.0/8",
            1};
  }
  core::AclBinding binding(const Ids& ids, const core::AclPolicy& p) {
    return {crypto::new_id(),    ids.instance,  p.id,  ids.api,
            core::kReleaseEnvId, p.entity_type, "pub", 1};
  }
  template <class F>
  core::Result<int> write(F&& f) {
    return store_->write(
        [&](store::Tx& tx) -> core::Result<int> {
          f(tx);
          return 1;
        },
        core::errors::acl_name_exists());
  }
};

TEST_P(AclStore, NamesAndBindingsAreUniqueWhereTheRulesSay) {
  auto ids = seed();
  auto ip1 = policy(ids, "ip_one"), ip2 = policy(ids, "ip_two"), dom = policy(ids, "d", "DOMAIN");
  ASSERT_TRUE(write([&](store::Tx& tx) {
    tx.insert_acl(ip1);
    tx.insert_acl(ip2);
    tx.insert_acl(dom);
  }));
  auto dup = policy(ids, "ip_one");
  EXPECT_FALSE(write([&](store::Tx& tx) { tx.insert_acl(dup); }));
  ASSERT_TRUE(write([&](store::Tx& tx) {
    tx.insert_acl_binding(binding(ids, ip1));
    tx.insert_acl_binding(binding(ids, dom));  // another entity type: allowed
  }));
  // A second IP policy for the same API and environment breaks the unique key.
  EXPECT_FALSE(write([&](store::Tx& tx) { tx.insert_acl_binding(binding(ids, ip2)); }));
  auto counts = store_->read([&](store::Tx& tx) -> core::Result<std::int64_t> {
    EXPECT_TRUE(tx.acl_binding_exists(ids.api, core::kReleaseEnvId, "IP"));
    return tx.count_acl_bindings(ip1.id) + 10 * tx.count_acl_bindings(ip2.id);
  });
  EXPECT_EQ(*counts, 1);
  // The API's bindings go with it.
  ASSERT_TRUE(write([&](store::Tx& tx) {
    EXPECT_EQ(tx.delete_acl_bindings_of_api(ids.api).size(), 2u);
    tx.delete_api(ids.api);
  }));
  auto left = store_->read([&](store::Tx& tx) -> core::Result<std::size_t> {
    return tx.acl_bindings_of_instance(ids.instance).size();
  });
  EXPECT_EQ(*left, 0u);
}

TEST_P(AclStore, AppAclRoundTripsAndGoesWithItsApp) {
  auto ids = seed();
  core::AppAcl acl{
      ids.app, ids.instance, "DENY", {"10.0.0.1", "10.0.0.5-10.0.0.9", "2001:db8::/32"}, 7};
  ASSERT_TRUE(write([&](store::Tx& tx) { tx.upsert_app_acl(acl); }));
  acl.acl_type = "PERMIT";
  acl.values = {"192.0.2.1"};
  ASSERT_TRUE(write([&](store::Tx& tx) { tx.upsert_app_acl(acl); }));  // replaces
  auto got = store_->read([&](store::Tx& tx) -> core::Result<std::vector<core::AppAcl>> {
    return tx.app_acls_of_instance(ids.instance);
  });
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].acl_type, "PERMIT");
  EXPECT_EQ((*got)[0].values, std::vector<std::string>{"192.0.2.1"});
  ASSERT_TRUE(write([&](store::Tx& tx) { tx.delete_app(ids.app); }));  // the foreign key cascades
  auto gone = store_->read(
      [&](store::Tx& tx) -> core::Result<bool> { return !tx.app_acl(ids.app).has_value(); });
  EXPECT_TRUE(*gone);
}

INSTANTIATE_TEST_SUITE_P(Backends, AclStore,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         gh::testing::backend_name);

}  // namespace
