#include "admin/router.hpp"

#include "core/uri_text.hpp"

namespace gh::admin {
using core::split_path;

std::optional<std::string> AdminRequest::query_value(std::string_view name) const {
  for (auto& [k, v] : query)
    if (k == name) return v;
  return std::nullopt;
}

void Router::add(http::bhttp::verb method, std::string_view pattern, Dialect dialect,
                 bool authenticated, RouteHandler handler) {
  Route r{method, {}, dialect, authenticated, std::move(handler)};
  for (auto seg : split_path(pattern)) r.segments.emplace_back(seg);
  routes_.push_back(std::move(r));
}

Match Router::match(http::bhttp::verb method, std::string_view raw_path) const {
  Match m;
  m.dialect = dialect_for_path(raw_path);
  auto segs = split_path(raw_path);
  for (const auto& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (std::size_t i = 0; ok && i < segs.size(); ++i) {
      const auto& pat = r.segments[i];
      if (pat.size() > 2 && pat.front() == '{' && pat.back() == '}') {
        if (segs[i].empty())
          ok = false;
        else
          params[pat.substr(1, pat.size() - 2)] = percent_decode(segs[i]);
      } else {
        ok = pat == segs[i];
      }
    }
    if (!ok) continue;
    m.path_matched = true;
    m.dialect = r.dialect;
    if (r.method == method) {
      m.route = &r;
      m.params = std::move(params);
      return m;
    }
  }
  return m;
}

Dialect dialect_for_path(std::string_view p) {
  if (p.rfind("/v3", 0) == 0) return Dialect::kIam;
  if (p.rfind("/v1/", 0) == 0 && p.find("/app-auth/") != p.npos) return Dialect::kModelArts;
  return Dialect::kApig;
}

}  // namespace gh::admin
