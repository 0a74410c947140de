#pragma once
// Helpers shared by the TrafficService translation units (not part of the service's interface).
#include "services/traffic_service.hpp"

namespace gh::services {

// Loads a group / environment of the scope's instance. Garbage ids → 400 APIG.2012; unknown →
// 404 APIG.3001 / APIG.3003. The RELEASE environment is always found.
core::Result<core::ApiGroup> load_group(store::Tx& tx, const InstanceScope& s,
                                        const std::string& id);
core::Result<core::Environment> load_env(store::Tx& tx, const InstanceScope& s,
                                         const std::string& id);

}  // namespace gh::services
