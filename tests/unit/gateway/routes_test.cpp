#include "gateway/routes.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <string>
#include <vector>

#include "gateway/app_ordinals.hpp"

namespace gh::gateway {
namespace {

core::ApiSpec api(std::string id, std::string method, std::string uri,
                  std::string mode = "NORMAL") {
  core::ApiSpec s;
  s.id = std::move(id);
  s.instance_id = "inst";
  s.group_id = "grp";
  s.req_method = std::move(method);
  s.req_uri = std::move(uri);
  s.match_mode = std::move(mode);
  s.backend.url_domain = "127.0.0.1:9000";
  s.backend.req_uri = "/b";
  return s;
}

// One instance with one default group "grp", the APIs published in RELEASE.
RouteInputs inputs(std::vector<core::ApiSpec> apis) {
  RouteInputs in;
  in.group_domain_suffix = "apig.example";
  in.instances.push_back({"inst", "proj", false});
  core::ApiGroup g;
  g.id = "grp";
  g.instance_id = "inst";
  g.is_default = true;
  in.groups.push_back(g);
  for (auto& a : apis) in.published.push_back({a, core::kReleaseEnvId});
  return in;
}

std::shared_ptr<const RouteConfig> config(std::vector<core::ApiSpec> apis) {
  return build_routes(inputs(std::move(apis)));
}

std::string matched(const RouteConfig& cfg, std::string_view method, std::string_view path) {
  auto groups = cfg.groups_for_host("grp.apig.example");
  if (groups.empty()) return "no-group";
  auto& table = groups[0]->by_env.at(core::kReleaseEnvId);
  auto m = table.match(method, path);
  if (m.target) return m.target->spec.id;
  return m.path_matched ? "method-mismatch" : "none";
}

TEST(RoutesTest, PrecedenceExactThenParameterThenLongestPrefix) {
  auto cfg = config({api("prefix-short", "GET", "/a", "SWA"),
                     api("prefix-long", "GET", "/a/b", "SWA"), api("param", "GET", "/a/{id}"),
                     api("exact", "GET", "/a/b"), api("root", "ANY", "/", "SWA")});
  EXPECT_EQ(matched(*cfg, "GET", "/a/b"), "exact");
  EXPECT_EQ(matched(*cfg, "GET", "/a/x"), "param");
  EXPECT_EQ(matched(*cfg, "GET", "/a/b/c"), "prefix-long");
  EXPECT_EQ(matched(*cfg, "GET", "/a/x/y"), "prefix-short");
  EXPECT_EQ(matched(*cfg, "GET", "/ab"), "root");    // prefix on segment boundary only
  EXPECT_EQ(matched(*cfg, "POST", "/a/b"), "root");  // ANY catches other methods
}

TEST(RoutesTest, MethodSpecificBeatsAnyAndMismatchIsReported) {
  auto cfg = config({api("any", "ANY", "/r"), api("get", "GET", "/r"), api("post", "POST", "/p")});
  EXPECT_EQ(matched(*cfg, "GET", "/r"), "get");
  EXPECT_EQ(matched(*cfg, "DELETE", "/r"), "any");
  EXPECT_EQ(matched(*cfg, "GET", "/p"), "method-mismatch");
  EXPECT_EQ(matched(*cfg, "GET", "/nothing"), "none");
}

TEST(RoutesTest, ParametersAreCapturedAndMoreLiteralSegmentsWin) {
  auto cfg = config({api("two", "GET", "/u/{a}/{b}"), api("one", "GET", "/u/{a}/x")});
  auto& table = cfg->groups_for_host("grp.apig.example")[0]->by_env.at(core::kReleaseEnvId);
  auto m = table.match("GET", "/u/7/x");
  ASSERT_TRUE(m.target);
  EXPECT_EQ(m.target->spec.id, "one");
  auto m2 = table.match("GET", "/u/7/8");
  ASSERT_TRUE(m2.target);
  EXPECT_EQ(m2.target->spec.id, "two");
  ASSERT_EQ(m2.params.size(), 2u);
  EXPECT_EQ(m2.params[0].first, "a");
  EXPECT_EQ(m2.params[0].second, "7");
  EXPECT_EQ(matched(*cfg, "GET", "/u//x"), "none");  // an empty segment never fills a parameter
}

TEST(RoutesTest, HostsResolveToGroupOrDefaultGroups) {
  auto cfg = config({api("x", "GET", "/x")});
  EXPECT_EQ(cfg->groups_for_host("GRP.apig.example:443").size(), 1u);
  EXPECT_EQ(cfg->groups_for_host("127.0.0.1:9080").size(), 1u);
  EXPECT_EQ(cfg->groups_for_host("localhost").size(), 1u);
  EXPECT_EQ(cfg->groups_for_host("[::1]:80").size(), 1u);
  EXPECT_TRUE(cfg->groups_for_host("other.example.com").empty());
  EXPECT_EQ(cfg->env_id("inst", "RELEASE"), core::kReleaseEnvId);
  EXPECT_EQ(cfg->env_id("inst", "nope"), "");
}

TEST(RoutesTest, VariablesAndBackendAddresses) {
  EXPECT_EQ(substitute_variables("/#v#/#missing#/x", {{"v", "val"}}), "/val/#missing#/x");
  auto b = parse_backend("example.com:8443", true);
  EXPECT_EQ(b.host, "example.com");
  EXPECT_EQ(b.port, 8443);
  EXPECT_EQ(parse_backend("example.com", false).port, 80);
  EXPECT_EQ(parse_backend("example.com", true).port, 443);
  auto v6 = parse_backend("[::1]:81", false);
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 81);
}

}  // namespace
}  // namespace gh::gateway

