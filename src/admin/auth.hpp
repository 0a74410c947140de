#pragma once
// Authenticates a management call: "Authorization: SDK-HMAC-SHA256 …" (AK/SK, project from
// X-Project-Id, else from the path) or X-Auth-Token. Neither → 401 APIG.1000.
#include "admin/router.hpp"
#include "core/error.hpp"
#include "services/iam_service.hpp"

namespace gh::admin {

core::Result<services::Caller> authenticate(services::IamService& iam, const AdminRequest& req,
                                            std::string_view path_project);
// All values of a header, case-insensitive name, in arrival order.
std::vector<std::string_view> header_values(const http::Request& req, std::string_view name);

}  // namespace gh::admin
