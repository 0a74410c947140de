#pragma once
// IAM rows inside a transaction (tx_iam.cpp): settings, domains, projects, users, role
// assignments and access keys (their secret keys sealed). See store/tx.hpp.
#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "store/tx_base.hpp"

namespace gh::store {

struct UserSecurity {
  int failed_logins = 0;
  core::Nanos locked_until = 0;
};

class IamTx : public virtual TxBase {
 public:
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

 protected:
  IamTx(SqlSession& s, const crypto::Sealer& sealer) : TxBase(s, sealer) {}
  ~IamTx() = default;
};

}  // namespace gh::store
