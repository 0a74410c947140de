#pragma once
// CSPRNG output (OpenSSL RAND_bytes; requests of up to 16 bytes come from a per-thread pool of
// its output, wiped as it is served and emptied in a forked child). Aborts the process if the
// CSPRNG fails: there is no safe fallback for key or credential material.
#include <cstddef>
#include <string>

namespace gh::crypto {
std::string random_bytes(std::size_t n);
// n random bytes rendered as 2n lowercase hex characters.
std::string random_hex(std::size_t n);
// A 32-hex id, as Huawei ids look (a UUID without dashes): the creation time in milliseconds
// (12 hex) and 80 random bits, so ids sort by creation time (b-tree locality).
std::string new_id();
}  // namespace gh::crypto
