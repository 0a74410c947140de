#include "services/token_cache.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "services_fixture.hpp"

using namespace gh;
using gh::testing::ServicesTest;
using services::TokenCache;

namespace {

constexpr core::Nanos kSecond = 1'000'000'000;

services::Caller caller_named(const std::string& user) {
  services::Caller c;
  c.user_id = user;
  c.roles = {"apig_admin"};
  c.via = "token";
  return c;
}

TEST(TokenCache, KeepsACallerForAtMostASecondAndNeverPastTheTokensExpiry) {
  TokenCache cache;
  const core::Nanos now = 1000 * kSecond;
  cache.put("long-lived", caller_named("u1"), cache.generation(), now, now + 3600 * kSecond);
  cache.put("expiring", caller_named("u2"), cache.generation(), now, now + kSecond / 4);
  ASSERT_TRUE(cache.find("long-lived", now + kSecond / 2));
  EXPECT_EQ(cache.find("long-lived", now + kSecond / 2)->user_id, "u1");
  EXPECT_FALSE(cache.find("long-lived", now + TokenCache::kMaxAge));
  EXPECT_TRUE(cache.find("expiring", now + kSecond / 8));
  EXPECT_FALSE(cache.find("expiring", now + kSecond / 4));
  EXPECT_FALSE(cache.find("never-put", now));
}

TEST(TokenCache, AReadThatSpannedAnInvalidationIsNotCached) {
  TokenCache cache;
  const core::Nanos now = 1000 * kSecond;
  auto before = cache.generation();  // a verification starts reading the store
  cache.invalidate();                // an IAM change commits meanwhile
  cache.put("token", caller_named("u1"), before, now, now + 3600 * kSecond);
  EXPECT_FALSE(cache.find("token", now));
  cache.put("token", caller_named("u1"), cache.generation(), now, now + 3600 * kSecond);
  EXPECT_TRUE(cache.find("token", now));
  cache.invalidate();
  EXPECT_FALSE(cache.find("token", now));
}

TEST(TokenCache, StaysBoundedInSize) {
  TokenCache cache;
  const core::Nanos now = 1000 * kSecond;
  for (std::size_t i = 0; i < TokenCache::kMaxEntries + 10; ++i)
    cache.put("token-" + std::to_string(i), caller_named("u"), cache.generation(), now,
              now + kSecond);
  EXPECT_TRUE(cache.find("token-" + std::to_string(TokenCache::kMaxEntries + 9), now));
  EXPECT_FALSE(cache.find("token-0", now));  // emptied when it filled up
}

// Two nodes on one store: a user deleted through the other node loses access here within
// TokenCache::kMaxAge (on the deleting node at once: DeletingAUserKillsItsTokens).
TEST_F(ServicesTest, AUserDeletedOnAnotherNodeLosesAccessWithinTheCacheAge) {
  auto user = user_with("elsewhere", core::kRoleAdmin);
  services::PasswordLogin in;
  in.user_name = "elsewhere";
  in.domain_name = "default";
  in.password = "password-elsewhere";
  in.project_name = "default";
  auto t = iam_->login(in);
  ASSERT_TRUE(t);
  ASSERT_TRUE(iam_->verify_token(t->token));  // cached on this node
  services::IamService other_node(*store_, limits_);
  ASSERT_TRUE(other_node.delete_user(admin_, user.user_id));
  EXPECT_FALSE(other_node.verify_token(t->token));
  std::this_thread::sleep_for(std::chrono::nanoseconds(TokenCache::kMaxAge) +
                              std::chrono::milliseconds(50));
  EXPECT_FALSE(iam_->verify_token(t->token));
}

}  // namespace
