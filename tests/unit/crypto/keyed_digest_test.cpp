#include "crypto/keyed_digest.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "crypto/digest.hpp"

namespace gh::crypto {
namespace {

std::string raw(const KeyedDigest::Bytes& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// The precomputed inner/outer states give exactly HMAC-SHA-256, for keys shorter and longer than
// the SHA-256 block (RFC 2104 hashes the latter first) and for messages of any length.
TEST(KeyedDigest, EqualsHmacSha256ForShortAndLongKeys) {
  for (std::string key :
       {std::string(), std::string("pepper"), std::string(64, 'b'), std::string(200, 'k')}) {
    KeyedDigest d(key);
    for (std::string msg : {std::string(), std::string("abc"), std::string(1000, 'm')})
      EXPECT_EQ(raw(d.compute(msg)), hmac_sha256(key, msg)) << key.size() << " " << msg.size();
  }
}

TEST(KeyedDigest, ThreadsComputeIndependently) {
  KeyedDigest d("shared");
  std::string results[4];
  std::thread threads[4];
  for (int t = 0; t < 4; ++t)
    threads[t] = std::thread([&, t] {
      for (int i = 0; i < 2000; ++i) results[t] = raw(d.compute("code-" + std::to_string(t)));
    });
  for (auto& t : threads) t.join();
  for (int t = 0; t < 4; ++t)
    EXPECT_EQ(results[t], hmac_sha256("shared", "code-" + std::to_string(t)));
}

}  // namespace
}  // namespace gh::crypto
