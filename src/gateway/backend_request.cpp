#include "gateway/backend_request.hpp"

#include <boost/beast/core/string.hpp>

#include "crypto/sdk_signer.hpp"

namespace gh::gateway {
namespace bhttp = boost::beast::http;
namespace {

std::string_view sv(boost::beast::string_view s) {
  return {s.data(), s.size()};
}

bool iequals(std::string_view a, std::string_view b) {
  return boost::beast::iequals(boost::beast::string_view(a.data(), a.size()),
                               boost::beast::string_view(b.data(), b.size()));
}

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
    auto it = in.client.find(boost::beast::string_view(name.data(), name.size()));
    if (it == in.client.end()) return std::nullopt;
    return std::string(sv(it->value()));
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

std::string system_param(const BackendRequestInput& in, std::string_view name) {
  if (name == "$context.sourceIp") return in.ctx.remote_ip;
  if (name == "$context.stage") return in.target.env_name;
  if (name == "$context.apiId") return in.target.spec.id;
  if (name == "$context.apiName") return in.target.spec.name;
  if (name == "$context.appId") return std::string(in.app_id);
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

bool is_hop_by_hop(std::string_view n) {
  for (std::string_view h :
       {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "proxy-connection"})
    if (iequals(n, h)) return true;
  return false;
}

http::Request build_backend_request(BackendRequestInput in) {
  auto& client = in.client;
  const auto& t = in.target;
  std::string_view target(client.target().data(), client.target().size());
  auto qmark = target.find('?');
  std::string_view path = target.substr(0, qmark);
  std::string_view query = qmark == std::string_view::npos ? "" : target.substr(qmark + 1);

  // Path: the backend URI with {params}; a prefix (SWA) route appends what follows its prefix.
  std::string backend_path = t.backend.uri.empty() ? "/" : t.backend.uri;
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

  std::string extra_query;
  http::Request up;
  up.version(11);
  auto method = t.spec.backend.req_method;
  if (method.empty() || method == "ANY")
    up.method(client.method());
  else
    up.method_string(method);

  bool signed_by_app = false;
  if (auto a = client.find(bhttp::field::authorization); a != client.end())
    signed_by_app = !in.app_id.empty() && sv(a->value()).rfind(crypto::kSdkAlgorithm, 0) == 0;
  std::string forwarded_for;
  for (const auto& f : client) {
    auto name = sv(f.name_string());
    if (is_hop_by_hop(name) || iequals(name, "host") || iequals(name, "x-apig-appcode") ||
        iequals(name, "content-length"))
      continue;
    if (signed_by_app && iequals(name, "authorization")) continue;
    if (iequals(name, "x-forwarded-for")) {
      forwarded_for = std::string(sv(f.value()));
      continue;
    }
    if (iequals(name, "x-forwarded-proto") || iequals(name, "x-forwarded-host")) continue;
    up.insert(f.name_string(), f.value());
  }

  // Backend parameters.
  for (const auto& bp : t.spec.backend_params) {
    std::optional<std::string> value;
    if (bp.origin == "CONSTANT")
      value = bp.value;
    else if (bp.origin == "SYSTEM")
      value = system_param(in, bp.value);
    else
      value = request_param(in, bp.value, query);
    if (!value) continue;
    if (bp.location == "PATH")
      replace_all(backend_path, "{" + bp.name + "}", *value);
    else if (bp.location == "HEADER")
      up.set(bp.name, *value);
    else
      extra_query += (extra_query.empty() ? "" : "&") + bp.name + "=" + *value;
  }

  std::string full = std::move(backend_path);
  if (!query.empty() || !extra_query.empty()) {
    full += '?';
    full += query;
    if (!query.empty() && !extra_query.empty()) full += '&';
    full += extra_query;
  }
  up.target(full);
  up.set(bhttp::field::host, t.backend.host_header);
  up.set("X-Forwarded-For",
         forwarded_for.empty() ? in.ctx.remote_ip : forwarded_for + ", " + in.ctx.remote_ip);
  up.set("X-Forwarded-Proto", in.ctx.tls ? "https" : "http");
  if (auto h = client.find(bhttp::field::host); h != client.end())
    up.set("X-Forwarded-Host", h->value());
  up.body() = std::move(client.body());
  up.prepare_payload();
  return up;
}

http::Response response_for_client(http::Response backend, unsigned client_version) {
  for (auto it = backend.begin(); it != backend.end();)
    it = is_hop_by_hop(sv(it->name_string())) ? backend.erase(it) : std::next(it);
  backend.version(client_version);
  backend.prepare_payload();
  return backend;
}

}  // namespace gh::gateway
