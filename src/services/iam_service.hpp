#pragma once
// IAM (Keystone v3 subset, docs/compatibility.md#iam): password tokens, projects, users, roles,
// access keys, and authentication of management calls by X-Auth-Token or SDK-HMAC-SHA256 AK/SK.
//
// Tokens are self-contained and signed ("gh1.<payload>.<mac>", HMAC-SHA-256 under a key derived
// from the master key), so any node sharing the store and master key can check them; a token also
// dies when its user is deleted or changes password. The MAC and expiry are checked on every use;
// the user, project and roles are read from the store at most once a second per token
// (TokenCache), and at once after an IAM change made through this node.
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/model.hpp"
#include "crypto/sdk_signer.hpp"
#include "services/caller.hpp"
#include "services/limits.hpp"
#include "services/token_cache.hpp"
#include "services/writer.hpp"
#include "store/store.hpp"

namespace gh::services {

struct PasswordLogin {
  std::string user_name, user_id, password;
  std::string domain_name, domain_id;  // the user's domain (one of them)
  // Scope: project (id, or name within domain) wins over domain; none → domain scope.
  std::string project_id, project_name, project_domain_name, project_domain_id;
  std::string scope_domain_id, scope_domain_name;
};

struct IssuedToken {
  std::string token;
  core::Nanos issued = 0, expires = 0;
  core::User user;
  core::Domain domain;
  std::optional<core::Project> project;
  std::vector<std::string> roles;
};

struct SignedCall {
  std::string_view method, target, body, authorization;
  crypto::HeaderLookup headers;
};

struct RoleInfo {
  std::string id, name, display_name, description;
};

struct BootstrapInfo {
  std::string domain_id, project_id, admin_user_id, apig_instance_id, roma_instance_id;
  bool created = false;
};

class IamService {
 public:
  IamService(store::Store& store, Limits limits);

  // First start: domain "default", admin user, project "default", one APIG and one ROMA instance.
  // Later starts: reads them back. Throws on store failure.
  BootstrapInfo bootstrap(const std::string& admin_password);

  core::Result<IssuedToken> login(const PasswordLogin& in);
  core::Result<Caller> verify_token(std::string_view token);
  // Verifies an AK/SK signed call; the project scope comes from X-Project-Id (may be empty).
  core::Result<Caller> verify_signature(const SignedCall& call, std::string_view project_header);

  core::Result<std::vector<core::Project>> list_projects(const Caller& c, const std::string& name);
  core::Result<core::Project> create_project(const Caller& c, const std::string& name,
                                             const std::string& description);
  core::Result<core::User> create_user(const Caller& c, const std::string& name,
                                       const std::string& password, const std::string& domain_id);
  core::Result<std::vector<core::User>> list_users(const Caller& c);
  core::Result<core::User> get_user(const Caller& c, const std::string& id);
  core::Status delete_user(const Caller& c, const std::string& id);
  static const std::vector<RoleInfo>& roles();
  core::Status set_role(const Caller& c, const std::string& project_id, const std::string& user_id,
                        const std::string& role_id, bool grant);
  core::Result<std::vector<std::string>> roles_of(const Caller& c, const std::string& project_id,
                                                  const std::string& user_id);

  core::Result<core::AccessKey> create_access_key(const Caller& c, const std::string& user_id,
                                                  const std::string& description);
  core::Result<std::vector<core::AccessKey>> list_access_keys(const Caller& c,
                                                              const std::string& user_id);
  core::Result<core::AccessKey> get_access_key(const Caller& c, const std::string& access);
  core::Status delete_access_key(const Caller& c, const std::string& access);

  core::Result<core::Domain> domain(const std::string& id);

 private:
  core::Result<Caller> caller_for(store::Tx& tx, const core::User& u,
                                  const std::string& project_id);
  std::string sign_token(const std::string& payload) const;

  store::Store& store_;
  Limits limits_;
  std::string token_key_;
  TokenCache tokens_;  // verified tokens' callers; invalidated by every IAM change here
  ChangeListener invalidate_tokens_;
  Writer writer_;  // every directory write: audited, then invalidate_tokens_ after commit
};

std::string hash_password(std::string_view password);
bool check_password(std::string_view password, std::string_view stored_hash);

}  // namespace gh::services
