#pragma once
// What the data plane knows of an app, and what an AppCode or AppKey leads to.
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

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
// An app as the data plane needs it. The secret is held in clear in memory only (signatures).
struct AppEntry {
  std::string id, instance_id, app_key, secret;
  std::vector<Digest> codes;  // its AppCodes (≤ 5), to drop them when the app changes
};

// What an AppCode's digest or an AppKey leads to: the app, and its id prepared for the
// authorization check (the check then reads no app: with a large store the app is a cold line).
struct CodeEntry {
  const AppEntry* app = nullptr;
  AppIdSet::Key id_key;
  const AppEntry* operator->() const { return app; }
};

}  // namespace gh::gateway
