#pragma once
// Traffic governance inside a transaction (tx_governance.cpp; docs/compatibility.md#throttling,
// #app-quotas): throttling policies, their special limits and bindings, app quotas and their
// bindings, and their part of the data plane's snapshot. Lookups by id take the instance id so
// that one tenant can never address another's rows. Rules are the services' (GovernanceService).
#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "core/policy_model.hpp"
#include "store/tx_base.hpp"

namespace gh::store {

struct ThrottleBindingFilter {
  std::string throttle_id, api_id, env_id;
};

class GovernanceTx : public virtual TxBase {
 public:
  // ---- throttling policies (answers carry bind_num and has_specials)
  void insert_throttle(const core::Throttle& t);  // throws SqlError kUnique on a duplicate name
  void update_throttle(const core::Throttle& t);  // every field but id, instance and create_time
  bool delete_throttle(const std::string& id);    // with its specials and bindings
  std::optional<core::Throttle> throttle(const std::string& instance_id, const std::string& id);
  // Newest first; `name` fuzzy unless precise.
  core::Paged<core::Throttle> throttles(const std::string& instance_id, const std::string& id,
                                        const std::string& name, bool precise, core::Page page);
  std::int64_t count_throttles(const std::string& instance_id);
  bool throttle_name_taken(const std::string& instance_id, const std::string& name,
                           const std::string& except_id);

  // ---- special limits
  void insert_throttle_special(const core::ThrottleSpecial& s);  // kUnique on the object
  void update_throttle_special(const std::string& id, std::int64_t call_limits);
  bool delete_throttle_special(const std::string& id);
  std::optional<core::ThrottleSpecial> throttle_special(const std::string& throttle_id,
                                                        const std::string& id);
  std::vector<core::ThrottleSpecial> throttle_specials(const std::string& throttle_id);  // newest
  bool throttle_special_exists(const std::string& throttle_id, const std::string& object_type,
                               const std::string& object_id);

  // ---- bindings to (API, environment)
  void insert_throttle_binding(const core::ThrottleBinding& b);  // kUnique on (api, env)
  bool delete_throttle_binding(const std::string& id);
  std::optional<core::ThrottleBinding> throttle_binding(const std::string& instance_id,
                                                        const std::string& id);
  std::optional<core::ThrottleBinding> throttle_binding_of(const std::string& api_id,
                                                           const std::string& env_id);
  std::vector<core::ThrottleBinding> throttle_bindings_where(const std::string& instance_id,
                                                             const ThrottleBindingFilter& f);
  // The (api_id, env_id) a publication record of the instance that is online now stands for.
  std::optional<std::pair<std::string, std::string>> online_by_publish_id(
      const std::string& instance_id, const std::string& publish_id);

  // ---- app quotas (answers carry bound_app_num)
  void insert_app_quota(const core::AppQuota& q);  // kUnique on a duplicate name
  void update_app_quota(const core::AppQuota& q);
  bool delete_app_quota(const std::string& id);  // with its bindings
  std::optional<core::AppQuota> app_quota(const std::string& instance_id, const std::string& id);
  core::Paged<core::AppQuota> app_quotas(const std::string& instance_id, const std::string& name,
                                         core::Page page);  // newest first
  bool app_quota_name_taken(const std::string& instance_id, const std::string& name,
                            const std::string& except_id);
  void insert_app_quota_binding(const core::AppQuotaBinding& b);  // kUnique: the app has one
  bool delete_app_quota_binding(const std::string& quota_id, const std::string& app_id);
  std::optional<core::AppQuotaBinding> app_quota_binding_of(const std::string& app_id);
  std::vector<core::AppQuotaBinding> app_quota_bindings(const std::string& quota_id);  // newest

  // ---- the governance part of the data plane's snapshot
  std::vector<core::Throttle> all_throttles(const std::string& instance_id);
  std::vector<core::ThrottleSpecial> all_throttle_specials(const std::string& instance_id);
  std::vector<core::ThrottleBinding> all_throttle_bindings(const std::string& instance_id);
  std::vector<core::AppQuota> all_app_quotas(const std::string& instance_id);
  std::vector<core::AppQuotaBinding> all_app_quota_bindings(const std::string& instance_id);

 protected:
  GovernanceTx(SqlSession& s, const crypto::Sealer& sealer) : TxBase(s, sealer) {}
  ~GovernanceTx() = default;
};

}  // namespace gh::store
