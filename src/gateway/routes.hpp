#pragma once
// The data plane's route configuration: host → API group, X-Stage → environment, and per
// (group, environment) the published APIs in the precedence of docs/compatibility.md#g9:
//   exact (NORMAL, no {param}) before parameterised before prefix (SWA); among prefixes the longest
//   wins; among parameterised routes the one with more literal segments wins; at equal rank a
//   method-specific API wins over ANY.
// Built once per configuration change (configurations are small); immutable afterwards.
#include <algorithm>
#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/acl_model.hpp"
#include "core/api_model.hpp"
#include "core/ip_match.hpp"
#include "core/policy_model.hpp"
#include "core/uri_text.hpp"
#include "gateway/throttle.hpp"

namespace gh::gateway {

struct TransparentHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// The apps authorized for one (API, environment), exact, by their app ordinals (app_ordinals.hpp:
// one number per app id, one-to-one). A check is then one bit or one small-integer probe: with a
// million apps authorized, a bitmap of 128 KB that stays in the caches, where a set of ids is a
// random access into tens of megabytes. Sets with few members (relative to the largest ordinal
// among them) keep the ordinals in a hash set instead, so that memory stays about proportional to
// the authorizations.
class AppIdSet {
 public:
  // An app id prepared for lookups: its ordinal. Made once per app when the credentials are built,
  // so that a request's authorization check reads neither the app nor its id.
  // A default Key names no app (no id is ever given that number) and is in no set.
  struct Key {
    std::uint32_t ordinal = UINT32_MAX;
  };
  // Gives the id its ordinal if it has none yet (snapshot building only: it locks).
  static Key key_of(std::string_view id);
  // key_of for every id, in order, under one hold of the ordinals' lock (a start numbers millions).
  static std::vector<Key> keys_of(std::span<const std::string_view> ids);

  void insert(std::string_view id);
  // Call once after the last insert: picks the representation (a set stays exact without it).
  void seal();
  bool contains(Key key) const {
    if (!bits_.empty())
      return key.ordinal / 64 < bits_.size() && (bits_[key.ordinal / 64] >> (key.ordinal % 64)) & 1;
    return ordinals_.contains(key.ordinal);
  }
  // By id (tests, tools): an id without an ordinal was never authorized anywhere.
  bool contains(std::string_view id) const;
  std::size_t size() const { return size_; }
  bool is_bitmap() const { return !bits_.empty(); }

 private:
  boost::unordered_flat_set<std::uint32_t> ordinals_;  // until sealed as a bitmap
  std::vector<std::uint64_t> bits_;                    // bit n: ordinal n is authorized
  std::size_t size_ = 0;
};

// An address ACL as the data plane checks it (docs/compatibility.md#acl-dataplane): PERMIT lets
// only the set in (an empty PERMIT set lets nobody in), DENY keeps the set out (an empty DENY set
// keeps nobody out). Built with the route configuration; a check is a binary search.
struct AddressAcl {
  core::IpSet set;
  bool permit = true;
  bool allows(const core::IpAddress& a) const { return set.contains(a) == permit; }
};

// An account ACL (entity_type DOMAIN: account names; DOMAIN_ID: account ids) as the data plane
// checks it on IAM-authenticated callers (docs/compatibility.md#acl-dataplane): sorted values, a
// binary search.
struct AccountAcl {
  std::vector<std::string> values;  // sorted
  bool permit = true;
  bool allows(std::string_view account) const {
    return std::binary_search(values.begin(), values.end(), account, std::less<>{}) == permit;
  }
};
// The account ACLs bound to one (API, environment): at most one of each entity type.
struct AccountAcls {
  const AccountAcl* by_name = nullptr;  // DOMAIN
  const AccountAcl* by_id = nullptr;    // DOMAIN_ID
};

struct Backend {
  std::string host;         // for connecting (no brackets around IPv6)
  std::uint16_t port = 80;  //
  bool tls = false;         // HTTPS backend
  std::string host_header;  // url_domain as configured (after #variable# substitution)
  std::string uri;          // backend req_uri after #variable# substitution; may hold {params}
  std::string pool_key;     // "[tls:]host:port": which kept-alive connections can carry it
};

// One API as published in one environment.
struct RouteTarget {
  std::string project_id, instance_id, group_id, env_id, env_name;
  bool roma = false;  // ROMA Connect instance: data-plane codes are APIC.xxxx
  core::ApiSpec spec;
  std::vector<std::string> segments;  // req_uri split on '/', "{x}" for parameters
  int literal_segments = 0;
  bool prefix = false;  // match_mode SWA
  Backend backend;
  AppIdSet authorized_apps;            // app ids authorized for (api, env)
  std::uint32_t metric_slot = 0;       // gateway/metrics.hpp: its (group, api, env) counters
  ThrottleBinding throttle;            // the policy bound in this environment (policy null: none)
  const AddressAcl* ip_acl = nullptr;  // the IP ACL bound in this environment (in RouteConfig)
  AccountAcls account_acls;            // DOMAIN / DOMAIN_ID ACLs bound here (in RouteConfig)

