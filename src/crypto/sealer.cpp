#include "crypto/sealer.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

#include "crypto/digest.hpp"
#include "crypto/random.hpp"

namespace gh::crypto {
namespace {
constexpr std::string_view kPrefix = "g1.";
constexpr std::size_t kNonce = 12, kTag = 16;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;
CipherCtx new_ctx() {
  return CipherCtx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
}
const unsigned char* u8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* u8(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
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
  auto ctx = new_ctx();
  int len = 0, total = 0;
  bool ok =
      ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) == 1 &&
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, u8(key_), u8(nonce)) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, u8(aad), static_cast<int>(aad.size())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), u8(out) + kNonce, &len, u8(plaintext),
                        static_cast<int>(plaintext.size())) == 1;
  total = len;
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), u8(out) + kNonce + total, &len) == 1;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag,
                                 u8(out) + kNonce + plaintext.size()) == 1;
  if (!ok) throw std::runtime_error("OpenSSL: AES-256-GCM seal failed");
  return std::string(kPrefix) + base64url_encode(out);
}

std::optional<std::string> Sealer::open(std::string_view sealed, std::string_view aad) const {
  if (sealed.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  auto raw = base64url_decode(sealed.substr(kPrefix.size()));
  if (!raw || raw->size() < kNonce + kTag) return std::nullopt;
  std::size_t n = raw->size() - kNonce - kTag;
  std::string plain(n, '\0');
  std::string tag = raw->substr(kNonce + n);
  auto ctx = new_ctx();
  int len = 0;
  bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, u8(key_), u8(*raw)) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, u8(aad), static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), u8(plain), &len, u8(*raw) + kNonce, static_cast<int>(n)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) == 1;
  int final_len = 0;
  ok = ok && EVP_DecryptFinal_ex(ctx.get(), u8(plain) + len, &final_len) == 1;
  if (!ok) return std::nullopt;
  return plain;
}

std::string Sealer::index_digest(std::string_view value) const {
  return hmac_sha256_hex(pepper_, value);
}

}  // namespace gh::crypto
