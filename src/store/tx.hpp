#pragma once
// Typed operations inside one store transaction. Secrets are sealed on the way in and opened on the
// way out (aad binds each sealed value to its row); secret values are found by keyed digest only.
// A Tx never outlives the Store::read/write call that created it.
#include <optional>
#include <string>
#include <vector>

#include "core/api_model.hpp"
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
// An AppCode as the data plane indexes it: the keyed digest of its value, never the value.
struct CodeDigest {
  std::string app_id, digest_hex;
};
// ---- traffic side (docs/compatibility.md#traffic-endpoints)
struct NameFilter {
  std::string id, name;
  bool precise_name = false;
};
struct EnvVariableFilter {
  std::string group_id, env_id, name;
  bool precise_name = false;
};
struct ApiFilter {
  std::string id, name, group_id, req_protocol, req_method, req_uri, auth_type;
  std::optional<int> type;
  std::string env_id;  // only APIs online in this environment
  bool precise_name = false;
};
struct AppAuthFilter {
  std::string app_id, api_id, env_id;
};
// An API definition as published in one environment: the snapshot taken at publication, with the
// publication that put it online.
struct PublishedApi {
  core::ApiSpec spec;
  std::string env_id, publish_id, version_id;
  core::Nanos publish_time = 0;
};
// Where an API is online: one entry per environment.
struct OnlineEntry {
  std::string env_id, publish_id;
  core::Nanos publish_time = 0;
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
  // Counts one failed login in one statement (UPDATE … RETURNING), so concurrent failures on any
  // node all count. The failure that brings the count to `threshold` locks the user until
  // `lock_until` and restarts the count at 0. Returns the state after the update.
  UserSecurity record_failed_login(const std::string& id, int threshold, core::Nanos lock_until);
  // Restarts the failure count after a successful login; a lock stays until it expires.
  void clear_failed_logins(const std::string& id);
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
  //
  // Lock order, the same in every transaction (PostgreSQL would otherwise deadlock two writers
  // that take the same locks the other way round):
  //   1. instance (lock_instance),  2. app (lock_app),  3. change log (write_changes, at commit).
  // The change-log lock comes last by construction: record_change only remembers the change.
  // lock_instance after lock_app in one transaction fails the transaction (500, logged) on both
  // stores, so the SQLite tests find such a bug too.
  void lock_instance(const std::string& id);

  // ---- apps
  void insert_app(const core::App& a);
  void update_app(const core::App& a);     // name, remark, key, secret, update_time
  bool delete_app(const std::string& id);  // cascades AppCodes
  std::optional<core::App> app(const std::string& instance_id, const std::string& id);
  std::optional<core::App> app_by_id(const std::string& id);
  std::optional<core::App> app_by_name(const std::string& instance_id, const std::string& name);
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
  // An AppCode value as stored: its keyed digest (hex) and the value sealed under its id. Pure
  // computation (any thread), so bulk writers can do it before their transaction.
  struct SealedCode {
    std::string digest_hex, value_sealed;
  };
  static SealedCode seal_app_code(const crypto::Sealer& sealer, const std::string& code_id,
                                  std::string_view value);
  // insert_app_code with the sealing done already (`sealed` = seal_app_code(sealer, c.id,
  // c.value); c.value itself is not used).
  void insert_sealed_app_code(const core::AppCode& c, const SealedCode& sealed);
  bool app_code_digest_taken(const std::string& instance_id, const std::string& digest_hex);
  bool app_has_code_digest(const std::string& app_id, const std::string& digest_hex);
  bool app_code_value_taken(const std::string& instance_id, const std::string& value);
  std::int64_t count_app_codes(const std::string& app_id);
  core::Paged<core::AppCode> app_codes(const std::string& app_id, core::Page page);
  std::vector<core::AppCode> all_app_codes(const std::string& app_id);  // oldest first
  std::optional<core::AppCode> app_code(const std::string& app_id, const std::string& id);
  std::optional<core::AppCode> app_code_by_value(const std::string& app_id,
                                                 const std::string& value);
  bool delete_app_code(const std::string& id);

  // ==== traffic side (store/tx_traffic.cpp). Entities are scoped by instance; lookups by id take
  // the instance id so that one tenant can never address another's rows.

