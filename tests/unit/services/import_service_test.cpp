// ImportService: idempotency, the AppService rules with line numbers, 5 AppCodes per app,
// per-instance uniqueness, the quota, batch boundaries, authorizations, export round trip.
#include "services/import_service.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "crypto/random.hpp"
#include "services/traffic_service.hpp"
#include "services_fixture.hpp"

using namespace gh;
using gh::testing::ServicesTest;

namespace {

std::string code(const std::string& seed) {
  std::string v = "c" + seed;
  while (v.size() < 64) v += "0";
  return v;
}

std::string line(const std::string& name, std::vector<std::string> codes,
                 const std::string& extra_app = "", const std::string& auths = "") {
  std::string out = R"({"app":{"name":")" + name + "\"" + extra_app + R"(},"app_codes":[)";
  for (std::size_t i = 0; i < codes.size(); ++i) out += (i ? ",\"" : "\"") + code(codes[i]) + "\"";
  out += "]";
  if (!auths.empty()) out += R"(,"authorizations":)" + auths;
  return out + "}\n";
}

class ImportTest : public ServicesTest {
 protected:
  void SetUp() override {
    ServicesTest::SetUp();
    limits_.max_apps_per_instance = 50;
  }
  services::ImportSummary run(const std::string& text, std::size_t batch = 1000,
                              std::int64_t quota = 50) {
    services::Limits l = limits_;
    l.max_apps_per_instance = quota;
    services::ImportService svc(*store_, l);
    std::istringstream in(text);
    services::ImportOptions opt;
    opt.project_id = boot_.project_id;
    opt.batch = batch;
    auto r = svc.import_lines(admin_, in, opt);
    EXPECT_TRUE(r) << (r ? "" : r.error().code + " " + r.error().message);
    return r ? *r : services::ImportSummary{};
  }
  std::int64_t count(const std::string& sql) {
    auto r = store_->read([&](store::Tx& tx) -> core::Result<std::int64_t> {
      return tx.session().query(sql)[0].integer(0);
    });
    return r ? *r : -1;
  }
};

TEST_F(ImportTest, ImportsAndIsIdempotent) {
  std::string text = line("imp_a", {"a1", "a2"}) + line("imp_b", {"b1"}) + "\n";
  auto first = run(text);
  EXPECT_EQ(first.apps_created, 2);
  EXPECT_EQ(first.codes_added, 3);
  EXPECT_EQ(first.lines_rejected, 0);
  auto changes = count("SELECT COUNT(*) FROM change_log WHERE entity = 'app'");
  auto audits = count("SELECT COUNT(*) FROM audit_events WHERE action = 'app.import'");
  EXPECT_EQ(audits, 1);

  auto second = run(text);
  EXPECT_EQ(second.apps_created, 0);
  EXPECT_EQ(second.apps_updated, 0);
  EXPECT_EQ(second.apps_unchanged, 2);
  EXPECT_EQ(second.codes_added, 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM apps"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM app_codes"), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM change_log WHERE entity = 'app'"), changes);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_events WHERE action = 'app.import'"), audits);

  // Codes are sealed and found by digest: the imported value authenticates through the store.
  auto found = store_->read([&](store::Tx& tx) -> core::Result<bool> {
    auto app = tx.app_by_name(boot_.apig_instance_id, "imp_a");
    return app && tx.app_code_by_value(app->id, code("a2")).has_value();
  });
  EXPECT_TRUE(found && *found);
  // The whole value, not a fragment: a sealed value is random base64, and SQLite's LIKE ignores
  // case, so a 3-character fragment such as "ca2" turned up in ~0.5 % of runs by chance alone.
  EXPECT_EQ(count("SELECT COUNT(*) FROM app_codes WHERE value_sealed LIKE '%" + code("a2") + "%'"),
            0);
}

