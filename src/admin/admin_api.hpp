#pragma once
// The management API: every dialect's routes over one set of services.
#include <functional>
#include <string>

#include "admin/router.hpp"
#include "http/loopback_client.hpp"
#include "services/app_service.hpp"
#include "services/governance_service.hpp"
#include "services/iam_service.hpp"
#include "services/modelarts_service.hpp"
#include "services/traffic_service.hpp"

namespace gh::admin {

struct AdminServices {
  services::IamService& iam;
  services::AppService& apps;
  services::ModelArtsService& modelarts;
  services::TrafficService& traffic;
  store::Store& store;
  std::string region = "default";
  std::function<std::string()> public_url;  // this admin listener, for the IAM catalogue
  // Where the console's "try it" reaches this node's gateway (admin/console_try.cpp).
  std::function<http::LoopbackTarget()> gateway_target;
  // Throttling and app quotas (docs/compatibility.md#throttling); no routes when null.
  services::GovernanceService* governance = nullptr;
};

class AdminApi {
 public:
  explicit AdminApi(AdminServices services);
  // The console's files under /console/ (admin/console_static.hpp), else a management call;
  // management answers are sent with Cache-Control: no-store.
  http::Response handle(http::Request& req, const http::RequestContext& ctx);
  // Answers a request the HTTP layer refused before routing (unparsable, over a limit) in the
  // error shape of the dialect its path belongs to; `target` is "" when no request line was read.
  http::Response protocol_error(http::ProtocolError e, std::string_view target) const;
  const Router& router() const { return router_; }

 private:
  http::Response handle_management(http::Request& req, const http::RequestContext& ctx,
                                   std::string_view target);

  AdminServices s_;
  Router router_;
};

// Per-dialect registration (one file each).
void register_iam_v3(Router& r, AdminServices& s);
void register_apig_v2(Router& r, AdminServices& s);  // /apigw/ and /apic/ app + AppCode routes
void register_roma_v2(Router& r, AdminServices& s);  // ROMA instances and integration apps
void register_modelarts_v1(Router& r, AdminServices& s);
// API groups, environments, variables, APIs, publishing, app authorizations (/apigw/ and /apic/).
void register_traffic_v2(Router& r, AdminServices& s);
// Throttling policies, special limits, bindings, app quotas (/apigw/ and /apic/).
void register_governance_v2(Router& r, AdminServices& s);
void register_gatehouse(Router& r, AdminServices& s);    // audit trail
void register_console_try(Router& r, AdminServices& s);  // the console's "try it" call

}  // namespace gh::admin