  // ---- API groups. Every instance has exactly one DEFAULT group (is_default), created with the
  // instance (insert_instance) or by ensure_default_group for instances older than schema 2.
  void insert_group(const core::ApiGroup& g);  // throws SqlError kUnique on a duplicate name
  void update_group(const core::ApiGroup& g);  // name, remark, update_time
  bool delete_group(const std::string& id);    // and its environment variables
  std::optional<core::ApiGroup> group(const std::string& instance_id, const std::string& id);
  core::Paged<core::ApiGroup> groups(const std::string& instance_id, const NameFilter& f,
                                     core::Page page);  // DEFAULT first, then newest first
  std::int64_t count_groups(const std::string& instance_id);
  bool group_name_taken(const std::string& instance_id, const std::string& name,
                        const std::string& except_id);
  // Creates the DEFAULT group if the instance has none; returns whether it did.
  bool ensure_default_group(const core::Instance& instance);
  // ensure_default_group for every instance of the store; returns how many groups it created.
  int ensure_default_groups();

  // ---- environments. RELEASE (id core::kReleaseEnvId) is built in: never stored, always listed.
  void insert_env(const core::Environment& e);  // throws SqlError kUnique on a duplicate name
  void update_env(const core::Environment& e);  // name, remark
  // Deletes the environment with its variables, authorizations and publication history.
  bool delete_env(const std::string& instance_id, const std::string& id);
  std::optional<core::Environment> env(const std::string& instance_id, const std::string& id);
  core::Paged<core::Environment> envs(const std::string& instance_id, const NameFilter& f,
                                      core::Page page);     // RELEASE first
  std::int64_t count_envs(const std::string& instance_id);  // including RELEASE
  bool env_name_taken(const std::string& instance_id, const std::string& name,
                      const std::string& except_id);  // "RELEASE" is always taken

  // ---- environment variables
  void insert_env_variable(const core::EnvVariable& v);  // kUnique on (group, env, name)
  void update_env_variable(const core::EnvVariable& v);  // value
  bool delete_env_variable(const std::string& id);
  std::optional<core::EnvVariable> env_variable(const std::string& instance_id,
                                                const std::string& id);
  core::Paged<core::EnvVariable> env_variables(const std::string& instance_id,
                                               const EnvVariableFilter& f, core::Page page);
  bool env_variable_taken(const std::string& group_id, const std::string& env_id,
                          const std::string& name);

  // ---- APIs. `route_key` is the request path with parameter names erased ("/a/{}/b"); together
  // with the group and method it is unique.
  void insert_api(const core::ApiSpec& a, const std::string& route_key);
  void update_api(const core::ApiSpec& a, const std::string& route_key);
  bool delete_api(const std::string& id);  // with its authorizations and publication history
  std::optional<core::ApiSpec> api(const std::string& instance_id, const std::string& id);
  core::Paged<core::ApiSpec> apis(const std::string& instance_id, const ApiFilter& f,
                                  core::Page page);  // newest first
  std::vector<core::ApiSpec> apis_of_group(const std::string& group_id);
  std::int64_t count_apis_in_group(const std::string& group_id);
  bool api_name_taken(const std::string& group_id, const std::string& name,
                      const std::string& except_id);
  bool api_route_taken(const std::string& group_id, const std::string& method,
                       const std::string& route_key, const std::string& except_id);

  // ---- publications: history per (API, environment) and the online pointer
  void insert_publication(const std::string& instance_id, const core::Publication& p);
  // Points (api, env) at publication `publish_id` (replacing an earlier online version).
  void set_online(const std::string& instance_id, const std::string& api_id,
                  const std::string& env_id, const std::string& publish_id);
  bool set_offline(const std::string& api_id, const std::string& env_id);
  std::vector<OnlineEntry> online_envs(const std::string& api_id);  // oldest publication first
  std::optional<core::Publication> online_publication(const std::string& api_id,
                                                      const std::string& env_id);
  std::vector<core::Publication> publication_history(const std::string& api_id,
                                                     const std::string& env_id);  // newest first
  // Deletes the oldest history entries of (api, env) beyond `keep`, never the online one.
  void trim_publications(const std::string& api_id, const std::string& env_id, std::size_t keep);
  std::int64_t count_online_in_env(const std::string& instance_id, const std::string& env_id);

