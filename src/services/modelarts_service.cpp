#include "services/modelarts_service.hpp"

#include <algorithm>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/validation.hpp"
#include "crypto/random.hpp"
#include "services/audit.hpp"

namespace gh::services {
namespace errors = core::errors;
using core::Result;

ModelArtsApp ModelArtsService::detail(store::Tx& tx, const core::App& app) {
  ModelArtsApp m;
  m.app = app;
  auto inst = tx.instance(app.instance_id);
  bool roma = inst && inst->kind == core::InstanceKind::kRoma;
  m.app_type = roma ? "APIC" : "DEDICATE_APIG";
  m.bound_api_count = tx.count_bound_apis(app.id);
  if (!roma)
    for (auto& c : tx.all_app_codes(app.id)) m.app_codes.push_back(c.value);
  return m;
}

Result<core::App> ModelArtsService::own_app(store::Tx& tx, const Caller& c,
                                            const std::string& project_id,
                                            const std::string& app_id) {
  if (!plausible_id(app_id)) return errors::modelarts_app_not_found(app_id);
  auto app = tx.app_by_id(app_id);
  if (!app || app->project_id != project_id) return errors::modelarts_app_not_found(app_id);
  if (app->owner_user_id != c.user_id) return errors::modelarts_not_creator();
  return *app;
}

Result<core::App> ModelArtsService::own_app_locked(Write& w, const Caller& c,
                                                   const std::string& project_id,
                                                   const std::string& app_id) {
  auto app = own_app(w.tx, c, project_id, app_id);
  if (app) w.tx.lock_instance(app->instance_id);
  return app;
}

namespace {
// Deletes the app's AppCode of value `value` (ModelArts addresses AppCodes by value).
Result<core::AppCode> remove_code(store::Tx& tx, const core::App& app, const std::string& value) {
  auto old = tx.app_code_by_value(app.id, value);
  if (!old) return errors::modelarts_code_not_found();
  tx.delete_app_code(old->id);
  tx.record_change(app.instance_id, "app", app.id, "code.delete");
  return *old;
}
}  // namespace

Result<std::pair<std::int64_t, std::vector<ModelArtsApp>>> ModelArtsService::list(
    const Caller& c, const std::string& project_id, const ModelArtsListQuery& q) {
  using Out = std::pair<std::int64_t, std::vector<ModelArtsApp>>;
  return apps_.store().read([&](store::Tx& tx) -> Result<Out> {
    if (auto p = require_project_read(c, project_id); !p) return p.error();
    store::AppFilter f;
    f.owner_user_id = c.user_id;
    f.name = q.app_name;
    auto all = tx.apps_in_project(project_id, f);
    if (!q.app_ids.empty())
      std::erase_if(all, [&](const core::App& a) {
        return std::find(q.app_ids.begin(), q.app_ids.end(), a.id) == q.app_ids.end();
      });
    std::stable_sort(all.begin(), all.end(), [&](const core::App& a, const core::App& b) {
      bool less = q.sort_by == "app_name"     ? a.name < b.name
                  : q.sort_by == "updated_at" ? a.update_time < b.update_time
                                              : a.register_time < b.register_time;
      bool greater = q.sort_by == "app_name"     ? b.name < a.name
                     : q.sort_by == "updated_at" ? b.update_time < a.update_time
                                                 : b.register_time < a.register_time;
      return q.descending ? greater : less;
    });
    Out out{static_cast<std::int64_t>(all.size()), {}};
    for (std::size_t i = static_cast<std::size_t>(q.offset);
         i < all.size() && out.second.size() < static_cast<std::size_t>(q.limit); ++i)
      out.second.push_back(detail(tx, all[i]));
    return out;
  });
}

Result<ModelArtsApp> ModelArtsService::create(const Caller& c, const std::string& project_id,
                                              const std::string& name, const std::string& remark,
                                              const std::string& workspace_id) {
  if (!core::rules::is_app_name(name)) return errors::modelarts_param("Invalid app_name.");
  if (!core::rules::is_remark(remark, 200)) return errors::modelarts_param("Invalid app_remark.");
  return apps_.writer().in_project(
      c, project_id, {project_id, "app.create", "app", "", "modelarts name=" + name},
      [&](Write& w) -> Result<ModelArtsApp> {
        // New ModelArts apps land on the project's first APIG instance (docs/compatibility.md#g10).
        std::optional<core::Instance> target;
        for (auto& i : w.tx.instances(project_id))
          if (i.kind == core::InstanceKind::kApig) {
            target = i;
            break;
          }
        if (!target) return errors::modelarts_param("The project has no API Gateway instance.");
        w.tx.lock_instance(target->id);
        if (w.tx.count_apps_of_owner(project_id, c.user_id) >=
            apps_.limits().modelarts_apps_per_user)
          return errors::modelarts_too_many_apps();
        AppInput in;
        in.name = name;
        in.remark = remark;
        in.workspace_id = workspace_id;
        auto app = apps_.create_app_in(w.tx, c, *target, in);
        if (!app) return app.error();
        w.audit.target_id = app->id;
        return detail(w.tx, *app);
      },
      errors::app_name_exists());
}

Result<ModelArtsApp> ModelArtsService::show(const Caller& c, const std::string& project_id,
                                            const std::string& app_id) {
  return apps_.store().read([&](store::Tx& tx) -> Result<ModelArtsApp> {
    if (auto p = require_project_read(c, project_id); !p) return p.error();
    auto app = own_app(tx, c, project_id, app_id);
    if (!app) return app.error();
    return detail(tx, *app);
  });
}

core::Status ModelArtsService::remove(const Caller& c, const std::string& project_id,
                                      const std::string& app_id) {
  return apps_.writer().in_project(c, project_id,
                                   {project_id, "app.delete", "app", app_id, "modelarts"},
                                   [&](Write& w) -> core::Status {
                                     auto app = own_app_locked(w, c, project_id, app_id);
                                     if (!app) return app.error();
                                     if (detail(w.tx, *app).bound_api_count > 0)
                                       return errors::modelarts_app_bound();
                                     delete_app_in(w.tx, app->instance_id, app_id);
                                     return core::ok_status();
                                   });
}

Result<ModelArtsApp> ModelArtsService::add_code(const Caller& c, const std::string& project_id,
                                                const std::string& app_id) {
  return apps_.writer().in_project(
      c, project_id,
      {project_id, "app_code.generate", "app_code", "", "modelarts app_id=" + app_id},
      [&](Write& w) -> Result<ModelArtsApp> {
        auto app = own_app_locked(w, c, project_id, app_id);
        if (!app) return app.error();
        if (detail(w.tx, *app).app_type == "APIC")
          return errors::modelarts_param("AppCodes are only available for API Gateway apps.");
        auto code = apps_.add_code_in(w.tx, app->id, app->instance_id, std::nullopt);
        if (!code) return code.error();
        w.audit.target_id = code->id;
        w.audit.detail += " value=" + mask_secret(code->value);
        return detail(w.tx, *app);
      },
      errors::app_code_exists());
}

Result<ModelArtsApp> ModelArtsService::reset_code(const Caller& c, const std::string& project_id,
                                                  const std::string& app_id,
                                                  const std::string& value) {
  return apps_.writer().in_project(
      c, project_id,
      {project_id, "app_code.reset", "app_code", "",
       "modelarts app_id=" + app_id + " old=" + mask_secret(value)},
      [&](Write& w) -> Result<ModelArtsApp> {
        // Locks: instance (own_app_locked), then app (add_code_in), then the change log at commit
        // (store/tx.hpp), the order AppCode generation takes them in too.
        auto app = own_app_locked(w, c, project_id, app_id);
        if (!app) return app.error();
        if (auto old = remove_code(w.tx, *app, value); !old) return old.error();
        auto fresh = apps_.add_code_in(w.tx, app->id, app->instance_id, std::nullopt);
        if (!fresh) return fresh.error();
        w.audit.target_id = fresh->id;
        return detail(w.tx, *app);
      },
      errors::app_code_exists());
}

Result<ModelArtsApp> ModelArtsService::delete_code(const Caller& c, const std::string& project_id,
                                                   const std::string& app_id,
                                                   const std::string& value) {
  AuditRecord rec{project_id, "app_code.delete", "app_code", "",
                  "modelarts app_id=" + app_id + " value=" + mask_secret(value)};
  return apps_.writer().in_project(c, project_id, rec, [&](Write& w) -> Result<ModelArtsApp> {
    auto app = own_app_locked(w, c, project_id, app_id);
    if (!app) return app.error();
    auto old = remove_code(w.tx, *app, value);
    if (!old) return old.error();
    w.audit.target_id = old->id;
    return detail(w.tx, *app);
  });
}

Result<ModelArtsApp> ModelArtsService::reset_secret(const Caller& c, const std::string& project_id,
                                                    const std::string& app_id) {
  return apps_.writer().in_project(c, project_id,
                                   {project_id, "app_secret.reset", "app", app_id, "modelarts"},
                                   [&](Write& w) -> Result<ModelArtsApp> {
                                     auto app = own_app_locked(w, c, project_id, app_id);
                                     if (!app) return app.error();
                                     app->app_secret = crypto::random_hex(16);
                                     app->update_time = core::now_nanos();
                                     w.tx.update_app(*app);
                                     w.tx.record_change(app->instance_id, "app", app_id, "update");
                                     return detail(w.tx, *app);
                                   });
}

}  // namespace gh::services
