// TrafficService: API definitions and publishing (docs/compatibility.md#traffic-endpoints,
// #api-definition).
#include <algorithm>
#include <set>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/validation.hpp"
#include "crypto/random.hpp"
#include "services/traffic_internal.hpp"
#include "store/spec_json.hpp"

namespace gh::services {
namespace errors = core::errors;
using core::Result;

namespace {
bool one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  return std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return v == a; });
}
constexpr std::initializer_list<const char*> kMethods = {"GET",  "POST",  "PUT",     "DELETE",
                                                         "HEAD", "PATCH", "OPTIONS", "ANY"};
constexpr std::initializer_list<const char*> kLocations = {"PATH", "QUERY", "HEADER"};
constexpr std::initializer_list<const char*> kSystemValues = {
    "$context.sourceIp",      "$context.stage",      "$context.apiId",      "$context.appId",
    "$context.requestId",     "$context.serverAddr", "$context.serverName", "$context.handleTime",
    "$context.providerAppId", "$context.apiName",    "$context.appName"};
}  // namespace

std::string route_key(std::string_view uri) {
  std::string out;
  std::size_t i = 0;
  while (i < uri.size()) {
    if (uri[i] == '{') {
      auto end = uri.find('}', i);
      if (end == uri.npos) break;
      out += uri[end - 1] == '+' ? "{+}" : "{}";
      i = end + 1;
    } else {
      out += uri[i++];
    }
  }
  return out + std::string(uri.substr(i));
}

core::Status TrafficService::check_spec(const core::ApiSpec& a) const {
  using core::rules::is_param_name;
  if (!core::rules::is_api_name(a.name)) return errors::invalid_param("name");
  if (a.type != 1 && a.type != 2) return errors::invalid_param("type");
  if (a.group_id.empty()) return errors::invalid_param("group_id");
  if (!one_of(a.req_protocol, {"HTTP", "HTTPS", "BOTH"}))
    return errors::invalid_param("req_protocol");
  if (!one_of(a.req_method, kMethods)) return errors::invalid_param("req_method");
  if (!core::rules::is_req_uri(a.req_uri)) return errors::invalid_param("req_uri");
  if (!one_of(a.match_mode, {"NORMAL", "SWA"})) return errors::invalid_param("match_mode");
  if (!one_of(a.auth_type, {"NONE", "APP", "IAM"})) return errors::invalid_param("auth_type");
  if (!one_of(a.app_code_auth_type, {"DISABLE", "HEADER"}) ||
      (a.app_code_auth_type == "HEADER" && a.auth_type != "APP"))
    return errors::invalid_param("auth_opt.app_code_auth_type");
  if (!core::rules::is_remark(a.remark, 255)) return errors::invalid_param("remark");

  if (a.backend_type == "HTTP") {
    const auto& b = a.backend;
    if (!core::rules::is_url_domain(b.url_domain))
      return errors::invalid_param("backend_api.url_domain");
    if (!one_of(b.req_protocol, {"HTTP", "HTTPS"}))
      return errors::invalid_param("backend_api.req_protocol");
    if (!one_of(b.req_method, kMethods)) return errors::invalid_param("backend_api.req_method");
    if (!core::rules::is_req_uri(b.req_uri, true))
      return errors::invalid_param("backend_api.req_uri");
    if (b.timeout_ms < 1 || b.timeout_ms > 600000)
      return errors::invalid_param("backend_api.timeout");
    if (b.retry_count < -1 || b.retry_count > 10)
      return errors::invalid_param("backend_api.retry_count");
  } else if (a.backend_type == "MOCK") {
    if (!core::rules::is_remark(a.mock_result, 2048))
      return errors::invalid_param("mock_info.result_content");
  } else {
    return errors::invalid_param("backend_type");
  }

  if (a.req_params.size() > settings_.max_params) return errors::invalid_param("req_params");
  auto uri_params = core::rules::path_params(a.req_uri);
  std::set<std::string> req_names;
  for (const auto& p : a.req_params) {
    if (!is_param_name(p.name) || !req_names.insert(p.name).second)
      return errors::invalid_param("req_params.name");
    if (!one_of(p.type, {"STRING", "NUMBER"})) return errors::invalid_param("req_params.type");
    if (!one_of(p.location, kLocations)) return errors::invalid_param("req_params.location");
    if (p.required != 1 && p.required != 2) return errors::invalid_param("req_params.required");
    if (p.location == "PATH" &&
        std::find(uri_params.begin(), uri_params.end(), p.name) == uri_params.end())
      return errors::invalid_param("req_params.location");
    if (!core::rules::is_remark(p.default_value, 255))
      return errors::invalid_param("req_params.default_value");
  }

  if (a.backend_params.size() > settings_.max_params)
    return errors::invalid_param("backend_params");
  auto backend_uri_params = core::rules::path_params(a.backend.req_uri);
  std::set<std::pair<std::string, std::string>> back_names;
  for (const auto& p : a.backend_params) {
    if (!is_param_name(p.name) || !back_names.insert({p.location, p.name}).second)
      return errors::invalid_param("backend_params.name");
    if (!one_of(p.location, kLocations)) return errors::invalid_param("backend_params.location");
    if (p.location == "PATH" && std::find(backend_uri_params.begin(), backend_uri_params.end(),
                                          p.name) == backend_uri_params.end())
      return errors::invalid_param("backend_params.location");
    bool value_ok = false;
    if (p.origin == "REQUEST")
      value_ok = req_names.count(p.value) > 0 ||
                 std::find(uri_params.begin(), uri_params.end(), p.value) != uri_params.end();
    else if (p.origin == "CONSTANT")
      value_ok = !p.value.empty() && core::rules::is_remark(p.value, 255);
    else if (p.origin == "SYSTEM")
      value_ok = one_of(p.value, kSystemValues);
    else
      return errors::invalid_param("backend_params.origin");
    if (!value_ok) return errors::invalid_param("backend_params.value");
  }
  return core::ok_status();
}

