#pragma once
// A bootstrapped store with the IAM, app and ModelArts services over it.
#include "../store/store_fixture.hpp"
#include "services/app_service.hpp"
#include "services/iam_service.hpp"
#include "services/modelarts_service.hpp"

namespace gh::testing {

class ServicesTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    limits_.max_apps_per_instance = 50;
    iam_ = std::make_unique<services::IamService>(*store_, limits_);
    apps_ = std::make_unique<services::AppService>(*store_, limits_);
    modelarts_ = std::make_unique<services::ModelArtsService>(*apps_);
    boot_ = iam_->bootstrap("admin-password-1");
    admin_.user_id = boot_.admin_user_id;
    admin_.user_name = "admin";
    admin_.domain_id = boot_.domain_id;
    admin_.project_id = boot_.project_id;
    admin_.domain_admin = true;
    admin_.roles = {core::kRoleAdmin};
  }
  void TearDown() override {
    modelarts_.reset();
    apps_.reset();
    iam_.reset();
    StoreTest::TearDown();
  }
  services::InstanceScope apig() const {
    return {boot_.project_id, boot_.apig_instance_id, core::InstanceKind::kApig};
  }
  core::App new_app(const std::string& name) {
    services::AppInput in;
    in.name = name;
    auto r = apps_->create_app(admin_, apig(), in);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? r.value() : core::App{};
  }
  // A user with `role` in the bootstrap project (or none if empty).
  services::Caller user_with(const std::string& name, const std::string& role) {
    auto u = iam_->create_user(admin_, name, "password-" + name, "");
    EXPECT_TRUE(u);
    if (!role.empty()) {
      EXPECT_TRUE(iam_->set_role(admin_, boot_.project_id, u->id, role, true));
    }
    services::Caller c;
    c.user_id = u->id;
    c.user_name = name;
    c.domain_id = boot_.domain_id;
    c.project_id = boot_.project_id;
    if (!role.empty()) c.roles = {role};
    return c;
  }

  services::Limits limits_;
  std::unique_ptr<services::IamService> iam_;
  std::unique_ptr<services::AppService> apps_;
  std::unique_ptr<services::ModelArtsService> modelarts_;
  services::BootstrapInfo boot_;
  services::Caller admin_;
};

}  // namespace gh::testing
