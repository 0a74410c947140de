#pragma once
// Helpers shared by the TrafficService translation units (not part of the service's interface).
// Each loads one entity of the scope's instance by a path id (the caller checked the scope).
#include "services/traffic_service.hpp"

namespace gh::services {

// `row` or `missing`: the end of every lookup by a plausible path id.
template <class T>
core::Result<T> found(std::optional<T> row, core::Error missing) {
  if (!row) return missing;
  return std::move(*row);
}

// Garbage ids → 400 APIG.2012; unknown → 404 APIG.3001 / APIG.3003. The RELEASE environment is
// always found.
core::Result<core::ApiGroup> load_group(store::Tx& tx, const InstanceScope& s,
                                        const std::string& id);
core::Result<core::Environment> load_env(store::Tx& tx, const InstanceScope& s,
                                         const std::string& id);
// Garbage or unknown ids → 404 (APIG.3002 API, APIG.3004 app, APIG.3011 variable, APIG.3009 app
// auth).
core::Result<core::ApiSpec> load_api(store::Tx& tx, const InstanceScope& s, const std::string& id);
core::Result<core::App> load_app_of(store::Tx& tx, const InstanceScope& s, const std::string& id);
core::Result<core::EnvVariable> load_variable(store::Tx& tx, const InstanceScope& s,
                                              const std::string& id);
core::Result<core::AppAuth> load_auth(store::Tx& tx, const InstanceScope& s, const std::string& id);

}  // namespace gh::services
