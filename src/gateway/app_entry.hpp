#pragma once
// What the data plane knows of an app, and what an AppCode or AppKey leads to.
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "gateway/routes.hpp"

namespace gh::gateway {

// The keyed digest of an AppCode value (HMAC-SHA-256 under the store's pepper), raw bytes. The
// digest is pseudo-random: its bytes serve as hash bits as they are.
struct Digest {
  std::array<unsigned char, 32> bytes{};
  bool operator==(const Digest& o) const {
    return std::memcmp(bytes.data(), o.bytes.data(), 32) == 0;
  }
};

// An app as the data plane needs it: id, instance, AppKey, AppSecret (in clear in memory only,
// for signatures) and the digests of its AppCodes (to drop them when the app changes). Compact for
// a store of millions: the strings and digests share one heap block, the instance id is interned
// (a store has few instances); about 320 bytes for an app with five AppCodes, where separate
// std::string members and a vector took 540.
class AppEntry {
 public:
  AppEntry() = default;
  AppEntry(std::string_view id, std::string_view instance_id, std::string_view app_key,
           std::string_view secret, std::span<const Digest> codes);
  AppEntry(AppEntry&&) noexcept = default;
  AppEntry& operator=(AppEntry&&) noexcept = default;

  std::string_view id() const { return {text(0), id_len_}; }
  const std::string& instance_id() const { return *instance_; }
  std::string_view app_key() const { return {text(id_len_), key_len_}; }
  std::string_view secret() const { return {text(id_len_ + key_len_), secret_len_}; }
  std::span<const Digest> codes() const {
    return {reinterpret_cast<const Digest*>(blob_.get()), codes_};
  }

 private:
  const char* text(std::size_t at) const { return blob_.get() + codes_ * sizeof(Digest) + at; }
  std::unique_ptr<char[]> blob_;  // codes_ digests, then id, app_key, secret
  const std::string* instance_ = &empty_instance();
  std::uint32_t id_len_ = 0, key_len_ = 0, secret_len_ = 0;
  std::uint16_t codes_ = 0;
  static const std::string& empty_instance();
};
static_assert(alignof(Digest) == 1, "digests sit unaligned in AppEntry's block");

// What an AppCode's digest or an AppKey leads to: the app, and its id prepared for the
// authorization check (the check then reads no app: with a large store the app is a cold line).
struct CodeEntry {
  const AppEntry* app = nullptr;
  AppIdSet::Key id_key;
  const AppEntry* operator->() const { return app; }
};

}  // namespace gh::gateway
