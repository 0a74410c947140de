#pragma once
// Turning a client request into the backend request, and the backend response into the client's
// (docs/compatibility.md#pipeline step 7): path parameters and #variables# substituted, backend
// parameters mapped (REQUEST / CONSTANT / SYSTEM into PATH / QUERY / HEADER), query and body passed
// through, hop-by-hop headers (and those the client's Connection field names) dropped,
// X-Forwarded-For/-Proto/-Host added (X-Forwarded-For per docs/compatibility.md#g13). The AppCode
// and an app's SDK-HMAC-SHA256 Authorization are credentials for the gateway and never reach the
// backend.
#include <string>

#include "core/ip_match.hpp"
#include "gateway/routes.hpp"
#include "gateway/snapshot.hpp"
#include "http/exchange.hpp"

namespace gh::gateway {

struct BackendRequestInput {
  const http::RequestView& client;
  std::string_view path;  // the client's path in normal form (core/request_path.hpp)
  const RouteTarget& target;
  const PathParams& params;
  const http::RequestContext& ctx;
  std::string_view request_id;
  const AppEntry* app = nullptr;  // null when no app authenticated; read only when needed
  // Whose X-Forwarded-For is believed (gateway/client_address.hpp); null = nobody's.
  const core::IpSet* trusted_proxies = nullptr;
};

// Writes the backend request's head — request line, fields, Content-Length, blank line — into
// `head` (replacing its content, reusing its capacity). The body to send after it is the client's
// body unchanged (already de-chunked). Returns the method the backend is called with.
std::string_view build_backend_head(const BackendRequestInput& in, std::string& head);

// Whether a backend response field is passed on to the client: not hop-by-hop, not nominated by
// the response's Connection fields (`connection_options`, http::collect_connection_options) and
// not Content-Length (the client connection frames the body itself).
bool forwards_to_client(std::string_view header_name,
                        const std::vector<std::string_view>& connection_options);

}  // namespace gh::gateway
