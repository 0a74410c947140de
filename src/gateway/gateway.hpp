#pragma once
// The data plane's request handler. Until APIs can be published it knows no routes, so every
// request answers 404 APIG.0101 in the data-plane error shape, with an X-Request-Id.
#include "http/server.hpp"

namespace gh::gateway {

class Gateway {
 public:
  http::Response handle(http::Request& req, const http::RequestContext& ctx);
};

// Data-plane error body {"error_code","error_msg","request_id"} and X-Request-Id header.
http::Response error_response(unsigned version, int status, std::string_view code,
                              std::string_view message, std::string_view request_id);

}  // namespace gh::gateway
