// Typed store operations of the traffic side (docs/compatibility.md#traffic-endpoints): API groups,
// environments, environment variables, APIs, publications and app authorizations, and their part of
// the data plane's snapshot. See store/tx_traffic.hpp.
#include "store/tx_traffic.hpp"

#include <algorithm>

#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "store/query_parts.hpp"
#include "store/spec_json.hpp"

namespace gh::store {
namespace {
using I = std::int64_t;

constexpr const char* kGroupsOfInstance = " FROM api_groups WHERE instance_id = ?";
constexpr const char* kAuthsOfInstance = " FROM app_auths WHERE instance_id = ?";
constexpr const char* kGroupCols =
    "id, instance_id, name, remark, is_default, register_time, update_time";
core::ApiGroup group_from(const Row& r) {
  core::ApiGroup g;
  g.id = r.text(0);
  g.instance_id = r.text(1);
  g.name = r.text(2);
  g.remark = r.text(3);
  g.is_default = r.integer(4) != 0;
  g.register_time = r.integer(5);
  g.update_time = r.integer(6);
  return g;
}

constexpr const char* kEnvCols = "id, instance_id, name, remark, create_time";
core::Environment env_from(const Row& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), r.integer(4)};
}

constexpr const char* kVarCols = "id, instance_id, group_id, env_id, name, value";
core::EnvVariable var_from(const Row& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5)};
}

constexpr const char* kApiCols = "id, spec_json";
core::ApiSpec api_from(const Row& r) {
  auto spec = spec_from_json(r.text(1));
  if (!spec) throw SqlError(SqlError::Kind::kOther, "stored API definition is unreadable");
  spec->id = r.text(0);
  return std::move(*spec);
}

constexpr const char* kPubCols =
    "publish_id, api_id, env_id, version_id, remark, publish_time, spec_json";
core::Publication pub_from(const Row& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.integer(5), r.text(6)};
}

constexpr const char* kAuthCols = "id, instance_id, api_id, app_id, env_id, auth_time";
core::AppAuth auth_from(const Row& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.integer(5)};
}

}  // namespace

std::optional<core::Environment> TrafficTx::release_env(const std::string& instance_id) {
  return select_one(s_, "created", kInstanceById, {instance_id}, [&](const Row& r) {
    return core::Environment{core::kReleaseEnvId, instance_id, core::kReleaseEnvName,
                             "Production environment (built in)", r.integer(0)};
  });
}

// ---------------------------------------------------------------- groups
void TrafficTx::insert_group(const core::ApiGroup& g) {
  s_.execute(std::string("INSERT INTO api_groups(") + kGroupCols + ") VALUES (?, ?, ?, ?, ?, ?, ?)",
             {g.id, g.instance_id, g.name, g.remark, I{g.is_default}, I{g.register_time},
              I{g.update_time}});
}
void TrafficTx::update_group(const core::ApiGroup& g) {
  s_.execute("UPDATE api_groups SET name = ?, remark = ?, update_time = ? WHERE id = ?",
             {g.name, g.remark, I{g.update_time}, g.id});
}
bool TrafficTx::delete_group(const std::string& id) {
  s_.execute("DELETE FROM env_variables WHERE group_id = ?", {id});
  return s_.execute("DELETE FROM api_groups WHERE id = ?", {id}) > 0;
}
std::optional<core::ApiGroup> TrafficTx::group(const std::string& instance_id,
                                               const std::string& id) {
  return select_one(s_, kGroupCols, " FROM api_groups WHERE id = ? AND instance_id = ?",
                    {id, instance_id}, group_from);
}
core::Paged<core::ApiGroup> TrafficTx::groups(const std::string& instance_id, const NameFilter& f,
                                              core::Page page) {
  std::vector<SqlValue> p{instance_id};
  std::string where = kGroupsOfInstance;
  add_eq(where, p, "id", f.id);
  add_name(where, p, "name", f.name, f.precise_name, postgres());
  return page_of<core::ApiGroup>(s_, kGroupCols, where, std::move(p),
                                 "is_default DESC, register_time DESC, id", page, group_from);
}
std::int64_t TrafficTx::count_groups(const std::string& instance_id) {
  return count_of(s_, kGroupsOfInstance, {instance_id});
}
bool TrafficTx::group_name_taken(const std::string& instance_id, const std::string& name,
                                 const std::string& except_id) {
  return exists_of(s_, " FROM api_groups WHERE instance_id = ? AND name = ? AND id <> ?",
                   {instance_id, name, except_id});
}
bool TrafficTx::ensure_default_group(const core::Instance& instance) {
  if (exists_of(s_, " FROM api_groups WHERE instance_id = ? AND is_default = 1", {instance.id}))
    return false;
  core::ApiGroup g;
  g.id = crypto::new_id();
  g.instance_id = instance.id;
  g.name = "DEFAULT";
  g.remark = "Default group";
  g.is_default = true;
  g.register_time = g.update_time = instance.created ? instance.created : core::now_nanos();
  insert_group(g);
  record_change(instance.id, "group", g.id, "create");
  return true;
}