TEST_F(ImportTest, SecondImportAddsCodesAndUpdatesFields) {
  run(line("imp_u", {"u1"}));
  auto r = run(line("imp_u", {"u1", "u2"}, R"(,"remark":"changed")"));
  EXPECT_EQ(r.apps_updated, 1);
  EXPECT_EQ(r.codes_added, 1);
  auto app = apps_->list_apps(admin_, apig(), {}, {0, 10});
  ASSERT_TRUE(app);
  ASSERT_EQ(app->items.size(), 1u);
  EXPECT_EQ(app->items[0].remark, "changed");
}

TEST_F(ImportTest, InvalidLinesAreReportedWithLineNumbersAndSkippedWhole) {
  std::string text = line("ok_1", {"o1"}) +       // 1
                     "{not json\n" +              // 2
                     line("1bad-name", {"x1"}) +  // 3: name rule of AppService
                     R"({"app":{"name":"ok_2"},"app_codes":["short"]})"
                     "\n" +  // 4
                     R"({"app":{"name":"ok_3"},"unknown":1})"
                     "\n" +                 // 5
                     line("ok_4", {"o4"});  // 6
  auto r = run(text);
  EXPECT_EQ(r.apps_created, 2);
  EXPECT_EQ(r.lines_rejected, 4);
  ASSERT_EQ(r.problems.size(), 4u);
  EXPECT_EQ(r.problems[0].line, 2u);
  EXPECT_EQ(r.problems[1].line, 3u);
  EXPECT_NE(r.problems[1].message.find("APIG.2011"), std::string::npos);
  EXPECT_EQ(r.problems[2].line, 4u);
  EXPECT_EQ(r.problems[3].line, 5u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM apps WHERE name = 'ok_2'"), 0);
}

TEST_F(ImportTest, AtMostFiveAppCodesPerApp) {
  auto r =
      run(line("six", {"1", "2", "3", "4", "5", "6"}) + line("five", {"a", "b", "c", "d", "e"}));
  EXPECT_EQ(r.lines_rejected, 1);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 1u);
  EXPECT_NE(r.problems[0].message.find("APIG.3131"), std::string::npos);
  EXPECT_EQ(count("SELECT COUNT(*) FROM apps WHERE name = 'six'"), 0);  // not half-applied
  // Adding a sixth to an existing app with five is refused too.
  auto again = run(line("five", {"a", "b", "c", "d", "e", "f"}));
  EXPECT_EQ(again.lines_rejected, 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM app_codes"), 5);
}

TEST_F(ImportTest, CodeValuesAreUniquePerInstanceAcrossLinesAndBatches) {
  // Line 3 reuses a code of line 1; with batch 2 it lands in the next transaction.
  auto r = run(line("u_1", {"same"}) + line("u_2", {"other"}) + line("u_3", {"same", "new"}), 2);
  EXPECT_EQ(r.apps_created, 2);
  EXPECT_EQ(r.lines_rejected, 1);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 3u);
  EXPECT_NE(r.problems[0].message.find("APIG.2012"), std::string::npos);
  EXPECT_EQ(count("SELECT COUNT(*) FROM app_codes"), 2);  // "new" was not added either
  // Also against codes created through the API.
  auto app = new_app("api_made");
  ASSERT_TRUE(apps_->create_code(admin_, apig(), app.id, code("viaapi")));
  auto r2 = run(line("u_4", {"viaapi"}));
  EXPECT_EQ(r2.lines_rejected, 1);
}

// A new app's codes are first left to the UNIQUE index: a clash fails that attempt, and the batch
// is written again with every check. Nothing of the failed attempt may remain or count twice.
TEST_F(ImportTest, ACodeTakenInsideTheBatchRedoesItWithEveryCheck) {
  auto r = run(line("d_1", {"dup"}) + line("d_2", {"d2"}) + line("d_3", {"dup", "d3"}) +
               line("d_4", {"d4"}));
  EXPECT_EQ(r.apps_created, 3);
  EXPECT_EQ(r.codes_added, 3);
  EXPECT_EQ(r.lines_rejected, 1);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 3u);
  EXPECT_NE(r.problems[0].message.find("APIG.2012"), std::string::npos);
  EXPECT_EQ(count("SELECT COUNT(*) FROM apps WHERE name LIKE 'd\\_%' ESCAPE '\\'"), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM app_codes"), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_events WHERE action = 'app.import'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM change_log WHERE entity = 'app' AND op = 'create'"), 3);
}

