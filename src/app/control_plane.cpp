#include "app/control_plane.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>

#include "app/keys.hpp"

namespace gh::app {
namespace {
services::Limits make_limits(const ServeConfig& cfg) {
  services::Limits l;
  l.max_apps_per_instance = cfg.max_apps_per_instance;
  l.token_lifetime_seconds = cfg.token_lifetime;
  return l;
}
services::TrafficSettings traffic_settings(const ServeConfig& cfg) {
  services::TrafficSettings t;
  t.group_domain_suffix = cfg.group_domain_suffix;
  return t;
}

}  // namespace

ControlPlane::ControlPlane(const ServeConfig& cfg, std::unique_ptr<store::Store> opened,
                           gateway::SnapshotHolder& snapshots,
                           std::function<std::string()> admin_url,
                           std::function<http::LoopbackTarget()> gateway_target)
    : store(std::move(opened)),
      limits(make_limits(cfg)),
      iam(*store, limits),
      apps(*store, limits),
      modelarts(apps),
      traffic(*store, traffic_settings(cfg)),
      governance(*store),
      // Route inputs are kept for the snapshot file, which only PostgreSQL nodes write.
      loader(*store, snapshots, cfg.group_domain_suffix,
             store::Store::is_postgres_location(cfg.store)),
      api({iam, apps, modelarts, traffic, *store, cfg.region, std::move(admin_url),
           std::move(gateway_target), &governance}),
      iam_check(make_iam_check(iam)) {
  // Every committed write on this node is applied before its call returns (a revocation is in
  // force at once); writes by other nodes arrive through the change watcher.
  apps.on_change([this] { loader.apply_changes(); });
  traffic.on_change([this] { loader.apply_changes(); });
  governance.on_change([this] { loader.apply_changes(); });
}

void ControlPlane::start(const ServeConfig& cfg) {
  bool generated = false;
  auto password = admin_password(cfg.data_dir, generated);
  auto boot = iam.bootstrap(password);
  traffic.ensure_default_groups();  // instances created before schema 2 get their DEFAULT group
  if (boot.created) {
    spdlog::info("bootstrapped: domain 'default', user 'admin', project 'default' ({})",
                 boot.project_id);
    // Printed exactly once, on the first start; never logged. Under systemd (INVOCATION_ID set)
    // stdout is the journal: only the file is named there.
    if (generated && std::getenv("INVOCATION_ID"))
      spdlog::info("generated the admin password; it is in {}/admin-password", cfg.data_dir);
    else if (generated)
      std::cout << "Gatehouse admin password (also in " << cfg.data_dir
                << "/admin-password): " << password << std::endl;
  }
  loader.load_all();
}

}  // namespace gh::app
