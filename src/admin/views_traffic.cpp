// JSON shapes of the traffic-side entities (APIG v2; ROMA's /apic/ uses the same shapes).
#include "admin/views.hpp"
#include "core/clock.hpp"
#include "store/spec_json.hpp"

namespace gh::admin {
namespace {
std::string t(core::Nanos n, bool fresh) {
  return fresh ? core::rfc3339_nanos(n) : core::rfc3339_seconds(n);
}
std::string joined(const std::vector<services::OnlineInfo>& online,
                   std::string (*field)(const services::OnlineInfo&)) {
  std::string out;
  for (auto& o : online) out += (out.empty() ? "" : "|") + field(o);
  return out;
}
}  // namespace

json::object group_v2(const core::ApiGroup& g, const std::string& sl_domain, bool fresh) {
  return {{"id", g.id},
          {"name", g.name},
          {"status", 1},
          {"sl_domain", sl_domain},
          {"sl_domains", json::array{json::value(sl_domain)}},
          {"register_time", t(g.register_time, fresh)},
          {"update_time", t(g.update_time, fresh)},
          {"on_sell_status", 2},
          {"url_domains", json::array{}},
          {"is_default", g.is_default ? 1 : 2},
          {"remark", g.remark}};
}

json::object env_v2(const core::Environment& e, bool fresh) {
  return {{"id", e.id},
          {"name", e.name},
          {"remark", e.remark},
          {"create_time", t(e.create_time, fresh)}};
}

json::object env_variable_v2(const core::EnvVariable& v) {
  return {{"id", v.id},
          {"group_id", v.group_id},
          {"env_id", v.env_id},
          {"variable_name", v.name},
          {"variable_value", v.value}};
}

json::object api_v2(const services::ApiView& v, bool fresh) {
  const auto& a = v.spec;
  json::array req = store::req_params_json(a.req_params);
  json::array back = store::backend_params_json(a.backend_params);
  json::object o{
      {"id", a.id},
      {"name", a.name},
      {"type", a.type},
      {"version", ""},
      {"group_id", a.group_id},
      {"group_name", v.group_name},
      {"group_version", "V1"},
      {"status", 1},
      {"req_protocol", a.req_protocol},
      {"req_method", a.req_method},
      {"req_uri", a.req_uri},
      {"match_mode", a.match_mode},
      {"auth_type", a.auth_type},
      {"auth_opt", json::object{{"app_code_auth_type", a.app_code_auth_type}}},
      {"cors", false},
      {"backend_type", a.backend_type},
      {"remark", a.remark},
      {"register_time", t(a.register_time, fresh)},
      {"update_time", t(a.update_time, fresh)},
      {"run_env_id", joined(v.online, [](const services::OnlineInfo& o) { return o.env_id; })},
      {"run_env_name", joined(v.online, [](const services::OnlineInfo& o) { return o.env_name; })},
      {"publish_id", joined(v.online, [](const services::OnlineInfo& o) { return o.publish_id; })},
      {"publish_time",
       joined(v.online,
              [](const services::OnlineInfo& o) { return core::rfc3339_seconds(o.publish_time); })},
      {"arrange_necessary", 2},
      {"req_params", std::move(req)},
      {"backend_params", std::move(back)}};
  if (a.backend_type == "HTTP")
    o["backend_api"] = json::object{{"url_domain", a.backend.url_domain},
                                    {"req_protocol", a.backend.req_protocol},
                                    {"req_method", a.backend.req_method},
                                    {"req_uri", a.backend.req_uri},
                                    {"timeout", a.backend.timeout_ms},
                                    {"retry_count", std::to_string(a.backend.retry_count)},
                                    {"vpc_channel_status", 2},
                                    {"status", 1},
                                    {"register_time", t(a.register_time, fresh)},
                                    {"update_time", t(a.update_time, fresh)}};
  if (a.backend_type == "MOCK") o["mock_info"] = json::object{{"result_content", a.mock_result}};
  return o;
}

json::object publish_v2(const services::PublishResult& p, bool fresh) {
  return {{"publish_id", p.publish_id}, {"api_id", p.api_id},
          {"api_name", p.api_name},     {"env_id", p.env_id},
          {"remark", p.remark},         {"publish_time", t(p.publish_time, fresh)},
          {"version_id", p.version_id}};
}

json::object version_v2(const services::VersionInfo& v) {
  const auto& p = v.publication;
  return {{"version_id", p.version_id}, {"version_no", core::rfc3339_seconds(p.publish_time)},
          {"publish_id", p.publish_id}, {"api_id", p.api_id},
          {"env_id", p.env_id},         {"env_name", v.env_name},
          {"remark", p.remark},         {"publish_time", core::rfc3339_seconds(p.publish_time)},
          {"status", v.online ? 1 : 2}};
}

json::object auth_result_v2(const services::AuthResult& r) {
  json::object result{{"status", r.error ? "FAILED" : "SUCCESS"},
                      {"error_code", r.error ? r.error->code : ""},
                      {"error_msg", r.error ? r.error->message : ""},
                      {"api_name", r.api_name},
                      {"app_name", r.app_name}};
  return {{"id", r.auth.id},
          {"api_id", r.auth.api_id},
          {"app_id", r.auth.app_id},
          {"auth_time", core::rfc3339_nanos(r.auth.auth_time)},
          {"auth_role", "PROVIDER"},
          {"auth_tunnel", "NORMAL"},
          {"auth_whitelist", json::array{}},
          {"auth_blacklist", json::array{}},
          {"auth_result", std::move(result)}};
}

json::object auth_info_v2(const services::AuthInfo& a) {
  return {{"id", a.auth.id},
          {"api_id", a.api.id},
          {"api_name", a.api.name},
          {"group_id", a.api.group_id},
          {"group_name", a.group_name},
          {"api_type", a.api.type},
          {"api_remark", a.api.remark},
          {"env_id", a.auth.env_id},
          {"env_name", a.env_name},
          {"auth_role", "PROVIDER"},
          {"auth_time", core::rfc3339_seconds(a.auth.auth_time)},
          {"app_id", a.app.id},
          {"app_name", a.app.name},
          {"app_remark", a.app.remark},
          {"app_type", a.app.app_type},
          {"app_creator", a.app.creator},
          {"publish_id", a.publish_id},
          {"auth_tunnel", "NORMAL"},
          {"auth_whitelist", json::array{}},
          {"auth_blacklist", json::array{}},
          {"visit_param", ""},
          {"roma_app_type", a.app.roma_app_type},
          {"tags", json::array{}}};
}

}  // namespace gh::admin
