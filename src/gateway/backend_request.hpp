#pragma once
// Turning a client request into the backend request, and the backend response into the client's
// (reference §B.3 step 8): path parameters and #variables# substituted, backend parameters mapped
// (REQUEST / CONSTANT / SYSTEM into PATH / QUERY / HEADER), query and body passed through,
// hop-by-hop headers dropped, X-Forwarded-For/-Proto/-Host added. The AppCode and an app's
// SDK-HMAC-SHA256 Authorization are credentials for the gateway and never reach the backend.
#include <string>

#include "gateway/routes.hpp"
#include "http/server.hpp"

namespace gh::gateway {

struct BackendRequestInput {
  http::Request& client;  // its body is moved into the backend request
  const RouteTarget& target;
  const PathParams& params;
  const http::RequestContext& ctx;
  std::string_view request_id;
  std::string_view app_id;  // "" when no app authenticated
};

http::Request build_backend_request(BackendRequestInput in);
// Drops hop-by-hop headers and frames the body for the client's HTTP version.
http::Response response_for_client(http::Response backend, unsigned client_version);

// True for Connection, Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade.
bool is_hop_by_hop(std::string_view header_name);

}  // namespace gh::gateway
