#include "services/scope.hpp"

#include <cctype>

#include "core/errors.hpp"

namespace gh::services {

bool plausible_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (unsigned char c : id)
    if (!(std::isalnum(c) || c == '-' || c == '_')) return false;
  return true;
}

core::Result<core::Instance> load_scoped_instance(store::Tx& tx, const Caller& c,
                                                  const InstanceScope& s, bool write) {
  auto perm =
      write ? require_project_write(c, s.project_id) : require_project_read(c, s.project_id);
  if (!perm) return perm.error();
  auto inst = plausible_id(s.instance_id) ? tx.instance(s.instance_id) : std::nullopt;
  if (!inst || inst->project_id != s.project_id || inst->kind != s.kind)
    return core::errors::instance_not_found(s.instance_id);
  return *inst;
}

}  // namespace gh::services