namespace gh::gateway {
namespace {

// Ids of every form (32 lowercase hex as Gatehouse makes them; imported ones) are found exactly.
// Authorizations from in.auths and streamed through an AuthSource land in the same sets, matched
// on (api, environment): an authorization for another environment or an unknown API counts for
// no route.
TEST(RoutesTest, AuthorizationsFromInputsAndStreamedAlike) {
  RouteInputs in = inputs({api("api1", "GET", "/one"), api("api2", "GET", "/two")});
  std::vector<std::array<std::string, 3>> auths = {{"api1", "app-a", core::kReleaseEnvId},
                                                   {"api2", "app-b", core::kReleaseEnvId},
                                                   {"api1", "app-c", "other-env"},
                                                   {"gone", "app-d", core::kReleaseEnvId}};
  auto check = [](const RouteConfig& cfg) {
    auto& table = cfg.groups_for_host("127.0.0.1")[0]->by_env.at(core::kReleaseEnvId);
    const auto& one = table.match("GET", "/one").target->authorized_apps;
    const auto& two = table.match("GET", "/two").target->authorized_apps;
    EXPECT_TRUE(one.contains(std::string_view("app-a")));
    EXPECT_FALSE(one.contains(std::string_view("app-b")));
    EXPECT_FALSE(one.contains(std::string_view("app-c")));
    EXPECT_TRUE(two.contains(std::string_view("app-b")));
    EXPECT_FALSE(two.contains(std::string_view("app-d")));
    EXPECT_EQ(one.size() + two.size(), 2u);
  };
  RouteInputs materialised = in;
  for (const auto& [api_id, app, env] : auths)
    materialised.auths.push_back({"id-" + app, "inst", api_id, app, env, 0});
  check(*build_routes(materialised));
  check(*build_routes(in, [&](const AuthSink& add) {
    for (const auto& [api_id, app, env] : auths) add(api_id, app, env);
  }));
}

TEST(AppIdSet, MembershipIsExactForEveryKindOfId) {
  AppIdSet set;
  const std::string made = "0123456789abcdef0123456789abcdef";
  const std::string imported = "app_from-kong-42";
  set.insert(made);
  set.insert(imported);
  set.insert(made);  // twice: still one
  EXPECT_EQ(set.size(), 2u);
  EXPECT_TRUE(set.contains(made));
  EXPECT_TRUE(set.contains(imported));
  // Neighbours of the hex id: one digit off, other case, one digit more or less.
  EXPECT_FALSE(set.contains("0123456789abcdef0123456789abcdee"));
  EXPECT_FALSE(set.contains("0123456789ABCDEF0123456789ABCDEF"));
  EXPECT_FALSE(set.contains("0123456789abcdef0123456789abcde"));
  EXPECT_FALSE(set.contains("0123456789abcdef0123456789abcdef0"));
  EXPECT_FALSE(set.contains("1123456789abcdef0123456789abcdef"));  // first half differs
  EXPECT_FALSE(set.contains(""));
  EXPECT_FALSE(set.contains("app_from-kong-43"));
}

// An upper-case hex id is another id, not confused with its lower-case twin.
TEST(AppIdSet, UpperCaseHexIdsAreDistinctIds) {
  AppIdSet set;
  set.insert("ABCDEF0123456789ABCDEF0123456789");
  EXPECT_TRUE(set.contains("ABCDEF0123456789ABCDEF0123456789"));
  EXPECT_FALSE(set.contains("abcdef0123456789abcdef0123456789"));
  set.insert("abcdef0123456789abcdef0123456789");
  EXPECT_EQ(set.size(), 2u);
}

// The prepared key (the app's ordinal) answers like the id.
TEST(AppIdSet, PreparedKeysAnswerLikeTheId) {
  AppIdSet set;
  set.insert("0123456789abcdef0123456789abcdef");
  set.insert("imported-app-1");
  set.seal();
  auto ask = [&](std::string_view id) { return set.contains(AppIdSet::key_of(id)); };
  EXPECT_TRUE(ask("0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(ask("0123456789abcdef0123456789abcdee"));
  EXPECT_TRUE(ask("imported-app-1"));
  EXPECT_FALSE(ask("imported-app-2"));
  EXPECT_FALSE(ask("0123456789ABCDEF0123456789ABCDEF"));
}

// The all-zero id is an id like any other.
TEST(AppIdSet, TheAllZeroIdIsAnId) {
  AppIdSet set;
  const std::string zero(32, '0');
  EXPECT_FALSE(set.contains(zero));
  set.insert(zero);
  EXPECT_TRUE(set.contains(zero));
  EXPECT_TRUE(set.contains(AppIdSet::key_of(zero)));
  EXPECT_FALSE(set.contains(std::string(31, '0') + "1"));
}

// Ordinals are one-to-one: the same id always gets the same number, different ids (neighbours,
// other case, other length, hex or not) different ones, and asking never numbers an id.
TEST(AppOrdinals, OneNumberPerIdAndOneIdPerNumber) {
  const std::vector<std::string> ids = {"fedcba9876543210fedcba9876543210",
                                        "fedcba9876543210fedcba9876543211",
                                        "FEDCBA9876543210FEDCBA9876543210",
                                        "fedcba9876543210fedcba987654321",
                                        "fedcba9876543210fedcba98765432100",
                                        "ordinal-test-app",
                                        "ordinal-test-App",
                                        ""};
  EXPECT_FALSE(app_ordinals::find("never-numbered-app-id"));
  EXPECT_FALSE(app_ordinals::find("never-numbered-app-id"));  // find() gave it none
  std::vector<std::uint32_t> numbers;
  for (const auto& id : ids) numbers.push_back(app_ordinals::of(id));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(app_ordinals::of(ids[i]), numbers[i]) << ids[i];
    EXPECT_EQ(app_ordinals::find(ids[i]), numbers[i]) << ids[i];
    for (std::size_t j = 0; j < i; ++j)
      EXPECT_NE(numbers[i], numbers[j]) << ids[i] << " " << ids[j];
  }
}

// Both representations (a bitmap when the members are dense among the ordinals, a hash set when
// sparse) are exact, and ordinals beyond a bitmap's end are not members.
TEST(AppIdSet, BitmapAndHashedSetsAreExact) {
  std::vector<std::string> ids;
  for (int i = 0; i < 20000; ++i) ids.push_back("repr-test-app-" + std::to_string(i));
  for (const auto& id : ids) AppIdSet::key_of(id);  // number them in order
  AppIdSet dense, sparse;
  for (std::size_t i = 0; i < ids.size(); i += 2) dense.insert(ids[i]);  // every other one
  sparse.insert(ids[5]);
  sparse.insert(ids[19000]);
  dense.seal();
  sparse.seal();
  EXPECT_TRUE(dense.is_bitmap());
  EXPECT_FALSE(sparse.is_bitmap());
  EXPECT_EQ(dense.size(), 10000u);
  EXPECT_EQ(sparse.size(), 2u);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ASSERT_EQ(dense.contains(ids[i]), i % 2 == 0) << i;
    ASSERT_EQ(sparse.contains(AppIdSet::key_of(ids[i])), i == 5 || i == 19000) << i;
  }
  auto later = AppIdSet::key_of("repr-test-app-numbered-after-the-bitmap");
  EXPECT_FALSE(dense.contains(later));
  // Inserting after seal() keeps the set exact (the bitmap grows).
  dense.insert("repr-test-app-numbered-after-the-bitmap");
  EXPECT_TRUE(dense.contains(later));
  EXPECT_FALSE(dense.contains(ids[1]));
  EXPECT_EQ(dense.size(), 10001u);
}

TEST(AppIdSet, ManyRandomIdsNoFalsePositives) {
  AppIdSet set;
  std::mt19937_64 rng(7);
  auto hex_id = [&] {
    static const char* digits = "0123456789abcdef";
    std::string s(32, '0');
    for (auto& c : s) c = digits[rng() % 16];
    return s;
  };
  std::vector<std::string> in, out;
  for (int i = 0; i < 20000; ++i) in.push_back(hex_id());
  for (int i = 0; i < 20000; ++i) out.push_back(hex_id());
  for (const auto& id : in) set.insert(id);
  for (const auto& id : in) ASSERT_TRUE(set.contains(id)) << id;
  for (const auto& id : out) ASSERT_FALSE(set.contains(id)) << id;
  for (const auto& id : out) ASSERT_FALSE(set.contains(AppIdSet::key_of(id))) << id;
  set.seal();  // numbered in, then out: the members are the lower half, a bitmap
  EXPECT_TRUE(set.is_bitmap());
  for (const auto& id : in) ASSERT_TRUE(set.contains(id)) << id;
  for (const auto& id : out) ASSERT_FALSE(set.contains(AppIdSet::key_of(id))) << id;
}

}  // namespace
}  // namespace gh::gateway
