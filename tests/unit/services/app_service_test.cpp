#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "services/audit.hpp"
#include "services_fixture.hpp"

using namespace gh;
using gh::testing::ServicesTest;

TEST_F(ServicesTest, BootstrapIsIdempotent) {
  auto again = iam_->bootstrap("ignored");
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.project_id, boot_.project_id);
  EXPECT_EQ(again.apig_instance_id, boot_.apig_instance_id);
}

TEST_F(ServicesTest, FiveAppCodesPerAppUnderConcurrency) {
  auto app = new_app("app_race");
  std::atomic<int> created{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&] {
      auto r = apps_->generate_code(admin_, apig(), app.id);
      if (r)
        ++created;
      else if (r.error().code == "APIG.3131")
        ++refused;
      else
        ++other;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created, 5);
  EXPECT_EQ(refused, 15);
  EXPECT_EQ(other, 0);
}

TEST_F(ServicesTest, SameCustomValueRacingOnSeveralAppsWinsOnce) {
  std::vector<core::App> apps;
  for (int i = 0; i < 5; ++i) apps.push_back(new_app("app_dup_" + std::to_string(i)));
  const std::string value = "Race" + crypto::random_hex(40);
  std::atomic<int> created{0}, duplicate{0};
  std::vector<std::thread> threads;
  for (auto& a : apps)
    threads.emplace_back([&, id = a.id] {
      auto r = apps_->create_code(admin_, apig(), id, value);
      if (r)
        ++created;
      else if (r.error().code == "APIG.2012")
        ++duplicate;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(duplicate, 4);
}

TEST_F(ServicesTest, AppRulesLiveInOnePlace) {
  services::AppInput bad;
  bad.name = "1bad";
  auto r = apps_->create_app(admin_, apig(), bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "APIG.2011");
  EXPECT_EQ(r.error().param, "name");

  new_app("app_same");
  services::AppInput same;
  same.name = "app_same";
  r = apps_->create_app(admin_, apig(), same);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "APIG.3203");

  services::AppInput key1, key2;
  key1.name = "app_key_one";
  key1.app_key = "shared_key_1";
  key2.name = "app_key_two";
  key2.app_key = "shared_key_1";
  ASSERT_TRUE(apps_->create_app(admin_, apig(), key1));
  r = apps_->create_app(admin_, apig(), key2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "APIG.3310");
}

TEST_F(ServicesTest, AppsPerInstanceQuota) {
  limits_.max_apps_per_instance = 2;
  apps_ = std::make_unique<services::AppService>(*store_, limits_);
  new_app("app_q1");
  new_app("app_q2");
  services::AppInput in;
  in.name = "app_q3";
  auto r = apps_->create_app(admin_, apig(), in);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "APIG.3103");
}

TEST_F(ServicesTest, WrongInstanceKindOrProjectIsNotFound) {
  auto roma_as_apig =
      services::InstanceScope{boot_.project_id, boot_.roma_instance_id, core::InstanceKind::kApig};
  auto r = apps_->list_apps(admin_, roma_as_apig, {}, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "APIG.3030");
  auto other_project = admin_;
  other_project.project_id = crypto::new_id();
  auto scope = apig();
  scope.project_id = other_project.project_id;
  auto denied = apps_->list_apps(admin_, scope, {}, {});
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, "APIG.1005");
}

TEST_F(ServicesTest, AppAndCodeLookupErrors) {
  auto app = new_app("app_lookup");
  auto missing = apps_->get_app(admin_, apig(), "9ed8b7fe-8422-4de6-81e7-d7a5587e76dc");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "APIG.3004");
  auto garbage = apps_->get_app(admin_, apig(), "../etc");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, "APIG.2012");
  auto code = apps_->get_code(admin_, apig(), app.id, crypto::new_id());
  ASSERT_FALSE(code);
  EXPECT_EQ(code.error().code, "APIG.3082");
}

TEST_F(ServicesTest, DeletingAnAppCascadesItsCodes) {
  auto app = new_app("app_cascade");
  auto code = apps_->generate_code(admin_, apig(), app.id);
  ASSERT_TRUE(code);
  ASSERT_TRUE(apps_->delete_app(admin_, apig(), app.id));
  auto left = store_->read(
      [&](store::Tx& tx) -> core::Result<std::int64_t> { return tx.count_app_codes(app.id); });
  EXPECT_EQ(*left, 0);
}

