#pragma once
// CSPRNG output (OpenSSL RAND_bytes). Aborts the process if the CSPRNG fails: there is no safe
// fallback for key or credential material.
#include <cstddef>
#include <string>

namespace gh::crypto {
std::string random_bytes(std::size_t n);
// n random bytes rendered as 2n lowercase hex characters.
std::string random_hex(std::size_t n);
// A 32-hex id (UUID without dashes, 128 random bits), as Huawei ids look.
std::string new_id();
}  // namespace gh::crypto
