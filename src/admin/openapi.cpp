#include "admin/openapi.hpp"

namespace gh::admin {

std::optional<http::Response> openapi_reply(const http::Request& req) {
  std::string_view target(req.target().data(), req.target().size());
  if (req.method() != http::bhttp::verb::get ||
      target.substr(0, target.find('?')) != "/openapi.json")
    return std::nullopt;
  http::Response res{http::bhttp::status::ok, req.version()};
  res.set(http::bhttp::field::content_type, "application/json");
  res.body() = openapi_document();
  res.prepare_payload();
  return res;
}

}  // namespace gh::admin
