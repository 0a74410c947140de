// IamService, directory: projects, users, role assignments and access keys. Every write goes
// through the Writer (services/writer.hpp): audited, and the token cache invalidated after commit.
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/validation.hpp"
#include "crypto/random.hpp"
#include "services/iam_service.hpp"

namespace gh::services {
namespace errors = core::errors;
using core::Result;

namespace {
// Role ids are fixed so that every node and every restart agrees on them.
const std::vector<RoleInfo> kRoles = {
    {"6f3c8a0e2d5b4c7a9e1f0b2d4c6a8e01", core::kRoleAdmin, "APIG Administrator",
     "Full control of API Gateway resources in the project"},
    {"6f3c8a0e2d5b4c7a9e1f0b2d4c6a8e02", core::kRoleViewer, "APIG Viewer",
     "Read-only access to API Gateway resources in the project"},
};

const RoleInfo* role_by_id(std::string_view id) {
  for (auto& r : kRoles)
    if (r.id == id || r.name == id) return &r;
  return nullptr;
}

// Upper-case letters and digits, as Huawei AKs look (20 chars); SKs are 40 alphanumerics.
std::string random_alnum(std::size_t n, bool upper_only) {
  static constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  static constexpr std::string_view kAll =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  auto alphabet = upper_only ? kUpper : kAll;
  std::string out;
  while (out.size() < n) {
    for (unsigned char b : crypto::random_bytes(n * 2)) {
      // Rejection sampling keeps the distribution uniform.
      if (b >= 256 - (256 % alphabet.size())) continue;
      out += alphabet[b % alphabet.size()];
      if (out.size() == n) break;
    }
  }
  return out;
}

core::Error forbidden() {
  return errors::iam_forbidden("You are not authorized to perform the requested action.");
}

// The access key `access` as `c` may see it (its own, or any of the domain for an administrator).
std::optional<core::AccessKey> visible_key(store::Tx& tx, const Caller& c,
                                           const std::string& access) {
  auto k = access.size() <= 64 ? tx.access_key(access) : std::nullopt;
  std::optional<core::User> owner;
  if (k) owner = tx.user_by_id(k->user_id);
  if (!k || !owner || owner->domain_id != c.domain_id ||
      (k->user_id != c.user_id && !c.domain_admin))
    return std::nullopt;
  return k;
}
}  // namespace

Result<std::vector<core::Project>> IamService::list_projects(const Caller& c,
                                                             const std::string& name) {
  return store_.read([&](store::Tx& tx) -> Result<std::vector<core::Project>> {
    auto all = tx.projects(c.domain_id, name);
    if (c.domain_admin) return all;
    std::vector<core::Project> mine;
    for (auto& p : all)
      if (!tx.roles_of(p.id, c.user_id).empty()) mine.push_back(p);
    return mine;
  });
}

Result<core::Project> IamService::create_project(const Caller& c, const std::string& name,
                                                 const std::string& description) {
  const auto exists = errors::iam_conflict("The project name already exists.");
  return writer_.checked_by_body(
      c, {c.project_id, "project.create", "project", "", name},
      [&](Write& w) -> Result<core::Project> {
        if (!c.domain_admin) return forbidden();
        if (name.empty() || name.size() > 64 || !core::rules::is_clean_text(name))
          return errors::iam_bad_request("Invalid project name.");
        if (!w.tx.projects(c.domain_id, name).empty()) return exists;
        core::Project p{crypto::new_id(), name, c.domain_id, description};
        w.tx.insert_project(p);
        auto now = core::now_nanos();
        w.tx.insert_instance(
            {crypto::new_id(), p.id, "apig-default", core::InstanceKind::kApig, now});
        w.tx.insert_instance(
            {crypto::new_id(), p.id, "roma-default", core::InstanceKind::kRoma, now + 1});
        w.audit.target_id = p.id;
        return p;
      },
      exists);  // after commit: a cached token scoped to this project id saw it missing
}

Result<core::User> IamService::create_user(const Caller& c, const std::string& name,
                                           const std::string& password,
                                           const std::string& domain_id) {
  const auto exists = errors::iam_conflict("The user name already exists.");
  return writer_.checked_by_body(
      c, {c.project_id, "user.create", "user", "", name},
      [&](Write& w) -> Result<core::User> {
        if (!c.domain_admin || (!domain_id.empty() && domain_id != c.domain_id)) return forbidden();
        if (name.empty() || name.size() > 64 || !core::rules::is_clean_text(name))
          return errors::iam_bad_request("Invalid user name.");
        if (password.size() < 6 || password.size() > 128)
          return errors::iam_bad_request("The password must contain 6 to 128 characters.");
        if (w.tx.user_by_name(c.domain_id, name)) return exists;
        core::User u;
        u.id = crypto::new_id();
        u.name = name;
        u.domain_id = c.domain_id;
        u.password_hash = hash_password(password);
        u.created = u.password_changed = core::now_nanos();
        w.tx.insert_user(u);
        w.audit.target_id = u.id;
        return u;
      },
      exists);
}

Result<std::vector<core::User>> IamService::list_users(const Caller& c) {
  return store_.read([&](store::Tx& tx) -> Result<std::vector<core::User>> {
    if (c.domain_admin) return tx.users(c.domain_id);
    auto self = tx.user_by_id(c.user_id);
    return self ? std::vector<core::User>{*self} : std::vector<core::User>{};
  });
}

Result<core::User> IamService::get_user(const Caller& c, const std::string& id) {
  return store_.read([&](store::Tx& tx) -> Result<core::User> {
    auto u = tx.user_by_id(id);
    if (!u || u->domain_id != c.domain_id || (!c.domain_admin && u->id != c.user_id))
      return errors::iam_not_found("Could not find user: " + id + ".");
    return *u;
  });
}

core::Status IamService::delete_user(const Caller& c, const std::string& id) {
  return writer_.checked_by_body(
      c, {c.project_id, "user.delete", "user", id, ""}, [&](Write& w) -> core::Status {
        if (!c.domain_admin) return forbidden();
        if (id == c.user_id) return errors::iam_forbidden("You cannot delete yourself.");
        auto u = w.tx.user_by_id(id);
        if (!u || u->domain_id != c.domain_id)
          return errors::iam_not_found("Could not find user: " + id + ".");
        // Cascades roles and access keys; its tokens fail from the next call (the Writer
        // invalidates the token cache before this call returns).
        w.tx.delete_user(id);
        return core::ok_status();
      });
}

const std::vector<RoleInfo>& IamService::roles() {
  return kRoles;
}

core::Status IamService::set_role(const Caller& c, const std::string& project_id,
                                  const std::string& user_id, const std::string& role_id,
                                  bool grant) {
  return writer_.checked_by_body(
      c,
      {project_id, grant ? "role.grant" : "role.revoke", "user", user_id,
       "project_id=" + project_id + " role=" + role_id},
      [&](Write& w) -> core::Status {
        if (!c.domain_admin) return forbidden();
        auto role = role_by_id(role_id);
        if (!role) return errors::iam_not_found("Could not find role: " + role_id + ".");
        auto p = w.tx.project_by_id(project_id);
        if (!p || p->domain_id != c.domain_id)
          return errors::iam_not_found("Could not find project: " + project_id + ".");
        auto u = w.tx.user_by_id(user_id);
        if (!u || u->domain_id != c.domain_id)
          return errors::iam_not_found("Could not find user: " + user_id + ".");
        if (grant) {
          w.tx.grant_role(project_id, user_id, role->name);
        } else if (!w.tx.revoke_role(project_id, user_id, role->name)) {
          return errors::iam_not_found("Could not find role assignment.");
        }
        return core::ok_status();  // counts from the next call (token cache invalidated)
      });
}

Result<std::vector<std::string>> IamService::roles_of(const Caller& c,
                                                      const std::string& project_id,
                                                      const std::string& user_id) {
  return store_.read([&](store::Tx& tx) -> Result<std::vector<std::string>> {
    if (!c.domain_admin && user_id != c.user_id) return forbidden();
    return tx.roles_of(project_id, user_id);
  });
}

Result<core::AccessKey> IamService::create_access_key(const Caller& c, const std::string& user_id,
                                                      const std::string& description) {
  std::string uid = user_id.empty() ? c.user_id : user_id;
  return writer_.checked_by_body(
      c, {c.project_id, "access_key.create", "access_key", "", "user_id=" + uid},
      [&](Write& w) -> Result<core::AccessKey> {
        if (uid != c.user_id && !c.domain_admin) return forbidden();
        if (description.size() > 255) return errors::iam_bad_request("Invalid description.");
        auto u = w.tx.user_by_id(uid);
        if (!u || u->domain_id != c.domain_id)
          return errors::iam_not_found("Could not find user: " + uid + ".");
        if (w.tx.access_keys(uid).size() >= 2)
          return errors::iam_bad_request("The number of access keys of the user exceeds 2.");
        core::AccessKey k{
            random_alnum(20, true), random_alnum(40, false), uid, description, "active",
            core::now_nanos()};
        w.tx.insert_access_key(k);
        w.audit.target_id = k.access;
        return k;
      });
}

Result<std::vector<core::AccessKey>> IamService::list_access_keys(const Caller& c,
                                                                  const std::string& user_id) {
  std::string uid = user_id.empty() ? c.user_id : user_id;
  if (uid != c.user_id && !c.domain_admin) return forbidden();
  return store_.read([&](store::Tx& tx) -> Result<std::vector<core::AccessKey>> {
    auto u = tx.user_by_id(uid);
    if (!u || u->domain_id != c.domain_id) return std::vector<core::AccessKey>{};
    return tx.access_keys(uid);
  });
}

Result<core::AccessKey> IamService::get_access_key(const Caller& c, const std::string& access) {
  return store_.read([&](store::Tx& tx) -> Result<core::AccessKey> {
    auto k = visible_key(tx, c, access);
    if (!k) return errors::iam_not_found("Could not find credential: " + access + ".");
    k->secret.clear();  // never shown again after creation
    return *k;
  });
}

core::Status IamService::delete_access_key(const Caller& c, const std::string& access) {
  return writer_.checked_by_body(
      c, {c.project_id, "access_key.delete", "access_key", access, ""},
      [&](Write& w) -> core::Status {
        if (!visible_key(w.tx, c, access))
          return errors::iam_not_found("Could not find credential: " + access + ".");
        w.tx.delete_access_key(access);
        return core::ok_status();
      });
}

}  // namespace gh::services
