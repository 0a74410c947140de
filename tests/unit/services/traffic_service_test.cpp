// TrafficService rules: limits, uniqueness (also under races), publication snapshots,
// docs/compatibility.md#g6, cascades
// (#g7), RBAC, change records.
#include "services/traffic_service.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "services_fixture.hpp"

using namespace gh;
using gh::testing::ServicesTest;

namespace {
constexpr const char* kRelease = core::kReleaseEnvId;

class TrafficTest : public ServicesTest {
 protected:
  void SetUp() override {
    ServicesTest::SetUp();
    settings_.max_groups = 4;
    traffic_ = std::make_unique<services::TrafficService>(*store_, settings_);
    traffic_->on_change([this] { ++changes_; });
  }
  void TearDown() override {
    traffic_.reset();
    ServicesTest::TearDown();
  }
  core::ApiGroup group(const std::string& name) {
    auto r = traffic_->create_group(admin_, apig(), {name, std::nullopt});
    EXPECT_TRUE(r) << (r ? "" : r.error().code);
    return r ? *r : core::ApiGroup{};
  }
  core::ApiSpec spec(const std::string& group_id, const std::string& name, const std::string& uri) {
    core::ApiSpec a;
    a.group_id = group_id;
    a.name = name;
    a.req_method = "GET";
    a.req_uri = uri;
    a.auth_type = "APP";
    a.backend.url_domain = "backend.internal:8080";
    a.backend.req_uri = "/v1" + uri;
    return a;
  }
  services::ApiView api(const std::string& group_id, const std::string& name,
                        const std::string& uri) {
    auto r = traffic_->create_api(admin_, apig(), spec(group_id, name, uri));
    EXPECT_TRUE(r) << (r ? "" : r.error().code + " " + r.error().message);
    return r ? *r : services::ApiView{};
  }
  core::Result<services::PublishResult> publish(const std::string& api_id,
                                                const std::string& env_id = kRelease,
                                                const std::string& action = "online") {
    return traffic_->publish(admin_, apig(), {action, api_id, env_id, ""});
  }
  std::vector<std::string> change_entities() {
    auto r = store_->read([&](store::Tx& tx) -> core::Result<std::vector<std::string>> {
      std::vector<std::string> out;
      for (auto& row : tx.session().query("SELECT entity, op FROM change_log ORDER BY seq"))
        out.push_back(row.text(0) + ":" + row.text(1));
      return out;
    });
    return r ? *r : std::vector<std::string>{};
  }

