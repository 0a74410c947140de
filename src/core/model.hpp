#pragma once
// Entities shared by every layer. Secrets are held in clear only in memory; the store seals them.
// Times are nanoseconds since the Unix epoch (UTC).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gh::core {

using Nanos = std::int64_t;

struct Domain {
  std::string id, name;
};

struct Project {
  std::string id, name, domain_id, description;
};

struct User {
  std::string id, name, domain_id;
  std::string password_hash;  // "pbkdf2-sha256$iterations$salt_hex$hash_hex"
  bool enabled = true;
  bool domain_admin = false;  // administers the domain (bootstrap admin)
  Nanos created = 0;
  Nanos password_changed = 0;  // tokens issued before this are void
};

struct Role {
  std::string id, name, description;
};
inline constexpr const char* kRoleAdmin = "apig_admin";
inline constexpr const char* kRoleViewer = "apig_viewer";

struct AccessKey {
  std::string access;  // AK (not secret)
  std::string secret;  // SK (sealed at rest)
  std::string user_id, description, status = "active";
  Nanos created = 0;
};

enum class InstanceKind { kApig, kRoma };

struct Instance {
  std::string id, project_id, name;
  InstanceKind kind = InstanceKind::kApig;
  Nanos created = 0;
};

struct App {
  std::string id, instance_id, project_id;
  std::string name, remark;
  std::string app_key;
  std::string app_secret;  // sealed at rest
  std::string creator = "USER";
  int status = 1;
  std::string app_type = "apig";   // apig | roma
  std::string roma_app_type;       // "" | subscription | integration
  std::string owner_user_id;       // the IAM user who created it
  std::string workspace_id = "0";  // ModelArts workspace
  Nanos register_time = 0, update_time = 0;
  // Derived, not stored: distinct APIs the app is authorized for (filled by app listings).
  std::int64_t bound_api_count = 0;
};

struct AppCode {
  std::string id, app_id, instance_id;
  std::string value;  // sealed at rest, indexed by keyed digest
  Nanos create_time = 0;
};

struct AuditEvent {
  std::int64_t seq = 0;
  Nanos time = 0;
  std::string project_id, user_id, user_name;
  std::string action;       // e.g. "app_code.generate"
  std::string target_type;  // app | app_code | app_secret | access_key | user
  std::string target_id;
  std::string result;  // "success" | error code
  std::string detail;  // never a secret in clear (masked)
};

// Paging as the APIG dialects define it (docs/compatibility.md#conventions).
struct Page {
  std::int64_t offset = 0;
  std::int64_t limit = 20;
};

template <class T>
struct Paged {
  std::int64_t total = 0;
  std::vector<T> items;
};

// One page of a list held in memory: items [offset, offset + limit) of `all`, total = all.size().
template <class T>
Paged<T> slice_page(std::vector<T> all, Page page) {
  Paged<T> out;
  out.total = static_cast<std::int64_t>(all.size());
  for (auto i = std::max<std::int64_t>(0, page.offset);
       i < out.total && i < page.offset + page.limit; ++i)
    out.items.push_back(std::move(all[static_cast<std::size_t>(i)]));
  return out;
}

}  // namespace gh::core
