#pragma once
#include <functional>
#include <memory>
#include <string>

#include "admin/admin_api.hpp"
#include "app/config.hpp"
#include "app/iam_check.hpp"
#include "gateway/loader.hpp"
#include "gateway/snapshot.hpp"
#include "http/loopback_client.hpp"
#include "services/app_service.hpp"
#include "services/governance_service.hpp"
#include "services/iam_service.hpp"
#include "services/limits.hpp"
#include "services/modelarts_service.hpp"
#include "services/traffic_service.hpp"
#include "store/store.hpp"

namespace gh::app {

// Everything that needs the store: the services, the management API and the snapshot loader.
// Built once the store is reachable (at start, or later when the node started from its snapshot
// file); never torn down before shutdown.
struct ControlPlane {
  // Builds the services on `opened`; `admin_url` tells the IAM catalogue where the admin API is.
  // `gateway_target` tells the console's try-call where the gateway listens.
  ControlPlane(const ServeConfig& cfg, std::unique_ptr<store::Store> opened,
               gateway::SnapshotHolder& snapshots, std::function<std::string()> admin_url,
               std::function<http::LoopbackTarget()> gateway_target);

  // Bootstraps the IAM (first start of a store) and loads the snapshot. Throws on store failure.
  void start(const ServeConfig& cfg);

  std::unique_ptr<store::Store> store;
  services::Limits limits;
  services::IamService iam;
  services::AppService apps;
  services::ModelArtsService modelarts;
  services::TrafficService traffic;
  services::GovernanceService governance;
  gateway::SnapshotLoader loader;
  admin::AdminApi api;
  gateway::IamCheck iam_check;
};

}  // namespace gh::app
