#include "services/app_service.hpp"

#include <algorithm>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/validation.hpp"
#include "crypto/random.hpp"
#include "services/audit.hpp"

namespace gh::services {
namespace errors = core::errors;
using core::Result;

core::Status check_app_input(const AppInput& in, bool name_required) {
  if (name_required && !in.name) return errors::invalid_param("name");
  if (in.name && !core::rules::is_app_name(*in.name)) return errors::invalid_param("name");
  if (in.remark && !core::rules::is_remark(*in.remark, 255)) return errors::invalid_param("remark");
  if (in.app_key) {
    bool ok = in.roma_key_rules ? core::rules::is_roma_key(*in.app_key)
                                : core::rules::is_app_key(*in.app_key);
    if (!ok) return errors::invalid_param(in.roma_key_rules ? "key" : "app_key");
  }
  if (in.app_secret) {
    bool ok = in.roma_key_rules ? core::rules::is_roma_secret(*in.app_secret)
                                : core::rules::is_app_secret(*in.app_secret);
    if (!ok) return errors::invalid_param(in.roma_key_rules ? "secret" : "app_secret");
  }
  return core::ok_status();
}

Result<core::App> find_app(store::Tx& tx, const InstanceScope& s, const std::string& app_id,
                           std::string_view id_param) {
  if (!plausible_id(app_id)) return errors::forbidden_param_value(id_param);
  auto app = tx.app(s.instance_id, app_id);
  if (!app) return errors::app_not_found(app_id);
  return *app;
}

core::Status require_app(store::Tx& tx, const InstanceScope& s, const std::string& app_id,
                         std::string_view id_param) {
  if (!plausible_id(app_id)) return errors::forbidden_param_value(id_param);
  if (!tx.app_in_instance(s.instance_id, app_id)) return errors::app_not_found(app_id);
  return core::ok_status();
}

Result<core::App> AppService::load_app(store::Tx& tx, const Caller& c, const InstanceScope& s,
                                       const std::string& app_id, std::string_view id_param) {
  auto inst = load_scoped_instance(tx, c, s, false);
  if (!inst) return inst.error();
  return find_app(tx, s, app_id, id_param);
}

core::Status AppService::check_app(store::Tx& tx, const Caller& c, const InstanceScope& s,
                                   const std::string& app_id, std::string_view id_param) {
  auto inst = load_scoped_instance(tx, c, s, false);
  if (!inst) return inst.error();
  return require_app(tx, s, app_id, id_param);
}

Result<core::Instance> AppService::instance(const Caller& c, const InstanceScope& s) {
  return store_.read([&](store::Tx& tx) { return load_scoped_instance(tx, c, s, false); });
}

Result<std::vector<core::Instance>> AppService::instances(const Caller& c,
                                                          const std::string& project_id,
                                                          std::optional<core::InstanceKind> kind) {
  return store_.read([&](store::Tx& tx) -> Result<std::vector<core::Instance>> {
    if (auto p = require_project_read(c, project_id); !p) return p.error();
    std::vector<core::Instance> out;
    for (auto& i : tx.instances(project_id))
      if (!kind || i.kind == *kind) out.push_back(i);
    return out;
  });
}

Result<core::App> AppService::create_app_in(store::Tx& tx, const Caller& c,
                                            const core::Instance& inst, AppInput in) {
  if (auto v = check_app_input(in, true); !v) return v.error();
  if (tx.count_apps(inst.id) >= limits_.max_apps_per_instance) return errors::too_many_apps();
  if (tx.app_name_taken(inst.id, *in.name, "")) return errors::app_name_exists();
  core::App app;
  app.id = crypto::new_id();
  app.instance_id = inst.id;
  app.project_id = inst.project_id;
  app.name = *in.name;
  app.remark = in.remark.value_or("");
  app.app_key = in.app_key.value_or(crypto::random_hex(16));
  app.app_secret = in.app_secret.value_or(crypto::random_hex(16));
  if (tx.app_key_taken(inst.id, app.app_key, "")) return errors::app_key_exists();
  app.app_type = in.app_type;
  app.roma_app_type = in.roma_app_type;
  app.owner_user_id = c.user_id;
  app.workspace_id = in.workspace_id;
  app.register_time = app.update_time = core::now_nanos();
  tx.insert_app(app);
  tx.record_change(inst.id, "app", app.id, "create");
  return app;
}

Result<core::App> AppService::create_app(const Caller& c, const InstanceScope& s, AppInput in) {
  return writer_.in_instance(
      c, s, {s.project_id, "app.create", "app", "", in.name.value_or("")},
      [&](Write& w) -> Result<core::App> {
        auto app = create_app_in(w.tx, c, *w.instance, in);
        if (app) w.audit.target_id = app->id;
        return app;
      },
      errors::app_name_exists());
}

Result<core::Paged<core::App>> AppService::list_apps(const Caller& c, const InstanceScope& s,
                                                     store::AppFilter f, core::Page page) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<core::Paged<core::App>> {
    auto out = tx.apps(s.instance_id, f, page);
    auto counts = tx.bound_api_counts(s.instance_id);  // sorted by app id
    for (auto& a : out.items) {
      auto it = std::lower_bound(counts.begin(), counts.end(), a.id,
                                 [](const auto& e, const std::string& id) { return e.first < id; });
      if (it != counts.end() && it->first == a.id) a.bound_api_count = it->second;
    }
    return out;
  });
}

