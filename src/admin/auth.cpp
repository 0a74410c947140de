#include "admin/auth.hpp"

#include "core/errors.hpp"

namespace gh::admin {

std::vector<std::string_view> header_values(const http::Request& req, std::string_view name) {
  std::vector<std::string_view> out;
  auto range = req.equal_range(boost::beast::string_view(name.data(), name.size()));
  for (auto it = range.first; it != range.second; ++it)
    out.emplace_back(it->value().data(), it->value().size());
  return out;
}

core::Result<services::Caller> authenticate(services::IamService& iam, const AdminRequest& req,
                                            std::string_view path_project) {
  auto authz = header_values(req.raw, "authorization");
  if (authz.size() == 1 && authz[0].rfind("SDK-HMAC-SHA256", 0) == 0) {
    auto project = header_values(req.raw, "x-project-id");
    std::string_view scope = project.size() == 1 ? project[0] : path_project;
    services::SignedCall call{
        std::string_view(req.raw.method_string().data(), req.raw.method_string().size()),
        std::string_view(req.raw.target().data(), req.raw.target().size()), req.raw.body(),
        authz[0], [&](std::string_view n) {
          auto values = header_values(req.raw, n);
          return crypto::HeaderValues(values.begin(), values.end());
        }};
    return iam.verify_signature(call, scope);
  }
  auto tokens = header_values(req.raw, "x-auth-token");
  if (tokens.empty()) return core::errors::token_missing();
  if (tokens.size() > 1) return core::errors::token_invalid();
  return iam.verify_token(tokens[0]);
}

}  // namespace gh::admin
