#pragma once
// App and AppCode use cases, shared by every dialect (APIG v2, ROMA Connect, ModelArts v1). Every
// rule lives here once: value rules, the AppCode-per-app limit, per-instance uniqueness of names,
// keys and AppCode values, the apps-per-instance quota, RBAC, audit and change events.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"
#include "core/model.hpp"
#include "services/caller.hpp"
#include "services/limits.hpp"
#include "services/scope.hpp"
#include "services/writer.hpp"
#include "store/store.hpp"

namespace gh::services {

struct AppInput {
  std::optional<std::string> name, remark, app_key, app_secret;
  std::string app_type = "apig";
  std::string roma_app_type;
  std::string workspace_id = "0";
  // Which rule set applies to app_key/app_secret: APIG (docs/compatibility.md#app-rules) or ROMA
  // integration apps (docs/compatibility.md#roma).
  bool roma_key_rules = false;
};

// Validates the fields present in `in` (value rules of docs/compatibility.md#app-rules, or
// docs/compatibility.md#roma with roma_key_rules); `name_required` for creations. Errors: 400
// APIG.2011 naming the field.
core::Status check_app_input(const AppInput& in, bool name_required);

struct AppOutline {
  std::int64_t authed = 0, unauthed = 0;
};

// Deletes an app inside the caller's write (its instance locked) with what goes with it in every
// dialect: its special throttling limits, its quota binding and its app ACL
// (docs/compatibility.md#g7, #acl-cascades); its AppCodes go by the schema. Records the changes.
void delete_app_in(store::Tx& tx, const std::string& instance_id, const std::string& app_id);

class AppService {
 public:
  AppService(store::Store& store, Limits limits)
      : store_(store), limits_(limits), writer_(store_, listener_) {}
  void on_change(ChangeListener l) { listener_ = std::move(l); }
  const Limits& limits() const { return limits_; }

  core::Result<core::Instance> instance(const Caller& c, const InstanceScope& s);
  core::Result<std::vector<core::Instance>> instances(const Caller& c,
                                                      const std::string& project_id,
                                                      std::optional<core::InstanceKind> kind);

  core::Result<core::App> create_app(const Caller& c, const InstanceScope& s, AppInput in);
  core::Result<core::Paged<core::App>> list_apps(const Caller& c, const InstanceScope& s,
                                                 store::AppFilter f, core::Page page);
  core::Result<core::App> get_app(const Caller& c, const InstanceScope& s, const std::string& id);
  core::Result<core::App> update_app(const Caller& c, const InstanceScope& s, const std::string& id,
                                     AppInput in);
  core::Status delete_app(const Caller& c, const InstanceScope& s, const std::string& id);
  core::Result<core::App> reset_secret(const Caller& c, const InstanceScope& s,
                                       const std::string& id, std::optional<std::string> secret);
  // Any project member may validate an app; only id/name/remark are to be shown.
  core::Result<core::App> validate_app(const Caller& c, const InstanceScope& s,
                                       const std::string& id);
  core::Result<AppOutline> outline(const Caller& c, const InstanceScope& s);

  core::Result<core::AppCode> generate_code(const Caller& c, const InstanceScope& s,
                                            const std::string& app_id);
  core::Result<core::AppCode> create_code(const Caller& c, const InstanceScope& s,
                                          const std::string& app_id, const std::string& value);
  core::Result<core::Paged<core::AppCode>> list_codes(const Caller& c, const InstanceScope& s,
                                                      const std::string& app_id, core::Page page);
  core::Result<core::AppCode> get_code(const Caller& c, const InstanceScope& s,
                                       const std::string& app_id, const std::string& code_id);
  core::Status delete_code(const Caller& c, const InstanceScope& s, const std::string& app_id,
                           const std::string& code_id);

  // ---- building blocks for dialects that address apps by project (ModelArts v1). They apply the
  // same rules inside the caller's write (services/writer.hpp), which holds the instance lock.
  core::Result<core::App> create_app_in(store::Tx& tx, const Caller& c, const core::Instance& inst,
                                        AppInput in);
  core::Result<core::AppCode> add_code_in(store::Tx& tx, const std::string& app_id,
                                          const std::string& instance_id,
                                          std::optional<std::string> custom_value);
  // The write path of app and AppCode changes (its listener is this service's).
  Writer& writer() { return writer_; }
  store::Store& store() { return store_; }

 private:
  // Checks RBAC and the instance (load_scoped_instance), then loads the app (find_app).
  core::Result<core::App> load_app(store::Tx& tx, const Caller& c, const InstanceScope& s,
                                   const std::string& app_id, std::string_view id_param);
  // The same checks, then require_app (the app is not loaded).
  core::Status check_app(store::Tx& tx, const Caller& c, const InstanceScope& s,
                         const std::string& app_id, std::string_view id_param);

  store::Store& store_;
  Limits limits_;
  ChangeListener listener_;
  Writer writer_;
};

// The app `app_id` of the scope's instance; the caller checked the scope. Errors: 400 APIG.2012
// naming `id_param` for a garbage id, 404 APIG.3004.
core::Result<core::App> find_app(store::Tx& tx, const InstanceScope& s, const std::string& app_id,
                                 std::string_view id_param);
// find_app's checks and errors, for calls that need only to know the app is there (its AppCodes):
// one indexed lookup, no column read and no sealed secret opened.
core::Status require_app(store::Tx& tx, const InstanceScope& s, const std::string& app_id,
                         std::string_view id_param);

}  // namespace gh::services
