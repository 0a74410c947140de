#pragma once
// Use cases of the traffic side (docs/compatibility.md#traffic-endpoints, #api-definition; #g6,
// #g7, #g9, #g12): API groups, environments, environment variables, APIs, publishing and app
// authorizations. Shared by the APIG (/apigw/) and ROMA Connect (/apic/) dialects; every rule lives
// here once. Every write goes through the Writer (services/writer.hpp): one store transaction that
// records each changed entity in the change log (entities "group", "env", "env_variable", "api",
// "publication", "app_auth") and its audit record and, after commit, calls the change listener.
#include <optional>
#include <string>
#include <vector>

#include "core/acl_model.hpp"
#include "core/api_model.hpp"
#include "core/error.hpp"
#include "services/app_service.hpp"
#include "services/caller.hpp"
#include "services/writer.hpp"
#include "store/store.hpp"

namespace gh::services {

struct TrafficSettings {
  std::string group_domain_suffix = "apig.gatehouse.local";  // sl_domain = {group_id}.{suffix}
  std::int64_t max_groups = 1500;                            // APIG.3101
  std::int64_t max_envs = 10;                                // APIG.3104, RELEASE included
  std::int64_t max_apis_per_group = 1000;                    // APIG.3102
  std::size_t max_params = 50;                               // per API (req and backend each)
  std::size_t publish_history = 10;                          // kept per (API, environment)
  std::int64_t max_acls = 100;  // APIG.3112, per instance (docs/compatibility.md#acl-limits)
};

struct GroupInput {
  std::optional<std::string> name, remark;
};
struct EnvInput {
  std::optional<std::string> name, remark;
};
struct EnvVariableInput {
  std::optional<std::string> group_id, env_id, name, value;
};

struct OnlineInfo {
  std::string env_id, env_name, publish_id;
  core::Nanos publish_time = 0;
};
struct ApiView {
  core::ApiSpec spec;
  std::string group_name;
  std::vector<OnlineInfo> online;  // environments the API is published in
};

struct PublishInput {
  std::string action;  // online | offline
  std::string api_id, env_id, remark;
};
struct PublishResult {
  std::string publish_id, api_id, api_name, env_id, remark, version_id;
  core::Nanos publish_time = 0;
};
struct BatchPublishInput {
  std::string action;  // online | offline
  std::vector<std::string> api_ids;
  std::string group_id;  // when api_ids is empty: every API of the group
  std::string env_id, remark;
};
struct PublishFailure {
  std::string api_id, api_name;
  core::Error error;
};
struct BatchPublishResult {
  std::vector<PublishResult> success;
  std::vector<PublishFailure> failure;
};
struct VersionInfo {
  core::Publication publication;
  std::string env_name;
  bool online = false;  // the version currently online in its environment
};

struct AuthInput {
  std::string env_id;
  std::vector<std::string> app_ids, api_ids;
};
struct AuthResult {
  core::AppAuth auth;  // id empty when the item failed
  std::string api_name, app_name;
  std::optional<core::Error> error;  // FAILED: APIG.3015 (docs/compatibility.md#g6) or APIG.3316
};
// An authorization with everything the ApiAuthInfo view shows.
struct AuthInfo {
  core::AppAuth auth;
  core::ApiSpec api;
  std::string group_name, env_name, publish_id;
  core::App app;
};
struct AuthQuery {
  std::string app_id, api_id, env_id, group_id, api_name, app_name;
};

// The rules of one authorization inside the caller's transaction (the API and the app are of the
// same instance, loaded by the caller; `published`: whether the API is online in env_id): the API
// must be online there (docs/compatibility.md#g6, 404 APIG.3015) and the relation must be new (400
// APIG.3316). Inserts it and records the change.
core::Result<core::AppAuth> authorize_in(store::Tx& tx, const core::ApiSpec& api,
                                         const core::App& app, const std::string& env_id,
                                         bool published, core::Nanos now);

// ---- access control (docs/compatibility.md#acls; services/traffic_acls.cpp)
struct AclInput {
  std::optional<std::string> name, acl_type, acl_value, entity_type;
};
struct AclInfo {
  core::AclPolicy acl;
  std::int64_t bind_num = 0;  // bindings (APIs per environment)
};
// One item of a batch (PUT /acls?action=delete, PUT /acl-bindings?action=delete) that failed.
struct BatchFailure {
  std::string id, name, api_id, api_name;  // name: the ACL's (batch delete of ACLs)
  core::Error error;
};
struct BatchResult {
  std::int64_t success_count = 0;
  std::vector<BatchFailure> failure;
};
struct AclBindInput {
  std::string acl_id;
  std::vector<std::string> publish_ids;
};
// A binding with everything AclBindApiInfo / ApiBindAclInfo show.
struct AclBindingInfo {
  core::AclBinding binding;
  core::AclPolicy acl;
  core::ApiSpec api;
  std::string group_name, env_name;
};
struct AclBindingQuery {
  std::string acl_id, api_id, env_id, group_id, api_name, acl_name, env_name;
};
// A published (API, environment) an ACL is not bound to (unbinded-apis).
struct AclApiItem {
  core::ApiSpec api;
  std::string group_name, env_id, env_name, publish_id;
};
struct AppAclInput {
  std::optional<std::string> acl_type;
  std::optional<std::vector<std::string>> values;
};

class TrafficService {
 public:
  TrafficService(store::Store& store, TrafficSettings settings)
      : store_(store), settings_(std::move(settings)), writer_(store_, listener_) {}
  void on_change(ChangeListener l) { listener_ = std::move(l); }
  const TrafficSettings& settings() const { return settings_; }
  std::string sl_domain(const core::ApiGroup& g) const;
  // Creates the DEFAULT group of every instance that lacks one (stores from before schema 2).
  void ensure_default_groups();