  services::TrafficSettings settings_;
  std::unique_ptr<services::TrafficService> traffic_;
  std::atomic<int> changes_{0};
};

TEST_F(TrafficTest, EveryInstanceHasOneUndeletableDefaultGroup) {
  auto groups = traffic_->list_groups(admin_, apig(), {}, {0, 100});
  ASSERT_TRUE(groups);
  ASSERT_EQ(groups->total, 1);
  auto def = groups->items[0];
  EXPECT_TRUE(def.is_default);
  EXPECT_EQ(def.name, "DEFAULT");
  EXPECT_EQ(traffic_->sl_domain(def), def.id + ".apig.gatehouse.local");
  EXPECT_EQ(traffic_->delete_group(admin_, apig(), def.id).error().code, "APIG.3400");
  traffic_->ensure_default_groups();  // idempotent
  EXPECT_EQ(traffic_->list_groups(admin_, apig(), {}, {0, 100})->total, 1);
  services::InstanceScope roma{boot_.project_id, boot_.roma_instance_id, core::InstanceKind::kRoma};
  EXPECT_EQ(traffic_->list_groups(admin_, roma, {}, {0, 100})->total, 1);
}

TEST_F(TrafficTest, GroupLimitAndDuplicateNames) {
  group("group_a");
  EXPECT_EQ(traffic_->create_group(admin_, apig(), {"group_a", std::nullopt}).error().code,
            "APIG.3201");
  group("group_b");
  group("group_c");  // with DEFAULT: 4 = max_groups
  EXPECT_EQ(traffic_->create_group(admin_, apig(), {"group_d", std::nullopt}).error().code,
            "APIG.3101");
  EXPECT_EQ(traffic_->create_group(admin_, apig(), {"x", std::nullopt}).error().code, "APIG.2011");
}

TEST_F(TrafficTest, RacingSameGroupNameWinsOnce) {
  std::atomic<int> created{0}, duplicate{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto r = traffic_->create_group(admin_, apig(), {"raced_group", std::nullopt});
      if (r)
        ++created;
      else if (r.error().code == "APIG.3201")
        ++duplicate;
      else
        ++other;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(duplicate, 7);
  EXPECT_EQ(other, 0);
}

TEST_F(TrafficTest, EnvironmentLimitIncludesRelease) {
  for (int i = 1; i < 10; ++i) {
    auto r = traffic_->create_env(admin_, apig(), {"env_" + std::to_string(i), std::nullopt});
    ASSERT_TRUE(r) << r.error().code;
  }
  EXPECT_EQ(traffic_->create_env(admin_, apig(), {"env_extra", std::nullopt}).error().code,
            "APIG.3104");
  auto envs = traffic_->list_envs(admin_, apig(), {}, {0, 100});
  EXPECT_EQ(envs->total, 10);
  EXPECT_EQ(envs->items[0].id, kRelease);
  EXPECT_EQ(traffic_->delete_env(admin_, apig(), kRelease).error().code, "APIG.3400");
  EXPECT_EQ(traffic_->update_env(admin_, apig(), kRelease, {"RENAMED", std::nullopt}).error().code,
            "APIG.3400");
}

TEST_F(TrafficTest, ApiNamesAndRoutesAreUniquePerGroup) {
  auto g = group("group_a");
  auto a = api(g.id, "api_one", "/items/{id}");
  EXPECT_EQ(traffic_->create_api(admin_, apig(), spec(g.id, "api_one", "/other")).error().code,
            "APIG.3202");
  auto route = traffic_->create_api(admin_, apig(), spec(g.id, "api_two", "/items/{key}"));
  EXPECT_EQ(route.error().code, "APIG.2012");
  EXPECT_EQ(route.error().param, "req_uri");
  // Another group may hold the same name and route.
  auto g2 = group("group_b");
  api(g2.id, "api_one", "/items/{id}");
  // Updating an API to its own name and route is fine.
  auto same = spec(g.id, "api_one", "/items/{id}");
  same.remark = "changed";
  EXPECT_TRUE(traffic_->update_api(admin_, apig(), a.spec.id, same));
  EXPECT_EQ(services::route_key("/a/{x}/b/{rest+}"), "/a/{}/b/{+}");
}

TEST_F(TrafficTest, SpecValidationNamesTheParameter) {
  auto g = group("group_a");
  struct Case {
    std::function<void(core::ApiSpec&)> mutate;
    std::string param;
  };
  std::vector<Case> cases = {
      {[](core::ApiSpec& a) { a.req_method = "FETCH"; }, "req_method"},
      {[](core::ApiSpec& a) { a.req_uri = "/a//b"; }, "req_uri"},
      {[](core::ApiSpec& a) { a.req_protocol = "GRPC"; }, "req_protocol"},
      {[](core::ApiSpec& a) { a.type = 3; }, "type"},
      {[](core::ApiSpec& a) {
         a.auth_type = "NONE";
         a.app_code_auth_type = "HEADER";
       },
       "auth_opt.app_code_auth_type"},
      {[](core::ApiSpec& a) { a.backend.timeout_ms = 0; }, "backend_api.timeout"},
      {[](core::ApiSpec& a) { a.backend.retry_count = 11; }, "backend_api.retry_count"},
      {[](core::ApiSpec& a) { a.backend.url_domain = "host:99999"; }, "backend_api.url_domain"},
      {[](core::ApiSpec& a) {
         a.req_params.push_back({"id", "STRING", "PATH", "", 1});
       },
       "req_params.location"},
      {[](core::ApiSpec& a) {
         a.backend_params.push_back({"SYSTEM", "x", "HEADER", "$nope"});
       },
       "backend_params.value"},
      {[](core::ApiSpec& a) {
         a.backend_params.push_back({"MAGIC", "x", "HEADER", "v"});
       },
       "backend_params.origin"},
  };
  for (auto& c : cases) {
    auto s = spec(g.id, "api_bad", "/bad");
    c.mutate(s);
    auto v = traffic_->check_spec(s);
    ASSERT_FALSE(v) << c.param;
    EXPECT_EQ(v.error().code, "APIG.2011");
    EXPECT_EQ(v.error().param, c.param);
  }
  auto ok = spec(g.id, "api_ok", "/users/{id}");
  ok.req_params.push_back({"id", "STRING", "PATH", "", 1});
  ok.backend.url_domain = "#backend_host#";
  ok.backend.req_uri = "/#base_path#/users/{uid}";
  ok.backend_params.push_back({"REQUEST", "uid", "PATH", "id"});
  ok.backend_params.push_back({"SYSTEM", "X-Source", "HEADER", "$context.sourceIp"});
  EXPECT_TRUE(traffic_->check_spec(ok));
}

TEST_F(TrafficTest, ApisPerGroupLimit) {
  settings_.max_apis_per_group = 2;
  traffic_ = std::make_unique<services::TrafficService>(*store_, settings_);
  auto g = group("group_a");
  api(g.id, "api_1", "/1");
  api(g.id, "api_2", "/2");
  EXPECT_EQ(traffic_->create_api(admin_, apig(), spec(g.id, "api_3", "/3")).error().code,
            "APIG.3102");
}

TEST_F(TrafficTest, DataPlaneServesThePublishedSnapshotNotLaterEdits) {
  auto g = group("group_a");
  auto a = api(g.id, "api_snap", "/snap");
  ASSERT_TRUE(publish(a.spec.id));
  auto edited = spec(g.id, "api_snap", "/snap");
  edited.backend.req_uri = "/edited";
  ASSERT_TRUE(traffic_->update_api(admin_, apig(), a.spec.id, edited));

  auto published = [&] {
    return store_
        ->read([&](store::Tx& tx) -> core::Result<std::vector<store::PublishedApi>> {
          return tx.published_apis(boot_.apig_instance_id);
        })
        .value();
  };
  auto before = published();
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].spec.id, a.spec.id);
  EXPECT_EQ(before[0].env_id, kRelease);
  EXPECT_EQ(before[0].spec.backend.req_uri, "/v1/snap");

