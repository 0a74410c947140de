#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "crypto/sdk_signer.hpp"
#include "services_fixture.hpp"

using namespace gh;
using gh::testing::ServicesTest;

namespace {
services::PasswordLogin login_for(const std::string& user, const std::string& pw,
                                  const std::string& project_name = "default") {
  services::PasswordLogin in;
  in.user_name = user;
  in.domain_name = "default";
  in.password = pw;
  in.project_name = project_name;
  return in;
}
}  // namespace

TEST_F(ServicesTest, PasswordTokenRoundTrip) {
  auto t = iam_->login(login_for("admin", "admin-password-1"));
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->project->id, boot_.project_id);
  EXPECT_EQ(t->expires - t->issued, 24LL * 3600 * 1'000'000'000);
  auto c = iam_->verify_token(t->token);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user_id, boot_.admin_user_id);
  EXPECT_EQ(c->project_id, boot_.project_id);
}

TEST_F(ServicesTest, TamperedTokensAreRefused) {
  auto t = iam_->login(login_for("admin", "admin-password-1"));
  ASSERT_TRUE(t);
  auto bad = t->token;
  bad[bad.size() / 2] = bad[bad.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(iam_->verify_token(bad).error().code, "APIG.1002");
  EXPECT_EQ(iam_->verify_token("").error().code, "APIG.1000");
  EXPECT_EQ(iam_->verify_token("gh1.").error().code, "APIG.1002");
  EXPECT_EQ(iam_->verify_token(std::string(10000, 'x')).error().code, "APIG.1002");
}

TEST_F(ServicesTest, WrongPasswordAndLockout) {
  auto user = user_with("locky", core::kRoleAdmin);
  for (int i = 0; i < limits_.login_failures_before_lock; ++i)
    EXPECT_EQ(iam_->login(login_for("locky", "wrong")).error().http_status, 401);
  auto locked = iam_->login(login_for("locky", "password-locky"));
  ASSERT_FALSE(locked);
  EXPECT_NE(locked.error().message.find("locked"), std::string::npos);
}

TEST_F(ServicesTest, DeletingAUserKillsItsTokens) {
  auto user = user_with("shortlived", core::kRoleAdmin);
  auto t = iam_->login(login_for("shortlived", "password-shortlived"));
  ASSERT_TRUE(t);
  ASSERT_TRUE(iam_->verify_token(t->token));
  ASSERT_TRUE(iam_->delete_user(admin_, user.user_id));
  EXPECT_FALSE(iam_->verify_token(t->token));
}

TEST_F(ServicesTest, AccessKeySignatureAuthenticates) {
  auto key = iam_->create_access_key(admin_, "", "ci");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->access.size(), 20u);
  EXPECT_EQ(key->secret.size(), 40u);
  auto date = crypto::format_sdk_date(core::now_nanos() / 1'000'000'000);
  crypto::ClientSignInput in;
  in.method = "GET";
  in.target = "/v2/" + boot_.project_id + "/apigw/instances";
  in.key = key->access;
  in.secret = key->secret;
  in.headers = {{"Host", std::string("127.0.0.1:9880")},
                {"X-Sdk-Date", date},
                {"X-Project-Id", boot_.project_id}};
  auto authz = crypto::sign_request(in);
  auto lookup = [&](std::string_view name) {
    crypto::HeaderValues out;
    for (auto& [k, v] : in.headers) {
      std::string lower(k);
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower == name) out.push_back(v);
    }
    return out;
  };
  services::SignedCall call{in.method, in.target, "", authz, lookup};
  auto c = iam_->verify_signature(call, boot_.project_id);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->user_id, boot_.admin_user_id);
  EXPECT_EQ(c->project_id, boot_.project_id);
  // Any change to a signed part fails.
  std::string tampered_target = in.target + "x";  // SignedCall holds views: keep it alive
  services::SignedCall tampered{in.method, tampered_target, "", authz, lookup};
  EXPECT_EQ(iam_->verify_signature(tampered, boot_.project_id).error().code, "APIGW.0301");
  // A stale date fails.
  in.headers[1].second = crypto::format_sdk_date(core::now_nanos() / 1'000'000'000 - 20 * 60);
  auto stale_authz = crypto::sign_request(in);
  services::SignedCall stale{in.method, in.target, "", stale_authz, lookup};
  auto r = iam_->verify_signature(stale, boot_.project_id);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("expired"), std::string::npos);
}

TEST_F(ServicesTest, PasswordHashFormat) {
  auto h = services::hash_password("pw");
  EXPECT_EQ(h.rfind("pbkdf2-sha256$", 0), 0u);
  EXPECT_TRUE(services::check_password("pw", h));
  EXPECT_FALSE(services::check_password("pw2", h));
  EXPECT_FALSE(services::check_password("pw", "garbage"));
}
