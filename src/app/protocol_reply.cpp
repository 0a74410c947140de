#include "app/protocol_reply.hpp"

#include "crypto/random.hpp"
#include "gateway/gateway.hpp"

namespace gh::app {

http::Response protocol_error(http::ProtocolError e) {
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

}  // namespace gh::app