Result<core::App> AppService::get_app(const Caller& c, const InstanceScope& s,
                                      const std::string& id) {
  return store_.read([&](store::Tx& tx) { return load_app(tx, c, s, id, "id"); });
}

Result<core::App> AppService::validate_app(const Caller& c, const InstanceScope& s,
                                           const std::string& id) {
  return get_app(c, s, id);
}

Result<core::App> AppService::update_app(const Caller& c, const InstanceScope& s,
                                         const std::string& id, AppInput in) {
  return writer_.in_instance(
      c, s, {s.project_id, "app.update", "app", id, in.name.value_or("")},
      [&](Write& w) -> Result<core::App> {
        auto app = find_app(w.tx, s, id, "id");
        if (!app) return app.error();
        if (auto v = check_app_input(in, true); !v) return v.error();
        if (w.tx.app_name_taken(s.instance_id, *in.name, id)) return errors::app_name_exists();
        if (in.app_key && w.tx.app_key_taken(s.instance_id, *in.app_key, id))
          return errors::app_key_exists();
        app->name = *in.name;
        if (in.remark) app->remark = *in.remark;
        if (in.app_key) app->app_key = *in.app_key;
        if (in.app_secret) app->app_secret = *in.app_secret;
        app->update_time = core::now_nanos();
        w.tx.update_app(*app);
        w.tx.record_change(s.instance_id, "app", id, "update");
        return app;
      },
      errors::app_name_exists());
}

void delete_app_in(store::Tx& tx, const std::string& instance_id, const std::string& app_id) {
  // What names the app goes with it, each with its change record: the gateway rebuilds its routes
  // without the app's special limits, quota and ACL (docs/compatibility.md#g7).
  for (const auto& x : tx.all_throttle_specials(instance_id))
    if (x.object_type == "APP" && x.object_id == app_id && tx.delete_throttle_special(x.id))
      tx.record_change(instance_id, "throttle_special", x.id, "delete");
  if (auto b = tx.app_quota_binding_of(app_id);
      b && tx.delete_app_quota_binding(b->quota_id, app_id))
    tx.record_change(instance_id, "app_quota_binding", app_id, "delete");
  if (tx.delete_app_acl(app_id)) tx.record_change(instance_id, "app_acl", app_id, "delete");
  tx.delete_app(app_id);
  tx.record_change(instance_id, "app", app_id, "delete");
}

core::Status AppService::delete_app(const Caller& c, const InstanceScope& s,
                                    const std::string& id) {
  return writer_.in_instance(c, s, {s.project_id, "app.delete", "app", id, ""},
                             [&](Write& w) -> core::Status {
                               auto app = find_app(w.tx, s, id, "id");
                               if (!app) return app.error();
                               // docs/compatibility.md#g7: its AppCodes and authorizations go
                               // with it, in this transaction.
                               for (auto& auth_id : w.tx.delete_app_auths_of_app(id))
                                 w.tx.record_change(s.instance_id, "app_auth", auth_id, "delete");
                               delete_app_in(w.tx, s.instance_id, id);
                               return core::ok_status();
                             });
}

Result<core::App> AppService::reset_secret(const Caller& c, const InstanceScope& s,
                                           const std::string& id,
                                           std::optional<std::string> secret) {
  return writer_.in_instance(
      c, s, {s.project_id, "app_secret.reset", "app", id, ""}, [&](Write& w) -> Result<core::App> {
        auto app = find_app(w.tx, s, id, "id");
        if (!app) return app.error();
        if (secret && !secret->empty()) {
          bool ok = app->app_type == "roma" ? core::rules::is_roma_secret(*secret)
                                            : core::rules::is_app_secret(*secret);
          if (!ok) return errors::invalid_param("app_secret");
          app->app_secret = *secret;
        } else {
          app->app_secret = crypto::random_hex(16);
        }
        app->update_time = core::now_nanos();
        w.tx.update_app(*app);
        w.tx.record_change(s.instance_id, "app", id, "update");
        return app;
      });
}