  auto again = publish(a.spec.id);
  ASSERT_TRUE(again);
  auto after = published();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].spec.backend.req_uri, "/edited");
  EXPECT_EQ(after[0].publish_id, again->publish_id);

  ASSERT_TRUE(publish(a.spec.id, kRelease, "offline"));
  EXPECT_TRUE(published().empty());
  EXPECT_EQ(publish(a.spec.id, kRelease, "offline").error().code, "APIG.3015");
}

TEST_F(TrafficTest, PublicationHistoryKeepsTenPerEnvironment) {
  auto g = group("group_a");
  auto a = api(g.id, "api_hist", "/hist");
  std::string last;
  for (int i = 0; i < 13; ++i) last = publish(a.spec.id)->publish_id;
  auto history = traffic_->publication_history(admin_, apig(), a.spec.id, kRelease);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 10u);
  EXPECT_EQ(history->front().publication.publish_id, last);
  EXPECT_TRUE(history->front().online);
  EXPECT_FALSE(history->back().online);
}

TEST_F(TrafficTest, DeleteRulesForPublishedThings) {
  auto g = group("group_a");
  auto a = api(g.id, "api_pub", "/pub");
  auto env = traffic_->create_env(admin_, apig(), {"staging", std::nullopt});
  ASSERT_TRUE(env);
  ASSERT_TRUE(publish(a.spec.id, env->id));
  EXPECT_EQ(traffic_->delete_api(admin_, apig(), a.spec.id).error().code, "APIG.3416");
  EXPECT_EQ(traffic_->delete_group(admin_, apig(), g.id).error().code, "APIG.3415");
  EXPECT_EQ(traffic_->delete_env(admin_, apig(), env->id).error().code, "APIG.3418");
  ASSERT_TRUE(publish(a.spec.id, env->id, "offline"));
  EXPECT_TRUE(traffic_->delete_env(admin_, apig(), env->id));
  EXPECT_TRUE(traffic_->delete_api(admin_, apig(), a.spec.id));
  EXPECT_TRUE(traffic_->delete_group(admin_, apig(), g.id));
}

