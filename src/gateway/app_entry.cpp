#include "gateway/app_entry.hpp"

#include <limits>
#include <mutex>
#include <set>
#include <stdexcept>

namespace gh::gateway {
namespace {

// Instance ids, interned: each kept once for the process (a store has few instances; ids of
// deleted instances stay, a few bytes each). References stay valid (std::set nodes never move),
// so each thread keeps the last one it was given: threads building millions of entries of one
// instance then take no lock.
const std::string& intern(std::string_view id) {
  thread_local const std::string* last = nullptr;
  if (last && *last == id) return *last;
  static std::mutex mutex;
  static auto* ids = new std::set<std::string, std::less<>>;  // never destroyed (exit order)
  std::lock_guard lock(mutex);
  auto it = ids->find(id);
  if (it == ids->end()) it = ids->emplace(id).first;
  last = &*it;
  return *it;
}

}  // namespace

const std::string& AppEntry::empty_instance() {
  static const std::string& empty = intern("");
  return empty;
}

AppEntry::AppEntry(std::string_view id, std::string_view instance_id, std::string_view app_key,
                   std::string_view secret, std::span<const Digest> codes)
    : instance_(&intern(instance_id)) {
  constexpr auto kMax = std::numeric_limits<std::uint32_t>::max();
  if (id.size() > kMax || app_key.size() > kMax || secret.size() > kMax ||
      codes.size() > std::numeric_limits<std::uint16_t>::max())
    throw std::length_error("app entry too large");
  id_len_ = static_cast<std::uint32_t>(id.size());
  key_len_ = static_cast<std::uint32_t>(app_key.size());
  secret_len_ = static_cast<std::uint32_t>(secret.size());
  codes_ = static_cast<std::uint16_t>(codes.size());
  std::size_t digests = codes.size() * sizeof(Digest);
  blob_ =
      std::make_unique_for_overwrite<char[]>(digests + id.size() + app_key.size() + secret.size());
  char* p = blob_.get();
  if (digests) std::memcpy(p, codes.data(), digests);
  p += digests;
  for (auto s : {id, app_key, secret}) {
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
}

}  // namespace gh::gateway