Result<ApiView> TrafficService::view_of(store::Tx& tx, const core::ApiSpec& spec) {
  ApiView v;
  v.spec = spec;
  if (auto g = tx.group(spec.instance_id, spec.group_id)) v.group_name = g->name;
  for (auto& o : tx.online_envs(spec.id)) {
    auto env = tx.env(spec.instance_id, o.env_id);
    v.online.push_back({o.env_id, env ? env->name : "", o.publish_id, o.publish_time});
  }
  return v;
}

Result<ApiView> TrafficService::save_api(const Caller& c, const InstanceScope& s,
                                         const std::string& id, core::ApiSpec in) {
  const bool creating = id.empty();
  return writer_.in_instance(
      c, s, {s.project_id, creating ? "api.create" : "api.update", "api", id, in.name},
      [&](Write& w) -> Result<ApiView> {
        std::optional<core::ApiSpec> old;
        if (!creating) {
          auto found = load_api(w.tx, s, id);
          if (!found) return found.error();
          old = std::move(*found);
        }
        if (auto v = check_spec(in); !v) return v.error();
        auto g = load_group(w.tx, s, in.group_id);
        if (!g) return g.error();
        if ((creating || old->group_id != g->id) &&
            w.tx.count_apis_in_group(g->id) >= settings_.max_apis_per_group)
          return errors::too_many_apis();
        std::string except = creating ? "" : id;
        if (w.tx.api_name_taken(g->id, in.name, except)) return errors::api_name_exists();
        auto key = route_key(in.req_uri);
        if (w.tx.api_route_taken(g->id, in.req_method, key, except))
          return errors::api_route_exists();
        in.instance_id = s.instance_id;
        in.update_time = core::now_nanos();
        if (creating) {
          in.id = crypto::new_id();
          in.register_time = in.update_time;
          w.tx.insert_api(in, key);
        } else {
          in.id = id;
          in.register_time = old->register_time;
          w.tx.update_api(in, key);
        }
        w.tx.record_change(s.instance_id, "api", in.id, creating ? "create" : "update");
        w.audit.target_id = in.id;
        return view_of(w.tx, in);
      },
      errors::api_name_exists());
}

Result<ApiView> TrafficService::create_api(const Caller& c, const InstanceScope& s,
                                           core::ApiSpec in) {
  return save_api(c, s, "", std::move(in));
}

Result<ApiView> TrafficService::update_api(const Caller& c, const InstanceScope& s,
                                           const std::string& id, core::ApiSpec in) {
  if (id.empty()) return errors::api_not_found(id);
  return save_api(c, s, id, std::move(in));
}

Result<core::Paged<ApiView>> TrafficService::list_apis(const Caller& c, const InstanceScope& s,
                                                       store::ApiFilter f, core::Page page) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<core::Paged<ApiView>> {
    auto specs = tx.apis(s.instance_id, f, page);
    core::Paged<ApiView> out;
    out.total = specs.total;
    for (auto& spec : specs.items) {
      auto v = view_of(tx, spec);
      if (!v) return v.error();
      out.items.push_back(std::move(*v));
    }
    return out;
  });
}

Result<ApiView> TrafficService::get_api(const Caller& c, const InstanceScope& s,
                                        const std::string& id) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<ApiView> {
    auto api = load_api(tx, s, id);
    if (!api) return api.error();
    return view_of(tx, *api);
  });
}

core::Status TrafficService::delete_api(const Caller& c, const InstanceScope& s,
                                        const std::string& id) {
  return writer_.in_instance(
      c, s, {s.project_id, "api.delete", "api", id, ""}, [&](Write& w) -> core::Status {
        auto api = load_api(w.tx, s, id);
        if (!api) return api.error();
        if (!w.tx.online_envs(id).empty()) return errors::api_is_published();
        for (auto& auth_id : w.tx.delete_app_auths_of_api(id))
          w.tx.record_change(s.instance_id, "app_auth", auth_id, "delete");
        // docs/compatibility.md#acl-cascades
        for (auto& bind_id : w.tx.delete_acl_bindings_of_api(id))
          w.tx.record_change(s.instance_id, "acl_binding", bind_id, "delete");
        w.tx.delete_api(id);
        w.tx.record_change(s.instance_id, "api", id, "delete");
        return core::ok_status();
      });
}

