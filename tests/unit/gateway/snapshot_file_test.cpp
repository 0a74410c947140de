#include "gateway/snapshot_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/keyed_digest.hpp"
#include "gateway/credentials.hpp"

namespace gh::gateway {
namespace {

std::string temp_dir() {
  auto d = std::filesystem::temp_directory_path() /
           ("gh-snapfile-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

std::shared_ptr<Snapshot> sample(const crypto::KeyedDigest& kd) {
  auto in = std::make_shared<RouteInputs>();
  in->group_domain_suffix = "apig.example";
  in->instances.push_back({"inst", "proj", false});
  core::ApiGroup g;
  g.id = "grp";
  g.instance_id = "inst";
  g.is_default = true;
  in->groups.push_back(g);
  core::ApiSpec s;
  s.id = "api1";
  s.instance_id = "inst";
  s.group_id = "grp";
  s.req_method = "GET";
  s.req_uri = "/items/{id}";
  s.backend.url_domain = "127.0.0.1:9000";
  s.backend.req_uri = "/b";
  in->published.push_back({s, core::kReleaseEnvId});
  core::AppAuth a;
  a.id = "auth1";
  a.instance_id = "inst";
  a.api_id = "api1";
  a.app_id = "app1";
  a.env_id = core::kReleaseEnvId;
  in->auths.push_back(a);
  auto snap = std::make_shared<Snapshot>();
  snap->change_seq = 42;
  snap->routes = build_routes(*in);
  snap->route_inputs = in;
  snap->credentials = apply_app_changes(
      Credentials{}, {},
      {AppRecord{"app1", "inst", "key1", "the-app-secret", {Digest{kd.compute("code-one")}}}});
  return snap;
}

TEST(SnapshotFileTest, RoundTripKeepsRoutesAppsAndSealsTheSecret) {
  crypto::Sealer sealer(std::string(32, 'k'));
  crypto::KeyedDigest kd(sealer.index_key());
  auto dir = temp_dir();
  auto path = dir + "/snapshot.json";
  ASSERT_TRUE(write_snapshot_file(path, *sample(kd), sealer).ok());

  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  EXPECT_EQ(text.str().find("the-app-secret"), std::string::npos);  // sealed
  EXPECT_EQ(text.str().find("code-one"), std::string::npos);        // only digests

  auto back = read_snapshot_file(path, sealer, "apig.example");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ((*back)->change_seq, 42);
  const auto* inst = (*back)->credentials.instance("inst");
  ASSERT_TRUE(inst);
  auto* app = inst->codes.find(Digest{kd.compute("code-one")});
  ASSERT_TRUE(app);
  EXPECT_EQ((*app)->secret(), "the-app-secret");
  EXPECT_EQ((*app)->app_key(), "key1");
  auto groups = (*back)->routes->groups_for_host("grp.apig.example");
  ASSERT_EQ(groups.size(), 1u);
  auto m = groups[0]->by_env.at(core::kReleaseEnvId).match("GET", "/items/7");
  ASSERT_TRUE(m.target);
  EXPECT_EQ(m.target->spec.id, "api1");
  EXPECT_TRUE(m.target->authorized_apps.contains("app1"));
  std::filesystem::remove_all(dir);
}

// A node restarted from its snapshot file (PostgreSQL down) keeps enforcing throttling policies,
// their special values and app quotas.
TEST(SnapshotFileTest, RoundTripKeepsThrottlingPoliciesAndQuotas) {
  crypto::Sealer sealer(std::string(32, 'k'));
  crypto::KeyedDigest kd(sealer.index_key());
  auto snap = sample(kd);
  auto in = std::make_shared<RouteInputs>(*snap->route_inputs);
  core::Throttle t;
  t.id = "thr1";
  t.instance_id = "inst";
  t.api_call_limits = 10;
  t.app_call_limits = 3;
  t.time_interval = 5;
  t.time_unit = "SECOND";
  t.type = 2;
  in->throttles.push_back(t);
  core::ThrottleSpecial x;
  x.id = "sp1";
  x.throttle_id = "thr1";
  x.object_type = "APP";
  x.object_id = "app1";
  x.call_limits = 7;
  in->throttle_specials.push_back(x);
  in->throttle_bindings.push_back({"b1", "thr1", "inst", "api1", core::kReleaseEnvId, "p1", 0});
  core::AppQuota q;
  q.id = "q1";
  q.instance_id = "inst";
  q.call_limits = 100;
  q.time_interval = 1;
  q.time_unit = "HOUR";
  q.reset_time = 1'800'000'300'000;
  q.reset_time_set = true;
  in->app_quotas.push_back(q);
  in->app_quota_bindings.push_back({"app1", "q1", "inst", 0});
  snap->route_inputs = in;
  auto dir = temp_dir();
  auto path = dir + "/snapshot.json";
  ASSERT_TRUE(write_snapshot_file(path, *snap, sealer).ok());
  auto back = read_snapshot_file(path, sealer, "apig.example");
  ASSERT_TRUE(back.ok()) << back.error().message;
  auto groups = (*back)->routes->groups_for_host("grp.apig.example");
  auto m = groups[0]->by_env.at(core::kReleaseEnvId).match("GET", "/items/7");
  ASSERT_TRUE(m.target && m.target->throttle.policy);
  const auto& p = *m.target->throttle.policy;
  EXPECT_EQ(p.api, 10);
  EXPECT_EQ(p.app, 3);
  EXPECT_TRUE(p.shared);
  EXPECT_EQ(p.window.length_ms, 5000);
  EXPECT_EQ(p.period, "5 second");
  EXPECT_EQ(p.app_specials.at(AppIdSet::key_of("app1").ordinal), 7);
  const auto& quotas = (*back)->routes->quota_by_app;
  auto qit = quotas.find(AppIdSet::key_of("app1").ordinal);
  ASSERT_NE(qit, quotas.end());
  EXPECT_EQ(qit->second.limit, 100);
  EXPECT_EQ(qit->second.window.origin_ms, 1'800'000'300'000);
  EXPECT_EQ(qit->second.window.length_ms, 3'600'000);
  EXPECT_FALSE(qit->second.window.sliding);
  std::filesystem::remove_all(dir);
}

TEST(SnapshotFileTest, AnotherKeyOrAMissingFileIsRefused) {
  crypto::Sealer sealer(std::string(32, 'k'));
  crypto::KeyedDigest kd(sealer.index_key());
  auto dir = temp_dir();
  auto path = dir + "/snapshot.json";
  EXPECT_FALSE(read_snapshot_file(path, sealer, "s").ok());
  ASSERT_TRUE(write_snapshot_file(path, *sample(kd), sealer).ok());
  crypto::Sealer other(std::string(32, 'x'));
  EXPECT_FALSE(read_snapshot_file(path, other, "s").ok());
  Snapshot empty;  // no route inputs: nothing worth persisting
  EXPECT_FALSE(write_snapshot_file(dir + "/empty.json", empty, sealer).ok());
  std::filesystem::remove_all(dir);
}

// Found by fuzz/snapshot_file: a route-input array holding something other than objects made
// the reader throw (boost::json as_object) instead of refusing the file.
TEST(SnapshotFileTest, RouteInputsThatAreNotObjectsAreRefusedNotThrown) {
  crypto::Sealer sealer(std::string(32, 'k'));
  for (const char* key : {"instances", "groups", "envs", "env_variables", "published", "auths"}) {
    std::string text = std::string(R"({"v":1,"routes":{")") + key + R"(":[1]},"apps":[]})";
    core::Result<std::shared_ptr<Snapshot>> parsed = core::Error{};
    EXPECT_NO_THROW(parsed = parse_snapshot(text, sealer, "s")) << key;
    EXPECT_FALSE(parsed.ok()) << key;
  }
  auto fine =
      parse_snapshot(R"({"v":1,"routes":{"instances":[{"id":"i"}]},"apps":[]})", sealer, "s");
  ASSERT_TRUE(fine.ok()) << fine.error().message;
  EXPECT_EQ((*fine)->route_inputs->instances.size(), 1u);
}

// The fuzz target's seeds (fuzz/corpus/snapshot_file/, sealed with its key) stay readable files:
// a format change must rewrite them (docs/fuzzing.md), or the fuzzer starts from junk.
TEST(SnapshotFileTest, FuzzSeedsAreReadableSnapshots) {
  crypto::Sealer sealer(std::string(32, 'k'));
  int seeds = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(GATEHOUSE_SOURCE_DIR "/fuzz/corpus/snapshot_file")) {
    std::ifstream f(entry.path(), std::ios::binary);
    std::stringstream text;
    text << f.rdbuf();
    auto parsed = parse_snapshot(text.str(), sealer, "s");
    EXPECT_TRUE(parsed.ok()) << entry.path() << ": " << (parsed ? "" : parsed.error().message);
    ++seeds;
  }
  EXPECT_GE(seeds, 1);
}

}  // namespace
}  // namespace gh::gateway
