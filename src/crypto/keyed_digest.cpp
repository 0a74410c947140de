#include "crypto/keyed_digest.hpp"

#include <stdexcept>

#include "crypto/digest.hpp"

namespace gh::crypto {
namespace {
constexpr std::size_t kBlock = 64;

EVP_MD_CTX* keyed_state(const std::string& block_key, unsigned char pad) {
  unsigned char padded[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i)
    padded[i] = static_cast<unsigned char>(block_key[i]) ^ pad;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, padded, kBlock) != 1)
    throw std::runtime_error("OpenSSL: SHA-256 init failed");
  return ctx;
}

struct Scratch {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Scratch() { EVP_MD_CTX_free(ctx); }
};
}  // namespace

KeyedDigest::KeyedDigest(std::string_view key) {
  // RFC 2104: keys longer than the block are hashed first; shorter ones are zero-padded.
  std::string block_key = key.size() > kBlock ? sha256(key) : std::string(key);
  block_key.resize(kBlock, '\0');
  inner_ = keyed_state(block_key, 0x36);
  outer_ = keyed_state(block_key, 0x5c);
}

KeyedDigest::~KeyedDigest() {
  EVP_MD_CTX_free(inner_);
  EVP_MD_CTX_free(outer_);
}

KeyedDigest::Bytes KeyedDigest::compute(std::string_view message) const {
  thread_local Scratch scratch;
  Bytes inner_hash{}, out{};
  unsigned int len = 0;
  bool ok = EVP_MD_CTX_copy_ex(scratch.ctx, inner_) == 1 &&
            EVP_DigestUpdate(scratch.ctx, message.data(), message.size()) == 1 &&
            EVP_DigestFinal_ex(scratch.ctx, inner_hash.data(), &len) == 1 &&
            EVP_MD_CTX_copy_ex(scratch.ctx, outer_) == 1 &&
            EVP_DigestUpdate(scratch.ctx, inner_hash.data(), inner_hash.size()) == 1 &&
            EVP_DigestFinal_ex(scratch.ctx, out.data(), &len) == 1;
  if (!ok) throw std::runtime_error("OpenSSL: HMAC-SHA-256 failed");
  return out;
}

}  // namespace gh::crypto
