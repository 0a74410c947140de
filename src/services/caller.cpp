#include "services/caller.hpp"

#include <algorithm>

#include "core/errors.hpp"
#include "core/model.hpp"

namespace gh::services {
namespace {
bool has(const Caller& c, const char* role) {
  return std::find(c.roles.begin(), c.roles.end(), role) != c.roles.end();
}
}  // namespace

core::Status require_project_read(const Caller& caller, const std::string& project_id) {
  if (caller.project_id != project_id) return core::errors::no_permission();
  if (caller.domain_admin || has(caller, core::kRoleAdmin) || has(caller, core::kRoleViewer))
    return core::ok_status();
  return core::errors::no_permission();
}

core::Status require_project_write(const Caller& caller, const std::string& project_id) {
  if (caller.project_id != project_id) return core::errors::no_permission();
  if (caller.domain_admin || has(caller, core::kRoleAdmin)) return core::ok_status();
  return core::errors::no_permission();
}

}  // namespace gh::services
