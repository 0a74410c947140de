// Access control in the route configuration (docs/compatibility.md#acl-dataplane): which ACL a
// target and an app get, and PERMIT/DENY over IPv4 and IPv6 clients, empty sets included.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/acl_model.hpp"
#include "crypto/random.hpp"
#include "gateway/routes.hpp"
#include "gateway/snapshot_file.hpp"

namespace gh::gateway {
namespace {

core::IpAddress ip(std::string_view text) {
  auto a = core::parse_ip(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(core::IpAddress{});
}

RouteInputs inputs() {
  RouteInputs in;
  in.group_domain_suffix = "apig.example";
  in.instances.push_back({"inst", "proj", false});
  core::ApiGroup g;
  g.id = "grp";
  g.instance_id = "inst";
  g.is_default = true;
  in.groups.push_back(g);
  for (const char* id : {"api1", "api2"}) {
    core::ApiSpec s;
    s.id = id;
    s.instance_id = "inst";
    s.group_id = "grp";
    s.req_uri = std::string("/") + id;
    s.backend.url_domain = "127.0.0.1:9000";
    in.published.push_back({s, core::kReleaseEnvId});
  }
  return in;
}

const RouteTarget* target(const RouteConfig& cfg, std::string_view api_id) {
  for (const auto& t : cfg.targets)
    if (t->spec.id == api_id) return t.get();
  return nullptr;
}

TEST(AclTest, PermitAndDenyOverBothFamiliesAndEmptySets) {
  AddressAcl permit{core::IpSet::parse("10.0.0.0/8, 2001:db8::/32"), true};
  EXPECT_TRUE(permit.allows(ip("10.1.2.3")));
  EXPECT_TRUE(permit.allows(ip("::ffff:10.1.2.3")));  // a v4-mapped peer
  EXPECT_TRUE(permit.allows(ip("2001:db8::7")));
  EXPECT_FALSE(permit.allows(ip("11.0.0.1")));
  EXPECT_FALSE(permit.allows(ip("2001:db9::1")));
  AddressAcl deny{permit.set, false};
  EXPECT_FALSE(deny.allows(ip("10.1.2.3")));
  EXPECT_FALSE(deny.allows(ip("2001:db8::7")));
  EXPECT_TRUE(deny.allows(ip("11.0.0.1")));
  // An empty PERMIT set lets nobody in; an empty DENY set keeps nobody out.
  EXPECT_FALSE((AddressAcl{core::IpSet{}, true}).allows(ip("10.1.2.3")));
  EXPECT_TRUE((AddressAcl{core::IpSet{}, false}).allows(ip("10.1.2.3")));
}

TEST(AclTest, IpPoliciesAttachToTheirApiAndEnvironmentOnly) {
  auto in = inputs();
  in.acls.push_back(
      {"acl1", "inst", "a", "DENY", "IP", "192.0.2.0/24,198.51.100.1-198.51.100.9", 0});
  in.acls.push_back({"acl2", "inst", "b", "PERMIT", "DOMAIN", "tenant", 0});
  in.acl_bindings.push_back({"b1", "inst", "acl1", "api1", core::kReleaseEnvId, "IP", "p1", 0});
  in.acl_bindings.push_back({"b2", "inst", "acl2", "api2", core::kReleaseEnvId, "DOMAIN", "p2", 0});
  in.acl_bindings.push_back({"b3", "inst", "acl1", "api2", "OTHER_ENV", "IP", "p3", 0});
  auto cfg = build_routes(in);
  const auto* t1 = target(*cfg, "api1");
  const auto* t2 = target(*cfg, "api2");
  ASSERT_TRUE(t1 && t2);
  ASSERT_NE(t1->ip_acl, nullptr);
  EXPECT_FALSE(t1->ip_acl->allows(ip("192.0.2.4")));
  EXPECT_FALSE(t1->ip_acl->allows(ip("198.51.100.5")));
  EXPECT_TRUE(t1->ip_acl->allows(ip("198.51.100.10")));
  EXPECT_EQ(t2->ip_acl, nullptr);  // a DOMAIN policy and another environment's binding
}

TEST(AclTest, AppAclsByOrdinalAndNoneCostsNothing) {
  auto in = inputs();
  auto none = build_routes(in);
  EXPECT_TRUE(none->app_acls.empty());
  EXPECT_EQ(none->app_acl(AppIdSet::key_of("app-with-acl")), nullptr);
  in.app_acls.push_back({"app-with-acl", "inst", "PERMIT", {"127.0.0.2", "::1"}, 0});
  auto cfg = build_routes(in);
  const auto* acl = cfg->app_acl(AppIdSet::key_of("app-with-acl"));
  ASSERT_NE(acl, nullptr);
  EXPECT_TRUE(acl->allows(ip("127.0.0.2")));
  EXPECT_TRUE(acl->allows(ip("::1")));
  EXPECT_FALSE(acl->allows(ip("127.0.0.1")));
  EXPECT_EQ(cfg->app_acl(AppIdSet::key_of("another-app")), nullptr);
  EXPECT_EQ(cfg->app_acl(AppIdSet::Key{}), nullptr);
}

TEST(AclRulesTest, ValuesAreNormalisedOrRefusedNamingTheField) {
  using core::acl::normalized_value;
  EXPECT_EQ(*normalized_value("IP", " 10.0.0.1 , 10.0.0.0/8,::1"), "10.0.0.1,10.0.0.0/8,::1");
  for (const char* bad : {"", "10.0.0.1/8", "10.0.0.0/33", "1.2.3", "10.0.0.1,", "2-1"}) {
    auto r = normalized_value("IP", bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "APIG.2011");
    EXPECT_EQ(r.error().param, "acl_value");
  }
  std::string many;
  for (int i = 0; i < 101; ++i) many += (i ? "," : "") + std::string("10.0.0.") + std::to_string(i);
  EXPECT_FALSE(normalized_value("IP", many));
  EXPECT_TRUE(normalized_value("DOMAIN", "tenant_a,tenant-b"));
  EXPECT_FALSE(normalized_value("DOMAIN", "123"));  // account names are not all digits
  EXPECT_TRUE(normalized_value("DOMAIN_ID", "123"));
  EXPECT_FALSE(normalized_value("DOMAIN", std::string(65, 'a')));
  EXPECT_TRUE(core::acl::check_app_values({"10.0.0.1", "10.0.0.5-10.0.0.9", "2001:db8::/32"}));
  EXPECT_FALSE(core::acl::check_app_values({}));
  EXPECT_FALSE(core::acl::check_app_values({"10.0.0.1/8"}));
  EXPECT_FALSE(core::acl::check_app_values(std::vector<std::string>(10000, "10.0.0.1")));
}

TEST(AclTest, AccountPoliciesAttachByEntityType) {
  auto in = inputs();
  in.acls.push_back({"n", "inst", "n", "DENY", "DOMAIN", "tenant_b,tenant_a", 0});
  in.acls.push_back({"i", "inst", "i", "PERMIT", "DOMAIN_ID", "d1,d2", 0});
  in.acl_bindings.push_back({"b1", "inst", "n", "api1", core::kReleaseEnvId, "DOMAIN", "p", 0});
  in.acl_bindings.push_back({"b2", "inst", "i", "api1", core::kReleaseEnvId, "DOMAIN_ID", "p", 0});
  auto cfg = build_routes(in);
  const auto* t1 = target(*cfg, "api1");
  ASSERT_TRUE(t1 && t1->account_acls.by_name && t1->account_acls.by_id);
  EXPECT_EQ(t1->ip_acl, nullptr);
  EXPECT_FALSE(t1->account_acls.by_name->allows("tenant_a"));
  EXPECT_TRUE(t1->account_acls.by_name->allows("tenant_c"));
  EXPECT_TRUE(t1->account_acls.by_id->allows("d2"));
  EXPECT_FALSE(t1->account_acls.by_id->allows("d3"));
  EXPECT_EQ(target(*cfg, "api2")->account_acls.by_name, nullptr);
}

// A node restarted during a store outage keeps enforcing what it enforced (the snapshot file).
TEST(AclTest, TheSnapshotFileKeepsPoliciesBindingsAndAppAcls) {
  auto in = std::make_shared<RouteInputs>(inputs());
  in->acls.push_back({"acl1", "inst", "a", "PERMIT", "IP", "192.0.2.0/24", 5});
  in->acl_bindings.push_back({"b1", "inst", "acl1", "api1", core::kReleaseEnvId, "IP", "p1", 6});
  in->app_acls.push_back({"app9", "inst", "DENY", {"10.0.0.1", "2001:db8::/32"}, 7});
  Snapshot snap;
  snap.change_seq = 3;
  snap.routes = build_routes(*in);
  snap.route_inputs = in;
  crypto::Sealer sealer(std::string(32, 'k'));
  auto dir = std::filesystem::temp_directory_path() / ("gh-acl-snap-" + crypto::random_hex(6));
  std::filesystem::create_directories(dir);
  auto path = (dir / "snapshot.json").string();
  ASSERT_TRUE(write_snapshot_file(path, snap, sealer).ok());
  auto back = read_snapshot_file(path, sealer, "apig.example");
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(back.ok()) << back.error().message;
  const auto& cfg = *(*back)->routes;
  const auto* t1 = target(cfg, "api1");
  ASSERT_TRUE(t1 && t1->ip_acl);
  EXPECT_TRUE(t1->ip_acl->allows(ip("192.0.2.9")));
  EXPECT_FALSE(t1->ip_acl->allows(ip("10.0.0.1")));
  const auto* app = cfg.app_acl(AppIdSet::key_of("app9"));
  ASSERT_NE(app, nullptr);
  EXPECT_FALSE(app->allows(ip("2001:db8::1")));
  EXPECT_TRUE(app->allows(ip("10.0.0.2")));
}

}  // namespace
}  // namespace gh::gateway
