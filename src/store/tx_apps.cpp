// Instances, apps and AppCodes (store/tx_apps.hpp).
#include "store/tx_apps.hpp"

#include <limits>

#include "store/query_parts.hpp"

namespace gh::store {
namespace {
using I = std::int64_t;

constexpr const char* kAppCols =
    "id, instance_id, project_id, name, remark, app_key, secret_sealed, creator, status, "
    "app_type, roma_app_type, owner_user_id, workspace_id, register_time, update_time";
constexpr const char* kCodeCols = "id, app_id, instance_id, value_sealed, create_time";
constexpr const char* kCodesOfApp = " FROM app_codes WHERE app_id = ?";
constexpr const char* kAppsOfInstance = " FROM apps WHERE instance_id = ?";

// Builds "WHERE …" for an app filter, appending parameters.
std::string app_where(const AppFilter& f, std::vector<SqlValue>& p, bool postgres) {
  std::string w;
  add_eq(w, p, "id", f.id);
  add_name(w, p, "name", f.name, f.precise_name, postgres);
  add_eq(w, p, "app_key", f.app_key);
  add_eq(w, p, "creator", f.creator);
  add_eq(w, p, "owner_user_id", f.owner_user_id);
  add_eq(w, p, "app_type", f.app_type);
  add_eq(w, p, "status", f.status);
  return w;
}
}  // namespace

void AppsTx::insert_instance_row(const core::Instance& i) {
  s_.execute(
      "INSERT INTO instances(id, project_id, kind, name, created) VALUES (?, ?, ?, ?, ?)",
      {i.id, i.project_id, std::string(i.kind == core::InstanceKind::kRoma ? "roma" : "apig"),
       i.name, I{i.created}});
}
std::optional<core::Instance> AppsTx::instance(const std::string& id) {
  return select_one(s_, kInstanceCols, kInstanceById, {id}, instance_from);
}
std::vector<core::Instance> AppsTx::instances(const std::string& project_id) {
  return select_all(s_, kInstanceCols, " FROM instances WHERE project_id = ? ORDER BY created, id",
                    {project_id}, instance_from);
}
std::optional<std::string> AppsTx::open_app_secret(const crypto::Sealer& sealer,
                                                   std::string_view app_id,
                                                   std::string_view secret_sealed) {
  return sealer.open(secret_sealed, secret_aad("app_secret", app_id));
}
core::App AppsTx::app_from(const Row& r) {
  core::App a;
  a.id = r.text(0);
  a.instance_id = r.text(1);
  a.project_id = r.text(2);
  a.name = r.text(3);
  a.remark = r.text(4);
  a.app_key = r.text(5);
  auto secret = open_app_secret(sealer_, a.id, r.text(6));
  if (!secret) throw SqlError(SqlError::Kind::kOther, "sealed app secret failed to open");
  a.app_secret = std::move(*secret);
  a.creator = r.text(7);
  a.status = static_cast<int>(r.integer(8));
  a.app_type = r.text(9);
  a.roma_app_type = r.text(10);
  a.owner_user_id = r.text(11);
  a.workspace_id = r.text(12);
  a.register_time = r.integer(13);
  a.update_time = r.integer(14);
  return a;
}
void AppsTx::insert_app(const core::App& a) {
  s_.execute(std::string("INSERT INTO apps(") + kAppCols +
                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             {a.id, a.instance_id, a.project_id, a.name, a.remark, a.app_key,
              sealer_.seal(a.app_secret, secret_aad("app_secret", a.id)), a.creator, I{a.status},
              a.app_type, a.roma_app_type, a.owner_user_id, a.workspace_id, I{a.register_time},
              I{a.update_time}});
}
void AppsTx::update_app(const core::App& a) {
  s_.execute(
      "UPDATE apps SET name = ?, remark = ?, app_key = ?, secret_sealed = ?, update_time = ?, "
      "version = version + 1 WHERE id = ?",
      {a.name, a.remark, a.app_key, sealer_.seal(a.app_secret, secret_aad("app_secret", a.id)),
       I{a.update_time}, a.id});
}
bool AppsTx::delete_app(const std::string& id) {
  s_.execute("DELETE FROM app_codes WHERE app_id = ?", {id});
  s_.execute("DELETE FROM app_auths WHERE app_id = ?", {id});
  return s_.execute("DELETE FROM apps WHERE id = ?", {id}) > 0;
}
std::optional<core::App> AppsTx::app(const std::string& instance_id, const std::string& id) {
  return select_one(s_, kAppCols, " FROM apps WHERE id = ? AND instance_id = ?", {id, instance_id},
                    [&](const Row& r) { return app_from(r); });
}
std::optional<core::App> AppsTx::app_by_id(const std::string& id) {
  return select_one(s_, kAppCols, " FROM apps WHERE id = ?", {id},
                    [&](const Row& r) { return app_from(r); });
}
std::optional<core::App> AppsTx::app_by_name(const std::string& instance_id,
                                             const std::string& name) {
  return select_one(s_, kAppCols, " FROM apps WHERE instance_id = ? AND name = ?",
                    {instance_id, name}, [&](const Row& r) { return app_from(r); });
}
std::optional<core::App> AppsTx::app_by_key(const std::string& instance_id,
                                            const std::string& app_key) {
  return select_one(s_, kAppCols, " FROM apps WHERE instance_id = ? AND app_key = ?",
                    {instance_id, app_key}, [&](const Row& r) { return app_from(r); });
}
core::Paged<core::App> AppsTx::apps(const std::string& instance_id, const AppFilter& f,
                                    core::Page page) {
  std::vector<SqlValue> p{instance_id};
  std::string where = kAppsOfInstance + app_where(f, p, postgres());
  return page_of<core::App>(s_, kAppCols, where, std::move(p), "register_time DESC, id", page,
                            [&](const Row& r) { return app_from(r); });
}
std::vector<core::App> AppsTx::apps_in_project(const std::string& project_id, const AppFilter& f) {
  std::vector<SqlValue> p{project_id};
  std::string where = " FROM apps WHERE project_id = ?" + app_where(f, p, postgres());
  return select_all(s_, kAppCols, where + " ORDER BY register_time, id", p,
                    [&](const Row& r) { return app_from(r); });
}
std::int64_t AppsTx::count_apps(const std::string& instance_id) {
  return count_of(s_, kAppsOfInstance, {instance_id});
}
std::int64_t AppsTx::count_apps_of_owner(const std::string& project_id, const std::string& owner) {
  return count_of(s_, " FROM apps WHERE project_id = ? AND owner_user_id = ?", {project_id, owner});
}
bool AppsTx::app_in_instance(const std::string& instance_id, const std::string& id) {
  return exists_of(s_, " FROM apps WHERE id = ? AND instance_id = ?", {id, instance_id});
}
bool AppsTx::app_name_taken(const std::string& instance_id, const std::string& name,
                            const std::string& except_id) {
  return exists_of(s_, " FROM apps WHERE instance_id = ? AND name = ? AND id <> ?",
                   {instance_id, name, except_id});
}
bool AppsTx::app_key_taken(const std::string& instance_id, const std::string& key,
                           const std::string& except_id) {
  return exists_of(s_, " FROM apps WHERE instance_id = ? AND app_key = ? AND id <> ?",
                   {instance_id, key, except_id});
}
core::AppCode AppsTx::code_from(const Row& r) {
  core::AppCode c;
  c.id = r.text(0);
  c.app_id = r.text(1);
  c.instance_id = r.text(2);
  auto value = sealer_.open(r.text(3), secret_aad("app_code", c.id));
  if (!value) throw SqlError(SqlError::Kind::kOther, "sealed AppCode failed to open");
  c.value = std::move(*value);
  c.create_time = r.integer(4);
  return c;
}
AppsTx::SealedCode AppsTx::seal_app_code(const crypto::Sealer& sealer, const std::string& code_id,
                                         std::string_view value) {
  return {sealer.index_digest(value), sealer.seal(value, secret_aad("app_code", code_id))};
}
void AppsTx::insert_app_code(const core::AppCode& c) {
  insert_sealed_app_code(c, seal_app_code(sealer_, c.id, c.value));
}
void AppsTx::insert_sealed_app_code(const core::AppCode& c, const SealedCode& sealed) {
  s_.execute(
      "INSERT INTO app_codes(id, app_id, instance_id, digest, value_sealed, create_time) VALUES "
      "(?, ?, ?, ?, ?, ?)",
      {c.id, c.app_id, c.instance_id, sealed.digest_hex, sealed.value_sealed, I{c.create_time}});
}
bool AppsTx::app_code_digest_taken(const std::string& instance_id, const std::string& digest_hex) {
  return exists_of(s_, " FROM app_codes WHERE instance_id = ? AND digest = ?",
                   {instance_id, digest_hex});
}
bool AppsTx::app_has_code_digest(const std::string& app_id, const std::string& digest_hex) {
  return exists_of(s_, " FROM app_codes WHERE app_id = ? AND digest = ?", {app_id, digest_hex});
}
bool AppsTx::app_code_value_taken(const std::string& instance_id, const std::string& value) {
  return app_code_digest_taken(instance_id, sealer_.index_digest(value));
}
std::int64_t AppsTx::count_app_codes(const std::string& app_id) {
  return count_of(s_, kCodesOfApp, {app_id});
}
core::Paged<core::AppCode> AppsTx::app_codes(const std::string& app_id, core::Page page) {
  return page_of<core::AppCode>(s_, kCodeCols, kCodesOfApp, {app_id}, "create_time DESC, id", page,
                                [&](const Row& r) { return code_from(r); });
}
std::vector<core::AppCode> AppsTx::all_app_codes(const std::string& app_id) {
  return select_all(s_, kCodeCols, " FROM app_codes WHERE app_id = ? ORDER BY create_time, id",
                    {app_id}, [&](const Row& r) { return code_from(r); });
}
std::optional<core::AppCode> AppsTx::app_code(const std::string& app_id, const std::string& id) {
  return select_one(s_, kCodeCols, " FROM app_codes WHERE id = ? AND app_id = ?", {id, app_id},
                    [&](const Row& r) { return code_from(r); });
}
std::optional<core::AppCode> AppsTx::app_code_by_value(const std::string& app_id,
                                                       const std::string& value) {
  return select_one(s_, kCodeCols, " FROM app_codes WHERE app_id = ? AND digest = ?",
                    {app_id, sealer_.index_digest(value)},
                    [&](const Row& r) { return code_from(r); });
}
bool AppsTx::delete_app_code(const std::string& id) {
  return s_.execute("DELETE FROM app_codes WHERE id = ?", {id}) > 0;
}
std::vector<core::App> AppsTx::apps_of_instance(const std::string& instance_id) {
  AppFilter all;
  auto page = apps(instance_id, all, core::Page{0, std::numeric_limits<std::int64_t>::max()});
  return std::move(page.items);
}

}  // namespace gh::store