// ---------------------------------------------------------------- publishing
Result<PublishResult> TrafficService::publish_in(store::Tx& tx, const InstanceScope& s,
                                                 const core::ApiSpec& api,
                                                 const core::Environment& env,
                                                 const std::string& action,
                                                 const std::string& remark) {
  if (action == "offline") {
    auto online = tx.online_publication(api.id, env.id);
    if (!online) return errors::publication_not_found();
    tx.set_offline(api.id, env.id);
    tx.record_change(s.instance_id, "publication", online->publish_id, "delete");
    return PublishResult{online->publish_id, api.id,           api.name, env.id, remark,
                         online->version_id, core::now_nanos()};
  }
  core::Publication p;
  p.publish_id = crypto::new_id();
  p.api_id = api.id;
  p.env_id = env.id;
  p.version_id = crypto::new_id();
  p.remark = remark;
  p.publish_time = core::now_nanos();
  p.spec_json = store::spec_to_json(api);
  tx.insert_publication(s.instance_id, p);
  tx.set_online(s.instance_id, api.id, env.id, p.publish_id);
  tx.trim_publications(api.id, env.id, settings_.publish_history);
  tx.record_change(s.instance_id, "publication", p.publish_id, "create");
  return PublishResult{p.publish_id, api.id,       api.name,      env.id,
                       remark,       p.version_id, p.publish_time};
}

namespace {
core::Status check_publish_args(const std::string& action, const std::string& remark) {
  if (action != "online" && action != "offline") return errors::invalid_param("action");
  if (!core::rules::is_remark(remark, 255)) return errors::invalid_param("remark");
  return core::ok_status();
}
}  // namespace

Result<PublishResult> TrafficService::publish(const Caller& c, const InstanceScope& s,
                                              PublishInput in) {
  return writer_.in_instance(
      c, s, {s.project_id, "api." + in.action, "api", in.api_id, "env_id=" + in.env_id},
      [&](Write& w) -> Result<PublishResult> {
        if (auto v = check_publish_args(in.action, in.remark); !v) return v.error();
        if (in.env_id.empty()) return errors::invalid_param("env_id");
        if (in.api_id.empty()) return errors::invalid_param("api_id");
        auto env = load_env(w.tx, s, in.env_id);
        if (!env) return env.error();
        auto api = load_api(w.tx, s, in.api_id);
        if (!api) return api.error();
        return publish_in(w.tx, s, *api, *env, in.action, in.remark);
      });
}

// Items that fail (unknown API, not online for offline) are reported, not fatal; the listener is
// called only when one succeeded (the Writer calls it when a change was recorded).
Result<BatchPublishResult> TrafficService::publish_batch(const Caller& c, const InstanceScope& s,
                                                         BatchPublishInput in) {
  return writer_.in_instance(
      c, s, {s.project_id, "api.batch_" + in.action, "api", in.group_id, "env_id=" + in.env_id},
      [&](Write& w) -> Result<BatchPublishResult> {
        if (auto v = check_publish_args(in.action, in.remark); !v) return v.error();
        if (in.env_id.empty()) return errors::invalid_param("env_id");
        if (in.api_ids.size() > 1000) return errors::invalid_param("apis");
        auto env = load_env(w.tx, s, in.env_id);
        if (!env) return env.error();
        std::vector<core::ApiSpec> targets;
        BatchPublishResult out;
        if (in.api_ids.empty()) {
          if (in.group_id.empty()) return errors::invalid_param("apis");
          auto g = load_group(w.tx, s, in.group_id);
          if (!g) return g.error();
          targets = w.tx.apis_of_group(g->id);
        } else {
          for (auto& id : in.api_ids) {
            auto api = load_api(w.tx, s, id);
            if (api)
              targets.push_back(std::move(*api));
            else
              out.failure.push_back({id, "", api.error()});
          }
        }
        for (auto& api : targets) {
          auto one = publish_in(w.tx, s, api, *env, in.action, in.remark);
          if (one)
            out.success.push_back(std::move(*one));
          else
            out.failure.push_back({api.id, api.name, one.error()});
        }
        return out;
      });
}

Result<std::vector<VersionInfo>> TrafficService::publication_history(const Caller& c,
                                                                     const InstanceScope& s,
                                                                     const std::string& api_id,
                                                                     const std::string& env_id) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<std::vector<VersionInfo>> {
    auto api = load_api(tx, s, api_id);
    if (!api) return api.error();
    if (!env_id.empty()) {
      auto env = load_env(tx, s, env_id);
      if (!env) return env.error();
    }
    std::vector<VersionInfo> out;
    auto online = tx.online_envs(api_id);
    for (auto& p : tx.publication_history(api_id, env_id)) {
      auto env = tx.env(s.instance_id, p.env_id);
      bool is_online = std::any_of(online.begin(), online.end(), [&](const store::OnlineEntry& o) {
        return o.publish_id == p.publish_id;
      });
      out.push_back({p, env ? env->name : "", is_online});
    }
    return out;
  });
}

}  // namespace gh::services
