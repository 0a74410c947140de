#pragma once
// Renders a core::Error in the shape of the dialect that owns the path:
//   APIG/ROMA: {"error_code","error_msg"}       IAM: {"error":{"code","message","title"}}
//   ModelArts: {"error_code":"ModelArts.xxxx","error_msg"} (APIG-coded rule failures translated
//   by kind; authentication failures as the cloud front gateway words them, APIGW.0301).
#include "admin/json_io.hpp"

namespace gh::admin {

http::Response error_response(const AdminRequest& req, Dialect dialect, const core::Error& e);
// The same without a parsed request (protocol-level failures).
http::Response render_error(Dialect dialect, const core::Error& e, const std::string& request_id,
                            unsigned version);
core::Error to_modelarts(const core::Error& e);

}  // namespace gh::admin
