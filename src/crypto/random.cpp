#include "crypto/random.hpp"

#include <openssl/rand.h>

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
  return random_hex(16);
}

}  // namespace gh::crypto
