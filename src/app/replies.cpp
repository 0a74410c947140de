#include "app/replies.hpp"

#include <string>

#include "app/health.hpp"
#include "core/errors.hpp"
#include "crypto/random.hpp"
#include "gateway/gateway.hpp"

namespace gh::app {

http::Response gateway_protocol_error(http::ProtocolError e) {
  int status = 400;
  std::string msg = "Parameter error.";
  switch (e) {
    case http::ProtocolError::kBadRequest:
      break;
    case http::ProtocolError::kUriTooLong:
      status = 414;
      msg = "Request URI too large.";
      break;
    case http::ProtocolError::kHeadersTooLarge:
      status = 494;
      msg = "Request headers too large.";
      break;
    case http::ProtocolError::kBodyTooLarge:
      status = 413;
      msg = "Request entity too large.";
      break;
    case http::ProtocolError::kRequestTimeout:
      status = 408;
      msg = "Request timeout.";
      break;
    case http::ProtocolError::kNotImplemented:
      status = 501;
      msg = "Transfer-Encoding not implemented.";
      break;
    case http::ProtocolError::kInternal:
      status = 500;
      msg = "An unexpected error occurred";
      break;
  }
  return gateway::error_response(11, status,
                                 status == 400   ? "APIG.2000"
                                 : status == 500 ? "APIG.9999"
                                                 : "APIG.0201",
                                 msg, crypto::new_id());
}

http::Response store_unavailable_reply(unsigned version) {
  auto e = core::errors::store_unavailable();
  auto id = crypto::new_id();
  auto res = json_reply(version, e.http_status,
                        "{\"error_code\":\"" + e.code + "\",\"error_msg\":\"" + e.message +
                            "\",\"request_id\":\"" + id + "\"}");
  res.set("X-Request-Id", id);
  return res;
}

}  // namespace gh::app
