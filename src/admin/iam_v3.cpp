// IAM, a Keystone-v3-compatible subset (docs/compatibility.md#iam).
#include "admin/admin_api.hpp"
#include "admin/respond.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"

namespace gh::admin {
namespace {
using V = http::bhttp::verb;
constexpr Dialect D = Dialect::kIam;

core::Error invalid_body() {
  return core::errors::iam_bad_request("The request body is invalid");
}

std::string str_at(const json::object* o, std::string_view key) {
  if (!o) return {};
  auto* v = o->if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Parses the Keystone password-auth body. Any shape error → 400 "The request body is invalid".
core::Result<services::PasswordLogin> parse_login(const json::object& body) {
  auto* auth = sub_object(body, "auth");
  auto* identity = auth ? sub_object(*auth, "identity") : nullptr;
  if (!identity) return invalid_body();
  auto* methods = identity->if_contains("methods");
  bool has_password = false;
  if (methods && methods->is_array())
    for (auto& m : methods->as_array())
      has_password |= m.is_string() && m.as_string() == "password";
  auto* password = sub_object(*identity, "password");
  auto* user = password ? sub_object(*password, "user") : nullptr;
  if (!has_password || !user) return invalid_body();
  services::PasswordLogin in;
  in.user_name = str_at(user, "name");
  in.user_id = str_at(user, "id");
  in.password = str_at(user, "password");
  auto* pw = user->if_contains("password");
  if (!pw || !pw->is_string() || (in.user_name.empty() && in.user_id.empty()))
    return invalid_body();
  auto* domain = sub_object(*user, "domain");
  in.domain_name = str_at(domain, "name");
  in.domain_id = str_at(domain, "id");
  if (in.user_id.empty() && in.domain_name.empty() && in.domain_id.empty()) return invalid_body();
  if (auto* scope = sub_object(*auth, "scope")) {
    if (auto* project = sub_object(*scope, "project")) {
      in.project_id = str_at(project, "id");
      in.project_name = str_at(project, "name");
      auto* pd = sub_object(*project, "domain");
      in.project_domain_name = str_at(pd, "name");
      in.project_domain_id = str_at(pd, "id");
      if (in.project_id.empty() && in.project_name.empty()) return invalid_body();
    } else if (auto* dom = sub_object(*scope, "domain")) {
      in.scope_domain_id = str_at(dom, "id");
      in.scope_domain_name = str_at(dom, "name");
      if (in.scope_domain_id.empty() && in.scope_domain_name.empty()) return invalid_body();
    }
  }
  return in;
}

json::object domain_json(const core::Domain& d) {
  return {{"id", d.id}, {"name", d.name}};
}

json::object project_json(const core::Project& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"domain_id", p.domain_id},
          {"description", p.description},
          {"enabled", true},
          {"is_domain", false},
          {"parent_id", p.domain_id}};
}

json::object user_json(const core::User& u) {
  return {{"id", u.id},
          {"name", u.name},
          {"domain_id", u.domain_id},
          {"enabled", u.enabled},
          {"password_expires_at", nullptr},
          {"create_time", core::rfc3339_seconds(u.created)}};
}

json::object credential_json(const core::AccessKey& k, bool with_secret) {
  json::object o{{"access", k.access},
                 {"status", k.status},
                 {"user_id", k.user_id},
                 {"create_time", core::rfc3339_micros(k.created)},
                 {"description", k.description}};
  if (with_secret) o["secret"] = k.secret;
  return o;
}

json::array role_refs(const std::vector<std::string>& names) {
  json::array out;
  for (auto& n : names)
    for (auto& r : services::IamService::roles())
      if (r.name == n) out.push_back(json::object{{"id", r.id}, {"name", r.name}});
  return out;
}

http::Response issue_token(AdminRequest& q, AdminServices& s) {
  GH_TRY(body, body_object(q, false), q, D);
  GH_TRY(login, parse_login(*body), q, D);
  GH_TRY(t, s.iam.login(*login), q, D);
  json::object user = {{"id", t->user.id},
                       {"name", t->user.name},
                       {"domain", domain_json(t->domain)},
                       {"password_expires_at", ""}};
  json::object token = {{"expires_at", core::rfc3339_micros(t->expires)},
                        {"issued_at", core::rfc3339_micros(t->issued)},
                        {"methods", json::array{"password"}},
                        {"user", std::move(user)},
                        {"roles", role_refs(t->roles)}};
  if (t->project) {
    auto p = json::object{
        {"id", t->project->id}, {"name", t->project->name}, {"domain", domain_json(t->domain)}};
    token["project"] = std::move(p);
  } else {
    token["domain"] = domain_json(t->domain);
  }
  json::array catalog;
  if (!q.query_value("nocatalog")) {
    auto url = s.public_url ? s.public_url() : std::string();
    for (auto [type, name] : {std::pair{"apig", "apig"}, std::pair{"identity", "iam"}}) {
      json::object ep{{"id", std::string(name) + "-public"},
                      {"interface", "public"},
                      {"region", s.region},
                      {"region_id", s.region},
                      {"url", url}};
      catalog.push_back(json::object{{"id", std::string(name) + "-service"},
                                     {"name", name},
                                     {"type", type},
                                     {"endpoints", json::array{std::move(ep)}}});
    }
  }
  token["catalog"] = std::move(catalog);
  auto res = json_response(q, 201, json::object{{"token", std::move(token)}});
  res.set("X-Subject-Token", t->token);
  return res;
}
}  // namespace

