#pragma once
// Hashes, MACs and encodings on OpenSSL 3 (EVP_MD / EVP_MAC). Inputs and raw outputs are byte
// strings held in std::string.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace gh::crypto {
using Bytes32 = std::array<unsigned char, 32>;
Bytes32 sha256_bytes(std::string_view data);  // the same digests without a heap string
Bytes32 hmac_sha256_bytes(std::string_view key, std::string_view msg);
void append_hex(std::string& out, const Bytes32& raw);  // lowercase
// 64 hex digits (either case) → 32 bytes, without allocating; nullopt when malformed.
std::optional<Bytes32> hex_decode32(std::string_view hex);
// True if `hex` is 64 hex digits (either case) spelling `raw`. The comparison with `raw` takes
// the same time wherever they differ.
bool hex_equals_constant_time(std::string_view hex, const Bytes32& raw);
std::string sha256(std::string_view data);                            // 32 raw bytes
std::string sha256_hex(std::string_view data);                        // 64 lowercase hex
std::string hmac_sha256(std::string_view key, std::string_view msg);  // 32 raw bytes
std::string hmac_sha256_hex(std::string_view key, std::string_view msg);
std::string hex_encode(std::string_view raw);  // lowercase
std::optional<std::string> hex_decode(std::string_view hex);
std::string base64_encode(std::string_view raw);  // standard alphabet, padded
std::optional<std::string> base64_decode(std::string_view text);
std::string base64url_encode(std::string_view raw);  // URL alphabet, unpadded
std::optional<std::string> base64url_decode(std::string_view text);
// Constant-time equality: time depends only on the lengths, never on where bytes differ.
bool constant_time_equal(std::string_view a, std::string_view b);
// PBKDF2-HMAC-SHA256, 32-byte output.
std::string pbkdf2_sha256(std::string_view password, std::string_view salt, int iterations);
}  // namespace gh::crypto
