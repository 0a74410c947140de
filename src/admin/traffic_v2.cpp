// API groups, environments, environment variables, APIs, publishing and app authorizations
// (docs/compatibility.md#traffic-endpoints, #api-definition) under APIG's /apigw/ and ROMA
// Connect's /apic/ prefixes (same handlers; docs/compatibility.md#g12: the path's kind must match
// the instance's), one file per resource (traffic_groups, traffic_envs, traffic_apis,
// traffic_auths, traffic_acls). Parse and render only; rules live in services/traffic_service.
#include "admin/traffic_routes.hpp"

namespace gh::admin {

void register_traffic_v2(Router& r, AdminServices& s) {
  for (auto [prefix, kind] : {std::pair{"apigw", core::InstanceKind::kApig},
                              std::pair{"apic", core::InstanceKind::kRoma}}) {
    const std::string base = std::string("/v2/{project_id}/") + prefix + "/instances/{instance_id}";
    for (auto* register_resource :
         {traffic::register_groups, traffic::register_envs, traffic::register_apis,
          traffic::register_app_auths, traffic::register_acls})
      register_resource(r, s.traffic, base, kind);
  }
}

}  // namespace gh::admin
