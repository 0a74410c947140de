#pragma once
// Typed operations inside one store transaction. Secrets are sealed on the way in and opened on the
// way out (aad binds each sealed value to its row); secret values are found by keyed digest only.
// A Tx never outlives the Store::read/write call that created it.
#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "crypto/sealer.hpp"
#include "store/sql.hpp"

namespace gh::store {

// PostgreSQL NOTIFY channel of record_change (payload: the change's sequence, decimal).
inline constexpr std::string_view kChangeChannel = "gatehouse_changes";

struct AppFilter {
  std::string id, name, app_key, creator, owner_user_id;
  std::optional<int> status;
  bool precise_name = false;
  std::string app_type;  // "" = any
};

// One change_log row: entity (e.g. "app", "app_code") `entity_id` in `instance_id` had `op`
// ("create" | "update" | "delete").
struct Change {
  std::int64_t seq = 0;
  std::string instance_id, entity, entity_id, op;
};

struct UserSecurity {
  int failed_logins = 0;
  core::Nanos locked_until = 0;
};

class Tx {
 public:
  Tx(SqlSession& s, const crypto::Sealer& sealer) : s_(s), sealer_(sealer) {}

  // ---- settings (bootstrap state, node-wide values)
  std::optional<std::string> setting(const std::string& name);
  void put_setting(const std::string& name, const std::string& value);

  // ---- domains, projects
  void insert_domain(const core::Domain& d);
  std::optional<core::Domain> domain_by_id(const std::string& id);
  std::optional<core::Domain> domain_by_name(const std::string& name);
  void insert_project(const core::Project& p);
  std::optional<core::Project> project_by_id(const std::string& id);
  std::vector<core::Project> projects(const std::string& domain_id, const std::string& name = {});

  // ---- users, roles
  void insert_user(const core::User& u);
  std::optional<core::User> user_by_id(const std::string& id);
  std::optional<core::User> user_by_name(const std::string& domain_id, const std::string& name);
  std::vector<core::User> users(const std::string& domain_id);
  bool delete_user(const std::string& id);
  UserSecurity user_security(const std::string& id);
  void set_user_security(const std::string& id, const UserSecurity& s);
  void grant_role(const std::string& project_id, const std::string& user_id,
                  const std::string& role);
  bool revoke_role(const std::string& project_id, const std::string& user_id,
                   const std::string& role);
  std::vector<std::string> roles_of(const std::string& project_id, const std::string& user_id);

  // ---- access keys (AK/SK)
  void insert_access_key(const core::AccessKey& k);
  std::optional<core::AccessKey> access_key(const std::string& access);
  std::vector<core::AccessKey> access_keys(const std::string& user_id);
  bool delete_access_key(const std::string& access);

  // ---- instances
  void insert_instance(const core::Instance& i);
  std::optional<core::Instance> instance(const std::string& id);
  std::vector<core::Instance> instances(const std::string& project_id);
  // Takes the instance's write lock (row lock on PostgreSQL; SQLite writers are serial anyway).
  void lock_instance(const std::string& id);

  // ---- apps
  void insert_app(const core::App& a);
  void update_app(const core::App& a);     // name, remark, key, secret, update_time
  bool delete_app(const std::string& id);  // cascades AppCodes
  std::optional<core::App> app(const std::string& instance_id, const std::string& id);
  std::optional<core::App> app_by_id(const std::string& id);
  std::optional<core::App> app_by_key(const std::string& instance_id, const std::string& app_key);
  core::Paged<core::App> apps(const std::string& instance_id, const AppFilter& f, core::Page page);
  std::vector<core::App> apps_in_project(const std::string& project_id, const AppFilter& f);
  std::int64_t count_apps(const std::string& instance_id);
  std::int64_t count_apps_of_owner(const std::string& project_id, const std::string& owner);
  bool app_name_taken(const std::string& instance_id, const std::string& name,
                      const std::string& except_id);
  bool app_key_taken(const std::string& instance_id, const std::string& key,
                     const std::string& except_id);
  // Takes the app's write lock (see lock_instance): AppService::add_code_in holds it while it
  // counts the app's AppCodes, so the per-app limit holds with writers on several nodes.
  void lock_app(const std::string& id);
  // A transaction-scoped lock on an arbitrary name (pg_advisory_xact_lock; no-op on SQLite, whose
  // writers are serial). For one-off work such as bootstrapping that has no row to lock yet.
  void lock_name(const std::string& name);

  // ---- AppCodes
  void insert_app_code(const core::AppCode& c);  // throws SqlError kUnique on a duplicate value
  bool app_code_value_taken(const std::string& instance_id, const std::string& value);
  std::int64_t count_app_codes(const std::string& app_id);
  core::Paged<core::AppCode> app_codes(const std::string& app_id, core::Page page);
  std::vector<core::AppCode> all_app_codes(const std::string& app_id);  // oldest first
  std::optional<core::AppCode> app_code(const std::string& app_id, const std::string& id);
  std::optional<core::AppCode> app_code_by_value(const std::string& app_id,
                                                 const std::string& value);
  bool delete_app_code(const std::string& id);

  // ---- audit trail and change log
  void append_audit(const core::AuditEvent& e);
  core::Paged<core::AuditEvent> audit(const std::string& project_id, core::Page page);
  // Records that an entity changed, for data-plane deltas and other nodes. Returns its sequence.
  // Sequences grow in commit order: on PostgreSQL record_change takes a transaction-scoped lock
  // (so change-recording writers commit one after another) and sends NOTIFY gatehouse_changes
  // with the sequence as payload, delivered when (and only if) the transaction commits.
  std::int64_t record_change(const std::string& instance_id, const std::string& entity,
                             const std::string& entity_id, const std::string& op);
  // Changes with seq > `after`, oldest first, at most `limit`.
  std::vector<Change> changes_after(std::int64_t after, int limit);

  SqlSession& session() { return s_; }
  bool postgres() const { return s_.dialect() == "postgresql"; }

 private:
  core::App app_from(const Row& r);
  core::AppCode code_from(const Row& r);
  SqlSession& s_;
  const crypto::Sealer& sealer_;
};

}  // namespace gh::store