// ---------------------------------------------------------------- environments
void TrafficTx::insert_env(const core::Environment& e) {
  s_.execute(std::string("INSERT INTO environments(") + kEnvCols + ") VALUES (?, ?, ?, ?, ?)",
             {e.id, e.instance_id, e.name, e.remark, I{e.create_time}});
}
void TrafficTx::update_env(const core::Environment& e) {
  s_.execute("UPDATE environments SET name = ?, remark = ? WHERE id = ?", {e.name, e.remark, e.id});
}
bool TrafficTx::delete_env(const std::string& instance_id, const std::string& id) {
  s_.execute("DELETE FROM env_variables WHERE instance_id = ? AND env_id = ?", {instance_id, id});
  s_.execute("DELETE FROM app_auths WHERE instance_id = ? AND env_id = ?", {instance_id, id});
  // Throttle bindings go with their environment (docs/compatibility.md#t3).
  s_.execute("DELETE FROM throttle_bindings WHERE instance_id = ? AND env_id = ?",
             {instance_id, id});
  s_.execute("DELETE FROM api_online WHERE instance_id = ? AND env_id = ?", {instance_id, id});
  s_.execute("DELETE FROM publications WHERE instance_id = ? AND env_id = ?", {instance_id, id});
  return s_.execute("DELETE FROM environments WHERE id = ? AND instance_id = ?",
                    {id, instance_id}) > 0;
}
std::optional<core::Environment> TrafficTx::env(const std::string& instance_id,
                                                const std::string& id) {
  if (id == core::kReleaseEnvId) return release_env(instance_id);
  return select_one(s_, kEnvCols, " FROM environments WHERE id = ? AND instance_id = ?",
                    {id, instance_id}, env_from);
}
core::Paged<core::Environment> TrafficTx::envs(const std::string& instance_id, const NameFilter& f,
                                               core::Page page) {
  // RELEASE is not stored: filter it in memory, then page over [RELEASE] + stored rows.
  std::vector<core::Environment> all;
  for (auto& e : environments(instance_id)) {
    if (!f.id.empty() && e.id != f.id) continue;
    if (!f.name.empty() &&
        (f.precise_name ? e.name != f.name : e.name.find(f.name) == std::string::npos))
      continue;
    all.push_back(std::move(e));
  }
  core::Paged<core::Environment> out;
  out.total = static_cast<std::int64_t>(all.size());
  for (auto i = page.offset; i < out.total && i < page.offset + page.limit; ++i)
    out.items.push_back(all[static_cast<std::size_t>(i)]);
  return out;
}
std::int64_t TrafficTx::count_envs(const std::string& instance_id) {
  return 1 + count_of(s_, " FROM environments WHERE instance_id = ?", {instance_id});
}
bool TrafficTx::env_name_taken(const std::string& instance_id, const std::string& name,
                               const std::string& except_id) {
  if (name == core::kReleaseEnvName) return true;
  return exists_of(s_, " FROM environments WHERE instance_id = ? AND name = ? AND id <> ?",
                   {instance_id, name, except_id});
}

