#pragma once
// Who is calling a management operation, as established by a token or an AK/SK signature, and the
// permission checks every use case applies (once, here).
#include <string>
#include <vector>

#include "core/error.hpp"

namespace gh::services {

struct Caller {
  std::string user_id, user_name, domain_id, domain_name;
  std::string project_id;  // the scope of the credential ("" = domain scope)
  bool domain_admin = false;
  std::vector<std::string> roles;  // roles in project_id
  std::string via;                 // "token" | "aksk"
};

// May `caller` read / change resources of `project_id`? Errors: 403 APIG.1005.
core::Status require_project_read(const Caller& caller, const std::string& project_id);
core::Status require_project_write(const Caller& caller, const std::string& project_id);

}  // namespace gh::services
