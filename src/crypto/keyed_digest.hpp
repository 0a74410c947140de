#pragma once
// HMAC-SHA-256 under one fixed key, for the data plane's per-request AppCode lookups. The keyed
// inner and outer SHA-256 states are computed once; each digest then copies them (plain structs:
// OpenSSL's SHA256_CTX, whose block function is the one EVP uses) and costs two SHA-256 passes
// over the message, no allocation and no EVP dispatch. EVP_MD_CTX_copy_ex had allocated and
// cleansed a provider context twice per digest (~1,500 instructions of ~3,000 besides the
// blocks). Output equals hmac_sha256(key, message).
#include <openssl/sha.h>

#include <array>
#include <string_view>

namespace gh::crypto {

class KeyedDigest {
 public:
  using Bytes = std::array<unsigned char, 32>;
  explicit KeyedDigest(std::string_view key);
  ~KeyedDigest();
  KeyedDigest(const KeyedDigest&) = delete;
  KeyedDigest& operator=(const KeyedDigest&) = delete;

  // Thread-safe: the keyed states are only read.
  Bytes compute(std::string_view message) const;

 private:
  SHA256_CTX inner_;  // SHA-256 state after absorbing key ^ ipad
  SHA256_CTX outer_;  // SHA-256 state after absorbing key ^ opad
};

}  // namespace gh::crypto