  // ---- app authorizations (per API, app and environment)
  void insert_app_auth(const core::AppAuth& a);  // throws SqlError kUnique on a duplicate relation
  bool delete_app_auth(const std::string& id);
  std::optional<core::AppAuth> app_auth(const std::string& instance_id, const std::string& id);
  bool app_auth_exists(const std::string& api_id, const std::string& app_id,
                       const std::string& env_id);
  std::vector<core::AppAuth> app_auths_where(const std::string& instance_id,
                                             const AppAuthFilter& f);  // newest first
  // Deletes every authorization of the app / API; returns the deleted ids (for the change log).
  std::vector<std::string> delete_app_auths_of_app(const std::string& app_id);
  std::vector<std::string> delete_app_auths_of_api(const std::string& api_id);
  std::int64_t count_bound_apis(const std::string& app_id);  // distinct APIs authorized
  // Distinct APIs authorized per app of the instance (apps without any are absent).
  std::vector<std::pair<std::string, std::int64_t>> bound_api_counts(
      const std::string& instance_id);

  // ---- snapshot reads for the data plane (one consistent read transaction)
  std::vector<core::ApiGroup> groups_of_instance(const std::string& instance_id);
  std::vector<core::Environment> environments(const std::string& instance_id);  // incl. RELEASE
  std::vector<core::EnvVariable> env_variables(const std::string& instance_id);
  // The definition as published (snapshot), one per online (API, environment).
  std::vector<PublishedApi> published_apis(const std::string& instance_id);
  std::vector<core::AppAuth> app_auths(const std::string& instance_id);

  // ---- audit trail and change log
  void append_audit(const core::AuditEvent& e);
  core::Paged<core::AuditEvent> audit(const std::string& project_id, core::Page page);
  // Records that an entity changed, for data-plane deltas and other nodes. The row is written
  // by write_changes(), which Store::write calls once the callback succeeded, just before commit;
  // a rolled-back transaction records nothing. Sequences grow in commit order: on PostgreSQL
  // write_changes takes a transaction-scoped lock (so change-recording writers commit one after
  // another) and sends NOTIFY gatehouse_changes with each sequence as payload, delivered when
  // (and only if) the transaction commits.
  void record_change(const std::string& instance_id, const std::string& entity,
                     const std::string& entity_id, const std::string& op);
  bool has_pending_changes() const { return !pending_.empty(); }
  // Writes the recorded changes (see record_change); returns the last sequence written, 0 if none.
  std::int64_t write_changes();
  // Changes with seq > `after`, oldest first, at most `limit`.
  std::vector<Change> changes_after(std::int64_t after, int limit);

  // ---- data-plane loading (gateway snapshot; tx_dataplane.cpp)
  std::vector<core::Instance> all_instances();                              // oldest first
  std::vector<core::App> apps_of_instance(const std::string& instance_id);  // secrets opened
  std::vector<CodeDigest> code_digests_of_instance(const std::string& instance_id);
  std::vector<std::string> code_digests_of_app(const std::string& app_id);  // hex
  std::int64_t last_change_seq();
  // Whole-store scans for the gateway's start, streamed (no row is materialised), in no
  // particular order. Apps come with the AppSecret still sealed: open it with open_app_secret
  // (any thread). Codes come as (app id, keyed digest in hex).
  void for_each_gateway_app(
      const std::function<void(std::string_view id, std::string_view instance_id,
                               std::string_view app_key, std::string_view secret_sealed)>& fn);
  std::int64_t count_all_app_codes();
  // The instance's authorizations in no particular order (app_auths() sorts them).
  std::vector<core::AppAuth> app_auths_unordered(const std::string& instance_id);
  // The same, streamed: only what the gateway's authorization check needs, no row materialised.
  void for_each_app_auth(const std::string& instance_id,
                         const std::function<void(std::string_view api_id, std::string_view app_id,
                                                  std::string_view env_id)>& fn);
  void for_each_code_digest(
      const std::function<void(std::string_view app_id, std::string_view digest_hex)>& fn);
  static std::optional<std::string> open_app_secret(const crypto::Sealer& sealer,
                                                    std::string_view app_id,
                                                    std::string_view secret_sealed);

  // Bulk writers (gatehouse import): SQLite keeps up to 256 MiB of pages of this connection in
  // memory instead of its 2 MiB default, so index lookups and inserts into a large store do not
  // go to the file for every page. No-op on PostgreSQL.
  void use_bulk_cache();

  SqlSession& session() { return s_; }
  bool postgres() const { return s_.dialect() == "postgresql"; }

 private:
  core::App app_from(const Row& r);
  core::AppCode code_from(const Row& r);
  std::vector<std::string> delete_app_auths(const char* column, const std::string& value);
  SqlSession& s_;
  const crypto::Sealer& sealer_;
  std::vector<Change> pending_;  // record_change, written by write_changes
  bool app_locked_ = false;      // lock order check (lock_instance)
};

}  // namespace gh::store