  bool method_matches(std::string_view method) const {
    return spec.req_method == "ANY" || spec.req_method == method;
  }
};

using PathParams = std::vector<std::pair<std::string_view, std::string_view>>;  // name → raw value

struct RouteMatch {
  const RouteTarget* target = nullptr;
  bool path_matched = false;  // some API has this path but not this method
  PathParams params;
};

// The APIs of one group in one environment.
class RouteTable {
 public:
  void add(const RouteTarget* t);
  void finish();  // sorts by precedence; call once after the last add()
  RouteMatch match(std::string_view method, std::string_view path) const;

 private:
  // Exact paths: method-specific targets first, ANY last.
  boost::unordered_flat_map<std::string, std::vector<const RouteTarget*>, TransparentHash,
                            std::equal_to<>>
      exact_;
  std::vector<const RouteTarget*> patterned_;  // parameterised and prefix routes, in precedence
};

struct GroupRoutes {
  std::string group_id, instance_id;
  bool roma = false;
  boost::unordered_flat_map<std::string, RouteTable, TransparentHash, std::equal_to<>> by_env;
};

struct InstanceEnvs {
  std::string instance_id;
  boost::unordered_flat_map<std::string, std::string, TransparentHash, std::equal_to<>>
      id_by_name;  // environment name → id
};

struct RouteConfig {
  std::string group_domain_suffix;  // sl_domain = {group_id}.{suffix}
  std::vector<std::unique_ptr<RouteTarget>> targets;
  std::vector<std::unique_ptr<GroupRoutes>> groups;
  boost::unordered_flat_map<std::string, const GroupRoutes*, TransparentHash, std::equal_to<>>
      by_host;                                     // lower-case sl_domain → group
  std::vector<const GroupRoutes*> default_groups;  // for requests by IP or localhost, in order
  std::vector<InstanceEnvs> instances;
  std::vector<std::unique_ptr<ThrottleLimits>> throttles;  // RouteTarget::throttle points here
  // App quotas by app ordinal (gateway/app_ordinals.hpp); the windows count in the node's table.
  boost::unordered_flat_map<std::uint32_t, QuotaLimits> quota_by_app;
  std::vector<std::unique_ptr<AddressAcl>> address_acls;  // what ip_acl and app_acls point to
  std::vector<std::unique_ptr<AccountAcl>> account_acls;  // what account_acls point to
  // App ACLs by the app's ordinal (AppIdSet::Key); empty when no app has one, so a request of an
  // app without one costs one test (docs/compatibility.md#acl-dataplane).
  boost::unordered_flat_map<std::uint32_t, const AddressAcl*> app_acls;
  const AddressAcl* app_acl(AppIdSet::Key key) const {
    if (app_acls.empty()) return nullptr;
    auto it = app_acls.find(key.ordinal);
    return it == app_acls.end() ? nullptr : it->second;
  }

  // Host header (port stripped, any case) → candidate groups: the group whose sl_domain it is, or
  // the DEFAULT groups of every instance (oldest instance first) for an IP address or localhost.
  // The span points into this configuration.
  std::span<const GroupRoutes* const> groups_for_host(std::string_view host) const;
  // X-Stage value → environment id; "" when the instance has no such environment.
  std::string_view env_id(std::string_view instance_id, std::string_view stage) const;
};

// What the loader reads from the store.
struct PublishedRoute {
  core::ApiSpec spec;  // as published
  std::string env_id;
};
struct RouteInputs {
  struct Instance {
    std::string id, project_id;
    bool roma = false;
  };
  std::vector<Instance> instances;  // oldest first
  std::vector<core::ApiGroup> groups;
  std::vector<core::Environment> envs;
  std::vector<core::EnvVariable> env_variables;
  std::vector<PublishedRoute> published;
  std::vector<core::AppAuth> auths;
  std::vector<core::Throttle> throttles;
  std::vector<core::ThrottleSpecial> throttle_specials;
  std::vector<core::ThrottleBinding> throttle_bindings;
  std::vector<core::AppQuota> app_quotas;
  std::vector<core::AppQuotaBinding> app_quota_bindings;
  std::vector<core::AclPolicy> acls;  // docs/compatibility.md#acls
  std::vector<core::AclBinding> acl_bindings;
  std::vector<core::AppAcl> app_acls;
  std::string group_domain_suffix;
};

// Authorizations handed to build_routes one at a time: (api id, app id, env id).
using AuthSink =
    std::function<void(std::string_view api_id, std::string_view app_id, std::string_view env_id)>;
// Feeds authorizations to the sink (e.g. straight from a store scan, without materialising them).
using AuthSource = std::function<void(const AuthSink&)>;

// The route configuration of `in`, authorized by in.auths and, when given, by `more_auths`.
std::shared_ptr<const RouteConfig> build_routes(const RouteInputs& in,
                                                const AuthSource& more_auths = {});

using core::split_path;  // "/a/b/" → {"a","b",""} (core/uri_text.hpp)
// "#name#" → value for every variable given; unknown names are left as they are.
std::string substitute_variables(std::string_view text,
                                 const std::vector<std::pair<std::string, std::string>>& vars);
// "host[:port]" / "[v6]:port" → Backend host and port (default by protocol).
Backend parse_backend(std::string_view url_domain, bool tls);

}  // namespace gh::gateway
