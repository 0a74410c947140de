#include "gateway/backend_request.hpp"

#include <charconv>
#include <optional>

#include "crypto/sdk_signer.hpp"
#include "gateway/client_address.hpp"

namespace gh::gateway {
namespace {

using http::iequals_ascii;
using http::is_hop_by_hop;

// The value of a request parameter declared in req_params, from where it was declared.
std::optional<std::string> request_param(const BackendRequestInput& in, std::string_view name,
                                         std::string_view query) {
  std::string_view location = "QUERY";
  for (const auto& p : in.target.spec.req_params)
    if (p.name == name) location = p.location;
  if (location == "PATH") {
    for (const auto& [k, v] : in.params)
      if (k == name) return std::string(v);
    return std::nullopt;
  }
  if (location == "HEADER") {
    const auto* value = in.client.find(name);
    if (!value) return std::nullopt;
    return std::string(*value);
  }
  std::size_t start = 0;
  while (start <= query.size()) {
    auto end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    auto part = query.substr(start, end - start);
    auto eq = part.find('=');
    if (part.substr(0, eq) == name)
      return std::string(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    start = end + 1;
  }
  return std::nullopt;
}

std::string system_param(const BackendRequestInput& in, const ClientAddress& client,
                         std::string_view name) {
  if (name == "$context.sourceIp") return std::string(client.ip);
  if (name == "$context.stage") return in.target.env_name;
  if (name == "$context.apiId") return in.target.spec.id;
  if (name == "$context.apiName") return in.target.spec.name;
  if (name == "$context.appId") return in.app ? std::string(in.app->id()) : std::string();
  if (name == "$context.requestId") return std::string(in.request_id);
  if (name == "$context.serverName") return "gatehouse";
  return {};
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

}  // namespace

bool forwards_to_client(std::string_view n,
                        const std::vector<std::string_view>& connection_options) {
  return !is_hop_by_hop(n, connection_options) && !iequals_ascii(n, "content-length");
}

namespace {

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

// Client fields that never reach the backend as they are.
bool dropped_client_field(std::string_view n, bool signed_by_app,
                          const std::vector<std::string_view>& connection_options) {
  return is_hop_by_hop(n, connection_options) || iequals_ascii(n, "host") ||
         iequals_ascii(n, "x-apig-appcode") || iequals_ascii(n, "content-length") ||
         iequals_ascii(n, "x-forwarded-for") || iequals_ascii(n, "x-forwarded-proto") ||
         iequals_ascii(n, "x-forwarded-host") ||
         (signed_by_app && iequals_ascii(n, "authorization"));
}

bool method_has_body(std::string_view m) {
  return m == "POST" || m == "PUT" || m == "PATCH";
}

}  // namespace

std::string_view build_backend_head(const BackendRequestInput& in, std::string& out) {
  const auto& client = in.client;
  const auto& t = in.target;
  static const core::IpSet kNobody;
  const ClientAddress source =
      client_address(client, in.ctx, in.trusted_proxies ? *in.trusted_proxies : kNobody);
  auto qmark = client.target.find('?');
  std::string_view path = in.path;
  std::string_view query =
      qmark == std::string_view::npos ? std::string_view() : client.target.substr(qmark + 1);

  // Path: the backend URI with {params}; a prefix (SWA) route appends what follows its prefix.
  thread_local std::string backend_path;
  backend_path.assign(t.backend.uri.empty() ? std::string_view("/") : t.backend.uri);
  for (const auto& [name, value] : in.params)
    replace_all(backend_path, "{" + std::string(name) + "}", value);
  if (t.prefix) {
    std::size_t covered = 0;  // bytes of `path` the API's segments cover
    for (std::size_t i = 0, seg = 0; seg < t.segments.size() && i < path.size(); ++seg) {
      auto next = path.find('/', i + 1);
      covered = next == std::string_view::npos ? path.size() : next;
      i = covered;
    }
    if (t.segments.size() == 1 && t.segments[0].empty()) covered = 0;
    auto rest = path.substr(std::min(covered, path.size()));
    if (!rest.empty()) {
      if (!backend_path.empty() && backend_path.back() == '/' && rest.front() == '/')
        backend_path.pop_back();
      backend_path += rest;
    }
  }

  // Backend parameters: PATH ones go into the path now; QUERY and HEADER ones are written below.
  struct Mapped {
    const core::BackendParam* param;
    std::string value;
  };
  std::vector<Mapped> mapped;
  for (const auto& bp : t.spec.backend_params) {
    std::optional<std::string> value;
    if (bp.origin == "CONSTANT")
      value = bp.value;
    else if (bp.origin == "SYSTEM")
      value = system_param(in, source, bp.value);
    else
      value = request_param(in, bp.value, query);
    if (!value) continue;
    if (bp.location == "PATH")
      replace_all(backend_path, "{" + bp.name + "}", *value);
    else
      mapped.push_back({&bp, std::move(*value)});
  }
  auto overridden = [&](std::string_view name) {
    for (const auto& m : mapped)
      if (m.param->location == "HEADER" && iequals_ascii(m.param->name, name)) return true;
    return false;
  };

  std::string_view method = t.spec.backend.req_method;
  if (method.empty() || method == "ANY") method = client.method;

  out.clear();
  out.append(method);
  out.push_back(' ');
  out.append(backend_path);
  bool first_extra = query.empty();
  if (!query.empty()) {
    out.push_back('?');
    out.append(query);
  }
  for (const auto& m : mapped) {
    if (m.param->location == "HEADER") continue;
    out.push_back(first_extra ? '?' : '&');
    first_extra = false;
    out.append(m.param->name);
    out.push_back('=');
    out.append(m.value);
  }
  out.append(" HTTP/1.1\r\n");
  append_field(out, "Host", t.backend.host_header);

  bool signed_by_app = false;
  if (const auto* a = client.find("authorization"))
    signed_by_app = in.app && a->rfind(crypto::kSdkAlgorithm, 0) == 0;
  thread_local std::vector<std::string_view> connection_options;
  http::collect_connection_options(client.headers, connection_options);
  for (const auto& f : client.headers) {
    if (dropped_client_field(f.name, signed_by_app, connection_options)) continue;
    if (!mapped.empty() && overridden(f.name)) continue;
    append_field(out, f.name, f.value);
  }
  out.append("X-Forwarded-For: ");
  append_forwarded_for(client, in.ctx, source, out);
  out.append("\r\n");
  append_field(out, "X-Forwarded-Proto", in.ctx.tls ? "https" : "http");
  if (!client.authority.empty()) append_field(out, "X-Forwarded-Host", client.authority);
  for (const auto& m : mapped)
    if (m.param->location == "HEADER") append_field(out, m.param->name, m.value);
  if (!client.body.empty() || method_has_body(method)) {
    char digits[24];
    out.append("Content-Length: ");
    out.append(digits, std::to_chars(digits, digits + sizeof digits, client.body.size()).ptr);
    out.append("\r\n");
  }
  out.append("\r\n");
  return method;
}

}  // namespace gh::gateway
