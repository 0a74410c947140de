#include "gateway/app_ordinals.hpp"

#include <boost/unordered/unordered_flat_map.hpp>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "gateway/routes.hpp"  // TransparentHash

namespace gh::gateway::app_ordinals {
namespace {

struct Packed {
  std::uint64_t hi = 0, lo = 0;
  bool operator==(const Packed&) const = default;
};
struct PackedHash {
  std::size_t operator()(const Packed& p) const {
    return static_cast<std::size_t>((p.hi * 0x9E3779B97F4A7C15ull) ^ p.lo);
  }
};

// The 16 bytes a 32-lowercase-hex id spells; nullopt for any other id, so that packing is
// one-to-one (an upper-case or shorter id is kept as a string and never meets a packed one).
std::optional<Packed> pack(std::string_view id) {
  if (id.size() != 32) return std::nullopt;
  std::uint64_t half[2] = {0, 0};
  for (std::size_t i = 0; i < 32; ++i) {
    char c = id[i];
    std::uint64_t v;
    if (c >= '0' && c <= '9')
      v = static_cast<std::uint64_t>(c - '0');
    else if (c >= 'a' && c <= 'f')
      v = static_cast<std::uint64_t>(c - 'a' + 10);
    else
      return std::nullopt;
    half[i / 16] = (half[i / 16] << 4) | v;
  }
  return Packed{half[0], half[1]};
}

struct Table {
  std::mutex mutex;
  boost::unordered_flat_map<Packed, std::uint32_t, PackedHash> packed;
  boost::unordered_flat_map<std::string, std::uint32_t, TransparentHash, std::equal_to<>> other;
  std::uint32_t next = 0;

  std::uint32_t take() {
    // UINT32_MAX is never given: it is AppIdSet::Key's "no app".
    if (next == UINT32_MAX) throw std::length_error("app ordinals exhausted");
    return next++;
  }
};

Table& table() {
  static Table* t = new Table;  // never destroyed: snapshots may be built during exit
  return *t;
}

// Under the table's lock: the number of an id, given now if the id is new; `packed` is pack(id).
std::uint32_t number_locked(Table& t, std::string_view id, const std::optional<Packed>& packed) {
  if (packed) {
    auto [it, fresh] = t.packed.try_emplace(*packed, 0);
    if (fresh) {
      try {
        it->second = t.take();
      } catch (...) {
        t.packed.erase(it);
        throw;
      }
    }
    return it->second;
  }
  if (auto it = t.other.find(id); it != t.other.end()) return it->second;
  auto n = t.take();
  t.other.emplace(std::string(id), n);
  return n;
}

}  // namespace

std::uint32_t of(std::string_view id) {
  auto packed = pack(id);
  auto& t = table();
  std::lock_guard lock(t.mutex);
  return number_locked(t, id, packed);
}

void of_each(std::span<const std::string_view> ids, std::span<std::uint32_t> out) {
  std::vector<std::optional<Packed>> packed(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) packed[i] = pack(ids[i]);
  auto& t = table();
  std::lock_guard lock(t.mutex);
  for (std::size_t i = 0; i < ids.size(); ++i) out[i] = number_locked(t, ids[i], packed[i]);
}

std::optional<std::uint32_t> find(std::string_view id) {
  auto& t = table();
  std::lock_guard lock(t.mutex);
  if (auto p = pack(id)) {
    auto it = t.packed.find(*p);
    if (it == t.packed.end()) return std::nullopt;
    return it->second;
  }
  auto it = t.other.find(id);
  if (it == t.other.end()) return std::nullopt;
  return it->second;
}

}  // namespace gh::gateway::app_ordinals
