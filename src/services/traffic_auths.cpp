// TrafficService: app authorizations (docs/compatibility.md#traffic-endpoints; #g6, #g7).
#include <algorithm>
#include <map>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "crypto/random.hpp"
#include "services/traffic_internal.hpp"

namespace gh::services {
namespace errors = core::errors;
using core::Result;

Result<core::AppAuth> authorize_in(store::Tx& tx, const core::ApiSpec& api, const core::App& app,
                                   const std::string& env_id, bool published, core::Nanos now) {
  if (!published) return errors::publication_not_found();  // docs/compatibility.md#g6
  if (tx.app_auth_exists(api.id, app.id, env_id)) return errors::app_auth_exists();
  core::AppAuth auth{crypto::new_id(), app.instance_id, api.id, app.id, env_id, now};
  tx.insert_app_auth(auth);
  tx.record_change(app.instance_id, "app_auth", auth.id, "create");
  return auth;
}

// Unknown apps or APIs fail the whole request; per-pair rules fail only their item. The listener
// is called only when an item succeeded (the Writer calls it when a change was recorded).
Result<std::vector<AuthResult>> TrafficService::authorize(const Caller& c, const InstanceScope& s,
                                                          AuthInput in) {
  return writer_.in_instance(
      c, s, {s.project_id, "app_auth.create", "app_auth", "", "env_id=" + in.env_id},
      [&](Write& w) -> Result<std::vector<AuthResult>> {
        if (in.env_id.empty()) return errors::invalid_param("env_id");
        if (in.app_ids.empty() || in.app_ids.size() > 1000) return errors::invalid_param("app_ids");
        if (in.api_ids.empty() || in.api_ids.size() > 1000) return errors::invalid_param("api_ids");
        auto env = load_env(w.tx, s, in.env_id);
        if (!env) return env.error();
        std::vector<core::App> apps;
        for (auto& id : in.app_ids) {
          auto app = load_app_of(w.tx, s, id);
          if (!app) return app.error();
          apps.push_back(std::move(*app));
        }
        std::vector<core::ApiSpec> apis;
        for (auto& id : in.api_ids) {
          auto api = load_api(w.tx, s, id);
          if (!api) return api.error();
          apis.push_back(std::move(*api));
        }
        std::vector<AuthResult> out;
        auto now = core::now_nanos();
        for (auto& api : apis) {
          bool published = w.tx.online_publication(api.id, env->id).has_value();
          for (auto& app : apps) {
            AuthResult item;
            item.api_name = api.name;
            item.app_name = app.name;
            auto auth = authorize_in(w.tx, api, app, env->id, published, now);
            if (auth)
              item.auth = std::move(*auth);
            else
              item.auth = {"", s.instance_id, api.id, app.id, env->id, now};
            if (!auth) item.error = auth.error();
            out.push_back(std::move(item));
          }
        }
        return out;
      },
      errors::app_auth_exists());
}

core::Status TrafficService::unauthorize(const Caller& c, const InstanceScope& s,
                                         const std::string& auth_id) {
  return writer_.in_instance(c, s, {s.project_id, "app_auth.delete", "app_auth", auth_id, ""},
                             [&](Write& w) -> core::Status {
                               auto auth = load_auth(w.tx, s, auth_id);
                               if (!auth) return auth.error();
                               w.tx.delete_app_auth(auth_id);
                               w.tx.record_change(s.instance_id, "app_auth", auth_id, "delete");
                               return core::ok_status();
                             });
}

Result<core::Paged<AuthInfo>> TrafficService::list_auths(const Caller& c, const InstanceScope& s,
                                                         const AuthQuery& q, core::Page page) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<core::Paged<AuthInfo>> {
    std::map<std::string, std::optional<core::ApiSpec>> apis;
    std::map<std::string, std::optional<core::App>> apps;
    std::map<std::string, std::string> group_names, env_names;
    std::vector<AuthInfo> all;
    for (auto& a : tx.app_auths_where(s.instance_id, {q.app_id, q.api_id, q.env_id})) {
      auto& api = apis.try_emplace(a.api_id, tx.api(s.instance_id, a.api_id)).first->second;
      auto& app = apps.try_emplace(a.app_id, tx.app(s.instance_id, a.app_id)).first->second;
      if (!api || !app) continue;
      if (!q.group_id.empty() && api->group_id != q.group_id) continue;
      if (!q.api_name.empty() && api->name.find(q.api_name) == std::string::npos) continue;
      if (!q.app_name.empty() && app->name.find(q.app_name) == std::string::npos) continue;
      AuthInfo info{a, *api, "", "", "", *app};
      if (!group_names.count(api->group_id)) {
        auto g = tx.group(s.instance_id, api->group_id);
        group_names[api->group_id] = g ? g->name : "";
      }
      if (!env_names.count(a.env_id)) {
        auto e = tx.env(s.instance_id, a.env_id);
        env_names[a.env_id] = e ? e->name : "";
      }
      info.group_name = group_names[api->group_id];
      info.env_name = env_names[a.env_id];
      if (auto p = tx.online_publication(a.api_id, a.env_id)) info.publish_id = p->publish_id;
      all.push_back(std::move(info));
    }
    return core::slice_page(std::move(all), page);
  });
}

Result<core::Paged<ApiView>> TrafficService::unbound_apis(const Caller& c, const InstanceScope& s,
                                                          const AuthQuery& q, core::Page page) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<core::Paged<ApiView>> {
    if (q.app_id.empty()) return errors::invalid_param("app_id");
    if (q.env_id.empty()) return errors::invalid_param("env_id");
    auto app = load_app_of(tx, s, q.app_id);
    if (!app) return app.error();
    auto env = load_env(tx, s, q.env_id);
    if (!env) return env.error();
    store::ApiFilter f;
    f.env_id = env->id;
    f.group_id = q.group_id;
    f.id = q.api_id;
    f.name = q.api_name;
    std::vector<ApiView> all;
    for (auto& spec : tx.apis(s.instance_id, f, {0, 1 << 20}).items) {
      if (tx.app_auth_exists(spec.id, app->id, env->id)) continue;
      auto v = view_of(tx, spec);
      if (!v) return v.error();
      all.push_back(std::move(*v));
    }
    return core::slice_page(std::move(all), page);
  });
}

}  // namespace gh::services
