// Typed store operations of access control (docs/compatibility.md#acls). See store/tx_acls.hpp.
#include "store/tx_acls.hpp"

#include "core/api_model.hpp"
#include "store/query_parts.hpp"

namespace gh::store {
namespace {
using I = std::int64_t;

constexpr const char* kAclCols =
    "id, instance_id, name, acl_type, entity_type, acl_value, update_time";
core::AclPolicy acl_from(const Row& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.integer(6)};
}

constexpr const char* kBindCols =
    "id, instance_id, acl_id, api_id, env_id, entity_type, publish_id, create_time";
core::AclBinding binding_from(const Row& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3),
          r.text(4), r.text(5), r.text(6), r.integer(7)};
}

// App ACL values are stored one per line (no entry holds a line break: the rules refuse it).
std::string join_lines(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v) {
    if (!out.empty()) out.push_back('\n');
    out += s;
  }
  return out;
}
std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    auto nl = s.find('\n', start);
    out.push_back(s.substr(start, nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}
constexpr const char* kAppAclCols = "app_id, instance_id, acl_type, acl_values, update_time";
core::AppAcl app_acl_from(const Row& r) {
  return {r.text(0), r.text(1), r.text(2), split_lines(r.text(3)), r.integer(4)};
}

constexpr const char* kPubCols =
    "publish_id, api_id, env_id, version_id, remark, publish_time, spec_json";
}  // namespace

// ---------------------------------------------------------------- policies
void AclsTx::insert_acl(const core::AclPolicy& a) {
  s_.execute(std::string("INSERT INTO acls(") + kAclCols +
                 ", create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
             {a.id, a.instance_id, a.name, a.acl_type, a.entity_type, a.acl_value, I{a.update_time},
              I{a.update_time}});
}
void AclsTx::update_acl(const core::AclPolicy& a) {
  s_.execute(
      "UPDATE acls SET name = ?, acl_type = ?, entity_type = ?, acl_value = ?, update_time = ? "
      "WHERE id = ?",
      {a.name, a.acl_type, a.entity_type, a.acl_value, I{a.update_time}, a.id});
}
bool AclsTx::delete_acl(const std::string& id) {
  return s_.execute("DELETE FROM acls WHERE id = ?", {id}) > 0;
}
std::optional<core::AclPolicy> AclsTx::acl(const std::string& instance_id, const std::string& id) {
  return select_one(s_, kAclCols, " FROM acls WHERE id = ? AND instance_id = ?", {id, instance_id},
                    acl_from);
}
core::Paged<core::AclPolicy> AclsTx::acls(const std::string& instance_id, const AclFilter& f,
                                          core::Page page) {
  std::vector<SqlValue> p{instance_id};
  std::string where = " FROM acls WHERE instance_id = ?";
  add_eq(where, p, "id", f.id);
  add_name(where, p, "name", f.name, f.precise_name, postgres());
  add_eq(where, p, "acl_type", f.acl_type);
  add_eq(where, p, "entity_type", f.entity_type);
  return page_of<core::AclPolicy>(s_, kAclCols, where, std::move(p), "create_time DESC, id", page,
                                  acl_from);
}
std::int64_t AclsTx::count_acls(const std::string& instance_id) {
  return count_of(s_, " FROM acls WHERE instance_id = ?", {instance_id});
}
bool AclsTx::acl_name_taken(const std::string& instance_id, const std::string& name,
                            const std::string& except_id) {
  return exists_of(s_, " FROM acls WHERE instance_id = ? AND name = ? AND id <> ?",
                   {instance_id, name, except_id});
}

