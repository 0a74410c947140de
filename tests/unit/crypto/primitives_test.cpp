#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "crypto/sealer.hpp"

using namespace gh::crypto;

TEST(Digest, KnownAnswers) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hmac_sha256("", "").size(), 32u);
  // PBKDF2-HMAC-SHA256("password", "salt", 1) — RFC 7914 §11 style vector.
  EXPECT_EQ(hex_encode(pbkdf2_sha256("password", "salt", 1)),
            "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
}

TEST(Digest, Encodings) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba",
                                                       "foobar", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(*hex_decode(hex_encode(s)), s);
    EXPECT_EQ(*base64_decode(base64_encode(s)), s);
    EXPECT_EQ(*base64url_decode(base64url_encode(s)), s);
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_FALSE(hex_decode("abc"));
  EXPECT_FALSE(hex_decode("zz"));
  EXPECT_FALSE(base64_decode("Zm8"));
  EXPECT_FALSE(base64_decode("Zm9=v"));
  EXPECT_FALSE(base64url_decode("a"));
  EXPECT_FALSE(base64url_decode("ab+c"));
  EXPECT_FALSE(base64url_decode("Zn"));  // non-zero leftover bits
}

TEST(Digest, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

// The array forms equal the string forms; a hex digest matches its bytes in either case and
// nothing else (one nibble off, a length off, a non-hex digit).
TEST(Digest, ByteFormsAndHexComparison) {
  auto sha = sha256_bytes("abc");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sha.data()), 32), sha256("abc"));
  auto mac = hmac_sha256_bytes("key", "The quick brown fox jumps over the lazy dog");
  std::string hex;
  append_hex(hex, mac);
  EXPECT_EQ(hex, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  EXPECT_EQ(hex, hmac_sha256_hex("key", "The quick brown fox jumps over the lazy dog"));
  EXPECT_TRUE(hex_equals_constant_time(hex, mac));
  std::string upper = hex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(hex_equals_constant_time(upper, mac));
  for (std::size_t i : {std::size_t{0}, std::size_t{31}, std::size_t{63}}) {
    std::string off = hex;
    off[i] = off[i] == '0' ? '1' : '0';
    EXPECT_FALSE(hex_equals_constant_time(off, mac)) << i;
    std::string bad = hex;
    bad[i] = 'g';
    EXPECT_FALSE(hex_equals_constant_time(bad, mac)) << i;
  }
  EXPECT_FALSE(hex_equals_constant_time(hex.substr(0, 62), mac));
  EXPECT_FALSE(hex_equals_constant_time(hex + "00", mac));
  EXPECT_FALSE(hex_equals_constant_time("", mac));
  auto decoded = hex_decode32(upper);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, mac);
  EXPECT_FALSE(hex_decode32(hex.substr(1)));
  EXPECT_FALSE(hex_decode32(std::string(63, 'a') + "g"));
}

// hex_decode32 decodes 16 characters at a time: every byte value at every position must be
// accepted exactly when it is a hex digit of either case, and decoded to the right nibble.
TEST(Digest, HexDecode32AgreesWithTheOneCharacterRuleEverywhere) {
  const std::string digits = "0123456789abcdefABCDEF";
  auto nibble = [](unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (int pos = 0; pos < 64; ++pos)
    for (int value = 0; value < 256; ++value) {
      std::string hex(64, '0');
      for (int i = 0; i < 64; ++i) hex[i] = digits[(i * 7 + pos + value) % digits.size()];
      hex[pos] = static_cast<char>(value);
      auto decoded = hex_decode32(hex);
      bool valid = nibble(static_cast<unsigned char>(value)) >= 0;
      ASSERT_EQ(decoded.has_value(), valid) << pos << " " << value;
      if (!valid) continue;
      for (int i = 0; i < 32; ++i) {
        int expected = nibble(static_cast<unsigned char>(hex[2 * i])) << 4 |
                       nibble(static_cast<unsigned char>(hex[2 * i + 1]));
        ASSERT_EQ((*decoded)[i], expected) << pos << " " << value << " byte " << i;
      }
    }
}

// HMAC contexts are kept keyed per thread for the last few keys: whatever the order and number of
// keys, every result must equal a one-shot HMAC computed without that cache.
TEST(Digest, HmacWithKeptKeysEqualsOneShotHmac) {
  std::vector<std::string> keys = {
      "", "short", std::string(32, 's'), "secret-2", std::string(64, 'b'), std::string(100, 'l')};
  auto reference = [](const std::string& key, const std::string& msg) {
    unsigned char out[32];
    std::size_t len = 0;
    static const unsigned char kEmpty = 0;
    EXPECT_TRUE(EVP_Q_mac(
        nullptr, "HMAC", nullptr, "SHA256", nullptr,
        key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data()), key.size(),
        reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, sizeof out, &len));
    return std::string(reinterpret_cast<const char*>(out), len);
  };
  for (int round = 0; round < 3; ++round)
    for (std::size_t i = 0; i < keys.size(); ++i)
      for (std::size_t j = 0; j <= i; ++j) {  // the same key again and again, and others between
        std::string msg = "message " + std::to_string(round * 100 + i * 10 + j);
        ASSERT_EQ(hmac_sha256(keys[j], msg), reference(keys[j], msg)) << i << " " << j;
      }
}