// ---------------------------------------------------------------- environment variables
void TrafficTx::insert_env_variable(const core::EnvVariable& v) {
  s_.execute(std::string("INSERT INTO env_variables(") + kVarCols +
                 ", create_time) VALUES (?, ?, ?, ?, ?, ?, ?)",
             {v.id, v.instance_id, v.group_id, v.env_id, v.name, v.value, I{core::now_nanos()}});
}
void TrafficTx::update_env_variable(const core::EnvVariable& v) {
  s_.execute("UPDATE env_variables SET value = ? WHERE id = ?", {v.value, v.id});
}
bool TrafficTx::delete_env_variable(const std::string& id) {
  return s_.execute("DELETE FROM env_variables WHERE id = ?", {id}) > 0;
}
std::optional<core::EnvVariable> TrafficTx::env_variable(const std::string& instance_id,
                                                         const std::string& id) {
  return select_one(s_, kVarCols, " FROM env_variables WHERE id = ? AND instance_id = ?",
                    {id, instance_id}, var_from);
}
core::Paged<core::EnvVariable> TrafficTx::env_variables(const std::string& instance_id,
                                                        const EnvVariableFilter& f,
                                                        core::Page page) {
  std::vector<SqlValue> p{instance_id};
  std::string where = " FROM env_variables WHERE instance_id = ?";
  add_eq(where, p, "group_id", f.group_id);
  add_eq(where, p, "env_id", f.env_id);
  add_name(where, p, "name", f.name, f.precise_name, postgres());
  return page_of<core::EnvVariable>(s_, kVarCols, where, std::move(p), "create_time DESC, id", page,
                                    var_from);
}
bool TrafficTx::env_variable_taken(const std::string& group_id, const std::string& env_id,
                                   const std::string& name) {
  return exists_of(s_, " FROM env_variables WHERE group_id = ? AND env_id = ? AND name = ?",
                   {group_id, env_id, name});
}

