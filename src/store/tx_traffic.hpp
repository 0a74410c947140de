#pragma once
// The traffic side inside a transaction (tx_traffic.cpp; docs/compatibility.md#traffic-endpoints):
// API groups, environments, variables, APIs, publications, app authorizations, and their part of
// the data plane's snapshot. Entities are scoped by instance; lookups by id take the instance id
// so that one tenant can never address another's rows.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/api_model.hpp"
#include "core/model.hpp"
#include "store/tx_base.hpp"

namespace gh::store {

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

class TrafficTx : public virtual TxBase {
 public:
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

  // ---- environments. RELEASE (id core::kReleaseEnvId) is built in: never stored, always listed.
  void insert_env(const core::Environment& e);  // throws SqlError kUnique on a duplicate name
  void update_env(const core::Environment& e);  // name, remark
  // Deletes the environment with its variables, authorizations, throttle bindings and publication
  // history.
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

  // ---- the traffic part of the data plane's snapshot (one consistent read transaction)
  std::vector<core::ApiGroup> groups_of_instance(const std::string& instance_id);
  std::vector<core::Environment> environments(const std::string& instance_id);  // incl. RELEASE
  std::vector<core::EnvVariable> env_variables(const std::string& instance_id);
  // The definition as published (snapshot), one per online (API, environment).
  std::vector<PublishedApi> published_apis(const std::string& instance_id);
  std::vector<core::AppAuth> app_auths(const std::string& instance_id);

  // The instance's authorizations in no particular order (app_auths() sorts them).
  std::vector<core::AppAuth> app_auths_unordered(const std::string& instance_id);
  // The same, streamed: only what the gateway's authorization check needs, no row materialised.
  void for_each_app_auth(const std::string& instance_id,
                         const std::function<void(std::string_view api_id, std::string_view app_id,
                                                  std::string_view env_id)>& fn);

 protected:
  TrafficTx(SqlSession& s, const crypto::Sealer& sealer) : TxBase(s, sealer) {}
  ~TrafficTx() = default;

 private:
  // RELEASE (not stored: created with its instance), or nothing for an unknown instance.
  std::optional<core::Environment> release_env(const std::string& instance_id);
  std::vector<std::string> delete_app_auths(const char* column, const std::string& value);
};

}  // namespace gh::store
