#pragma once
// Access control inside a transaction (tx_acls.cpp; docs/compatibility.md#acls): API
// access-control policies, their bindings to (API, environment), the app ACLs, and their part of
// the data plane's snapshot. Lookups by id take the instance id, so that one tenant can never
// address another's rows. Rules are the services' (services/traffic_acls.cpp).
#include <optional>
#include <string>
#include <vector>

#include "core/acl_model.hpp"
#include "core/api_model.hpp"
#include "store/tx_base.hpp"

namespace gh::store {

struct AclFilter {
  std::string id, name, acl_type, entity_type;
  bool precise_name = false;
};
struct AclBindingFilter {
  std::string acl_id, api_id, env_id;
};

class AclsTx : public virtual TxBase {
 public:
  // ---- policies
  void insert_acl(const core::AclPolicy& a);  // throws SqlError kUnique on a duplicate name
  void update_acl(const core::AclPolicy& a);  // name, type, entity type, value, update_time
  bool delete_acl(const std::string& id);
  std::optional<core::AclPolicy> acl(const std::string& instance_id, const std::string& id);
  core::Paged<core::AclPolicy> acls(const std::string& instance_id, const AclFilter& f,
                                    core::Page page);  // newest first
  std::int64_t count_acls(const std::string& instance_id);
  bool acl_name_taken(const std::string& instance_id, const std::string& name,
                      const std::string& except_id);

  // ---- bindings (one per API, environment and entity type: UNIQUE in the schema)
  void insert_acl_binding(const core::AclBinding& b);  // throws SqlError kUnique on a second one
  bool delete_acl_binding(const std::string& id);
  std::optional<core::AclBinding> acl_binding(const std::string& instance_id,
                                              const std::string& id);
  std::vector<core::AclBinding> acl_bindings_where(const std::string& instance_id,
                                                   const AclBindingFilter& f);  // newest first
  std::int64_t count_acl_bindings(const std::string& acl_id);
  bool acl_binding_exists(const std::string& api_id, const std::string& env_id,
                          const std::string& entity_type);
  // Deletes the bindings of an API / of an environment; returns the deleted ids (change log).
  std::vector<std::string> delete_acl_bindings_of_api(const std::string& api_id);
  std::vector<std::string> delete_acl_bindings_of_env(const std::string& instance_id,
                                                      const std::string& env_id);
  // A publication record of the instance, by its id (any version, online or not).
  std::optional<core::Publication> publication(const std::string& instance_id,
                                               const std::string& publish_id);

  // ---- app ACLs (at most one per app)
  void upsert_app_acl(const core::AppAcl& a);
  bool delete_app_acl(const std::string& app_id);
  std::optional<core::AppAcl> app_acl(const std::string& app_id);

  // ---- the data plane's part (one consistent read transaction)
  std::vector<core::AclPolicy> acls_of_instance(const std::string& instance_id);
  std::vector<core::AclBinding> acl_bindings_of_instance(const std::string& instance_id);
  std::vector<core::AppAcl> app_acls_of_instance(const std::string& instance_id);

 protected:
  AclsTx(SqlSession& s, const crypto::Sealer& sealer) : TxBase(s, sealer) {}
  ~AclsTx() = default;
};

}  // namespace gh::store
