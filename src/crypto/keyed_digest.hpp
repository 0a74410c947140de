#pragma once
// HMAC-SHA-256 under one fixed key, for the data plane's per-request AppCode lookups. The keyed
// inner and outer SHA-256 states are computed once; each digest then costs two SHA-256 passes
// over the message and no allocation. Output equals hmac_sha256(key, message).
#include <openssl/evp.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>

namespace gh::crypto {

class KeyedDigest {
 public:
  using Bytes = std::array<unsigned char, 32>;
  explicit KeyedDigest(std::string_view key);
  ~KeyedDigest();
  KeyedDigest(const KeyedDigest&) = delete;
  KeyedDigest& operator=(const KeyedDigest&) = delete;

  // Thread-safe: each thread uses its own scratch context.
  Bytes compute(std::string_view message) const;

 private:
  EVP_MD_CTX* inner_ = nullptr;  // SHA-256 state after absorbing key ^ ipad
  EVP_MD_CTX* outer_ = nullptr;  // SHA-256 state after absorbing key ^ opad
};

}  // namespace gh::crypto