  // ---- API groups
  core::Result<core::ApiGroup> create_group(const Caller& c, const InstanceScope& s, GroupInput in);
  core::Result<core::Paged<core::ApiGroup>> list_groups(const Caller& c, const InstanceScope& s,
                                                        store::NameFilter f, core::Page page);
  core::Result<core::ApiGroup> get_group(const Caller& c, const InstanceScope& s,
                                         const std::string& id);
  core::Result<core::ApiGroup> update_group(const Caller& c, const InstanceScope& s,
                                            const std::string& id, GroupInput in);
  core::Status delete_group(const Caller& c, const InstanceScope& s, const std::string& id);

  // ---- environments
  core::Result<core::Environment> create_env(const Caller& c, const InstanceScope& s, EnvInput in);
  core::Result<core::Paged<core::Environment>> list_envs(const Caller& c, const InstanceScope& s,
                                                         store::NameFilter f, core::Page page);
  core::Result<core::Environment> update_env(const Caller& c, const InstanceScope& s,
                                             const std::string& id, EnvInput in);
  core::Status delete_env(const Caller& c, const InstanceScope& s, const std::string& id);

  // ---- environment variables
  core::Result<core::EnvVariable> create_variable(const Caller& c, const InstanceScope& s,
                                                  EnvVariableInput in);
  core::Result<core::Paged<core::EnvVariable>> list_variables(const Caller& c,
                                                              const InstanceScope& s,
                                                              store::EnvVariableFilter f,
                                                              core::Page page);
  core::Result<core::EnvVariable> get_variable(const Caller& c, const InstanceScope& s,
                                               const std::string& id);
  core::Result<core::EnvVariable> update_variable(const Caller& c, const InstanceScope& s,
                                                  const std::string& id,
                                                  std::optional<std::string> value);
  core::Status delete_variable(const Caller& c, const InstanceScope& s, const std::string& id);

  // ---- APIs. create/update take the full definition (PUT replaces it, as on Huawei).
  core::Result<ApiView> create_api(const Caller& c, const InstanceScope& s, core::ApiSpec in);
  core::Result<core::Paged<ApiView>> list_apis(const Caller& c, const InstanceScope& s,
                                               store::ApiFilter f, core::Page page);
  core::Result<ApiView> get_api(const Caller& c, const InstanceScope& s, const std::string& id);
  core::Result<ApiView> update_api(const Caller& c, const InstanceScope& s, const std::string& id,
                                   core::ApiSpec in);
  core::Status delete_api(const Caller& c, const InstanceScope& s, const std::string& id);

  // ---- publishing
  core::Result<PublishResult> publish(const Caller& c, const InstanceScope& s, PublishInput in);
  core::Result<BatchPublishResult> publish_batch(const Caller& c, const InstanceScope& s,
                                                 BatchPublishInput in);
  // Publication history of an API (one environment, or all when env_id is empty), newest first.
  core::Result<std::vector<VersionInfo>> publication_history(const Caller& c,
                                                             const InstanceScope& s,
                                                             const std::string& api_id,
                                                             const std::string& env_id);

