#pragma once
// ModelArts app-auth v1 use cases (docs/compatibility.md#modelarts, #g10): apps addressed by
// project, visible and manageable only by their creator, AppCodes addressed by value. Rules shared
// with the other dialects come from AppService; errors come back in APIG form and the ModelArts
// view renders them (admin/modelarts_v1).
#include <optional>
#include <string>
#include <vector>

#include "services/app_service.hpp"

namespace gh::services {

struct ModelArtsApp {
  core::App app;
  std::vector<std::string> app_codes;  // values, oldest first
  std::string app_type;                // DEDICATE_APIG | APIC
  std::int64_t bound_api_count = 0;
};

struct ModelArtsListQuery {
  std::string app_name;
  std::int64_t offset = 0, limit = 1000;
  bool descending = true;
  std::string sort_by = "created_at";  // app_name | created_at | updated_at
  std::vector<std::string> app_ids;
};

class ModelArtsService {
 public:
  explicit ModelArtsService(AppService& apps) : apps_(apps) {}

  core::Result<std::pair<std::int64_t, std::vector<ModelArtsApp>>> list(
      const Caller& c, const std::string& project_id, const ModelArtsListQuery& q);
  core::Result<ModelArtsApp> create(const Caller& c, const std::string& project_id,
                                    const std::string& name, const std::string& remark,
                                    const std::string& workspace_id);
  core::Result<ModelArtsApp> show(const Caller& c, const std::string& project_id,
                                  const std::string& app_id);
  core::Status remove(const Caller& c, const std::string& project_id, const std::string& app_id);
  core::Result<ModelArtsApp> add_code(const Caller& c, const std::string& project_id,
                                      const std::string& app_id);
  core::Result<ModelArtsApp> reset_code(const Caller& c, const std::string& project_id,
                                        const std::string& app_id, const std::string& value);
  core::Result<ModelArtsApp> delete_code(const Caller& c, const std::string& project_id,
                                         const std::string& app_id, const std::string& value);
  core::Result<ModelArtsApp> reset_secret(const Caller& c, const std::string& project_id,
                                          const std::string& app_id);

 private:
  // Loads the caller's own app (404 if absent, 403 if another user's) within the project; the
  // caller checked its permission on the project.
  core::Result<core::App> own_app(store::Tx& tx, const Caller& c, const std::string& project_id,
                                  const std::string& app_id);
  // own_app inside a write, with the app's instance locked (store/tx.hpp: lock order).
  core::Result<core::App> own_app_locked(Write& w, const Caller& c, const std::string& project_id,
                                         const std::string& app_id);
  ModelArtsApp detail(store::Tx& tx, const core::App& app);

  AppService& apps_;
};

}  // namespace gh::services
