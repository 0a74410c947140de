#include "gateway/gateway.hpp"

#include <boost/json.hpp>

#include "crypto/random.hpp"

namespace gh::gateway {

http::Response error_response(unsigned version, int status, std::string_view code,
                              std::string_view message, std::string_view request_id) {
  http::Response res{static_cast<http::bhttp::status>(status), version};
  res.set(http::bhttp::field::content_type, "application/json");
  res.set("X-Request-Id", request_id);
  boost::json::object body{
      {"error_code", code}, {"error_msg", message}, {"request_id", request_id}};
  res.body() = boost::json::serialize(body);
  res.prepare_payload();
  return res;
}

http::Response Gateway::handle(http::Request& req, const http::RequestContext&) {
  return error_response(req.version(), 404, "APIG.0101",
                        "The API does not exist or has not been published in the environment.",
                        crypto::new_id());
}

}  // namespace gh::gateway
