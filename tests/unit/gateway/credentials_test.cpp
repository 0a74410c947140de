#include "gateway/credentials.hpp"

#include <gtest/gtest.h>

#include "crypto/digest.hpp"
#include "crypto/keyed_digest.hpp"

namespace gh::gateway {
namespace {

Digest digest_of(const crypto::KeyedDigest& kd, std::string_view code) {
  return Digest{kd.compute(code)};
}

TEST(KeyedDigestTest, EqualsHmacSha256ForShortAndLongKeys) {
  for (std::string key : {std::string("pepper"), std::string(200, 'k'), std::string()}) {
    crypto::KeyedDigest kd(key);
    for (std::string msg : {std::string(""), std::string("abc"), std::string(1000, 'x')}) {
      auto raw = kd.compute(msg);
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(raw.data()), raw.size()),
                crypto::hmac_sha256(key, msg));
    }
  }
}

TEST(CredentialsTest, DeltasReplaceOnlyChangedAppsAndShareTheRest) {
  crypto::KeyedDigest kd("pepper");
  std::vector<AppRecord> all;
  for (int i = 0; i < 3000; ++i)
    all.push_back({"app" + std::to_string(i),
                   "inst",
                   "key" + std::to_string(i),
                   "secret",
                   {digest_of(kd, "code" + std::to_string(i))}});
  auto base = apply_app_changes(Credentials{}, {}, std::move(all));
  ASSERT_EQ(base.apps.size(), 3000u);
  const auto* inst = base.instance("inst");
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->codes.size(), 3000u);
  auto* hit = inst->codes.find(digest_of(kd, "code42"));
  ASSERT_TRUE(hit);
  EXPECT_EQ((*hit)->id, "app42");

  // app42 loses its code and gets a new one; app7 is deleted.
  auto next = apply_app_changes(base, {"app42", "app7"},
                                {{"app42", "inst", "key42", "secret2", {digest_of(kd, "fresh")}}});
  const auto* ni = next.instance("inst");
  EXPECT_FALSE(ni->codes.find(digest_of(kd, "code42")));
  EXPECT_FALSE(ni->codes.find(digest_of(kd, "code7")));
  EXPECT_FALSE(ni->keys.find(std::string_view("key7")));
  ASSERT_TRUE(ni->codes.find(digest_of(kd, "fresh")));
  EXPECT_EQ((*ni->keys.find(std::string_view("key42")))->secret, "secret2");
  EXPECT_EQ(next.apps.size(), 2999u);
  // The old snapshot is untouched.
  EXPECT_TRUE(inst->codes.find(digest_of(kd, "code42")));
  EXPECT_TRUE(inst->codes.find(digest_of(kd, "code7")));
  EXPECT_EQ(base.apps.size(), 3000u);
}

TEST(CredentialsTest, SameCodeInTwoInstancesStaysSeparate) {
  crypto::KeyedDigest kd("pepper");
  auto d = digest_of(kd, "shared");
  auto c = apply_app_changes(Credentials{}, {},
                             {{"a1", "i1", "k", "s", {d}}, {"a2", "i2", "k", "s", {d}}});
  EXPECT_EQ((*c.instance("i1")->codes.find(d))->id, "a1");
  EXPECT_EQ((*c.instance("i2")->codes.find(d))->id, "a2");
}

TEST(CredentialsTest, DigestFromHex) {
  EXPECT_TRUE(digest_from_hex(std::string(64, 'a')));
  EXPECT_FALSE(digest_from_hex(std::string(63, 'a')));
  EXPECT_FALSE(digest_from_hex(std::string(64, 'g')));
}

}  // namespace
}  // namespace gh::gateway
