#include "store/tx.hpp"

#include "core/clock.hpp"
#include "store/query_parts.hpp"

namespace gh::store {
namespace {
using core::Nanos;
using I = std::int64_t;
constexpr std::int64_t kChangeLogLockKey = 0x47484348414e4745;  // "GHCHANGE"

std::string secret_aad(std::string_view kind, std::string_view id) {
  return std::string(kind) + ":" + std::string(id);
}
constexpr const char* kAppCols =
    "id, instance_id, project_id, name, remark, app_key, secret_sealed, creator, status, "
    "app_type, roma_app_type, owner_user_id, workspace_id, register_time, update_time";
constexpr const char* kUserCols =
    "id, name, domain_id, password_hash, enabled, domain_admin, created, password_changed";

core::Domain domain_from(const Row& r) {
  return core::Domain{r.text(0), r.text(1)};
}
UserSecurity security_from(const Row& r) {
  return UserSecurity{static_cast<int>(r.integer(0)), r.integer(1)};
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
core::Instance instance_from(const Row& r) {
  return core::Instance{r.text(0), r.text(1), r.text(3),
                        r.text(2) == "roma" ? core::InstanceKind::kRoma : core::InstanceKind::kApig,
                        r.integer(4)};
}
// Builds "WHERE …" for an app filter, appending parameters.
std::string app_where(const AppFilter& f, std::vector<SqlValue>& p, bool postgres) {
  std::string w;
  add_eq(w, p, "id", f.id);
  add_name(w, p, "name", f.name, f.precise_name, postgres);
  add_eq(w, p, "app_key", f.app_key);
  add_eq(w, p, "creator", f.creator);
  add_eq(w, p, "owner_user_id", f.owner_user_id);
  add_eq(w, p, "app_type", f.app_type);
  if (f.status) {
    w += " AND status = ?";
    p.emplace_back(I{*f.status});
  }
  return w;
}
}  // namespace

// ---------------------------------------------------------------- settings
std::optional<std::string> Tx::setting(const std::string& name) {
  return optional_row(s_.query("SELECT value FROM settings WHERE name = ?", {name}),
                      [](const Row& r) { return r.text(0); });
}
void Tx::put_setting(const std::string& name, const std::string& value) {
  s_.execute(
      "INSERT INTO settings(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = "
      "excluded.value",
      {name, value});
}

// ---------------------------------------------------------------- domains, projects
void Tx::insert_domain(const core::Domain& d) {
  s_.execute("INSERT INTO domains(id, name, created) VALUES (?, ?, ?)",
             {d.id, d.name, I{core::now_nanos()}});
}
std::optional<core::Domain> Tx::domain_by_id(const std::string& id) {
  return optional_row(s_.query("SELECT id, name FROM domains WHERE id = ?", {id}), domain_from);
}
std::optional<core::Domain> Tx::domain_by_name(const std::string& name) {
  return optional_row(s_.query("SELECT id, name FROM domains WHERE name = ?", {name}), domain_from);
}
void Tx::insert_project(const core::Project& p) {
  s_.execute(
      "INSERT INTO projects(id, domain_id, name, description, created) VALUES (?, ?, ?, ?, ?)",
      {p.id, p.domain_id, p.name, p.description, I{core::now_nanos()}});
}
std::optional<core::Project> Tx::project_by_id(const std::string& id) {
  return optional_row(
      s_.query("SELECT id, name, domain_id, description FROM projects WHERE id = ?", {id}),
      [](const Row& r) {
        return core::Project{r.text(0), r.text(1), r.text(2), r.text(3)};
      });
}
std::vector<core::Project> Tx::projects(const std::string& domain_id, const std::string& name) {
  std::vector<SqlValue> p{domain_id};
  std::string sql = "SELECT id, name, domain_id, description FROM projects WHERE domain_id = ?";
  if (!name.empty()) {
    sql += " AND name = ?";
    p.emplace_back(name);
  }
  std::vector<core::Project> out;
  for (auto& r : s_.query(sql + " ORDER BY created, id", p))
    out.push_back({r.text(0), r.text(1), r.text(2), r.text(3)});
  return out;
}

// ---------------------------------------------------------------- users, roles
void Tx::insert_user(const core::User& u) {
  s_.execute(
      "INSERT INTO users(id, name, domain_id, password_hash, enabled, domain_admin, created, "
      "password_changed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {u.id, u.name, u.domain_id, u.password_hash, I{u.enabled}, I{u.domain_admin}, I{u.created},
       I{u.password_changed}});
}
std::optional<core::User> Tx::user_by_id(const std::string& id) {
  return select_one(s_, kUserCols, " FROM users WHERE id = ?", {id}, user_from);
}
std::optional<core::User> Tx::user_by_name(const std::string& domain_id, const std::string& name) {
  return select_one(s_, kUserCols, " FROM users WHERE domain_id = ? AND name = ?",
                    {domain_id, name}, user_from);
}
std::vector<core::User> Tx::users(const std::string& domain_id) {
  return select_all(s_, kUserCols, " FROM users WHERE domain_id = ? ORDER BY created, id",
                    {domain_id}, user_from);
}
bool Tx::delete_user(const std::string& id) {
  return s_.execute("DELETE FROM users WHERE id = ?", {id}) > 0;
}
UserSecurity Tx::user_security(const std::string& id) {
  return optional_row(s_.query("SELECT failed_logins, locked_until FROM users WHERE id = ?", {id}),
                      security_from)
      .value_or(UserSecurity{});
}
UserSecurity Tx::record_failed_login(const std::string& id, int threshold, Nanos lock_until) {
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
void Tx::clear_failed_logins(const std::string& id) {
  s_.execute("UPDATE users SET failed_logins = 0 WHERE id = ?", {id});
}
void Tx::grant_role(const std::string& project_id, const std::string& user_id,
                    const std::string& role) {
  s_.execute(
      "INSERT INTO role_assignments(project_id, user_id, role) VALUES (?, ?, ?) ON CONFLICT DO "
      "NOTHING",
      {project_id, user_id, role});
}
bool Tx::revoke_role(const std::string& project_id, const std::string& user_id,
                     const std::string& role) {
  return s_.execute(
             "DELETE FROM role_assignments WHERE project_id = ? AND user_id = ? AND role = ?",
             {project_id, user_id, role}) > 0;
}
std::vector<std::string> Tx::roles_of(const std::string& project_id, const std::string& user_id) {
  std::vector<std::string> out;
  for (auto& r : s_.query(
           "SELECT role FROM role_assignments WHERE project_id = ? AND user_id = ? ORDER BY role",
           {project_id, user_id}))
    out.push_back(r.text(0));
  return out;
}

// ---------------------------------------------------------------- access keys
void Tx::insert_access_key(const core::AccessKey& k) {
  s_.execute(
      "INSERT INTO access_keys(access, user_id, secret_sealed, description, status, created) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      {k.access, k.user_id, sealer_.seal(k.secret, secret_aad("ak", k.access)), k.description,
       k.status, I{k.created}});
}
namespace {
constexpr const char* kKeyCols = "access, user_id, secret_sealed, description, status, created";
}
std::optional<core::AccessKey> Tx::access_key(const std::string& access) {
  return select_one(
      s_, kKeyCols, " FROM access_keys WHERE access = ?", {access}, [&](const Row& r) {
        auto secret = sealer_.open(r.text(2), secret_aad("ak", r.text(0)));
        if (!secret) throw SqlError(SqlError::Kind::kOther, "sealed secret key failed to open");
        return core::AccessKey{r.text(0), *secret, r.text(1), r.text(3), r.text(4), r.integer(5)};
      });
}
std::vector<core::AccessKey> Tx::access_keys(const std::string& user_id) {
  std::vector<core::AccessKey> out;
  for (auto& r : s_.query(std::string("SELECT ") + kKeyCols +
                              " FROM access_keys WHERE user_id = ? ORDER BY created, access",
                          {user_id}))
    out.push_back({r.text(0), "", r.text(1), r.text(3), r.text(4), r.integer(5)});
  return out;
}
bool Tx::delete_access_key(const std::string& access) {
  return s_.execute("DELETE FROM access_keys WHERE access = ?", {access}) > 0;
}

// ---------------------------------------------------------------- instances
void Tx::insert_instance(const core::Instance& i) {
  s_.execute(
      "INSERT INTO instances(id, project_id, kind, name, created) VALUES (?, ?, ?, ?, ?)",
      {i.id, i.project_id, std::string(i.kind == core::InstanceKind::kRoma ? "roma" : "apig"),
       i.name, I{i.created}});
  ensure_default_group(i);
}
std::optional<core::Instance> Tx::instance(const std::string& id) {
  return optional_row(
      s_.query("SELECT id, project_id, kind, name, created FROM instances WHERE id = ?", {id}),
      instance_from);
}
std::vector<core::Instance> Tx::instances(const std::string& project_id) {
  std::vector<core::Instance> out;
  for (auto& r : s_.query(
           "SELECT id, project_id, kind, name, created FROM instances WHERE project_id = ? ORDER "
           "BY created, id",
           {project_id}))
    out.push_back(instance_from(r));
  return out;
}
void Tx::lock_instance(const std::string& id) {
  if (app_locked_)  // a bug: rolls back, logged, 500
    throw SqlError(SqlError::Kind::kOther, "lock order: lock_instance after lock_app (tx.hpp)");
  // PostgreSQL: a row lock held to commit; writers on other nodes wait here, and at READ COMMITTED
  // their later statements see what this transaction committed. SQLite writers are serial
  // already; there the statement stays the UPDATE it always was (nothing reads `version`).
  if (postgres())
    s_.query("SELECT 1 FROM instances WHERE id = ? FOR UPDATE", {id});
  else
    s_.execute("UPDATE instances SET version = version + 1 WHERE id = ?", {id});
}

// ---------------------------------------------------------------- apps
std::optional<std::string> Tx::open_app_secret(const crypto::Sealer& sealer,
                                               std::string_view app_id,
                                               std::string_view secret_sealed) {
  return sealer.open(secret_sealed, secret_aad("app_secret", app_id));
}

core::App Tx::app_from(const Row& r) {
  core::App a;
  a.id = r.text(0);
  a.instance_id = r.text(1);
  a.project_id = r.text(2);
  a.name = r.text(3);
  a.remark = r.text(4);
  a.app_key = r.text(5);
  auto secret = open_app_secret(sealer_, a.id, r.text(6));
  if (!secret) throw SqlError(SqlError::Kind::kOther, "sealed app secret failed to open");
  a.app_secret = std::move(*secret);
  a.creator = r.text(7);
  a.status = static_cast<int>(r.integer(8));
  a.app_type = r.text(9);
  a.roma_app_type = r.text(10);
  a.owner_user_id = r.text(11);
  a.workspace_id = r.text(12);
  a.register_time = r.integer(13);
  a.update_time = r.integer(14);
  return a;
}
void Tx::insert_app(const core::App& a) {
  s_.execute(std::string("INSERT INTO apps(") + kAppCols +
                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             {a.id, a.instance_id, a.project_id, a.name, a.remark, a.app_key,
              sealer_.seal(a.app_secret, secret_aad("app_secret", a.id)), a.creator, I{a.status},
              a.app_type, a.roma_app_type, a.owner_user_id, a.workspace_id, I{a.register_time},
              I{a.update_time}});
}
void Tx::update_app(const core::App& a) {
  s_.execute(
      "UPDATE apps SET name = ?, remark = ?, app_key = ?, secret_sealed = ?, update_time = ?, "
      "version = version + 1 WHERE id = ?",
      {a.name, a.remark, a.app_key, sealer_.seal(a.app_secret, secret_aad("app_secret", a.id)),
       I{a.update_time}, a.id});
}
bool Tx::delete_app(const std::string& id) {
  s_.execute("DELETE FROM app_codes WHERE app_id = ?", {id});
  s_.execute("DELETE FROM app_auths WHERE app_id = ?", {id});
  return s_.execute("DELETE FROM apps WHERE id = ?", {id}) > 0;
}
std::optional<core::App> Tx::app(const std::string& instance_id, const std::string& id) {
  return select_one(s_, kAppCols, " FROM apps WHERE id = ? AND instance_id = ?", {id, instance_id},
                    [&](const Row& r) { return app_from(r); });
}
std::optional<core::App> Tx::app_by_id(const std::string& id) {
  return select_one(s_, kAppCols, " FROM apps WHERE id = ?", {id},
                    [&](const Row& r) { return app_from(r); });
}
void Tx::use_bulk_cache() {
  if (!postgres()) s_.execute("PRAGMA cache_size = -262144");
}
std::optional<core::App> Tx::app_by_name(const std::string& instance_id, const std::string& name) {
  return select_one(s_, kAppCols, " FROM apps WHERE instance_id = ? AND name = ?",
                    {instance_id, name}, [&](const Row& r) { return app_from(r); });
}
std::optional<core::App> Tx::app_by_key(const std::string& instance_id,
                                        const std::string& app_key) {
  return select_one(s_, kAppCols, " FROM apps WHERE instance_id = ? AND app_key = ?",
                    {instance_id, app_key}, [&](const Row& r) { return app_from(r); });
}
core::Paged<core::App> Tx::apps(const std::string& instance_id, const AppFilter& f,
                                core::Page page) {
  std::vector<SqlValue> p{instance_id};
  std::string where = " FROM apps WHERE instance_id = ?" + app_where(f, p, postgres());
  return page_of<core::App>(s_, kAppCols, where, std::move(p), "register_time DESC, id", page,
                            [&](const Row& r) { return app_from(r); });
}
std::vector<core::App> Tx::apps_in_project(const std::string& project_id, const AppFilter& f) {
  std::vector<SqlValue> p{project_id};
  std::string where = " FROM apps WHERE project_id = ?" + app_where(f, p, postgres());
  return select_all(s_, kAppCols, where + " ORDER BY register_time, id", p,
                    [&](const Row& r) { return app_from(r); });
}
std::int64_t Tx::count_apps(const std::string& instance_id) {
  return count_of(s_, " FROM apps WHERE instance_id = ?", {instance_id});
}
std::int64_t Tx::count_apps_of_owner(const std::string& project_id, const std::string& owner) {
  return count_of(s_, " FROM apps WHERE project_id = ? AND owner_user_id = ?", {project_id, owner});
}
bool Tx::app_name_taken(const std::string& instance_id, const std::string& name,
                        const std::string& except_id) {
  return !s_.query("SELECT 1 FROM apps WHERE instance_id = ? AND name = ? AND id <> ?",
                   {instance_id, name, except_id})
              .empty();
}
bool Tx::app_key_taken(const std::string& instance_id, const std::string& key,
                       const std::string& except_id) {
  return !s_.query("SELECT 1 FROM apps WHERE instance_id = ? AND app_key = ? AND id <> ?",
                   {instance_id, key, except_id})
              .empty();
}
void Tx::lock_app(const std::string& id) {
  app_locked_ = true;
  if (postgres())  // see lock_instance
    s_.query("SELECT 1 FROM apps WHERE id = ? FOR UPDATE", {id});
  else
    s_.execute("UPDATE apps SET version = version + 1 WHERE id = ?", {id});
}
void Tx::lock_name(const std::string& name) {
  // hashtext() is stable for a given text; a collision only serialises two unrelated names.
  if (postgres()) s_.query("SELECT pg_advisory_xact_lock(hashtext(?))", {"gatehouse:" + name});
}

// ---------------------------------------------------------------- AppCodes
core::AppCode Tx::code_from(const Row& r) {
  core::AppCode c;
  c.id = r.text(0);
  c.app_id = r.text(1);
  c.instance_id = r.text(2);
  auto value = sealer_.open(r.text(3), secret_aad("app_code", c.id));
  if (!value) throw SqlError(SqlError::Kind::kOther, "sealed AppCode failed to open");
  c.value = std::move(*value);
  c.create_time = r.integer(4);
  return c;
}
namespace {
constexpr const char* kCodeCols = "id, app_id, instance_id, value_sealed, create_time";
}
Tx::SealedCode Tx::seal_app_code(const crypto::Sealer& sealer, const std::string& code_id,
                                 std::string_view value) {
  return {sealer.index_digest(value), sealer.seal(value, secret_aad("app_code", code_id))};
}
void Tx::insert_app_code(const core::AppCode& c) {
  insert_sealed_app_code(c, seal_app_code(sealer_, c.id, c.value));
}
void Tx::insert_sealed_app_code(const core::AppCode& c, const SealedCode& sealed) {
  s_.execute(
      "INSERT INTO app_codes(id, app_id, instance_id, digest, value_sealed, create_time) VALUES "
      "(?, ?, ?, ?, ?, ?)",
      {c.id, c.app_id, c.instance_id, sealed.digest_hex, sealed.value_sealed, I{c.create_time}});
}
bool Tx::app_code_digest_taken(const std::string& instance_id, const std::string& digest_hex) {
  return !s_.query("SELECT 1 FROM app_codes WHERE instance_id = ? AND digest = ?",
                   {instance_id, digest_hex})
              .empty();
}
bool Tx::app_has_code_digest(const std::string& app_id, const std::string& digest_hex) {
  return !s_.query("SELECT 1 FROM app_codes WHERE app_id = ? AND digest = ?", {app_id, digest_hex})
              .empty();
}
bool Tx::app_code_value_taken(const std::string& instance_id, const std::string& value) {
  return app_code_digest_taken(instance_id, sealer_.index_digest(value));
}
std::int64_t Tx::count_app_codes(const std::string& app_id) {
  return count_of(s_, " FROM app_codes WHERE app_id = ?", {app_id});
}
core::Paged<core::AppCode> Tx::app_codes(const std::string& app_id, core::Page page) {
  return page_of<core::AppCode>(s_, kCodeCols, " FROM app_codes WHERE app_id = ?", {app_id},
                                "create_time DESC, id", page,
                                [&](const Row& r) { return code_from(r); });
}
std::vector<core::AppCode> Tx::all_app_codes(const std::string& app_id) {
  return select_all(s_, kCodeCols, " FROM app_codes WHERE app_id = ? ORDER BY create_time, id",
                    {app_id}, [&](const Row& r) { return code_from(r); });
}
std::optional<core::AppCode> Tx::app_code(const std::string& app_id, const std::string& id) {
  return select_one(s_, kCodeCols, " FROM app_codes WHERE id = ? AND app_id = ?", {id, app_id},
                    [&](const Row& r) { return code_from(r); });
}
std::optional<core::AppCode> Tx::app_code_by_value(const std::string& app_id,
                                                   const std::string& value) {
  return select_one(s_, kCodeCols, " FROM app_codes WHERE app_id = ? AND digest = ?",
                    {app_id, sealer_.index_digest(value)},
                    [&](const Row& r) { return code_from(r); });
}
bool Tx::delete_app_code(const std::string& id) {
  return s_.execute("DELETE FROM app_codes WHERE id = ?", {id}) > 0;
}

// ---------------------------------------------------------------- audit, change log
void Tx::append_audit(const core::AuditEvent& e) {
  s_.execute(
      "INSERT INTO audit_events(time, project_id, user_id, user_name, action, target_type, "
      "target_id, result, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {I{e.time}, e.project_id, e.user_id, e.user_name, e.action, e.target_type, e.target_id,
       e.result, e.detail});
}
core::Paged<core::AuditEvent> Tx::audit(const std::string& project_id, core::Page page) {
  return page_of<core::AuditEvent>(
      s_,
      "seq, time, project_id, user_id, user_name, action, target_type, target_id, result, detail",
      " FROM audit_events WHERE project_id = ?", {project_id}, "seq DESC", page, [](const Row& r) {
        return core::AuditEvent{r.integer(0), r.integer(1), r.text(2), r.text(3), r.text(4),
                                r.text(5),    r.text(6),    r.text(7), r.text(8), r.text(9)};
      });
}
void Tx::record_change(const std::string& instance_id, const std::string& entity,
                       const std::string& entity_id, const std::string& op) {
  pending_.push_back({0, instance_id, entity, entity_id, op});
}
std::int64_t Tx::write_changes() {
  if (pending_.empty()) return 0;
  // PostgreSQL allocates BIGSERIAL values at insert, not at commit; holding this lock to commit
  // makes sequence order commit order, so a reader that saw seq N never later finds a smaller one.
  // (SQLite writers are serial already.) Taken here, at the end, it is always the last lock.
  if (postgres()) s_.query("SELECT pg_advisory_xact_lock(?)", {I{kChangeLogLockKey}});
  std::int64_t seq = 0;
  for (auto& c : pending_) {
    seq = s_.query(
                "INSERT INTO change_log(time, instance_id, entity, entity_id, op) VALUES (?, "
                "?, ?, ?, ?) RETURNING seq",
                {I{core::now_nanos()}, c.instance_id, c.entity, c.entity_id, c.op})[0]
              .integer(0);
    if (postgres())
      s_.query("SELECT pg_notify(?, ?)", {std::string(kChangeChannel), std::to_string(seq)});
  }
  pending_.clear();
  return seq;
}
std::vector<Change> Tx::changes_after(std::int64_t after, int limit) {
  std::vector<Change> out;
  for (auto& r : s_.query(
           "SELECT seq, instance_id, entity, entity_id, op FROM change_log WHERE seq > ? ORDER BY "
           "seq LIMIT ?",
           {I{after}, I{limit}}))
    out.push_back({r.integer(0), r.text(1), r.text(2), r.text(3), r.text(4)});
  return out;
}

}  // namespace gh::store
