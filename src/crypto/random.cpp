#include "crypto/random.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "crypto/digest.hpp"

namespace gh::crypto {
namespace {

void fill_or_abort(unsigned char* out, std::size_t n) {
  if (n > 0 && RAND_bytes(out, static_cast<int>(n)) != 1) {
    std::fputs("gatehouse: the CSPRNG failed; refusing to continue\n", stderr);
    std::abort();
  }
}

// Small requests (ids, nonces, generated keys: 10–16 bytes) are served from a per-thread pool
// filled by one RAND_bytes call: OpenSSL's cost per call (its DRBG lock, a getpid() system call
// to detect a fork, parameter lookups) was ~10 % of an import's CPU. Served bytes are wiped at
// once, so the pool holds only output nobody has had yet; a fork empties every pool in the child
// (the generation below), so parent and child never hand out the same bytes.
constexpr std::size_t kPoolBytes = 4096;
constexpr std::size_t kPooledMax = 16;  // keys (32 bytes) come from RAND_bytes directly

std::atomic<unsigned> fork_generation{0};

struct Pool {
  unsigned char bytes[kPoolBytes];
  std::size_t next = kPoolBytes;  // bytes before `next` are served (and wiped)
  unsigned generation = 0;
  ~Pool() { OPENSSL_cleanse(bytes, sizeof bytes); }
};

void take_from_pool(unsigned char* out, std::size_t n) {
  static std::once_flag registered;
  std::call_once(registered,
                 [] { pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1); }); });
  thread_local Pool pool;
  unsigned generation = fork_generation.load(std::memory_order_relaxed);
  if (pool.generation != generation || kPoolBytes - pool.next < n) {
    fill_or_abort(pool.bytes, kPoolBytes);
    pool.next = 0;
    pool.generation = generation;
  }
  std::copy_n(pool.bytes + pool.next, n, out);
  OPENSSL_cleanse(pool.bytes + pool.next, n);
  pool.next += n;
}

}  // namespace

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  if (n <= kPooledMax)
    take_from_pool(p, n);
  else
    fill_or_abort(p, n);
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
