#include "crypto/sealer.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "crypto/digest.hpp"
#include "crypto/random.hpp"

namespace gh::crypto {
namespace {
constexpr std::string_view kPrefix = "g1.";
constexpr std::size_t kNonce = 12, kTag = 16;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;
const unsigned char* u8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* u8(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

// An AES-256-GCM context per thread and direction, keyed once and reused for every value sealed
// or opened under the same key: fetching the cipher and expanding the key cost more than the
// work on a short secret (a start opens two million AppSecrets). A call with another key (another
// Sealer) keys it again. A call that fails leaves it unkeyed, so no state of a failed operation
// is carried into the next.
class KeyedContext {
 public:
  ~KeyedContext() { OPENSSL_cleanse(key_.data(), key_.size()); }
  // The context, keyed with `key` (32 bytes) for encryption or decryption, IV not yet set;
  // nullptr when OpenSSL fails.
  EVP_CIPHER_CTX* keyed(std::string_view key, int encrypt) {
    if (key.size() != key_.size()) return nullptr;  // AES-256: a 32-byte key, nothing else
    if (ready_ && CRYPTO_memcmp(key_.data(), key.data(), key_.size()) == 0) return ctx_.get();
    ready_ = false;
    if (!ctx_) ctx_.reset(EVP_CIPHER_CTX_new());
    if (!ctx_ ||
        EVP_CipherInit_ex(ctx_.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr, encrypt) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) != 1 ||
        EVP_CipherInit_ex(ctx_.get(), nullptr, nullptr, u8(key), nullptr, encrypt) != 1)
      return nullptr;
    std::memcpy(key_.data(), key.data(), key_.size());
    ready_ = true;
    return ctx_.get();
  }
  void forget() { ready_ = false; }

 private:
  CipherCtx ctx_{nullptr, &EVP_CIPHER_CTX_free};
  std::array<unsigned char, 32> key_{};
  bool ready_ = false;
};

KeyedContext& sealing_context() {
  thread_local KeyedContext context;
  return context;
}
KeyedContext& opening_context() {
  thread_local KeyedContext context;
  return context;
}

}  // namespace

Sealer::Sealer(std::string master_key) : master_(std::move(master_key)) {
  if (master_.size() != 32) throw std::invalid_argument("master key must be 32 bytes");
  key_ = derive_key("aes-256-gcm");
  pepper_ = derive_key("digest-pepper");
}

std::string Sealer::derive_key(std::string_view label) const {
  return hmac_sha256(master_, "gatehouse/" + std::string(label));
}

std::string Sealer::seal(std::string_view plaintext, std::string_view aad) const {
  std::string nonce = random_bytes(kNonce);
  std::string out = nonce;
  out.resize(kNonce + plaintext.size() + kTag);
  auto& context = sealing_context();
  EVP_CIPHER_CTX* ctx = context.keyed(key_, 1);
  int len = 0, total = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, u8(nonce)) == 1 &&
            EVP_EncryptUpdate(ctx, nullptr, &len, u8(aad), static_cast<int>(aad.size())) == 1 &&
            EVP_EncryptUpdate(ctx, u8(out) + kNonce, &len, u8(plaintext),
                              static_cast<int>(plaintext.size())) == 1;
  total = len;
  ok = ok && EVP_EncryptFinal_ex(ctx, u8(out) + kNonce + total, &len) == 1;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTag,
                                 u8(out) + kNonce + plaintext.size()) == 1;
  if (!ok) {
    context.forget();
    throw std::runtime_error("OpenSSL: AES-256-GCM seal failed");
  }
  return std::string(kPrefix) + base64url_encode(out);
}

std::optional<std::string> Sealer::open(std::string_view sealed, std::string_view aad) const {
  if (sealed.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  auto raw = base64url_decode(sealed.substr(kPrefix.size()));
  if (!raw || raw->size() < kNonce + kTag) return std::nullopt;
  std::size_t n = raw->size() - kNonce - kTag;
  std::string plain(n, '\0');
  std::string tag = raw->substr(kNonce + n);
  auto& context = opening_context();
  EVP_CIPHER_CTX* ctx = context.keyed(key_, 0);
  int len = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, u8(*raw)) == 1 &&
            EVP_DecryptUpdate(ctx, nullptr, &len, u8(aad), static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx, u8(plain), &len, u8(*raw) + kNonce, static_cast<int>(n)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) == 1;
  int final_len = 0;
  ok = ok && EVP_DecryptFinal_ex(ctx, u8(plain) + len, &final_len) == 1;
  if (!ok) {
    context.forget();
    return std::nullopt;
  }
  return plain;
}

std::string Sealer::index_digest(std::string_view value) const {
  return hmac_sha256_hex(pepper_, value);
}

}  // namespace gh::crypto