TEST_F(TrafficTest, AuthorizingRequiresPublicationG6) {
  auto g = group("group_a");
  auto a = api(g.id, "api_auth", "/auth");
  auto app = new_app("app_auth");
  services::AuthInput in{kRelease, {app.id}, {a.spec.id}};
  auto r = traffic_->authorize(admin_, apig(), in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  ASSERT_TRUE((*r)[0].error);
  EXPECT_EQ((*r)[0].error->code, "APIG.3015");
  EXPECT_TRUE((*r)[0].auth.id.empty());

  ASSERT_TRUE(publish(a.spec.id));
  r = traffic_->authorize(admin_, apig(), in);
  ASSERT_FALSE((*r)[0].error);
  auto dup = traffic_->authorize(admin_, apig(), in);
  EXPECT_EQ((*dup)[0].error->code, "APIG.3316");

  // Offline keeps the authorization (docs/compatibility.md#g6).
  ASSERT_TRUE(publish(a.spec.id, kRelease, "offline"));
  auto auths = store_->read([&](store::Tx& tx) -> core::Result<std::vector<core::AppAuth>> {
    return tx.app_auths(boot_.apig_instance_id);
  });
  ASSERT_EQ(auths->size(), 1u);
  EXPECT_EQ((*auths)[0].app_id, app.id);
}

TEST_F(TrafficTest, DeletingAnAppOrApiCascadesItsAuthorizationsG7) {
  auto g = group("group_a");
  auto a1 = api(g.id, "api_c1", "/c1");
  auto a2 = api(g.id, "api_c2", "/c2");
  ASSERT_TRUE(publish(a1.spec.id));
  ASSERT_TRUE(publish(a2.spec.id));
  auto app1 = new_app("app_c1");
  auto app2 = new_app("app_c2");
  auto r =
      traffic_->authorize(admin_, apig(), {kRelease, {app1.id, app2.id}, {a1.spec.id, a2.spec.id}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 4u);

  auto listed = apps_->list_apps(admin_, apig(), {}, {0, 50});
  for (auto& app : listed->items) EXPECT_EQ(app.bound_api_count, 2) << app.name;
  EXPECT_EQ(apps_->outline(admin_, apig())->authed, 2);

  ASSERT_TRUE(apps_->delete_app(admin_, apig(), app1.id));
  auto count = [&] {
    return store_
        ->read([&](store::Tx& tx) -> core::Result<std::size_t> {
          return tx.app_auths(boot_.apig_instance_id).size();
        })
        .value();
  };
  EXPECT_EQ(count(), 2u);
  auto log = change_entities();
  EXPECT_EQ(std::count(log.begin(), log.end(), "app_auth:delete"), 2);

  ASSERT_TRUE(publish(a1.spec.id, kRelease, "offline"));
  ASSERT_TRUE(traffic_->delete_api(admin_, apig(), a1.spec.id));
  EXPECT_EQ(count(), 1u);
  EXPECT_EQ(apps_->outline(admin_, apig())->authed, 1);
}

TEST_F(TrafficTest, ModelArtsDeleteRefusedWhileBound) {
  auto created = modelarts_->create(admin_, boot_.project_id, "ma_bound", "", "0");
  ASSERT_TRUE(created);
  auto g = group("group_a");
  auto a = api(g.id, "api_ma", "/ma");
  ASSERT_TRUE(publish(a.spec.id));
  ASSERT_FALSE(
      (*traffic_->authorize(admin_, apig(), {kRelease, {created->app.id}, {a.spec.id}}))[0].error);
  EXPECT_EQ(modelarts_->show(admin_, boot_.project_id, created->app.id)->bound_api_count, 1);
  EXPECT_EQ(modelarts_->remove(admin_, boot_.project_id, created->app.id).error().code,
            "ModelArts.0104");
}

TEST_F(TrafficTest, ViewersReadButDoNotWrite) {
  auto viewer = user_with("viewer_t", core::kRoleViewer);
  EXPECT_TRUE(traffic_->list_groups(viewer, apig(), {}, {0, 20}));
  EXPECT_EQ(traffic_->create_group(viewer, apig(), {"group_v", std::nullopt}).error().code,
            "APIG.1005");
  EXPECT_EQ(traffic_->create_env(viewer, apig(), {"env_v", std::nullopt}).error().code,
            "APIG.1005");
}

TEST_F(TrafficTest, InstanceKindMustMatchG12) {
  services::InstanceScope wrong{boot_.project_id, boot_.apig_instance_id,
                                core::InstanceKind::kRoma};
  EXPECT_EQ(traffic_->list_groups(admin_, wrong, {}, {0, 20}).error().code, "APIG.3030");
}

TEST_F(TrafficTest, WritesRecordChangesAndNotify) {
  int before = changes_;
  auto g = group("group_a");
  auto a = api(g.id, "api_log", "/log");
  ASSERT_TRUE(publish(a.spec.id));
  auto var = traffic_->create_variable(admin_, apig(),
                                       {g.id, std::string(kRelease), "host_name", "example.org"});
  ASSERT_TRUE(var) << var.error().code;
  EXPECT_EQ(changes_ - before, 4);
  auto log = change_entities();
  for (auto e : {"group:create", "api:create", "publication:create", "env_variable:create"})
    EXPECT_NE(std::find(log.begin(), log.end(), e), log.end()) << e;
  // A refused write changes nothing and notifies nobody.
  before = changes_;
  EXPECT_FALSE(traffic_->create_group(admin_, apig(), {"group_a", std::nullopt}));
  EXPECT_EQ(changes_, before);
}

}  // namespace