// ---------------------------------------------------------------- APIs
void TrafficTx::insert_api(const core::ApiSpec& a, const std::string& route_key) {
  s_.execute(
      "INSERT INTO apis(id, instance_id, group_id, name, type, req_protocol, req_method, req_uri, "
      "route_key, auth_type, spec_json, register_time, update_time) VALUES (?, ?, ?, ?, ?, ?, ?, "
      "?, ?, ?, ?, ?, ?)",
      {a.id, a.instance_id, a.group_id, a.name, I{a.type}, a.req_protocol, a.req_method, a.req_uri,
       route_key, a.auth_type, spec_to_json(a), I{a.register_time}, I{a.update_time}});
}
void TrafficTx::update_api(const core::ApiSpec& a, const std::string& route_key) {
  s_.execute(
      "UPDATE apis SET group_id = ?, name = ?, type = ?, req_protocol = ?, req_method = ?, "
      "req_uri = ?, route_key = ?, auth_type = ?, spec_json = ?, update_time = ? WHERE id = ?",
      {a.group_id, a.name, I{a.type}, a.req_protocol, a.req_method, a.req_uri, route_key,
       a.auth_type, spec_to_json(a), I{a.update_time}, a.id});
}
bool TrafficTx::delete_api(const std::string& id) {
  s_.execute("DELETE FROM app_auths WHERE api_id = ?", {id});
  s_.execute("DELETE FROM throttle_bindings WHERE api_id = ?", {id});
  s_.execute("DELETE FROM api_online WHERE api_id = ?", {id});
  s_.execute("DELETE FROM publications WHERE api_id = ?", {id});
  return s_.execute("DELETE FROM apis WHERE id = ?", {id}) > 0;
}
std::optional<core::ApiSpec> TrafficTx::api(const std::string& instance_id, const std::string& id) {
  return select_one(s_, kApiCols, " FROM apis WHERE id = ? AND instance_id = ?", {id, instance_id},
                    api_from);
}
core::Paged<core::ApiSpec> TrafficTx::apis(const std::string& instance_id, const ApiFilter& f,
                                           core::Page page) {
  std::vector<SqlValue> p{instance_id};
  std::string where = " FROM apis WHERE instance_id = ?";
  add_eq(where, p, "id", f.id);
  add_name(where, p, "name", f.name, f.precise_name, postgres());
  add_eq(where, p, "group_id", f.group_id);
  add_eq(where, p, "req_protocol", f.req_protocol);
  add_eq(where, p, "req_method", f.req_method);
  add_eq(where, p, "req_uri", f.req_uri);
  add_eq(where, p, "auth_type", f.auth_type);
  add_eq(where, p, "type", f.type);
  if (!f.env_id.empty()) {
    where += " AND id IN (SELECT api_id FROM api_online WHERE env_id = ?)";
    p.emplace_back(f.env_id);
  }
  return page_of<core::ApiSpec>(s_, kApiCols, where, std::move(p), "register_time DESC, id", page,
                                api_from);
}
std::vector<core::ApiSpec> TrafficTx::apis_of_group(const std::string& group_id) {
  return select_all(s_, kApiCols, " FROM apis WHERE group_id = ? ORDER BY register_time, id",
                    {group_id}, api_from);
}
std::int64_t TrafficTx::count_apis_in_group(const std::string& group_id) {
  return count_of(s_, " FROM apis WHERE group_id = ?", {group_id});
}
bool TrafficTx::api_name_taken(const std::string& group_id, const std::string& name,
                               const std::string& except_id) {
  return exists_of(s_, " FROM apis WHERE group_id = ? AND name = ? AND id <> ?",
                   {group_id, name, except_id});
}
bool TrafficTx::api_route_taken(const std::string& group_id, const std::string& method,
                                const std::string& route_key, const std::string& except_id) {
  return !s_.query(
                "SELECT 1 FROM apis WHERE group_id = ? AND req_method = ? AND route_key = ? AND "
                "id <> ?",
                {group_id, method, route_key, except_id})
              .empty();
}

