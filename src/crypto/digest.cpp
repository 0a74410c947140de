#include "crypto/digest.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <stdexcept>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/ascii.hpp"

namespace gh::crypto {
namespace {
constexpr char kHex[] = "0123456789abcdef";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// One process-wide EVP_MAC handle; contexts are created per call (thread-safe).
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (!mac) throw std::runtime_error("OpenSSL: HMAC unavailable");
  return mac;
}

std::string b64_encode(std::string_view raw, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((raw.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(raw[k]); };
  for (; i + 3 <= raw.size(); i += 3) {
    unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (std::size_t rest = raw.size() - i; rest > 0) {
    unsigned v = byte(i) << 16;
    if (rest == 2) v |= byte(i + 1) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) out += alphabet[(v >> 6) & 63];
    if (pad) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

// The value of each byte in an alphabet, -1 for bytes outside it; built at compile time (building
// it per call was half of decoding a management token).
using B64Values = std::array<std::int8_t, 256>;
constexpr B64Values b64_values(const char* alphabet) {
  B64Values v{};
  for (auto& x : v) x = -1;
  for (int k = 0; k < 64; ++k)
    v[static_cast<unsigned char>(alphabet[k])] = static_cast<std::int8_t>(k);
  return v;
}
constexpr B64Values kB64Values = b64_values(kB64);
constexpr B64Values kB64UrlValues = b64_values(kB64Url);

std::optional<std::string> b64_decode(std::string_view text, const B64Values& map, bool padded) {
  if (padded) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t pads = 0;
    while (pads < 2 && pads < text.size() && text[text.size() - 1 - pads] == '=') ++pads;
    text.remove_suffix(pads);
  }
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out(text.size() * 6 / 8, '\0');
  char* next = out.data();
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = map[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *next++ = static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  // Leftover bits must be zero (canonical encoding only).
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}
}  // namespace

namespace {
// SHA-256 fetched once (no implicit fetch per call), and one reusable context per thread: these
// digests run on the data plane's signature path.
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (!md) throw std::runtime_error("OpenSSL: SHA-256 unavailable");
  return md;
}

struct ThreadDigest {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~ThreadDigest() { EVP_MD_CTX_free(ctx); }
};

// HMAC-SHA-256 contexts of one thread, kept keyed for the last few keys: the data plane verifies
// one app's signatures again and again, and EVP_MAC_init without a key restarts from the stored
// key's inner and outer states instead of deriving them again (two SHA-256 blocks and the
// provider's set-up per call). Keys are compared in constant time and wiped when replaced.
class ThreadMacs {
 public:
  ThreadMacs() {
    for (auto& e : entries_) e.ctx = new_context();
  }
  ~ThreadMacs() {
    for (auto& e : entries_) {
      OPENSSL_cleanse(e.key.data(), e.key.size());
      EVP_MAC_CTX_free(e.ctx);
    }
  }
  ThreadMacs(const ThreadMacs&) = delete;
  ThreadMacs& operator=(const ThreadMacs&) = delete;

  // A context ready for EVP_MAC_update with `key`.
  EVP_MAC_CTX* keyed(std::string_view key) {
    for (auto& e : entries_)
      if (e.used && e.key.size() == key.size() &&
          CRYPTO_memcmp(e.key.data(), key.data(), key.size()) == 0) {
        if (EVP_MAC_init(e.ctx, nullptr, 0, nullptr) != 1) break;
        return e.ctx;
      }
    Entry& e = entries_[next_++ % entries_.size()];
    OPENSSL_cleanse(e.key.data(), e.key.size());
    e.key.assign(key);
    e.used = false;
    // An empty key is legal for HMAC; OpenSSL wants a non-null pointer.
    static const unsigned char kEmpty = 0;
    const auto* k = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
    if (EVP_MAC_init(e.ctx, k, key.size(), nullptr) != 1)
      throw std::runtime_error("OpenSSL: HMAC failed");
    e.used = true;
    return e.ctx;
  }

 private:
  static EVP_MAC_CTX* new_context() {
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(hmac_algorithm());
    char digest_name[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                           OSSL_PARAM_construct_end()};
    if (!ctx || EVP_MAC_CTX_set_params(ctx, params) != 1)
      throw std::runtime_error("OpenSSL: HMAC context");
    return ctx;
  }
  struct Entry {
    std::string key;
    EVP_MAC_CTX* ctx = nullptr;
    bool used = false;
  };
  std::array<Entry, 4> entries_;
  unsigned next_ = 0;
};
}  // namespace

Bytes32 sha256_bytes(std::string_view data) {
  thread_local ThreadDigest scratch;
  Bytes32 out;
  unsigned len = 0;
  if (!scratch.ctx || EVP_DigestInit_ex2(scratch.ctx, sha256_md(), nullptr) != 1 ||
      EVP_DigestUpdate(scratch.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(scratch.ctx, out.data(), &len) != 1)
    throw std::runtime_error("OpenSSL: SHA-256 failed");
  return out;
}

std::string sha256(std::string_view data) {
  auto raw = sha256_bytes(data);
  return std::string(reinterpret_cast<const char*>(raw.data()), raw.size());
}

std::string sha256_hex(std::string_view data) {
  std::string out;
  out.reserve(64);
  append_hex(out, sha256_bytes(data));
  return out;
}

Bytes32 hmac_sha256_bytes(std::string_view key, std::string_view msg) {
  thread_local ThreadMacs macs;
  Bytes32 out;
  std::size_t len = 0;
  EVP_MAC_CTX* ctx = macs.keyed(key);
  bool ok =
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1 &&
      EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1;
  if (!ok || len != 32) throw std::runtime_error("OpenSSL: HMAC failed");
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view msg) {
  auto raw = hmac_sha256_bytes(key, msg);
  return std::string(reinterpret_cast<const char*>(raw.data()), raw.size());
}

std::string hmac_sha256_hex(std::string_view key, std::string_view msg) {
  std::string out;
  out.reserve(64);
  append_hex(out, hmac_sha256_bytes(key, msg));
  return out;
}

void append_hex(std::string& out, const Bytes32& raw) {
  std::size_t at = out.size();
  out.resize(at + 2 * raw.size());
  for (unsigned char c : raw) {
    out[at++] = kHex[c >> 4];
    out[at++] = kHex[c & 15];
  }
}

#if defined(__SSE2__)
namespace {

// 16 hex digits (either case) → 8 bytes, each in the low half of a 16-bit lane; sets lanes of
// `bad` where a character is not a hex digit. Branch-free: a start decodes ten million digests,
// and this is about twelve times faster than a table lookup per character (81 → 6.5 ns per digest).
__m128i hex16_to_lanes(const char* p, __m128i& bad) {
  __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // '0'..'9' → 0..9; anything else lands above 9 (bytes compared unsigned through min).
  __m128i digit = _mm_sub_epi8(c, _mm_set1_epi8('0'));
  __m128i is_digit = _mm_cmpeq_epi8(_mm_min_epu8(digit, _mm_set1_epi8(9)), digit);
  // 'a'..'f' and 'A'..'F' → 0..5 (0x20 makes a capital small); anything else lands above 5.
  __m128i letter = _mm_sub_epi8(_mm_or_si128(c, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
  __m128i is_letter = _mm_cmpeq_epi8(_mm_min_epu8(letter, _mm_set1_epi8(5)), letter);
  __m128i nibble = _mm_or_si128(_mm_and_si128(is_digit, digit),
                                _mm_and_si128(is_letter, _mm_add_epi8(letter, _mm_set1_epi8(10))));
  bad = _mm_or_si128(bad, _mm_andnot_si128(_mm_or_si128(is_digit, is_letter), _mm_set1_epi8(-1)));
  // Lane = first digit (low byte) | second digit (high byte) → first << 4 | second.
  return _mm_or_si128(_mm_slli_epi16(_mm_and_si128(nibble, _mm_set1_epi16(0x00ff)), 4),
                      _mm_srli_epi16(nibble, 8));
}

}  // namespace

std::optional<Bytes32> hex_decode32(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  const char* p = hex.data();
  __m128i bad = _mm_setzero_si128();
  __m128i first = _mm_packus_epi16(hex16_to_lanes(p, bad), hex16_to_lanes(p + 16, bad));
  __m128i second = _mm_packus_epi16(hex16_to_lanes(p + 32, bad), hex16_to_lanes(p + 48, bad));
  if (_mm_movemask_epi8(bad) != 0) return std::nullopt;
  Bytes32 out;
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out.data()), first);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out.data() + 16), second);
  return out;
}
#else
std::optional<Bytes32> hex_decode32(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Bytes32 out;
  bool bad = false;
  for (std::size_t i = 0; i < 32; ++i) {
    int hi = core::hex_value(hex[2 * i]), lo = core::hex_value(hex[2 * i + 1]);
    bad |= hi < 0 || lo < 0;
    out[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  if (bad) return std::nullopt;
  return out;
}
#endif

bool hex_equals_constant_time(std::string_view hex, const Bytes32& raw) {
  auto decoded = hex_decode32(hex);
  return decoded && CRYPTO_memcmp(decoded->data(), raw.data(), raw.size()) == 0;
}

std::string hex_encode(std::string_view raw) {
  std::string out(raw.size() * 2, '\0');
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto c = static_cast<unsigned char>(raw[i]);
    out[2 * i] = kHex[c >> 4];
    out[2 * i + 1] = kHex[c & 15];
  }
  return out;
}

std::optional<std::string> hex_decode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = core::hex_value(hex[i]), lo = core::hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string base64_encode(std::string_view raw) {
  return b64_encode(raw, kB64, true);
}
std::optional<std::string> base64_decode(std::string_view text) {
  return b64_decode(text, kB64Values, true);
}
std::string base64url_encode(std::string_view raw) {
  return b64_encode(raw, kB64Url, false);
}
std::optional<std::string> base64url_decode(std::string_view text) {
  return b64_decode(text, kB64UrlValues, false);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string pbkdf2_sha256(std::string_view password, std::string_view salt, int iterations) {
  std::string out(32, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1)
    throw std::runtime_error("OpenSSL: PBKDF2 failed");
  return out;
}

}  // namespace gh::crypto
