#pragma once
// Access control (docs/compatibility.md#acls): API access-control policies (ACLs) bound to
// published APIs per environment, and the one ACL of an app (app ACL). The value rules live here
// once; the gateway builds its address sets from the same entries (core/ip_match.hpp).
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/model.hpp"

namespace gh::core {

struct AclPolicy {
  std::string id, instance_id, name;
  std::string acl_type;     // PERMIT | DENY
  std::string entity_type;  // IP | DOMAIN | DOMAIN_ID
  std::string acl_value;    // comma-separated, as stored (entries trimmed)
  Nanos update_time = 0;
};

// One ACL bound to one API in one environment (docs/compatibility.md#acl-one-per-type: one per
// entity type there).
struct AclBinding {
  std::string id, instance_id, acl_id, api_id, env_id, entity_type, publish_id;
  Nanos create_time = 0;
};

struct AppAcl {
  std::string app_id, instance_id;
  std::string acl_type;             // PERMIT | DENY
  std::vector<std::string> values;  // addresses, CIDRs, ranges a-b
  Nanos update_time = 0;
};

namespace acl {
// docs/compatibility.md#acl-limits
inline constexpr std::size_t kMaxIpEntries = 100;          // IP ACLs and app ACLs
inline constexpr std::size_t kMaxDomainValueChars = 1024;  // DOMAIN / DOMAIN_ID, all entries
inline constexpr std::size_t kMaxDomainEntryChars = 64;

bool is_acl_type(std::string_view s);     // PERMIT | DENY
bool is_entity_type(std::string_view s);  // IP | DOMAIN | DOMAIN_ID
// The entries of a comma-separated acl_value, trimmed (empty entries kept, so they can be refused).
std::vector<std::string> split_value(std::string_view value);
// The policy's acl_value for its entity type, normalised (entries trimmed, joined by ","), or
// 400 APIG.2011 naming acl_value (docs/compatibility.md#acl-limits).
Result<std::string> normalized_value(std::string_view entity_type, std::string_view value);
// An app ACL's values: 1–kMaxIpEntries addresses, CIDRs or ranges, else 400 APIG.2011 naming
// app_acl_values.
Status check_app_values(const std::vector<std::string>& values);
}  // namespace acl

}  // namespace gh::core
