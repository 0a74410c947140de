#include "core/acl_model.hpp"

#include "core/errors.hpp"
#include "core/ip_match.hpp"

namespace gh::core::acl {

bool is_acl_type(std::string_view s) {
  return s == "PERMIT" || s == "DENY";
}
bool is_entity_type(std::string_view s) {
  return s == "IP" || s == "DOMAIN" || s == "DOMAIN_ID";
}

std::vector<std::string> split_value(std::string_view value) {
  std::vector<std::string> out;
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
  };
  std::size_t start = 0;
  for (;;) {
    auto comma = value.find(',', start);
    out.push_back(trim(value.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

namespace {
bool is_domain_entry(std::string_view s, bool id) {
  if (s.empty() || s.size() > kMaxDomainEntryChars) return false;
  bool digits_only = true;
  for (unsigned char c : s) {
    if (c < 0x21 || c > 0x7e) return false;  // ASCII, no spaces or controls
    if (c < '0' || c > '9') digits_only = false;
  }
  return id || !digits_only;  // account names are never all digits
}
}  // namespace

Result<std::string> normalized_value(std::string_view entity_type, std::string_view value) {
  auto bad = errors::invalid_param("acl_value");
  if (value.empty()) return bad;
  auto entries = split_value(value);
  if (entity_type == "IP") {
    if (entries.size() > kMaxIpEntries) return bad;
    try {
      (void)IpSet::from_entries(entries, kMaxIpEntries);
    } catch (const std::invalid_argument&) {
      return bad;
    }
  } else {
    if (value.size() > kMaxDomainValueChars) return bad;
    for (auto& e : entries)
      if (!is_domain_entry(e, entity_type == "DOMAIN_ID")) return bad;
  }
  std::string out;
  for (auto& e : entries) {
    if (!out.empty()) out.push_back(',');
    out += e;
  }
  return out;
}

Status check_app_values(const std::vector<std::string>& values) {
  if (values.empty() || values.size() > kMaxIpEntries)
    return errors::invalid_param("app_acl_values");
  try {
    (void)IpSet::from_entries(values, kMaxIpEntries);
  } catch (const std::invalid_argument&) {
    return errors::invalid_param("app_acl_values");
  }
  return ok_status();
}

}  // namespace gh::core::acl