TEST_F(ServicesTest, ViewerReadsButCannotWrite) {
  auto app = new_app("app_viewer");
  auto viewer = user_with("viewer1", core::kRoleViewer);
  EXPECT_TRUE(apps_->get_app(viewer, apig(), app.id));
  auto w = apps_->generate_code(viewer, apig(), app.id);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, "APIG.1005");
  auto nobody = user_with("nobody1", "");
  auto r = apps_->get_app(nobody, apig(), app.id);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "APIG.1005");
}

TEST_F(ServicesTest, CodesAreSharedAcrossDialects) {
  auto created = modelarts_->create(admin_, boot_.project_id, "ma_app", "remark", "0");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->app_type, "DEDICATE_APIG");
  EXPECT_EQ(created->app.instance_id, boot_.apig_instance_id);
  auto v2 = apps_->generate_code(admin_, apig(), created->app.id);
  ASSERT_TRUE(v2);
  auto shown = modelarts_->show(admin_, boot_.project_id, created->app.id);
  ASSERT_TRUE(shown);
  ASSERT_EQ(shown->app_codes.size(), 1u);
  EXPECT_EQ(shown->app_codes[0], v2->value);
  auto added = modelarts_->add_code(admin_, boot_.project_id, created->app.id);
  ASSERT_TRUE(added);
  EXPECT_EQ(added->app_codes.size(), 2u);
  auto listed = apps_->list_codes(admin_, apig(), created->app.id, {});
  EXPECT_EQ(listed->total, 2);
}

TEST_F(ServicesTest, ModelArtsIsCreatorOnly) {
  auto created = modelarts_->create(admin_, boot_.project_id, "ma_owned", "", "0");
  ASSERT_TRUE(created);
  auto other = user_with("other1", core::kRoleAdmin);
  auto r = modelarts_->show(other, boot_.project_id, created->app.id);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "ModelArts.0203");
  auto list = modelarts_->list(other, boot_.project_id, {});
  ASSERT_TRUE(list);
  EXPECT_EQ(list->first, 0);
}

TEST_F(ServicesTest, ModelArtsResetAndDeleteByValue) {
  auto created = modelarts_->create(admin_, boot_.project_id, "ma_reset", "", "0");
  auto added = modelarts_->add_code(admin_, boot_.project_id, created->app.id);
  ASSERT_TRUE(added);
  auto old = added->app_codes.at(0);
  auto reset = modelarts_->reset_code(admin_, boot_.project_id, created->app.id, old);
  ASSERT_TRUE(reset);
  ASSERT_EQ(reset->app_codes.size(), 1u);
  EXPECT_NE(reset->app_codes[0], old);
  auto gone = modelarts_->delete_code(admin_, boot_.project_id, created->app.id, old);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, "ModelArts.0204");
  auto del =
      modelarts_->delete_code(admin_, boot_.project_id, created->app.id, reset->app_codes[0]);
  ASSERT_TRUE(del);
  EXPECT_TRUE(del->app_codes.empty());
}

TEST_F(ServicesTest, AuditRecordsWritesWithoutSecrets) {
  auto app = new_app("app_audit");
  auto code = apps_->generate_code(admin_, apig(), app.id);
  ASSERT_TRUE(code);
  services::AppInput dup;
  dup.name = "app_audit";
  (void)apps_->create_app(admin_, apig(), dup);
  auto trail = services::list_audit(*store_, admin_, boot_.project_id, {0, 50});
  ASSERT_TRUE(trail);
  bool saw_generate = false, saw_failure = false;
  int generates = 0;
  for (auto& e : trail->items) {
    EXPECT_EQ(e.detail.find(code->value), std::string::npos);
    EXPECT_EQ(e.detail.find(app.app_secret), std::string::npos);
    generates += e.action == "app_code.generate";
    saw_generate |=
        e.action == "app_code.generate" && e.result == "success" && e.target_id == code->id;
    saw_failure |= e.action == "app.create" && e.result == "APIG.3203";
  }
  EXPECT_TRUE(saw_generate);
  EXPECT_TRUE(saw_failure);
  EXPECT_EQ(generates, 1);  // recorded once, in the write's own transaction
}