// ---------------------------------------------------------------- bindings
void AclsTx::insert_acl_binding(const core::AclBinding& b) {
  s_.execute(
      std::string("INSERT INTO acl_bindings(") + kBindCols + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {b.id, b.instance_id, b.acl_id, b.api_id, b.env_id, b.entity_type, b.publish_id,
       I{b.create_time}});
}
bool AclsTx::delete_acl_binding(const std::string& id) {
  return s_.execute("DELETE FROM acl_bindings WHERE id = ?", {id}) > 0;
}
std::optional<core::AclBinding> AclsTx::acl_binding(const std::string& instance_id,
                                                    const std::string& id) {
  return select_one(s_, kBindCols, " FROM acl_bindings WHERE id = ? AND instance_id = ?",
                    {id, instance_id}, binding_from);
}
std::vector<core::AclBinding> AclsTx::acl_bindings_where(const std::string& instance_id,
                                                         const AclBindingFilter& f) {
  std::vector<SqlValue> p{instance_id};
  std::string where = " FROM acl_bindings WHERE instance_id = ?";
  add_eq(where, p, "acl_id", f.acl_id);
  add_eq(where, p, "api_id", f.api_id);
  add_eq(where, p, "env_id", f.env_id);
  return select_all(s_, kBindCols, where + " ORDER BY create_time DESC, id", p, binding_from);
}
std::int64_t AclsTx::count_acl_bindings(const std::string& acl_id) {
  return count_of(s_, " FROM acl_bindings WHERE acl_id = ?", {acl_id});
}
bool AclsTx::acl_binding_exists(const std::string& api_id, const std::string& env_id,
                                const std::string& entity_type) {
  return exists_of(s_, " FROM acl_bindings WHERE api_id = ? AND env_id = ? AND entity_type = ?",
                   {api_id, env_id, entity_type});
}
std::vector<std::string> AclsTx::delete_acl_bindings_of_api(const std::string& api_id) {
  std::vector<std::string> ids;
  for (auto& r : s_.query("SELECT id FROM acl_bindings WHERE api_id = ?", {api_id}))
    ids.push_back(r.text(0));
  s_.execute("DELETE FROM acl_bindings WHERE api_id = ?", {api_id});
  return ids;
}
std::vector<std::string> AclsTx::delete_acl_bindings_of_env(const std::string& instance_id,
                                                            const std::string& env_id) {
  std::vector<std::string> ids;
  for (auto& r : s_.query("SELECT id FROM acl_bindings WHERE instance_id = ? AND env_id = ?",
                          {instance_id, env_id}))
    ids.push_back(r.text(0));
  s_.execute("DELETE FROM acl_bindings WHERE instance_id = ? AND env_id = ?",
             {instance_id, env_id});
  return ids;
}
std::optional<core::Publication> AclsTx::publication(const std::string& instance_id,
                                                     const std::string& publish_id) {
  return select_one(s_, kPubCols, " FROM publications WHERE publish_id = ? AND instance_id = ?",
                    {publish_id, instance_id}, [](const Row& r) {
                      return core::Publication{r.text(0), r.text(1),    r.text(2), r.text(3),
                                               r.text(4), r.integer(5), r.text(6)};
                    });
}

// ---------------------------------------------------------------- app ACLs
void AclsTx::upsert_app_acl(const core::AppAcl& a) {
  s_.execute("DELETE FROM app_acls WHERE app_id = ?", {a.app_id});
  s_.execute(std::string("INSERT INTO app_acls(") + kAppAclCols + ") VALUES (?, ?, ?, ?, ?)",
             {a.app_id, a.instance_id, a.acl_type, join_lines(a.values), I{a.update_time}});
}
bool AclsTx::delete_app_acl(const std::string& app_id) {
  return s_.execute("DELETE FROM app_acls WHERE app_id = ?", {app_id}) > 0;
}
std::optional<core::AppAcl> AclsTx::app_acl(const std::string& app_id) {
  return select_one(s_, kAppAclCols, " FROM app_acls WHERE app_id = ?", {app_id}, app_acl_from);
}

// ---------------------------------------------------------------- the data plane's part
std::vector<core::AclPolicy> AclsTx::acls_of_instance(const std::string& instance_id) {
  return select_all(s_, kAclCols, " FROM acls WHERE instance_id = ? ORDER BY id", {instance_id},
                    acl_from);
}
std::vector<core::AclBinding> AclsTx::acl_bindings_of_instance(const std::string& instance_id) {
  return acl_bindings_where(instance_id, {});
}
std::vector<core::AppAcl> AclsTx::app_acls_of_instance(const std::string& instance_id) {
  return select_all(s_, kAppAclCols, " FROM app_acls WHERE instance_id = ? ORDER BY app_id",
                    {instance_id}, app_acl_from);
}

}  // namespace gh::store