// ---------------------------------------------------------------- publications
void TrafficTx::insert_publication(const std::string& instance_id, const core::Publication& p) {
  s_.execute(std::string("INSERT INTO publications(instance_id, ") + kPubCols +
                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
             {instance_id, p.publish_id, p.api_id, p.env_id, p.version_id, p.remark,
              I{p.publish_time}, p.spec_json});
}
void TrafficTx::set_online(const std::string& instance_id, const std::string& api_id,
                           const std::string& env_id, const std::string& publish_id) {
  s_.execute(
      "INSERT INTO api_online(api_id, env_id, instance_id, publish_id) VALUES (?, ?, ?, ?) ON "
      "CONFLICT(api_id, env_id) DO UPDATE SET publish_id = excluded.publish_id",
      {api_id, env_id, instance_id, publish_id});
}
bool TrafficTx::set_offline(const std::string& api_id, const std::string& env_id) {
  return s_.execute("DELETE FROM api_online WHERE api_id = ? AND env_id = ?", {api_id, env_id}) > 0;
}
std::vector<OnlineEntry> TrafficTx::online_envs(const std::string& api_id) {
  std::vector<OnlineEntry> out;
  for (auto& r : s_.query(
           "SELECT o.env_id, o.publish_id, p.publish_time FROM api_online o JOIN publications p "
           "ON p.publish_id = o.publish_id WHERE o.api_id = ? ORDER BY p.publish_time, o.env_id",
           {api_id}))
    out.push_back({r.text(0), r.text(1), r.integer(2)});
  return out;
}
std::optional<core::Publication> TrafficTx::online_publication(const std::string& api_id,
                                                               const std::string& env_id) {
  return select_one(s_, kPubCols,
                    " FROM publications WHERE publish_id = (SELECT publish_id FROM api_online "
                    "WHERE api_id = ? AND env_id = ?)",
                    {api_id, env_id}, pub_from);
}
std::vector<core::Publication> TrafficTx::publication_history(const std::string& api_id,
                                                              const std::string& env_id) {
  std::vector<SqlValue> p{api_id};
  std::string sql = std::string("SELECT ") + kPubCols + " FROM publications WHERE api_id = ?";
  if (!env_id.empty()) {
    sql += " AND env_id = ?";
    p.emplace_back(env_id);
  }
  std::vector<core::Publication> out;
  for (auto& r : s_.query(sql + " ORDER BY publish_time DESC, publish_id", p))
    out.push_back(pub_from(r));
  return out;
}
void TrafficTx::trim_publications(const std::string& api_id, const std::string& env_id,
                                  std::size_t keep) {
  auto history = publication_history(api_id, env_id);
  auto online = online_publication(api_id, env_id);
  for (std::size_t i = keep; i < history.size(); ++i)
    if (!online || online->publish_id != history[i].publish_id)
      s_.execute("DELETE FROM publications WHERE publish_id = ?", {history[i].publish_id});
}
std::int64_t TrafficTx::count_online_in_env(const std::string& instance_id,
                                            const std::string& env_id) {
  return count_of(s_, " FROM api_online WHERE instance_id = ? AND env_id = ?",
                  {instance_id, env_id});
}

// ---------------------------------------------------------------- app authorizations
void TrafficTx::insert_app_auth(const core::AppAuth& a) {
  s_.execute(std::string("INSERT INTO app_auths(") + kAuthCols + ") VALUES (?, ?, ?, ?, ?, ?)",
             {a.id, a.instance_id, a.api_id, a.app_id, a.env_id, I{a.auth_time}});
}
bool TrafficTx::delete_app_auth(const std::string& id) {
  return s_.execute("DELETE FROM app_auths WHERE id = ?", {id}) > 0;
}
std::optional<core::AppAuth> TrafficTx::app_auth(const std::string& instance_id,
                                                 const std::string& id) {
  return select_one(s_, kAuthCols, " FROM app_auths WHERE id = ? AND instance_id = ?",
                    {id, instance_id}, auth_from);
}
bool TrafficTx::app_auth_exists(const std::string& api_id, const std::string& app_id,
                                const std::string& env_id) {
  return exists_of(s_, " FROM app_auths WHERE api_id = ? AND app_id = ? AND env_id = ?",
                   {api_id, app_id, env_id});
}
std::vector<core::AppAuth> TrafficTx::app_auths_where(const std::string& instance_id,
                                                      const AppAuthFilter& f) {
  std::vector<SqlValue> p{instance_id};
  std::string where = kAuthsOfInstance;
  add_eq(where, p, "app_id", f.app_id);
  add_eq(where, p, "api_id", f.api_id);
  add_eq(where, p, "env_id", f.env_id);
  return select_all(s_, kAuthCols, where + " ORDER BY auth_time DESC, id", p, auth_from);
}
std::vector<std::string> TrafficTx::delete_app_auths(const char* column, const std::string& value) {
  std::vector<std::string> ids;
  for (auto& r :
       s_.query(std::string("SELECT id FROM app_auths WHERE ") + column + " = ?", {value}))
    ids.push_back(r.text(0));
  s_.execute(std::string("DELETE FROM app_auths WHERE ") + column + " = ?", {value});
  return ids;
}
std::vector<std::string> TrafficTx::delete_app_auths_of_app(const std::string& app_id) {
  return delete_app_auths("app_id", app_id);
}
std::vector<std::string> TrafficTx::delete_app_auths_of_api(const std::string& api_id) {
  return delete_app_auths("api_id", api_id);
}
std::int64_t TrafficTx::count_bound_apis(const std::string& app_id) {
  return s_.query("SELECT COUNT(DISTINCT api_id) FROM app_auths WHERE app_id = ?", {app_id})[0]
      .integer(0);
}
std::vector<std::pair<std::string, std::int64_t>> TrafficTx::bound_api_counts(
    const std::string& instance_id) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (auto& r : s_.query(
           "SELECT app_id, COUNT(DISTINCT api_id) FROM app_auths WHERE instance_id = ? GROUP BY "
           "app_id ORDER BY app_id",
           {instance_id}))
    out.emplace_back(r.text(0), r.integer(1));
  std::sort(out.begin(), out.end());  // byte order, whatever the database collation
  return out;
}