void register_iam_v3(Router& r, AdminServices& s) {
  auto& iam = s.iam;
  r.add(V::post, "/v3/auth/tokens", D, false, [&s](AdminRequest& q) { return issue_token(q, s); });

  r.add(V::get, "/v3/projects", D, true, [&iam](AdminRequest& q) {
    auto list = iam.list_projects(q.caller, q.query_value("name").value_or(""));
    return respond(q, D, list, 200, [](const std::vector<core::Project>& ps) {
      json::array items;
      for (auto& p : ps) items.push_back(project_json(p));
      return json::object{{"projects", std::move(items)}, {"links", json::object{}}};
    });
  });
  r.add(V::post, "/v3/projects", D, true, [&iam](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    auto* p = sub_object(*body, "project");
    if (!p || str_at(p, "name").empty()) return error_response(q, D, invalid_body());
    auto created = iam.create_project(q.caller, str_at(p, "name"), str_at(p, "description"));
    return respond(q, D, created, 201, [](const core::Project& x) {
      return json::object{{"project", project_json(x)}};
    });
  });

  r.add(V::post, "/v3/users", D, true, [&iam](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    auto* u = sub_object(*body, "user");
    if (!u || str_at(u, "name").empty() || str_at(u, "password").empty())
      return error_response(q, D, invalid_body());
    auto created =
        iam.create_user(q.caller, str_at(u, "name"), str_at(u, "password"), str_at(u, "domain_id"));
    return respond(q, D, created, 201, [](const core::User& x) {
      return json::object{{"user", user_json(x)}};
    });
  });
  r.add(V::get, "/v3/users", D, true, [&iam](AdminRequest& q) {
    return respond(q, D, iam.list_users(q.caller), 200, [](const std::vector<core::User>& us) {
      json::array items;
      for (auto& u : us) items.push_back(user_json(u));
      return json::object{{"users", std::move(items)}, {"links", json::object{}}};
    });
  });
  r.add(V::get, "/v3/users/{user_id}", D, true, [&iam](AdminRequest& q) {
    return respond(q, D, iam.get_user(q.caller, q.param("user_id")), 200, [](const core::User& u) {
      return json::object{{"user", user_json(u)}};
    });
  });
  r.add(V::delete_, "/v3/users/{user_id}", D, true, [&iam](AdminRequest& q) {
    return respond_empty(q, D, iam.delete_user(q.caller, q.param("user_id")), 204);
  });

  r.add(V::get, "/v3/roles", D, true, [](AdminRequest& q) {
    json::array items;
    for (auto& role : services::IamService::roles())
      items.push_back(json::object{{"id", role.id},
                                   {"name", role.name},
                                   {"display_name", role.display_name},
                                   {"description", role.description},
                                   {"type", "XA"}});
    return json_response(q, 200,
                         json::object{{"roles", std::move(items)}, {"links", json::object{}}});
  });
  const std::string assignment = "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}";
  r.add(V::put, assignment, D, true, [&iam](AdminRequest& q) {
    return respond_empty(
        q, D,
        iam.set_role(q.caller, q.param("project_id"), q.param("user_id"), q.param("role_id"), true),
        204);
  });
  r.add(V::delete_, assignment, D, true, [&iam](AdminRequest& q) {
    return respond_empty(q, D,
                         iam.set_role(q.caller, q.param("project_id"), q.param("user_id"),
                                      q.param("role_id"), false),
                         204);
  });
  r.add(V::get, "/v3/projects/{project_id}/users/{user_id}/roles", D, true,
        [&iam](AdminRequest& q) {
          auto roles = iam.roles_of(q.caller, q.param("project_id"), q.param("user_id"));
          return respond(q, D, roles, 200, [](const std::vector<std::string>& names) {
            return json::object{{"roles", role_refs(names)}, {"links", json::object{}}};
          });
        });

  const std::string creds = "/v3.0/OS-CREDENTIAL/credentials";
  r.add(V::post, creds, D, true, [&iam](AdminRequest& q) {
    GH_TRY(body, body_object(q, false), q, D);
    auto* c = sub_object(*body, "credential");
    if (!c) return error_response(q, D, invalid_body());
    auto k = iam.create_access_key(q.caller, str_at(c, "user_id"), str_at(c, "description"));
    return respond(q, D, k, 201, [](const core::AccessKey& x) {
      return json::object{{"credential", credential_json(x, true)}};
    });
  });
  r.add(V::get, creds, D, true, [&iam](AdminRequest& q) {
    auto list = iam.list_access_keys(q.caller, q.query_value("user_id").value_or(""));
    return respond(q, D, list, 200, [](const std::vector<core::AccessKey>& ks) {
      json::array items;
      for (auto& k : ks) items.push_back(credential_json(k, false));
      return json::object{{"credentials", std::move(items)}};
    });
  });
  r.add(V::get, creds + "/{access}", D, true, [&iam](AdminRequest& q) {
    return respond(q, D, iam.get_access_key(q.caller, q.param("access")), 200,
                   [](const core::AccessKey& k) {
                     return json::object{{"credential", credential_json(k, false)}};
                   });
  });
  r.add(V::delete_, creds + "/{access}", D, true, [&iam](AdminRequest& q) {
    return respond_empty(q, D, iam.delete_access_key(q.caller, q.param("access")), 204);
  });
}

}  // namespace gh::admin
