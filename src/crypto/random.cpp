#include "crypto/random.hpp"

#include <openssl/rand.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "crypto/digest.hpp"

namespace gh::crypto {

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    std::fputs("gatehouse: the CSPRNG failed; refusing to continue\n", stderr);
    std::abort();
  }
  return out;
}

std::string random_hex(std::size_t n) {
  return hex_encode(random_bytes(n));
}

std::string new_id() {
  // Milliseconds since the epoch (48 bits, 12 hex) first, then 80 random bits: ids made close
  // in time sort close together, so a new row's id lands on the few hot pages at the end of
  // its primary-key b-tree instead of on a random page (half the b-tree seeks of a bulk import).
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  char head[13];
  std::snprintf(head, sizeof head, "%012llx",
                static_cast<unsigned long long>(ms) & 0xffffffffffffULL);
  return head + random_hex(10);
}

}  // namespace gh::crypto
