// OpenSSL 3 marks the SHA256_* functions deprecated in favour of EVP, whose contexts cannot be
// copied without allocating (see keyed_digest.hpp); they remain part of its API.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/keyed_digest.hpp"

#include <openssl/crypto.h>

#include <string>

#include "crypto/digest.hpp"

namespace gh::crypto {
namespace {
constexpr std::size_t kBlock = 64;

void keyed_state(SHA256_CTX& ctx, const std::string& block_key, unsigned char pad) {
  unsigned char padded[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i)
    padded[i] = static_cast<unsigned char>(block_key[i]) ^ pad;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, padded, kBlock);
  OPENSSL_cleanse(padded, sizeof padded);
}
}  // namespace

KeyedDigest::KeyedDigest(std::string_view key) {
  // RFC 2104: keys longer than the block are hashed first; shorter ones are zero-padded.
  std::string block_key = key.size() > kBlock ? sha256(key) : std::string(key);
  block_key.resize(kBlock, '\0');
  keyed_state(inner_, block_key, 0x36);
  keyed_state(outer_, block_key, 0x5c);
  OPENSSL_cleanse(block_key.data(), block_key.size());
}

KeyedDigest::~KeyedDigest() {
  OPENSSL_cleanse(&inner_, sizeof inner_);
  OPENSSL_cleanse(&outer_, sizeof outer_);
}

KeyedDigest::Bytes KeyedDigest::compute(std::string_view message) const {
  Bytes inner_hash, out;
  SHA256_CTX ctx = inner_;
  SHA256_Update(&ctx, message.data(), message.size());
  SHA256_Final(inner_hash.data(), &ctx);
  ctx = outer_;
  SHA256_Update(&ctx, inner_hash.data(), inner_hash.size());
  SHA256_Final(out.data(), &ctx);
  return out;
}

}  // namespace gh::crypto
