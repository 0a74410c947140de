#include "services/token_cache.hpp"

#include <algorithm>

namespace gh::services {

std::uint64_t TokenCache::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

std::optional<Caller> TokenCache::find(std::string_view token, core::Nanos now) const {
  auto key = crypto::sha256_bytes(token);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || now >= it->second.valid_until) return std::nullopt;
  return it->second.caller;
}

void TokenCache::put(std::string_view token, const Caller& caller, std::uint64_t generation,
                     core::Nanos now, core::Nanos token_expires) {
  auto key = crypto::sha256_bytes(token);
  std::lock_guard lock(mutex_);
  if (generation != generation_) return;  // an IAM change committed while the caller was read
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_.insert_or_assign(key, Entry{caller, std::min(now + kMaxAge, token_expires)});
}

void TokenCache::invalidate() {
  std::lock_guard lock(mutex_);
  ++generation_;
  entries_.clear();
}

}  // namespace gh::services