  // ---- app authorizations
  core::Result<std::vector<AuthResult>> authorize(const Caller& c, const InstanceScope& s,
                                                  AuthInput in);
  core::Status unauthorize(const Caller& c, const InstanceScope& s, const std::string& auth_id);
  // Authorizations matching q (binded-apis: q.app_id; binded-apps: q.api_id), newest first.
  core::Result<core::Paged<AuthInfo>> list_auths(const Caller& c, const InstanceScope& s,
                                                 const AuthQuery& q, core::Page page);
  // APIs online in q.env_id that q.app_id is not authorized for there (filters group_id,
  // api_id, api_name).
  core::Result<core::Paged<ApiView>> unbound_apis(const Caller& c, const InstanceScope& s,
                                                  const AuthQuery& q, core::Page page);

  // ---- access-control policies and their bindings (docs/compatibility.md#acls)
  core::Result<AclInfo> create_acl(const Caller& c, const InstanceScope& s, AclInput in);
  core::Result<core::Paged<AclInfo>> list_acls(const Caller& c, const InstanceScope& s,
                                               const store::AclFilter& f, core::Page page);
  core::Result<AclInfo> get_acl(const Caller& c, const InstanceScope& s, const std::string& id);
  core::Result<AclInfo> update_acl(const Caller& c, const InstanceScope& s, const std::string& id,
                                   AclInput in);
  // A bound policy is refused (403 APIG.3447, docs/compatibility.md#acl-delete).
  core::Status delete_acl(const Caller& c, const InstanceScope& s, const std::string& id);
  core::Result<BatchResult> delete_acls(const Caller& c, const InstanceScope& s,
                                        const std::vector<std::string>& ids);
  // All or nothing: any unknown publication or a second ACL of the same entity type for an (API,
  // environment) refuses the whole request (docs/compatibility.md#acl-one-per-type).
  core::Result<std::vector<core::AclBinding>> bind_acl(const Caller& c, const InstanceScope& s,
                                                       AclBindInput in);
  core::Status unbind_acl(const Caller& c, const InstanceScope& s, const std::string& id);
  core::Result<BatchResult> unbind_acls(const Caller& c, const InstanceScope& s,
                                        const std::vector<std::string>& ids);
  // Bindings matching q (binded-apis: q.acl_id; binded-acls: q.api_id), newest first.
  core::Result<core::Paged<AclBindingInfo>> acl_bindings(const Caller& c, const InstanceScope& s,
                                                         const AclBindingQuery& q, core::Page page);
  // (API, environment) pairs online that q.acl_id is not bound to (filters env_id, group_id,
  // api_id, api_name).
  core::Result<core::Paged<AclApiItem>> acl_unbound_apis(const Caller& c, const InstanceScope& s,
                                                         const AclBindingQuery& q, core::Page page);

  // ---- app ACLs (docs/compatibility.md#app-acl): one per app, PUT replaces it
  core::Result<core::AppAcl> set_app_acl(const Caller& c, const InstanceScope& s,
                                         const std::string& app_id, AppAclInput in);
  core::Result<core::AppAcl> get_app_acl(const Caller& c, const InstanceScope& s,
                                         const std::string& app_id);
  core::Status delete_app_acl(const Caller& c, const InstanceScope& s, const std::string& app_id);

  // Validates a definition (values, limits, references between parameters). Exposed for tests.
  core::Status check_spec(const core::ApiSpec& spec) const;

 private:
  core::Result<ApiView> view_of(store::Tx& tx, const core::ApiSpec& spec);
  core::Result<ApiView> save_api(const Caller& c, const InstanceScope& s, const std::string& id,
                                 core::ApiSpec in);
  core::Result<PublishResult> publish_in(store::Tx& tx, const InstanceScope& s,
                                         const core::ApiSpec& api, const core::Environment& env,
                                         const std::string& action, const std::string& remark);

  store::Store& store_;
  TrafficSettings settings_;
  ChangeListener listener_;
  Writer writer_;  // every write: scope, instance lock, change records, audit, listener
};

// The route identity of a request path: parameter names erased ("/a/{x}/b" → "/a/{}/b").
std::string route_key(std::string_view req_uri);

}  // namespace gh::services
