#include "gateway/routes.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

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

std::shared_ptr<const RouteConfig> config(std::vector<core::ApiSpec> apis) {
  RouteInputs in;
  in.group_domain_suffix = "apig.example";
  in.instances.push_back({"inst", "proj", false});
  core::ApiGroup g;
  g.id = "grp";
  g.instance_id = "inst";
  g.is_default = true;
  in.groups.push_back(g);
  for (auto& a : apis) in.published.push_back({a, core::kReleaseEnvId});
  return build_routes(in);
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

// Ids of both kinds (32 lowercase hex, packed; anything else, kept as strings) are found exactly.
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
  // Neighbours of the packed id: one digit off, other case, one digit more or less.
  EXPECT_FALSE(set.contains("0123456789abcdef0123456789abcdee"));
  EXPECT_FALSE(set.contains("0123456789ABCDEF0123456789ABCDEF"));
  EXPECT_FALSE(set.contains("0123456789abcdef0123456789abcde"));
  EXPECT_FALSE(set.contains("0123456789abcdef0123456789abcdef0"));
  EXPECT_FALSE(set.contains("1123456789abcdef0123456789abcdef"));  // first half differs
  EXPECT_FALSE(set.contains(""));
  EXPECT_FALSE(set.contains("app_from-kong-43"));
}

// An upper-case hex id is another id: stored as a string, not confused with its lower-case twin.
TEST(AppIdSet, UpperCaseHexIdsAreDistinctIds) {
  AppIdSet set;
  set.insert("ABCDEF0123456789ABCDEF0123456789");
  EXPECT_TRUE(set.contains("ABCDEF0123456789ABCDEF0123456789"));
  EXPECT_FALSE(set.contains("abcdef0123456789abcdef0123456789"));
  set.insert("abcdef0123456789abcdef0123456789");
  EXPECT_EQ(set.size(), 2u);
}

// The prepared key answers like the id; the id itself is read only for ids without a packed form.
TEST(AppIdSet, PreparedKeysAnswerLikeTheIdAndReadItOnlyWhenNotPacked) {
  AppIdSet set;
  set.insert("0123456789abcdef0123456789abcdef");
  set.insert("imported-app-1");
  int reads = 0;
  auto ask = [&](std::string_view id) {
    return set.contains(AppIdSet::key_of(id), [&] {
      ++reads;
      return id;
    });
  };
  EXPECT_TRUE(ask("0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(ask("0123456789abcdef0123456789abcdee"));
  EXPECT_EQ(reads, 0);
  EXPECT_TRUE(ask("imported-app-1"));
  EXPECT_FALSE(ask("imported-app-2"));
  EXPECT_FALSE(ask("0123456789ABCDEF0123456789ABCDEF"));  // not packed: read, and not in the set
  EXPECT_EQ(reads, 3);
}

// The all-zero id has no packed form (all-zero is the key's "not packed" marker) but is found.
TEST(AppIdSet, TheAllZeroIdIsKeptAsAString) {
  AppIdSet set;
  const std::string zero(32, '0');
  EXPECT_FALSE(AppIdSet::key_of(zero).is_packed());
  EXPECT_FALSE(set.contains(zero));
  set.insert(zero);
  EXPECT_TRUE(set.contains(zero));
  EXPECT_TRUE(set.contains(AppIdSet::key_of(zero), [&] { return std::string_view(zero); }));
  EXPECT_FALSE(set.contains(std::string(31, '0') + "1"));
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
}

}  // namespace
}  // namespace gh::gateway
