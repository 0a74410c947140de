#pragma once
// Instances, apps and AppCodes inside a transaction (tx_apps.cpp). AppSecrets and AppCode values
// are sealed on the way in and opened on the way out; AppCodes are found by keyed digest only.
#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "store/tx_base.hpp"

namespace gh::store {

struct AppFilter {
  std::string id, name, app_key, creator, owner_user_id;
  std::optional<int> status;
  bool precise_name = false;
  std::string app_type;  // "" = any
};

class AppsTx : public virtual TxBase {
 public:
  // ---- instances
  // Inserts the row only: Tx::insert_instance also creates the instance's DEFAULT group.
  void insert_instance_row(const core::Instance& i);
  std::optional<core::Instance> instance(const std::string& id);
  std::vector<core::Instance> instances(const std::string& project_id);
  // ---- apps
  void insert_app(const core::App& a);
  void update_app(const core::App& a);     // name, remark, key, secret, update_time
  bool delete_app(const std::string& id);  // cascades AppCodes
  std::optional<core::App> app(const std::string& instance_id, const std::string& id);
  std::optional<core::App> app_by_id(const std::string& id);
  // Whether the app exists in the instance: no column read, no sealed secret opened.
  bool app_in_instance(const std::string& instance_id, const std::string& id);
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
  std::vector<core::App> apps_of_instance(const std::string& instance_id);  // secrets opened
  static std::optional<std::string> open_app_secret(const crypto::Sealer& sealer,
                                                    std::string_view app_id,
                                                    std::string_view secret_sealed);

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

 protected:
  AppsTx(SqlSession& s, const crypto::Sealer& sealer) : TxBase(s, sealer) {}
  ~AppsTx() = default;

 private:
  core::App app_from(const Row& r);
  core::AppCode code_from(const Row& r);
};

}  // namespace gh::store
