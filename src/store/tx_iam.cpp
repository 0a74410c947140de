// IAM rows (store/tx_iam.hpp).
#include "store/tx_iam.hpp"

#include "core/clock.hpp"
#include "store/query_parts.hpp"

namespace gh::store {
namespace {
using core::Nanos;
using I = std::int64_t;

constexpr const char* kUserCols =
    "id, name, domain_id, password_hash, enabled, domain_admin, created, password_changed";
constexpr const char* kKeyCols = "access, user_id, secret_sealed, description, status, created";
constexpr const char* kProjectCols = "id, name, domain_id, description";

core::Domain domain_from(const Row& r) {
  return core::Domain{r.text(0), r.text(1)};
}
UserSecurity security_from(const Row& r) {
  return UserSecurity{static_cast<int>(r.integer(0)), r.integer(1)};
}
core::Project project_from(const Row& r) {
  return core::Project{r.text(0), r.text(1), r.text(2), r.text(3)};
}
core::User user_from(const Row& r) {
  core::User u;
  u.id = r.text(0);
  u.name = r.text(1);
  u.domain_id = r.text(2);
  u.password_hash = r.text(3);
  u.enabled = r.integer(4) != 0;
  u.domain_admin = r.integer(5) != 0;
  u.created = r.integer(6);
  u.password_changed = r.integer(7);
  return u;
}
}  // namespace

std::optional<std::string> IamTx::setting(const std::string& name) {
  return optional_row(s_.query("SELECT value FROM settings WHERE name = ?", {name}),
                      [](const Row& r) { return r.text(0); });
}
void IamTx::put_setting(const std::string& name, const std::string& value) {
  s_.execute(
      "INSERT INTO settings(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = "
      "excluded.value",
      {name, value});
}
void IamTx::insert_domain(const core::Domain& d) {
  s_.execute("INSERT INTO domains(id, name, created) VALUES (?, ?, ?)",
             {d.id, d.name, I{core::now_nanos()}});
}
std::optional<core::Domain> IamTx::domain_by_id(const std::string& id) {
  return optional_row(s_.query("SELECT id, name FROM domains WHERE id = ?", {id}), domain_from);
}
std::optional<core::Domain> IamTx::domain_by_name(const std::string& name) {
  return optional_row(s_.query("SELECT id, name FROM domains WHERE name = ?", {name}), domain_from);
}
void IamTx::insert_project(const core::Project& p) {
  s_.execute(
      "INSERT INTO projects(id, domain_id, name, description, created) VALUES (?, ?, ?, ?, ?)",
      {p.id, p.domain_id, p.name, p.description, I{core::now_nanos()}});
}
std::optional<core::Project> IamTx::project_by_id(const std::string& id) {
  return select_one(s_, kProjectCols, " FROM projects WHERE id = ?", {id}, project_from);
}
std::vector<core::Project> IamTx::projects(const std::string& domain_id, const std::string& name) {
  std::vector<SqlValue> p{domain_id};
  std::string where = " FROM projects WHERE domain_id = ?";
  add_eq(where, p, "name", name);
  return select_all(s_, kProjectCols, where + " ORDER BY created, id", p, project_from);
}
void IamTx::insert_user(const core::User& u) {
  s_.execute(
      "INSERT INTO users(id, name, domain_id, password_hash, enabled, domain_admin, created, "
      "password_changed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {u.id, u.name, u.domain_id, u.password_hash, I{u.enabled}, I{u.domain_admin}, I{u.created},
       I{u.password_changed}});
}
std::optional<core::User> IamTx::user_by_id(const std::string& id) {
  return select_one(s_, kUserCols, " FROM users WHERE id = ?", {id}, user_from);
}
std::optional<core::User> IamTx::user_by_name(const std::string& domain_id,
                                              const std::string& name) {
  return select_one(s_, kUserCols, " FROM users WHERE domain_id = ? AND name = ?",
                    {domain_id, name}, user_from);
}
std::vector<core::User> IamTx::users(const std::string& domain_id) {
  return select_all(s_, kUserCols, " FROM users WHERE domain_id = ? ORDER BY created, id",
                    {domain_id}, user_from);
}
bool IamTx::delete_user(const std::string& id) {
  return s_.execute("DELETE FROM users WHERE id = ?", {id}) > 0;
}
UserSecurity IamTx::user_security(const std::string& id) {
  return optional_row(s_.query("SELECT failed_logins, locked_until FROM users WHERE id = ?", {id}),
                      security_from)
      .value_or(UserSecurity{});
}
UserSecurity IamTx::record_failed_login(const std::string& id, int threshold, Nanos lock_until) {
  // Both backends evaluate every right-hand side against the row as it was before this UPDATE,
  // and PostgreSQL re-reads a row a concurrent writer changed before applying it.
  auto rows = s_.query(
      "UPDATE users SET "
      "failed_logins = CASE WHEN failed_logins + 1 >= ? THEN 0 ELSE failed_logins + 1 END, "
      "locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END "
      "WHERE id = ? RETURNING failed_logins, locked_until",
      {I{threshold}, I{threshold}, I{lock_until}, id});
  if (rows.empty()) return {};
  return UserSecurity{static_cast<int>(rows[0].integer(0)), rows[0].integer(1)};
}
void IamTx::clear_failed_logins(const std::string& id) {
  s_.execute("UPDATE users SET failed_logins = 0 WHERE id = ?", {id});
}
void IamTx::grant_role(const std::string& project_id, const std::string& user_id,
                       const std::string& role) {
  s_.execute(
      "INSERT INTO role_assignments(project_id, user_id, role) VALUES (?, ?, ?) ON CONFLICT DO "
      "NOTHING",
      {project_id, user_id, role});
}
bool IamTx::revoke_role(const std::string& project_id, const std::string& user_id,
                        const std::string& role) {
  return s_.execute(
             "DELETE FROM role_assignments WHERE project_id = ? AND user_id = ? AND role = ?",
             {project_id, user_id, role}) > 0;
}
std::vector<std::string> IamTx::roles_of(const std::string& project_id,
                                         const std::string& user_id) {
  std::vector<std::string> out;
  for (auto& r : s_.query(
           "SELECT role FROM role_assignments WHERE project_id = ? AND user_id = ? ORDER BY role",
           {project_id, user_id}))
    out.push_back(r.text(0));
  return out;
}
void IamTx::insert_access_key(const core::AccessKey& k) {
  s_.execute(
      "INSERT INTO access_keys(access, user_id, secret_sealed, description, status, created) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      {k.access, k.user_id, sealer_.seal(k.secret, secret_aad("ak", k.access)), k.description,
       k.status, I{k.created}});
}
std::optional<core::AccessKey> IamTx::access_key(const std::string& access) {
  return select_one(
      s_, kKeyCols, " FROM access_keys WHERE access = ?", {access}, [&](const Row& r) {
        auto secret = sealer_.open(r.text(2), secret_aad("ak", r.text(0)));
        if (!secret) throw SqlError(SqlError::Kind::kOther, "sealed secret key failed to open");
        return core::AccessKey{r.text(0), *secret, r.text(1), r.text(3), r.text(4), r.integer(5)};
      });
}
std::vector<core::AccessKey> IamTx::access_keys(const std::string& user_id) {
  std::vector<core::AccessKey> out;
  for (auto& r : s_.query(std::string("SELECT ") + kKeyCols +
                              " FROM access_keys WHERE user_id = ? ORDER BY created, access",
                          {user_id}))
    out.push_back({r.text(0), "", r.text(1), r.text(3), r.text(4), r.integer(5)});
  return out;
}
bool IamTx::delete_access_key(const std::string& access) {
  return s_.execute("DELETE FROM access_keys WHERE access = ?", {access}) > 0;
}

}  // namespace gh::store