// ---------------------------------------------------------------- data-plane snapshot reads
std::vector<core::ApiGroup> TrafficTx::groups_of_instance(const std::string& instance_id) {
  return select_all(s_, kGroupCols,
                    " FROM api_groups WHERE instance_id = ? ORDER BY register_time, id",
                    {instance_id}, group_from);
}
std::vector<core::Environment> TrafficTx::environments(const std::string& instance_id) {
  std::vector<core::Environment> out;
  auto release = release_env(instance_id);
  if (!release) return out;
  out.push_back(std::move(*release));
  for (auto& r : s_.query(std::string("SELECT ") + kEnvCols +
                              " FROM environments WHERE instance_id = ? ORDER BY create_time, id",
                          {instance_id}))
    out.push_back(env_from(r));
  return out;
}
std::vector<core::EnvVariable> TrafficTx::env_variables(const std::string& instance_id) {
  return select_all(s_, kVarCols,
                    " FROM env_variables WHERE instance_id = ? ORDER BY create_time, id",
                    {instance_id}, var_from);
}
std::vector<PublishedApi> TrafficTx::published_apis(const std::string& instance_id) {
  std::vector<PublishedApi> out;
  for (auto& r :
       s_.query("SELECT p.publish_id, p.api_id, p.env_id, p.version_id, p.publish_time, "
                "p.spec_json FROM api_online o JOIN publications p ON p.publish_id = o.publish_id "
                "WHERE o.instance_id = ? ORDER BY p.publish_time, p.publish_id",
                {instance_id})) {
    auto spec = spec_from_json(r.text(5));
    if (!spec) throw SqlError(SqlError::Kind::kOther, "published API snapshot is unreadable");
    spec->id = r.text(1);
    out.push_back({std::move(*spec), r.text(2), r.text(0), r.text(3), r.integer(4)});
  }
  return out;
}
std::vector<core::AppAuth> TrafficTx::app_auths(const std::string& instance_id) {
  return app_auths_where(instance_id, {});
}

std::vector<core::AppAuth> TrafficTx::app_auths_unordered(const std::string& instance_id) {
  std::vector<core::AppAuth> out;
  s_.for_each_row(
      std::string("SELECT ") + kAuthCols + kAuthsOfInstance, {instance_id}, [&](const RowView& r) {
        out.push_back({std::string(r.text(0)), std::string(r.text(1)), std::string(r.text(2)),
                       std::string(r.text(3)), std::string(r.text(4)), r.integer(5)});
      });
  return out;
}
void TrafficTx::for_each_app_auth(
    const std::string& instance_id,
    const std::function<void(std::string_view, std::string_view, std::string_view)>& fn) {
  s_.for_each_row("SELECT api_id, app_id, env_id FROM app_auths WHERE instance_id = ?",
                  {instance_id}, [&](const RowView& r) { fn(r.text(0), r.text(1), r.text(2)); });
}

}  // namespace gh::store
