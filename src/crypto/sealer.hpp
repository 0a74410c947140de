#pragma once
// Sealing of secrets at rest (AppCodes, AppSecrets, secret keys) under a 32-byte master key.
//
// seal():  AES-256-GCM with a fresh 12-byte random nonce; output is printable text
//          "g1." + base64url(nonce || ciphertext || 16-byte tag). The aad binds a sealed value to
//          its row (e.g. the record id) so a sealed blob cannot be moved to another record.
// open():  returns nullopt when the text is malformed, the key is wrong, or anything was tampered.
// index_digest(): HMAC-SHA-256 under a pepper derived from the master key, hex. Used as the
//          lookup key for secret values (AppCode → app) so the store never holds them in clear.
// derive_key(): an independent 32-byte sub-key for a purpose label (e.g. token signing).
#include <optional>
#include <string>
#include <string_view>

namespace gh::crypto {

class Sealer {
 public:
  // master_key must be exactly 32 bytes (raw).
  explicit Sealer(std::string master_key);
  std::string seal(std::string_view plaintext, std::string_view aad = {}) const;
  std::optional<std::string> open(std::string_view sealed, std::string_view aad = {}) const;
  std::string index_digest(std::string_view value) const;
  std::string derive_key(std::string_view label) const;
  // The key index_digest() uses, for crypto::KeyedDigest on the data plane (same digests, faster).
  const std::string& index_key() const { return pepper_; }

 private:
  std::string key_;     // AES key (derived from master)
  std::string pepper_;  // digest pepper (derived from master)
  std::string master_;
};

}  // namespace gh::crypto
