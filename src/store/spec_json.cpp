#include "store/spec_json.hpp"

#include <boost/json.hpp>

#include "store/json_fields.hpp"

namespace gh::store {
namespace json = boost::json;
namespace {
constexpr std::int64_t kFormatVersion = 1;

using json_fields::num;
using json_fields::str;
}  // namespace

json::array req_params_json(const std::vector<core::ReqParam>& params) {
  json::array out;
  for (auto& p : params)
    out.push_back(json::object{{"name", p.name},
                               {"type", p.type},
                               {"location", p.location},
                               {"default_value", p.default_value},
                               {"required", p.required}});
  return out;
}

json::array backend_params_json(const std::vector<core::BackendParam>& params) {
  json::array out;
  for (auto& p : params)
    out.push_back(json::object{
        {"origin", p.origin}, {"name", p.name}, {"location", p.location}, {"value", p.value}});
  return out;
}

std::string spec_to_json(const core::ApiSpec& s) {
  json::array req = req_params_json(s.req_params);
  json::array back = backend_params_json(s.backend_params);
  json::object o{{"v", kFormatVersion},
                 {"id", s.id},
                 {"instance_id", s.instance_id},
                 {"group_id", s.group_id},
                 {"name", s.name},
                 {"remark", s.remark},
                 {"type", s.type},
                 {"req_protocol", s.req_protocol},
                 {"req_method", s.req_method},
                 {"req_uri", s.req_uri},
                 {"match_mode", s.match_mode},
                 {"auth_type", s.auth_type},
                 {"app_code_auth_type", s.app_code_auth_type},
                 {"backend_type", s.backend_type},
                 {"backend", json::object{{"url_domain", s.backend.url_domain},
                                          {"req_protocol", s.backend.req_protocol},
                                          {"req_method", s.backend.req_method},
                                          {"req_uri", s.backend.req_uri},
                                          {"timeout_ms", s.backend.timeout_ms},
                                          {"retry_count", s.backend.retry_count}}},
                 {"mock_result", s.mock_result},
                 {"req_params", std::move(req)},
                 {"backend_params", std::move(back)},
                 {"register_time", s.register_time},
                 {"update_time", s.update_time}};
  return json::serialize(o);
}

std::optional<core::ApiSpec> spec_from_json(std::string_view text) {
  std::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  if (num(o, "v", 0) != kFormatVersion) return std::nullopt;
  core::ApiSpec s;
  s.id = str(o, "id");
  s.instance_id = str(o, "instance_id");
  s.group_id = str(o, "group_id");
  s.name = str(o, "name");
  s.remark = str(o, "remark");
  s.type = static_cast<int>(num(o, "type", 1));
  s.req_protocol = str(o, "req_protocol", s.req_protocol);
  s.req_method = str(o, "req_method", s.req_method);
  s.req_uri = str(o, "req_uri");
  s.match_mode = str(o, "match_mode", s.match_mode);
  s.auth_type = str(o, "auth_type", s.auth_type);
  s.app_code_auth_type = str(o, "app_code_auth_type", s.app_code_auth_type);
  s.backend_type = str(o, "backend_type", s.backend_type);
  if (auto* b = o.if_contains("backend"); b && b->is_object()) {
    const auto& bo = b->as_object();
    s.backend.url_domain = str(bo, "url_domain");
    s.backend.req_protocol = str(bo, "req_protocol", s.backend.req_protocol);
    s.backend.req_method = str(bo, "req_method", s.backend.req_method);
    s.backend.req_uri = str(bo, "req_uri");
    s.backend.timeout_ms = static_cast<int>(num(bo, "timeout_ms", s.backend.timeout_ms));
    s.backend.retry_count = static_cast<int>(num(bo, "retry_count", s.backend.retry_count));
  }
  s.mock_result = str(o, "mock_result");
  if (auto* a = o.if_contains("req_params"); a && a->is_array())
    for (auto& e : a->as_array()) {
      if (!e.is_object()) return std::nullopt;
      const auto& po = e.as_object();
      core::ReqParam p;
      p.name = str(po, "name");
      p.type = str(po, "type", p.type);
      p.location = str(po, "location", p.location);
      p.default_value = str(po, "default_value");
      p.required = static_cast<int>(num(po, "required", p.required));
      s.req_params.push_back(std::move(p));
    }
  if (auto* a = o.if_contains("backend_params"); a && a->is_array())
    for (auto& e : a->as_array()) {
      if (!e.is_object()) return std::nullopt;
      const auto& po = e.as_object();
      s.backend_params.push_back(
          {str(po, "origin"), str(po, "name"), str(po, "location"), str(po, "value")});
    }
  s.register_time = num(o, "register_time", 0);
  s.update_time = num(o, "update_time", 0);
  return s;
}

}  // namespace gh::store
