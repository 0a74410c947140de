#include "gateway/loader.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "gateway/credentials.hpp"

namespace gh::gateway {
namespace {

std::vector<Digest> digests(const std::vector<std::string>& hex) {
  std::vector<Digest> out;
  out.reserve(hex.size());
  for (const auto& h : hex)
    if (auto d = digest_from_hex(h)) out.push_back(*d);
  return out;
}

AppRecord record_of(core::App app, std::vector<Digest> codes) {
  return AppRecord{std::move(app.id), std::move(app.instance_id), std::move(app.app_key),
                   std::move(app.app_secret), std::move(codes)};
}

constexpr int kChangeBatch = 10000;

}  // namespace

bool is_route_entity(std::string_view entity) {
  return entity != "app" && entity != "app_code";
}

SnapshotLoader::Routes SnapshotLoader::read_routes(store::Tx& tx) {
  auto in = std::make_shared<RouteInputs>();
  in->group_domain_suffix = suffix_;
  read_route_inputs(tx, *in);
  auto config = build_routes(*in);
  return {std::move(in), std::move(config)};
}

void SnapshotLoader::load_all() {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<Snapshot>();
  auto r = store_.read([&](store::Tx& tx) -> core::Result<core::Unit> {
    next->change_seq = tx.last_change_seq();
    auto routes = read_routes(tx);
    next->routes = std::move(routes.config);
    next->route_inputs = std::move(routes.inputs);
    std::vector<AppRecord> records;
    for (const auto& inst : tx.all_instances()) {
      boost::unordered_flat_map<std::string, std::vector<std::string>> codes_by_app;
      for (auto& c : tx.code_digests_of_instance(inst.id))
        codes_by_app[c.app_id].push_back(std::move(c.digest_hex));
      for (auto& app : tx.apps_of_instance(inst.id)) {
        auto codes = digests(codes_by_app[app.id]);
        records.push_back(record_of(std::move(app), std::move(codes)));
      }
    }
    next->credentials = apply_app_changes(Credentials{}, {}, std::move(records));
    return core::Unit{};
  });
  if (!r) throw std::runtime_error("gateway: loading the snapshot failed: " + r.error().message);
  spdlog::info("gateway: snapshot loaded ({} apps, {} routes, change seq {})",
               next->credentials.apps.size(), next->routes->targets.size(), next->change_seq);
  holder_.publish(std::move(next));
}

bool SnapshotLoader::apply_changes() {
  std::lock_guard lock(mutex_);
  auto started = std::chrono::steady_clock::now();
  auto base = holder_.load();
  std::int64_t seq = base->change_seq;
  bool routes_changed = false;
  std::vector<std::string> changed_apps;
  Routes routes;
  std::vector<AppRecord> records;
  auto r = store_.read([&](store::Tx& tx) -> core::Result<core::Unit> {
    for (;;) {
      auto batch = tx.changes_after(seq, kChangeBatch);
      for (auto& c : batch) {
        seq = c.seq;
        if (c.entity == "app") {
          changed_apps.push_back(std::move(c.entity_id));
        } else if (c.entity == "app_code") {
          // Older entries name the code, not its app: re-read every app of the instance.
          for (auto& app : tx.apps_of_instance(c.instance_id)) changed_apps.push_back(app.id);
        } else {
          routes_changed = true;
        }
      }
      if (static_cast<int>(batch.size()) < kChangeBatch) break;
    }
    std::sort(changed_apps.begin(), changed_apps.end());
    changed_apps.erase(std::unique(changed_apps.begin(), changed_apps.end()), changed_apps.end());
    for (const auto& id : changed_apps)
      if (auto app = tx.app_by_id(id)) {
        auto codes = digests(tx.code_digests_of_app(id));
        records.push_back(record_of(std::move(*app), std::move(codes)));
      }
    // Every app of an instance that no longer exists is gone with it; the change log names them.
    if (routes_changed) routes = read_routes(tx);
    return core::Unit{};
  });
  if (!r) {
    spdlog::warn("gateway: could not read changes ({}); keeping the current snapshot",
                 r.error().message);
    return false;
  }
  if (seq == base->change_seq) return true;
  auto next = std::make_shared<Snapshot>();
  next->change_seq = seq;
  next->routes = routes.config ? routes.config : base->routes;
  next->route_inputs = routes.config ? routes.inputs : base->route_inputs;
  next->credentials = changed_apps.empty()
                          ? base->credentials
                          : apply_app_changes(base->credentials, changed_apps, std::move(records));
  holder_.publish(std::move(next));
  spdlog::debug("gateway: applied changes up to seq {} ({} apps, routes {}) in {} us", seq,
                changed_apps.size(), routes.config ? "rebuilt" : "kept",
                std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count());
  return true;
}

}  // namespace gh::gateway