Result<AppOutline> AppService::outline(const Caller& c, const InstanceScope& s) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<AppOutline> {
    auto authed = static_cast<std::int64_t>(tx.bound_api_counts(s.instance_id).size());
    return AppOutline{authed, tx.count_apps(s.instance_id) - authed};
  });
}

// ---------------------------------------------------------------- AppCodes
Result<core::AppCode> AppService::add_code_in(store::Tx& tx, const std::string& app_id,
                                              const std::string& instance_id,
                                              std::optional<std::string> custom_value) {
  if (custom_value && !core::rules::is_app_code(*custom_value))
    return errors::invalid_param("app_code");
  tx.lock_app(app_id);  // after the instance lock (store/tx.hpp: lock order)
  if (tx.count_app_codes(app_id) >= kMaxAppCodesPerApp) return errors::too_many_app_codes();
  core::AppCode code;
  code.id = crypto::new_id();
  code.app_id = app_id;
  code.instance_id = instance_id;
  code.value = custom_value ? *custom_value : crypto::random_hex(32);
  if (tx.app_code_value_taken(instance_id, code.value)) return errors::app_code_exists();
  code.create_time = core::now_nanos();
  tx.insert_app_code(code);
  tx.record_change(instance_id, "app", app_id, "code.create");
  return code;
}

Result<core::AppCode> AppService::generate_code(const Caller& c, const InstanceScope& s,
                                                const std::string& app_id) {
  return writer_.in_instance(
      c, s, {s.project_id, "app_code.generate", "app_code", "", "app_id=" + app_id},
      [&](Write& w) -> Result<core::AppCode> {
        if (auto app = require_app(w.tx, s, app_id, "app_id"); !app) return app.error();
        auto code = add_code_in(w.tx, app_id, s.instance_id, std::nullopt);
        if (code) {
          w.audit.target_id = code->id;
          w.audit.detail += " value=" + mask_secret(code->value);
        }
        return code;
      },
      errors::app_code_exists());
}

Result<core::AppCode> AppService::create_code(const Caller& c, const InstanceScope& s,
                                              const std::string& app_id, const std::string& value) {
  return writer_.in_instance(
      c, s,
      {s.project_id, "app_code.create", "app_code", "",
       "app_id=" + app_id + " value=" + mask_secret(value)},
      [&](Write& w) -> Result<core::AppCode> {
        if (auto app = require_app(w.tx, s, app_id, "app_id"); !app) return app.error();
        auto code = add_code_in(w.tx, app_id, s.instance_id, value);
        if (code) w.audit.target_id = code->id;
        return code;
      },
      errors::app_code_exists());
}

Result<core::Paged<core::AppCode>> AppService::list_codes(const Caller& c, const InstanceScope& s,
                                                          const std::string& app_id,
                                                          core::Page page) {
  return store_.read([&](store::Tx& tx) -> Result<core::Paged<core::AppCode>> {
    if (auto app = check_app(tx, c, s, app_id, "app_id"); !app) return app.error();
    return tx.app_codes(app_id, page);
  });
}

namespace {
Result<core::AppCode> find_code(store::Tx& tx, const std::string& app_id,
                                const std::string& code_id) {
  auto code = plausible_id(code_id) ? tx.app_code(app_id, code_id) : std::nullopt;
  if (!code) return errors::app_code_not_found();
  return *code;
}
}  // namespace

Result<core::AppCode> AppService::get_code(const Caller& c, const InstanceScope& s,
                                           const std::string& app_id, const std::string& code_id) {
  return store_.read([&](store::Tx& tx) -> Result<core::AppCode> {
    if (auto app = check_app(tx, c, s, app_id, "app_id"); !app) return app.error();
    return find_code(tx, app_id, code_id);
  });
}

core::Status AppService::delete_code(const Caller& c, const InstanceScope& s,
                                     const std::string& app_id, const std::string& code_id) {
  return writer_.in_instance(
      c, s, {s.project_id, "app_code.delete", "app_code", code_id, "app_id=" + app_id},
      [&](Write& w) -> core::Status {
        if (auto app = require_app(w.tx, s, app_id, "app_id"); !app) return app.error();
        auto code = find_code(w.tx, app_id, code_id);
        if (!code) return code.error();
        w.tx.delete_app_code(code_id);
        w.tx.record_change(s.instance_id, "app", app_id, "code.delete");
        return core::ok_status();
      });
}

}  // namespace gh::services
