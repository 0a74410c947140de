// The write path (services/writer.hpp): a refused write leaves no change and exactly its failure's
// audit record; a successful one exactly one audit record, written with the change. One write of
// each kind (app, group, API, IAM), and a write that inserted rows before it refused. Runs on the
// store ServicesTest picks (GATEHOUSE_TEST_STORE=postgresql for PostgreSQL).
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "services/traffic_service.hpp"
#include "services/writer.hpp"
#include "services_fixture.hpp"

using namespace gh;
using gh::testing::ServicesTest;

namespace {

struct AuditRow {
  std::string action, result, target_id;
};

class WriteAuditTest : public ServicesTest {
 protected:
  void SetUp() override {
    ServicesTest::SetUp();
    traffic_ = std::make_unique<services::TrafficService>(*store_, services::TrafficSettings{});
    traffic_->on_change([this] { ++notified_; });
    mark();
  }
  void TearDown() override {
    traffic_.reset();
    ServicesTest::TearDown();
  }
  // Remembers where the audit trail and the change log stand.
  void mark() {
    audit_mark_ = scalar("SELECT COALESCE(MAX(seq), 0) FROM audit_events");
    change_mark_ = scalar("SELECT COALESCE(MAX(seq), 0) FROM change_log");
    notified_ = 0;
  }
  std::int64_t scalar(const std::string& sql) {
    return *store_->read([&](store::Tx& tx) -> core::Result<std::int64_t> {
      return tx.session().query(sql)[0].integer(0);
    });
  }
  // Audit records since mark(), oldest first.
  std::vector<AuditRow> audits() {
    return *store_->read([&](store::Tx& tx) -> core::Result<std::vector<AuditRow>> {
      std::vector<AuditRow> out;
      for (auto& r : tx.session().query(
               "SELECT action, result, target_id FROM audit_events WHERE seq > ? ORDER BY seq",
               {audit_mark_}))
        out.push_back({r.text(0), r.text(1), r.text(2)});
      return out;
    });
  }
  std::int64_t changes() {
    return scalar("SELECT COUNT(*) FROM change_log WHERE seq > " + std::to_string(change_mark_));
  }
  std::int64_t rows(const std::string& table) { return scalar("SELECT COUNT(*) FROM " + table); }

  // Exactly one record since mark(): `action` with `result`.
  void expect_one_audit(const std::string& action, const std::string& result) {
    auto a = audits();
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].action, action);
    EXPECT_EQ(a[0].result, result);
  }

  core::ApiSpec spec(const std::string& group_id, const std::string& name) {
    core::ApiSpec a;
    a.group_id = group_id;
    a.name = name;
    a.req_method = "GET";
    a.req_uri = "/" + name;
    a.auth_type = "APP";
    a.backend.url_domain = "backend.internal:8080";
    a.backend.req_uri = "/v1/" + name;
    return a;
  }

  std::unique_ptr<services::TrafficService> traffic_;
  std::int64_t audit_mark_ = 0, change_mark_ = 0;
  int notified_ = 0;
};

