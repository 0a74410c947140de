#pragma once
// Route table for the management API. Patterns are literal segments and {name} placeholders; a
// request path is split on '/' *before* percent-decoding, so an encoded '/' (%2F) stays inside its
// segment and '..' is just a literal segment (no normalisation, no traversal).
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/sdk_signer.hpp"
#include "http/server.hpp"
#include "services/caller.hpp"

namespace gh::admin {

enum class Dialect { kApig, kIam, kModelArts, kPlain };

struct AdminRequest {
  http::Request& raw;
  const http::RequestContext& ctx;
  std::string request_id;
  std::map<std::string, std::string> params;               // path placeholders, decoded
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  services::Caller caller;                                 // set when the route authenticates

  const std::string& param(const std::string& name) const { return params.at(name); }
  std::optional<std::string> query_value(std::string_view name) const;
};

using RouteHandler = std::function<http::Response(AdminRequest&)>;

struct Route {
  http::bhttp::verb method;
  std::vector<std::string> segments;  // "{x}" for placeholders
  Dialect dialect;
  bool authenticated;
  RouteHandler handler;
};

struct Match {
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  bool path_matched = false;  // some route had this path but another method
  Dialect dialect = Dialect::kApig;
};

class Router {
 public:
  void add(http::bhttp::verb method, std::string_view pattern, Dialect dialect, bool authenticated,
           RouteHandler handler);
  // nullopt params when a segment fails to decode (invalid UTF-8 after decoding is allowed
  // through).
  Match match(http::bhttp::verb method, std::string_view raw_path) const;
  // Every route, in registration order (docs/openapi.json documents exactly these).
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

using core::percent_decode;  // one decoder for routing and signature canonicalisation
// Which dialect owns a path, for rendering errors of unmatched requests.
Dialect dialect_for_path(std::string_view raw_path);

}  // namespace gh::admin
