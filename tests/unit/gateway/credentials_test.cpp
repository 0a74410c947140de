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

TEST(AppEntryTest, KeepsEveryFieldInItsOneBlock) {
  crypto::KeyedDigest kd("pepper");
  std::vector<Digest> codes{digest_of(kd, "a"), digest_of(kd, "b")};
  std::string long_secret(300, 's');
  AppEntry e("app-id", "instance-1", "the-key", long_secret, codes);
  EXPECT_EQ(e.id(), "app-id");
  EXPECT_EQ(e.instance_id(), "instance-1");
  EXPECT_EQ(e.app_key(), "the-key");
  EXPECT_EQ(e.secret(), long_secret);
  ASSERT_EQ(e.codes().size(), 2u);
  EXPECT_EQ(e.codes()[0], codes[0]);
  EXPECT_EQ(e.codes()[1], codes[1]);
  // Instance ids are interned: two entries of one instance share the string.
  AppEntry f("other", std::string("instance-") + "1", "", "", {});
  EXPECT_EQ(&e.instance_id(), &f.instance_id());
  EXPECT_TRUE(f.codes().empty());
  EXPECT_EQ(f.secret(), "");
  AppEntry empty;
  EXPECT_EQ(empty.id(), "");
  EXPECT_EQ(empty.instance_id(), "");
  EXPECT_TRUE(empty.codes().empty());
}

// An AppKey index keyed by views of the entries: replacing an app whose key moves to another
// app in the same delta leaves no key viewing a dropped entry.
TEST(CredentialsTest, KeyMovedBetweenAppsInOneDelta) {
  crypto::KeyedDigest kd("pepper");
  auto base = apply_app_changes(Credentials{}, {},
                                {{"a1", "inst", "k1", "s1", {digest_of(kd, "c1")}},
                                 {"a2", "inst", "k2", "s2", {digest_of(kd, "c2")}}});
  // a1 takes k2, a2 takes k1 (the store allows it within one transaction).
  auto next = apply_app_changes(base, {"a1", "a2"},
                                {{"a1", "inst", "k2", "t1", {digest_of(kd, "c1")}},
                                 {"a2", "inst", "k1", "t2", {digest_of(kd, "c2")}}});
  base = Credentials{};  // the old entries are gone now
  const auto* inst = next.instance("inst");
  ASSERT_TRUE(inst);
  auto* k1 = inst->keys.find(std::string_view("k1"));
  auto* k2 = inst->keys.find(std::string_view("k2"));
  ASSERT_TRUE(k1 && k2);
  EXPECT_EQ((*k1)->id(), "a2");
  EXPECT_EQ((*k1)->secret(), "t2");
  EXPECT_EQ((*k2)->id(), "a1");
  EXPECT_EQ((*k2)->secret(), "t1");
  ASSERT_TRUE(next.apps.find(std::string("a1")));
  EXPECT_EQ((*next.apps.find(std::string("a1")))->app_key(), "k2");
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
  EXPECT_EQ((*hit)->id(), "app42");

  // app42 loses its code and gets a new one; app7 is deleted.
  auto next = apply_app_changes(base, {"app42", "app7"},
                                {{"app42", "inst", "key42", "secret2", {digest_of(kd, "fresh")}}});
  const auto* ni = next.instance("inst");
  EXPECT_FALSE(ni->codes.find(digest_of(kd, "code42")));
  EXPECT_FALSE(ni->codes.find(digest_of(kd, "code7")));
  EXPECT_FALSE(ni->keys.find(std::string_view("key7")));
  ASSERT_TRUE(ni->codes.find(digest_of(kd, "fresh")));
  EXPECT_EQ((*ni->keys.find(std::string_view("key42")))->secret(), "secret2");
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
  EXPECT_EQ((*c.instance("i1")->codes.find(d))->id(), "a1");
  EXPECT_EQ((*c.instance("i2")->codes.find(d))->id(), "a2");
}

TEST(CredentialsTest, DigestFromHex) {
  EXPECT_TRUE(digest_from_hex(std::string(64, 'a')));
  EXPECT_FALSE(digest_from_hex(std::string(63, 'a')));
  EXPECT_FALSE(digest_from_hex(std::string(64, 'g')));
  auto d = digest_from_hex("00ff10Ab" + std::string(56, '0'));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->bytes[0], 0x00);
  EXPECT_EQ(d->bytes[1], 0xff);
  EXPECT_EQ(d->bytes[2], 0x10);
  EXPECT_EQ(d->bytes[3], 0xab);
}

// The start path (build_credentials, threads) finds exactly what the delta path finds, and the
// result takes deltas like any other snapshot.
TEST(CredentialsTest, BulkBuildMatchesDeltaBuild) {
  crypto::KeyedDigest kd("pepper");
  std::vector<AppRecord> records;
  std::vector<std::shared_ptr<const AppEntry>> entries;
  for (int i = 0; i < 60000; ++i) {  // above the size where the build uses threads
    std::string inst = i % 3 == 0 ? "i1" : "i2";
    std::vector<Digest> codes;
    for (int k = 0; k < i % 4; ++k)
      codes.push_back(digest_of(kd, "c" + std::to_string(i) + "." + std::to_string(k)));
    AppRecord r{"app" + std::to_string(i), inst, "key" + std::to_string(i),
                "secret" + std::to_string(i), codes};
    entries.push_back(
        std::make_shared<const AppEntry>(r.id, r.instance_id, r.app_key, r.secret, r.codes));
    records.push_back(std::move(r));
  }
  auto by_delta = apply_app_changes(Credentials{}, {}, records);
  auto bulk = build_credentials(entries, 2);
  ASSERT_EQ(bulk.apps.size(), by_delta.apps.size());
  for (const char* inst : {"i1", "i2"}) {
    ASSERT_TRUE(bulk.instance(inst));
    EXPECT_EQ(bulk.instance(inst)->codes.size(), by_delta.instance(inst)->codes.size());
    EXPECT_EQ(bulk.instance(inst)->keys.size(), by_delta.instance(inst)->keys.size());
  }
  for (const auto& r : records) {
    const auto* inst = bulk.instance(r.instance_id);
    for (const auto& d : r.codes) {
      auto* hit = inst->codes.find(d);
      ASSERT_TRUE(hit);
      EXPECT_EQ((*hit)->id(), r.id);
    }
    auto* key = inst->keys.find(std::string_view(r.app_key));
    ASSERT_TRUE(key);
    EXPECT_EQ((*key)->secret(), r.secret);
    ASSERT_TRUE(bulk.apps.find(r.id));
  }
  EXPECT_FALSE(bulk.instance("i1")->codes.find(digest_of(kd, "c1.0")));  // app1 is in i2
  EXPECT_FALSE(bulk.instance("i2")->keys.find(std::string_view("key0")));

  auto next = apply_app_changes(bulk, {"app5", "app9"},
                                {{"app5", "i2", "key5", "s", {digest_of(kd, "new")}}});
  EXPECT_FALSE(next.instance("i2")->codes.find(digest_of(kd, "c5.0")));
  EXPECT_TRUE(next.instance("i2")->codes.find(digest_of(kd, "new")));
  EXPECT_FALSE(next.instance("i1")->keys.find(std::string_view("key9")));
  EXPECT_EQ(next.apps.size(), 59999u);
  EXPECT_TRUE(bulk.instance("i2")->codes.find(digest_of(kd, "c5.0")));  // bulk untouched
}

}  // namespace
}  // namespace gh::gateway