TEST_F(WriteAuditTest, AppWrite) {
  services::AppInput bad;
  bad.name = "x";  // too short
  auto refused = apps_->create_app(admin_, apig(), bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(rows("apps"), 0);
  EXPECT_EQ(changes(), 0);
  expect_one_audit("app.create", "APIG.2011");

  mark();
  services::AppInput good;
  good.name = "app_audited";
  auto app = apps_->create_app(admin_, apig(), good);
  ASSERT_TRUE(app);
  expect_one_audit("app.create", "success");
  EXPECT_EQ(audits()[0].target_id, app->id);
  EXPECT_EQ(changes(), 1);
}

TEST_F(WriteAuditTest, GroupWrite) {
  auto first = traffic_->create_group(admin_, apig(), {"group_one", std::nullopt});
  ASSERT_TRUE(first);
  expect_one_audit("group.create", "success");
  EXPECT_EQ(audits()[0].target_id, first->id);
  EXPECT_EQ(notified_, 1);

  mark();
  auto groups = rows("api_groups");
  auto dup = traffic_->create_group(admin_, apig(), {"group_one", std::nullopt});
  ASSERT_FALSE(dup);
  EXPECT_EQ(rows("api_groups"), groups);
  EXPECT_EQ(changes(), 0);
  EXPECT_EQ(notified_, 0);
  expect_one_audit("group.create", dup.error().code);
}

TEST_F(WriteAuditTest, ApiWrite) {
  auto def = traffic_->list_groups(admin_, apig(), {}, {0, 1});
  ASSERT_TRUE(def);
  mark();
  auto invalid = spec(def->items[0].id, "api_one");
  invalid.req_method = "FETCH";
  auto refused = traffic_->create_api(admin_, apig(), invalid);
  ASSERT_FALSE(refused);
  EXPECT_EQ(rows("apis"), 0);
  EXPECT_EQ(changes(), 0);
  expect_one_audit("api.create", "APIG.2011");

  mark();
  auto api = traffic_->create_api(admin_, apig(), spec(def->items[0].id, "api_one"));
  ASSERT_TRUE(api);
  expect_one_audit("api.create", "success");
  EXPECT_EQ(audits()[0].target_id, api->spec.id);
  EXPECT_EQ(changes(), 1);
}

TEST_F(WriteAuditTest, IamWrite) {
  auto users = rows("users");
  auto refused = iam_->create_user(admin_, "short_pw", "12345", "");
  ASSERT_FALSE(refused);
  EXPECT_EQ(rows("users"), users);
  expect_one_audit("user.create", refused.error().code);

  mark();
  auto user = iam_->create_user(admin_, "long_pw", "123456789", "");
  ASSERT_TRUE(user);
  expect_one_audit("user.create", "success");
  EXPECT_EQ(audits()[0].target_id, user->id);
}

// A rule that fails after the body inserted rows and recorded changes: all of it rolls back, the
// refusal is audited once, and the listener is not called.
TEST_F(WriteAuditTest, RefusalAfterRowsWereTouchedRollsEverythingBack) {
  services::ChangeListener listener = [this] { ++notified_; };
  services::Writer writer(*store_, listener);
  auto groups = rows("api_groups");
  auto r = writer.in_instance(admin_, apig(), {boot_.project_id, "group.create", "group", "", ""},
                              [&](services::Write& w) -> core::Status {
                                core::ApiGroup g;
                                g.id = "0123456789abcdef0123456789abcdef";
                                g.instance_id = boot_.apig_instance_id;
                                g.name = "touched";
                                g.register_time = g.update_time = core::now_nanos();
                                w.tx.insert_group(g);
                                w.tx.record_change(g.instance_id, "group", g.id, "create");
                                w.audit.target_id = g.id;
                                return core::errors::too_many_groups();
                              });
  ASSERT_FALSE(r);
  EXPECT_EQ(rows("api_groups"), groups);
  EXPECT_EQ(changes(), 0);
  EXPECT_EQ(notified_, 0);
  expect_one_audit("group.create", r.error().code);
  EXPECT_EQ(audits()[0].target_id, "");  // as the call described it, not the rolled-back row
}

// A unique violation thrown by the store after rows were inserted comes back as the write's
// on_unique error, with the same guarantees.
TEST_F(WriteAuditTest, UniqueViolationAfterAnInsertRollsBack) {
  services::ChangeListener listener = [this] { ++notified_; };
  services::Writer writer(*store_, listener);
  auto apps = rows("apps");
  auto r = writer.in_instance(
      admin_, apig(), {boot_.project_id, "app.create", "app", "", ""},
      [&](services::Write& w) -> core::Status {
        for (auto id : {"0123456789abcdef0123456789abcde1", "0123456789abcdef0123456789abcde2"}) {
          core::App a;
          a.id = id;
          a.instance_id = boot_.apig_instance_id;
          a.project_id = boot_.project_id;
          a.name = "same_name";
          a.app_key = id;
          a.app_secret = "secret-secret-secret";
          w.tx.insert_app(a);  // the second throws kUnique
          w.tx.record_change(a.instance_id, "app", a.id, "create");
        }
        return core::ok_status();
      },
      core::errors::app_name_exists());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::errors::app_name_exists().code);
  EXPECT_EQ(rows("apps"), apps);
  EXPECT_EQ(changes(), 0);
  EXPECT_EQ(notified_, 0);
  expect_one_audit("app.create", r.error().code);
}

// The deadlock an earlier review found on PostgreSQL: a ModelArts AppCode reset took the change-log
// lock (recording the deleted code) before the app lock, while AppCode generation takes the app
// lock first. With one lock order (store/tx.hpp) both keep succeeding side by side.
TEST_F(WriteAuditTest, AppCodeResetAndGenerationSideBySide) {
  auto app = new_app("app_side_by_side");
  auto first = modelarts_->add_code(admin_, boot_.project_id, app.id);
  ASSERT_TRUE(first);
  std::string value = first->app_codes.back();
  std::vector<std::string> failures;
  std::mutex m;
  auto fail = [&](const core::Error& e) {
    std::lock_guard lock(m);
    failures.push_back(e.code + " " + e.message);
  };
  std::thread generator([&] {
    for (int i = 0; i < 20; ++i) {
      auto code = apps_->generate_code(admin_, apig(), app.id);
      if (!code) return fail(code.error());
      if (auto d = apps_->delete_code(admin_, apig(), app.id, code->id); !d) return fail(d.error());
    }
  });
  std::thread resetter([&] {
    for (int i = 0; i < 20; ++i) {
      auto r = modelarts_->reset_code(admin_, boot_.project_id, app.id, value);
      if (!r) return fail(r.error());
      value = r->app_codes.back();  // the newest: created in this write, after every other
    }
  });
  generator.join();
  resetter.join();
  EXPECT_TRUE(failures.empty()) << failures.front();
}

}  // namespace
