// The console's "try it": POST /v2/{project_id}/gatehouse/try-call sends one request through this
// node's gateway (over loopback, HTTPS when the gateway listens on TLS) with the AppCode the user
// chose, and returns the gateway's answer. The browser cannot call the gateway itself: it is
// another origin (the console's CSP allows only 'self'), and its HTTPS certificate is often
// self-signed. The AppCode travels in the JSON body, never in a URL; it is not logged.
//
// Body: {"method": "GET", "path": "/hello/x?y=1", "app_code": "...", "stage": "RELEASE",
//        "host": "<group domain>", "body": "..."}; method and path are required.
// Answer 200: {"status": 200, "headers": {"content-type": "...", ...}, "body": "...",
//              "truncated": false}.
#include <cctype>
#include <chrono>

#include "admin/admin_api.hpp"
#include "admin/respond.hpp"
#include "core/errors.hpp"
#include "services/caller.hpp"

namespace gh::admin {
namespace {
constexpr Dialect D = Dialect::kApig;
constexpr std::size_t kShownBody = 64 * 1024;
constexpr auto kDeadline = std::chrono::seconds(15);

bool printable_token(std::string_view s, std::string_view extra) {
  for (unsigned char c : s)
    if (c <= 0x20 || c >= 0x7f || (!std::isalnum(c) && extra.find(char(c)) == extra.npos))
      return false;
  return true;
}

// Answers with the headers a console user cares about, lower-cased.
json::object shown_headers(const http::Response& res) {
  json::object out;
  for (auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "content-type" || name == "x-request-id" || name.rfind("x-apig-", 0) == 0)
      out[name] = std::string(f.value());
  }
  return out;
}
}  // namespace

void register_console_try(Router& r, AdminServices& s) {
  auto target_of = s.gateway_target;
  r.add(
      http::bhttp::verb::post, "/v2/{project_id}/gatehouse/try-call", D, true,
      [target_of](AdminRequest& q) {
        auto allowed = services::require_project_read(q.caller, q.param("project_id"));
        if (!allowed) return error_response(q, D, allowed.error());
        GH_TRY(body, body_object(q, false), q, D);
        std::optional<std::string> fields[5];
        const char* names[5] = {"method", "path", "app_code", "stage", "host"};
        for (int i = 0; i < 5; ++i) {
          GH_TRY(v, opt_string(*body, names[i]), q, D);
          fields[i] = std::move(*v);
        }
        GH_TRY(payload_field, opt_string(*body, "body"), q, D);
        std::optional<std::string>& payload = *payload_field;
        auto& [method, path, app_code, stage, host] = fields;
        if (!method || !path) return error_response(q, D, core::errors::parameters_missing());
        auto verb = http::bhttp::string_to_verb(*method);
        if (verb == http::bhttp::verb::unknown || !printable_token(*method, ""))
          return error_response(q, D, core::errors::invalid_param("method"));
        if (path->empty() || (*path)[0] != '/' || !printable_token(*path, "/?&=%-._~!$'()*+,;:@[]"))
          return error_response(q, D, core::errors::invalid_param("path"));
        if (app_code && !printable_token(*app_code, "+_!@#$%/=-"))
          return error_response(q, D, core::errors::invalid_param("app_code"));
        if (stage && !printable_token(*stage, "_-"))
          return error_response(q, D, core::errors::invalid_param("stage"));
        if (host && !printable_token(*host, ".-:[]"))
          return error_response(q, D, core::errors::invalid_param("host"));

        auto target = target_of();
        http::Request req{verb, *path, 11};
        req.set(http::bhttp::field::host,
                host ? *host : target.host + ":" + std::to_string(target.port));
        req.set(http::bhttp::field::user_agent, "gatehouse-console");
        if (app_code && !app_code->empty()) req.set("X-Apig-AppCode", *app_code);
        if (stage && !stage->empty()) req.set("X-Stage", *stage);
        if (payload) {
          req.set(http::bhttp::field::content_type, "text/plain; charset=utf-8");
          req.body() = std::move(*payload);
        }
        auto answer = http::loopback_call(target, std::move(req), kDeadline, kShownBody * 16);
        if (!answer) return error_response(q, D, answer.error());
        auto& res = answer.value();
        std::string text = res.body().substr(0, kShownBody);
        return json_response(q, 200,
                             json::object{{"status", res.result_int()},
                                          {"headers", shown_headers(res)},
                                          {"body", std::move(text)},
                                          {"truncated", res.body().size() > kShownBody}});
      });
}

}  // namespace gh::admin