TEST(Random, ShapesAndDistinctness) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    auto id = new_id();
    ASSERT_EQ(id.size(), 32u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(random_hex(32).size(), 64u);
}

TEST(Sealer, RoundTripWithFreshNonces) {
  Sealer s(random_bytes(32));
  auto a = s.seal("secret value", "row-1");
  auto b = s.seal("secret value", "row-1");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find("secret"), std::string::npos);
  EXPECT_EQ(*s.open(a, "row-1"), "secret value");
  EXPECT_EQ(*s.open(s.seal("", ""), ""), "");
}

TEST(Sealer, DetectsEveryTamperingAndWrongContext) {
  Sealer s(random_bytes(32));
  auto sealed = s.seal("AppCode-value-0123456789", "app_code:1");
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    auto t = sealed;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(s.open(t, "app_code:1")) << "position " << i;
  }
  EXPECT_FALSE(s.open(sealed, "app_code:2"));
  EXPECT_FALSE(Sealer(random_bytes(32)).open(sealed, "app_code:1"));
  for (std::size_t n = 0; n < sealed.size(); ++n)
    EXPECT_FALSE(s.open(sealed.substr(0, n), "app_code:1"));
  for (auto junk : {"", "g1.", "g1.!!!!", "x", "g2.AAAA", "g1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
    EXPECT_FALSE(s.open(junk, ""));
}

// The cipher contexts are kept keyed per thread: sealers with different keys, failed opens and
// other threads in between must never change what a seal or an open gives.
TEST(Sealer, KeptContextsFollowEveryKeyFailureAndThread) {
  Sealer a(random_bytes(32)), b(random_bytes(32));
  auto check_on_this_thread = [&] {
    for (int i = 0; i < 50; ++i) {
      std::string value = "value-" + std::to_string(i) + std::string(i, 'x');
      auto by_a = a.seal(value, "row");
      auto by_b = b.seal(value, "row");
      EXPECT_FALSE(b.open(by_a, "row"));  // the wrong key, then the right one
      EXPECT_EQ(*a.open(by_a, "row"), value);
      auto tampered = by_b;
      tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
      EXPECT_FALSE(b.open(tampered, "row"));
      EXPECT_FALSE(b.open(by_b, "other row"));
      EXPECT_EQ(*b.open(by_b, "row"), value);
      EXPECT_FALSE(Sealer(random_bytes(32)).open(Sealer(random_bytes(32)).seal(value)));
      EXPECT_EQ(*a.open(a.seal(value, "row"), "row"), value);
    }
  };
  check_on_this_thread();
  std::thread other(check_on_this_thread);
  check_on_this_thread();
  other.join();
}

TEST(Sealer, DigestsAndDerivedKeys) {
  auto key = random_bytes(32);
  Sealer a(key), b(key), c(random_bytes(32));
  EXPECT_EQ(a.index_digest("code"), b.index_digest("code"));
  EXPECT_NE(a.index_digest("code"), c.index_digest("code"));
  EXPECT_NE(a.index_digest("code"), a.index_digest("code2"));
  EXPECT_EQ(a.index_digest("code").size(), 64u);
  EXPECT_NE(a.derive_key("x"), a.derive_key("y"));
  EXPECT_EQ(a.derive_key("x").size(), 32u);
  EXPECT_THROW(Sealer("short"), std::invalid_argument);
}

// Small requests come from a per-thread pool: it must never hand the same bytes out twice, on
// one thread, across threads, or in a child forked after the parent filled its pool.
TEST(Random, PooledBytesAreNeverServedTwice) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(seen.insert(random_bytes(16)).second);  // > 1 pool
  std::vector<std::string> other(500);
  std::thread t([&] {
    for (auto& s : other) s = random_bytes(16);
  });
  t.join();
  for (auto& s : other) ASSERT_TRUE(seen.insert(s).second);
  for (std::size_t n : {0u, 1u, 7u, 16u, 17u, 32u, 100u}) EXPECT_EQ(random_bytes(n).size(), n);

  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  std::string parent_next = random_bytes(16);  // the pool is filled now
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto mine = random_bytes(16);
    ssize_t w = write(pipe_fds[1], mine.data(), mine.size());
    _exit(w == 16 ? 0 : 1);
  }
  std::string from_child(16, '\0');
  ASSERT_EQ(read(pipe_fds[0], from_child.data(), 16), 16);
  int status = 0;
  waitpid(child, &status, 0);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  EXPECT_NE(from_child, random_bytes(16));  // the parent's next bytes
  EXPECT_FALSE(seen.count(from_child));
  EXPECT_NE(from_child, parent_next);
}
