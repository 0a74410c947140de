#include "store/migrations.hpp"

#include <stdexcept>
#include <string>

namespace gh::store {
namespace {

// Tables shared by both dialects; only identity columns differ.
#define GH_COMMON_TABLES                                                                         \
  "CREATE TABLE settings(name TEXT PRIMARY KEY, value TEXT NOT NULL)",                           \
      "CREATE TABLE domains(id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created BIGINT "     \
      "NOT NULL)",                                                                               \
      "CREATE TABLE projects(id TEXT PRIMARY KEY, domain_id TEXT NOT NULL REFERENCES "           \
      "domains(id), name TEXT NOT NULL, description TEXT NOT NULL, created BIGINT NOT NULL, "    \
      "UNIQUE(domain_id, name))",                                                                \
      "CREATE TABLE users(id TEXT PRIMARY KEY, domain_id TEXT NOT NULL REFERENCES domains(id), " \
      "name TEXT NOT NULL, password_hash TEXT NOT NULL, enabled INTEGER NOT NULL, "              \
      "domain_admin INTEGER NOT NULL, created BIGINT NOT NULL, password_changed BIGINT NOT "     \
      "NULL, failed_logins INTEGER NOT NULL DEFAULT 0, locked_until BIGINT NOT NULL DEFAULT "    \
      "0, UNIQUE(domain_id, name))",                                                             \
      "CREATE TABLE role_assignments(project_id TEXT NOT NULL REFERENCES projects(id) ON "       \
      "DELETE CASCADE, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, role "      \
      "TEXT NOT NULL, PRIMARY KEY(project_id, user_id, role))",                                  \
      "CREATE TABLE access_keys(access TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES "      \
      "users(id) ON DELETE CASCADE, secret_sealed TEXT NOT NULL, description TEXT NOT NULL, "    \
      "status TEXT NOT NULL, created BIGINT NOT NULL)",                                          \
      "CREATE TABLE instances(id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES "         \
      "projects(id), kind TEXT NOT NULL, name TEXT NOT NULL, created BIGINT NOT NULL, "          \
      "version BIGINT NOT NULL DEFAULT 0)",                                                      \
      "CREATE TABLE apps(id TEXT PRIMARY KEY, instance_id TEXT NOT NULL REFERENCES "             \
      "instances(id), project_id TEXT NOT NULL, name TEXT NOT NULL, remark TEXT NOT NULL, "      \
      "app_key TEXT NOT NULL, secret_sealed TEXT NOT NULL, creator TEXT NOT NULL, status "       \
      "INTEGER NOT NULL, app_type TEXT NOT NULL, roma_app_type TEXT NOT NULL, owner_user_id "    \
      "TEXT NOT NULL, workspace_id TEXT NOT NULL, register_time BIGINT NOT NULL, update_time "   \
      "BIGINT NOT NULL, version BIGINT NOT NULL DEFAULT 0, UNIQUE(instance_id, name), "          \
      "UNIQUE(instance_id, app_key))",                                                           \
      "CREATE INDEX apps_by_instance ON apps(instance_id, register_time)",                       \
      "CREATE TABLE app_codes(id TEXT PRIMARY KEY, app_id TEXT NOT NULL REFERENCES apps(id) "    \
      "ON DELETE CASCADE, instance_id TEXT NOT NULL, digest TEXT NOT NULL, value_sealed TEXT "   \
      "NOT NULL, create_time BIGINT NOT NULL, UNIQUE(instance_id, digest))",                     \
      "CREATE INDEX app_codes_by_app ON app_codes(app_id, create_time)"

// Version 2: the traffic side (docs/compatibility.md#traffic-endpoints): API groups, environments
// (the built-in RELEASE environment is not stored; its id is the constant
// DEFAULT_ENVIRONMENT_RELEASE_ID, which is why env_id columns carry no foreign key), environment
// variables, APIs (indexed columns plus the full definition as JSON), publication history with the
// published snapshot, the online pointer per (API, environment), and app authorizations per (API,
// app, environment).
#define GH_TRAFFIC_TABLES                                                                         \
  "CREATE TABLE api_groups(id TEXT PRIMARY KEY, instance_id TEXT NOT NULL REFERENCES "            \
  "instances(id), name TEXT NOT NULL, remark TEXT NOT NULL, is_default INTEGER NOT NULL, "        \
  "register_time BIGINT NOT NULL, update_time BIGINT NOT NULL, UNIQUE(instance_id, name))",       \
      "CREATE UNIQUE INDEX api_groups_one_default ON api_groups(instance_id) WHERE is_default = " \
      "1",                                                                                        \
      "CREATE TABLE environments(id TEXT PRIMARY KEY, instance_id TEXT NOT NULL REFERENCES "      \
      "instances(id), name TEXT NOT NULL, remark TEXT NOT NULL, create_time BIGINT NOT NULL, "    \
      "UNIQUE(instance_id, name))",                                                               \
      "CREATE TABLE env_variables(id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, group_id TEXT " \
      "NOT NULL REFERENCES api_groups(id) ON DELETE CASCADE, env_id TEXT NOT NULL, name TEXT "    \
      "NOT NULL, value TEXT NOT NULL, create_time BIGINT NOT NULL, UNIQUE(group_id, env_id, "     \
      "name))",                                                                                   \
      "CREATE INDEX env_variables_by_instance ON env_variables(instance_id, env_id)",             \
      "CREATE TABLE apis(id TEXT PRIMARY KEY, instance_id TEXT NOT NULL REFERENCES "              \
      "instances(id), group_id TEXT NOT NULL REFERENCES api_groups(id), name TEXT NOT NULL, "     \
      "type INTEGER NOT NULL, req_protocol TEXT NOT NULL, req_method TEXT NOT NULL, req_uri "     \
      "TEXT NOT NULL, route_key TEXT NOT NULL, auth_type TEXT NOT NULL, spec_json TEXT NOT "      \
      "NULL, register_time BIGINT NOT NULL, update_time BIGINT NOT NULL, UNIQUE(group_id, "       \
      "name), UNIQUE(group_id, req_method, route_key))",                                          \
      "CREATE INDEX apis_by_instance ON apis(instance_id, register_time)",                        \
      "CREATE TABLE publications(publish_id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, api_id " \
      "TEXT NOT NULL REFERENCES apis(id) ON DELETE CASCADE, env_id TEXT NOT NULL, version_id "    \
      "TEXT NOT NULL UNIQUE, remark TEXT NOT NULL, publish_time BIGINT NOT NULL, spec_json TEXT " \
      "NOT NULL)",                                                                                \
      "CREATE INDEX publications_by_api_env ON publications(api_id, env_id, publish_time)",       \
      "CREATE TABLE api_online(api_id TEXT NOT NULL REFERENCES apis(id) ON DELETE CASCADE, "      \
      "env_id TEXT NOT NULL, instance_id TEXT NOT NULL, publish_id TEXT NOT NULL, PRIMARY "       \
      "KEY(api_id, env_id))",                                                                     \
      "CREATE INDEX api_online_by_env ON api_online(instance_id, env_id)",                        \
      "CREATE TABLE app_auths(id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, api_id TEXT NOT "   \
      "NULL REFERENCES apis(id) ON DELETE CASCADE, app_id TEXT NOT NULL REFERENCES apps(id) ON "  \
      "DELETE CASCADE, env_id TEXT NOT NULL, auth_time BIGINT NOT NULL, UNIQUE(api_id, app_id, "  \
      "env_id))",                                                                                 \
      "CREATE INDEX app_auths_by_app ON app_auths(app_id)",                                       \
      "CREATE INDEX app_auths_by_instance ON app_auths(instance_id, env_id)"

// Version 3: traffic governance (docs/compatibility.md#throttling, #app-quotas): throttling
// policies, their special limits (an APP special goes with its app: app_id is the cascade key,
// NULL for USER) and bindings to (API, environment) — one per pair —, app quotas and their
// bindings, one quota per app (the primary key, so concurrent binders cannot both win). Bindings
// of an environment are deleted with it by TrafficTx::delete_env (env ids carry no foreign key).
#define GH_LIMIT_TABLES                                                                           \
  "CREATE TABLE throttles(id TEXT PRIMARY KEY, instance_id TEXT NOT NULL REFERENCES "             \
  "instances(id), name TEXT NOT NULL, api_call_limits BIGINT NOT NULL, user_call_limits BIGINT "  \
  "NOT NULL, app_call_limits BIGINT NOT NULL, ip_call_limits BIGINT NOT NULL, time_interval "     \
  "BIGINT NOT NULL, time_unit TEXT NOT NULL, remark TEXT NOT NULL, type INTEGER NOT NULL, "       \
  "enable_adaptive_control TEXT NOT NULL, create_time BIGINT NOT NULL, UNIQUE(instance_id, "      \
  "name))",                                                                                       \
      "CREATE INDEX throttles_by_instance ON throttles(instance_id, create_time)",                \
      "CREATE TABLE throttle_specials(id TEXT PRIMARY KEY, throttle_id TEXT NOT NULL REFERENCES " \
      "throttles(id) ON DELETE CASCADE, instance_id TEXT NOT NULL, object_type TEXT NOT NULL, "   \
      "object_id TEXT NOT NULL, app_id TEXT REFERENCES apps(id) ON DELETE CASCADE, call_limits "  \
      "BIGINT NOT NULL, apply_time BIGINT NOT NULL, UNIQUE(throttle_id, object_type, "            \
      "object_id))",                                                                              \
      "CREATE INDEX throttle_specials_by_app ON throttle_specials(app_id)",                       \
      "CREATE TABLE throttle_bindings(id TEXT PRIMARY KEY, throttle_id TEXT NOT NULL REFERENCES " \
      "throttles(id) ON DELETE CASCADE, instance_id TEXT NOT NULL, api_id TEXT NOT NULL "         \
      "REFERENCES apis(id) ON DELETE CASCADE, env_id TEXT NOT NULL, publish_id TEXT NOT NULL, "   \
      "apply_time BIGINT NOT NULL, UNIQUE(api_id, env_id))",                                      \
      "CREATE INDEX throttle_bindings_by_throttle ON throttle_bindings(throttle_id)",             \
      "CREATE INDEX throttle_bindings_by_instance ON throttle_bindings(instance_id, env_id)",     \
      "CREATE TABLE app_quotas(id TEXT PRIMARY KEY, instance_id TEXT NOT NULL REFERENCES "        \
      "instances(id), name TEXT NOT NULL, call_limits BIGINT NOT NULL, time_interval BIGINT NOT " \
      "NULL, time_unit TEXT NOT NULL, reset_time BIGINT, remark TEXT NOT NULL, create_time "      \
      "BIGINT NOT NULL, UNIQUE(instance_id, name))",                                              \
      "CREATE TABLE app_quota_bindings(app_id TEXT PRIMARY KEY REFERENCES apps(id) ON DELETE "    \
      "CASCADE, quota_id TEXT NOT NULL REFERENCES app_quotas(id) ON DELETE CASCADE, instance_id " \
      "TEXT NOT NULL, bound_time BIGINT NOT NULL)",                                               \
      "CREATE INDEX app_quota_bindings_by_quota ON app_quota_bindings(quota_id, bound_time)"

// Version 4: access control (docs/compatibility.md#acls): API access-control policies, their
// bindings per (API, environment, entity type) — docs/compatibility.md#acl-one-per-type — and one
// ACL per app. A binding goes with its API (and its environment, TrafficTx::delete_env); an app's
// ACL with its app; a policy with bindings is refused by the service (APIG.3447), which the
// foreign key backs. (Version 3 is the throttling policies'.)
#define GH_ACL_TABLES                                                                              \
  "CREATE TABLE acls(id TEXT PRIMARY KEY, instance_id TEXT NOT NULL REFERENCES instances(id), "    \
  "name TEXT NOT NULL, acl_type TEXT NOT NULL, entity_type TEXT NOT NULL, acl_value TEXT NOT "     \
  "NULL, create_time BIGINT NOT NULL, update_time BIGINT NOT NULL, UNIQUE(instance_id, name))",    \
      "CREATE TABLE acl_bindings(id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, acl_id TEXT NOT " \
      "NULL REFERENCES acls(id), api_id TEXT NOT NULL REFERENCES apis(id) ON DELETE CASCADE, "     \
      "env_id TEXT NOT NULL, entity_type TEXT NOT NULL, publish_id TEXT NOT NULL, create_time "    \
      "BIGINT NOT NULL, UNIQUE(api_id, env_id, entity_type))",                                     \
      "CREATE INDEX acl_bindings_by_acl ON acl_bindings(acl_id)",                                  \
      "CREATE INDEX acl_bindings_by_instance ON acl_bindings(instance_id, env_id)",                \
      "CREATE TABLE app_acls(app_id TEXT PRIMARY KEY REFERENCES apps(id) ON DELETE CASCADE, "      \
      "instance_id TEXT NOT NULL, acl_type TEXT NOT NULL, acl_values TEXT NOT NULL, update_time "  \
      "BIGINT NOT NULL)",                                                                          \
      "CREATE INDEX app_acls_by_instance ON app_acls(instance_id)"

// Version 5: cluster-wide throttling counters (docs/operations.md#throttling-cluster): one row per
// (counter key, window) with every node's part, and the live nodes' heartbeats. Only PostgreSQL
// nodes use them (a SQLite store has one node, which counts in memory); SQLite gets the same
// tables so that both stores keep one schema history.
#define GH_COUNTER_TABLES                                                                        \
  "CREATE TABLE rate_counters(key BIGINT NOT NULL, win BIGINT NOT NULL, count BIGINT NOT NULL, " \
  "granted BIGINT NOT NULL, expires BIGINT NOT NULL, PRIMARY KEY(key, win))",                    \
      "CREATE INDEX rate_counters_by_expiry ON rate_counters(expires)",                          \
      "CREATE TABLE cluster_nodes(id TEXT PRIMARY KEY, seen BIGINT NOT NULL)"

const std::vector<Migration> kMigrations = {
    {1,
     "identity, instances, apps, AppCodes, audit trail, change log",
     {GH_COMMON_TABLES,
      "CREATE TABLE audit_events(seq INTEGER PRIMARY KEY AUTOINCREMENT, time BIGINT NOT NULL, "
      "project_id TEXT NOT NULL, user_id TEXT NOT NULL, user_name TEXT NOT NULL, action TEXT NOT "
      "NULL, target_type TEXT NOT NULL, target_id TEXT NOT NULL, result TEXT NOT NULL, detail "
      "TEXT NOT NULL)",
      "CREATE TABLE change_log(seq INTEGER PRIMARY KEY AUTOINCREMENT, time BIGINT NOT NULL, "
      "instance_id TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL, op TEXT NOT "
      "NULL)"},
     {GH_COMMON_TABLES,
      "CREATE TABLE audit_events(seq BIGSERIAL PRIMARY KEY, time BIGINT NOT NULL, project_id "
      "TEXT NOT NULL, user_id TEXT NOT NULL, user_name TEXT NOT NULL, action TEXT NOT NULL, "
      "target_type TEXT NOT NULL, target_id TEXT NOT NULL, result TEXT NOT NULL, detail TEXT NOT "
      "NULL)",
      "CREATE TABLE change_log(seq BIGSERIAL PRIMARY KEY, time BIGINT NOT NULL, instance_id TEXT "
      "NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL, op TEXT NOT NULL)"}},
    {2,
     "API groups, environments, variables, APIs, publications, app authorizations",
     {GH_TRAFFIC_TABLES},
     {GH_TRAFFIC_TABLES}},
    {3,
     "throttling policies, special limits, throttle bindings, app quotas and their bindings",
     {GH_LIMIT_TABLES},
     {GH_LIMIT_TABLES}},
    {4, "access-control policies, their bindings, app ACLs", {GH_ACL_TABLES}, {GH_ACL_TABLES}},
    {5,
     "cluster throttling counters and node heartbeats",
     {GH_COUNTER_TABLES},
     {GH_COUNTER_TABLES}},
};
#undef GH_COMMON_TABLES
#undef GH_TRAFFIC_TABLES
#undef GH_LIMIT_TABLES
#undef GH_ACL_TABLES
#undef GH_COUNTER_TABLES

// pg_advisory_xact_lock key held while migrating ("GHMIGRAT" in ASCII).
constexpr std::int64_t kMigrationLockKey = 0x47484d4947524154;

}  // namespace

const std::vector<Migration>& migrations() {
  return kMigrations;
}

int migrate(SqlBackend& backend) {
  bool postgres = backend.dialect() == "postgresql";
  int current = 0;
  // PostgreSQL: nodes starting together migrate one after another (the lock is released at the
  // end of each transaction). SQLite: BEGIN IMMEDIATE serialises already.
  auto serialise = [&](SqlSession& s) {
    if (postgres) s.query("SELECT pg_advisory_xact_lock(?)", {kMigrationLockKey});
  };
  backend.transact(TxMode::kWrite, [&](SqlSession& s) {
    serialise(s);
    s.execute("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)");
    auto rows = s.query("SELECT version FROM schema_version");
    if (rows.empty()) {
      s.execute("INSERT INTO schema_version(version) VALUES (0)");
    } else {
      current = static_cast<int>(rows[0].integer(0));
    }
    return true;
  });
  int latest = kMigrations.empty() ? 0 : kMigrations.back().version;
  if (current > latest)
    throw SqlError(SqlError::Kind::kOther, "store schema version " + std::to_string(current) +
                                               " is newer than this binary supports (" +
                                               std::to_string(latest) + ")");
  for (const auto& m : kMigrations) {
    if (m.version <= current) continue;
    backend.transact(TxMode::kWrite, [&](SqlSession& s) {
      serialise(s);
      // Re-check under the write lock: another node may have migrated meanwhile.
      if (s.query("SELECT version FROM schema_version")[0].integer(0) >= m.version) return true;
      for (auto sql : postgres ? m.postgres_sql : m.sqlite_sql) s.execute(sql);
      s.execute("UPDATE schema_version SET version = ?", {std::int64_t{m.version}});
      return true;
    });
    current = m.version;
  }
  return current;
}

}  // namespace gh::store