TEST_F(ImportTest, QuotaOfAppsPerInstance) {
  std::string text;
  for (int i = 0; i < 5; ++i) text += line("q_" + std::to_string(i), {"q" + std::to_string(i)});
  auto r = run(text, 2, 3);
  EXPECT_EQ(r.apps_created, 3);
  EXPECT_EQ(r.lines_rejected, 2);
  EXPECT_EQ(r.problems[0].line, 4u);
  EXPECT_NE(r.problems[0].message.find("APIG.3103"), std::string::npos);
}

TEST_F(ImportTest, BatchBoundariesCommitEachBatchOnce) {
  std::string text;
  for (int i = 0; i < 7; ++i) text += line("b_" + std::to_string(i), {"b" + std::to_string(i)});
  auto r = run(text, 3);
  EXPECT_EQ(r.apps_created, 7);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_events WHERE action = 'app.import'"), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM change_log WHERE entity = 'app' AND op = 'create'"), 7);
}

TEST_F(ImportTest, ForeignProjectIsRefused) {
  services::ImportService svc(*store_, limits_);
  std::istringstream in(line("x", {"x"}));
  services::ImportOptions opt;
  opt.project_id = "0123456789abcdef0123456789abcdef";
  auto r = svc.import_lines(admin_, in, opt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "APIG.1005");
}

TEST_F(ImportTest, AuthorizationsForPublishedApisUnknownOnesSkipped) {
  services::TrafficSettings settings;
  services::TrafficService traffic(*store_, settings);
  auto groups = traffic.list_groups(admin_, apig(), {}, {0, 10});
  ASSERT_TRUE(groups);
  core::ApiSpec a;
  a.group_id = groups->items[0].id;
  a.name = "imported_api";
  a.req_method = "GET";
  a.req_uri = "/imp";
  a.auth_type = "APP";
  a.backend.url_domain = "backend.internal:8080";
  a.backend.req_uri = "/v1/imp";
  auto api = traffic.create_api(admin_, apig(), a);
  ASSERT_TRUE(api);
  ASSERT_TRUE(traffic.publish(admin_, apig(), {"online", api->spec.id, core::kReleaseEnvId, ""}));
  std::string auths = R"([{"api_id":")" + api->spec.id + R"(","env_id":")" + core::kReleaseEnvId +
                      R"("},{"api_id":"ffffffffffffffffffffffffffffffff",)" + R"("env_id":")" +
                      core::kReleaseEnvId + "\"}]";
  auto r = run(line("authed", {"au"}, "", auths));
  EXPECT_EQ(r.apps_created, 1);
  EXPECT_EQ(r.auths_added, 1);
  EXPECT_EQ(r.auths_skipped, 1);
  EXPECT_EQ(r.lines_rejected, 0);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_FALSE(r.problems[0].line_rejected);
  EXPECT_NE(r.problems[0].message.find("APIG.3002"), std::string::npos);
  auto again = run(line("authed", {"au"}, "", auths));
  EXPECT_EQ(again.auths_added, 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM app_auths"), 1);
}

TEST_F(ImportTest, ExportRoundTripsIntoTheSameFormat) {
  run(line("rt_1", {"r1", "r2"}, R"(,"app_key":"k0123456789abcdef0123456789abcde")") +
      line("rt_2", {}));
  std::ostringstream out;
  services::ExportOptions eo;
  auto n = services::export_lines(*store_, admin_, eo, out);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2);
  EXPECT_NE(out.str().find(code("r2")), std::string::npos);
  EXPECT_NE(out.str().find("k0123456789abcdef0123456789abcde"), std::string::npos);
  auto again = run(out.str());  // same store: everything matches by id
  EXPECT_EQ(again.apps_unchanged, 2);
  EXPECT_EQ(again.codes_added, 0);
  EXPECT_EQ(again.lines_rejected, 0);
}

}  // namespace
