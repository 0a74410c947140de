#include "app/serve.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "admin/admin_api.hpp"
#include "app/iam_check.hpp"
#include "app/keys.hpp"
#include "app/tls_files.hpp"
#include "crypto/keyed_digest.hpp"
#include "crypto/random.hpp"
#include "gateway/gateway.hpp"
#include "gateway/loader.hpp"
#include "gateway/snapshot_file.hpp"
#include "http/loopback_client.hpp"
#include "http/server.hpp"
#include "services/app_service.hpp"
#include "services/iam_service.hpp"
#include "services/modelarts_service.hpp"
#include "services/traffic_service.hpp"
#include "store/change_feed.hpp"
#include "store/store.hpp"

namespace gh::app {
namespace {

http::Response protocol_error(http::ProtocolError e) {
  int status = 400;
  std::string msg = "Parameter error.";
  switch (e) {
    case http::ProtocolError::kBadRequest:
      break;
    case http::ProtocolError::kUriTooLong:
      status = 414;
      msg = "Request URI too large.";
      break;
    case http::ProtocolError::kHeadersTooLarge:
      status = 494;
      msg = "Request headers too large.";
      break;
    case http::ProtocolError::kBodyTooLarge:
      status = 413;
      msg = "Request entity too large.";
      break;
    case http::ProtocolError::kRequestTimeout:
      status = 408;
      msg = "Request timeout.";
      break;
    case http::ProtocolError::kNotImplemented:
      status = 501;
      msg = "Transfer-Encoding not implemented.";
      break;
    case http::ProtocolError::kInternal:
      status = 500;
      msg = "An unexpected error occurred";
      break;
  }
  return gateway::error_response(11, status,
                                 status == 400   ? "APIG.2000"
                                 : status == 500 ? "APIG.9999"
                                                 : "APIG.0201",
                                 msg, crypto::new_id());
}

std::string endpoint(const HostPort& hp, std::uint16_t port) {
  return (hp.host.find(':') != std::string::npos ? "[" + hp.host + "]" : hp.host) + ":" +
         std::to_string(port);
}

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// Everything that needs the store: the services, the management API and the snapshot loader.
// Built once the store is reachable (at start, or later when the node started from its snapshot
// file); never torn down before shutdown.
struct ControlPlane {
  ControlPlane(const ServeConfig& cfg, std::unique_ptr<store::Store> opened,
               gateway::SnapshotHolder& snapshots, std::function<std::string()> admin_url,
               std::function<http::LoopbackTarget()> gateway_target)
      : store(std::move(opened)),
        limits(make_limits(cfg)),
        iam(*store, limits),
        apps(*store, limits),
        modelarts(apps),
        traffic(*store, traffic_settings(cfg)),
        // Route inputs are kept for the snapshot file, which only PostgreSQL nodes write.
        loader(*store, snapshots, cfg.group_domain_suffix,
               store::Store::is_postgres_location(cfg.store)),
        api({iam, apps, modelarts, traffic, *store, cfg.region, std::move(admin_url),
             std::move(gateway_target)}),
        iam_check(make_iam_check(iam)) {
    // Every committed write on this node is applied before its call returns (a revocation is in
    // force at once); writes by other nodes arrive through the change watcher.
    apps.on_change([this] { loader.apply_changes(); });
    traffic.on_change([this] { loader.apply_changes(); });
  }

  // Bootstraps the IAM (first start of a store) and loads the snapshot. Throws on store failure.
  void start(const ServeConfig& cfg) {
    bool generated = false;
    auto password = admin_password(cfg.data_dir, generated);
    auto boot = iam.bootstrap(password);
    traffic.ensure_default_groups();  // instances created before schema 2 get their DEFAULT group
    if (boot.created) {
      spdlog::info("bootstrapped: domain 'default', user 'admin', project 'default' ({})",
                   boot.project_id);
      if (generated)  // printed exactly once, on the first start; never logged
        std::cout << "Gatehouse admin password (also in " << cfg.data_dir
                  << "/admin-password): " << password << std::endl;
    }
    loader.load_all();
  }

  static services::Limits make_limits(const ServeConfig& cfg) {
    services::Limits l;
    l.max_apps_per_instance = cfg.max_apps_per_instance;
    l.token_lifetime_seconds = cfg.token_lifetime;
    return l;
  }
  static services::TrafficSettings traffic_settings(const ServeConfig& cfg) {
    services::TrafficSettings t;
    t.group_domain_suffix = cfg.group_domain_suffix;
    return t;
  }

  std::unique_ptr<store::Store> store;
  services::Limits limits;
  services::IamService iam;
  services::AppService apps;
  services::ModelArtsService modelarts;
  services::TrafficService traffic;
  gateway::SnapshotLoader loader;
  admin::AdminApi api;
  gateway::IamCheck iam_check;
};

http::Response json_reply(unsigned version, int status, const std::string& body) {
  http::Response res{static_cast<http::bhttp::status>(status), version};
  res.set(http::bhttp::field::content_type, "application/json");
  res.body() = body;
  res.prepare_payload();
  return res;
}

// Management calls while the node has no store: APIG's error shape, 503.
http::Response store_unavailable_reply(unsigned version) {
  auto e = core::errors::store_unavailable();
  auto id = crypto::new_id();
  auto res = json_reply(version, e.http_status,
                        "{\"error_code\":\"" + e.code + "\",\"error_msg\":\"" + e.message +
                            "\",\"request_id\":\"" + id + "\"}");
  res.set("X-Request-Id", id);
  return res;
}

// Pauses up to `d`, returning early once `running` turns false.
void pause(const std::atomic<bool>& running, Millis d) {
  auto until = Clock::now() + d;
  while (running.load() && Clock::now() < until) std::this_thread::sleep_for(Millis(20));
}

}  // namespace

int serve(const ServeConfig& cfg) {
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  std::filesystem::create_directories(cfg.data_dir);
  ::chmod(cfg.data_dir.c_str(), 0700);

  // Block termination signals in every thread; the main thread waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string master_key = load_master_key(cfg.data_dir);
  const crypto::Sealer file_sealer(master_key);  // seals app secrets in the snapshot file
  const std::string location = cfg.store.empty() ? cfg.data_dir + "/gatehouse.db" : cfg.store;
  const std::string snapshot_path = cfg.data_dir + "/snapshot.json";
  store::StoreOptions store_opts;
  store_opts.pool_size = cfg.store_pool_size;
  auto open_store = [&] {
    return store::Store::open(location, crypto::Sealer(master_key), store_opts);
  };

  gateway::SnapshotHolder snapshots;
  std::string admin_url;
  // Where the console's "try it" reaches the gateway: HTTPS when it listens on TLS (an AppCode is
  // accepted there), trusting only that listener's certificate; else plain HTTP. Set below,
  // before the servers start.
  http::LoopbackTarget gateway_target;
  auto gateway_target_of = [&] { return gateway_target; };
  std::unique_ptr<ControlPlane> control_owner;
  std::atomic<ControlPlane*> control{nullptr};
  std::atomic<bool> store_ok{false};
  std::atomic<bool> from_file{false};  // serving the snapshot file's contents (not yet reloaded)

  try {
    control_owner = std::make_unique<ControlPlane>(
        cfg, open_store(), snapshots, [&] { return admin_url; }, gateway_target_of);
    control_owner->start(cfg);
    control = control_owner.get();
    store_ok = true;
  } catch (const std::exception& e) {
    // Only an unreachable PostgreSQL is survivable (a node of a cluster): SQLite, and SQL errors
    // other than unavailability (e.g. a failed migration) stay fatal. Bootstrap and the first load
    // fail with a plain exception when the store goes away meanwhile; those fall back too.
    auto* sql = dynamic_cast<const store::SqlError*>(&e);
    if (!store::Store::is_postgres_location(location) ||
        (sql && sql->kind != store::SqlError::Kind::kUnavailable))
      throw;
    control_owner.reset();
    auto snap = gateway::read_snapshot_file(snapshot_path, file_sealer, cfg.group_domain_suffix);
    if (!snap)
      throw std::runtime_error(std::string(e.what()) +
                               " (and no usable snapshot file: " + snap.error().message + ")");
    spdlog::warn(
        "store unreachable ({}); serving the data plane from {} (change seq {}, {} apps); "
        "management calls answer 503 until the store is back",
        e.what(), snapshot_path, (*snap)->change_seq, (*snap)->credentials.apps.size());
    snapshots.publish(std::move(*snap));
    from_file = true;
  }

  auto admin_hp = parse_host_port(cfg.admin_listen);
  auto gateway_hp = parse_host_port(cfg.gateway_listen);

  const http::ThreadPriority background = parse_thread_priority(cfg.management_priority);
  http::ServerOptions admin_opts;
  admin_opts.host = admin_hp.host;
  admin_opts.port = admin_hp.port;
  admin_opts.threads = cfg.admin_threads;
  admin_opts.priority = background;  // management work yields to the gateway loops
  apply_request_limits(cfg.request_limits, cfg.max_request_body, admin_opts);
  admin_opts.target_error_renderer = [&](http::ProtocolError e, std::string_view target) {
    if (auto* cp = control.load()) return cp->api.protocol_error(e, target);
    return store_unavailable_reply(11);
  };
  http::Server admin_server(admin_opts, [&](http::Request& r, const http::RequestContext& c) {
    auto* cp = control.load();
    std::string_view target(r.target().data(), r.target().size());
    if (target == "/health" && r.method() == http::bhttp::verb::get && (!cp || !store_ok.load())) {
      auto seq = snapshots.load()->change_seq;
      return json_reply(r.version(), 200,
                        std::string("{\"status\":\"degraded\",\"store\":\"unavailable\","
                                    "\"snapshot\":\"") +
                            (from_file.load() ? "file" : "memory") +
                            "\",\"change_seq\":" + std::to_string(seq) + "}");
    }
    if (!cp) return store_unavailable_reply(r.version());
    return cp->api.handle(r, c);
  });
  admin_url = "http://" + endpoint(admin_hp, admin_server.port());

  crypto::KeyedDigest code_digest(file_sealer.index_key());
  int gateway_loops = cfg.gateway_threads > 0
                          ? cfg.gateway_threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  gateway::GatewaySettings gw_settings;
  gw_settings.app_auth.simple_auth_over_http = cfg.simple_auth_over_http;
  gw_settings.loops = 2 * gateway_loops;  // HTTP listener loops, then HTTPS listener loops
  gateway::IamCheck iam_check = [&control](
                                    const http::RequestView& r,
                                    std::string_view project) -> std::optional<gateway::Failure> {
    if (auto* cp = control.load()) return cp->iam_check(r, project);
    return core::dataplane::iam_failure("the identity store is unavailable");
  };
  gateway::Gateway gw(snapshots, code_digest, iam_check, gw_settings);
  http::ExchangeHandler gateway_handler = [&gw](http::Exchange& e) { gw.handle(e); };

  http::ServerOptions gw_opts;
  gw_opts.host = gateway_hp.host;
  gw_opts.port = gateway_hp.port;
  gw_opts.threads = gateway_loops;
  apply_request_limits(cfg.request_limits, cfg.max_gateway_body, gw_opts);
  gw_opts.enable_h2 = true;  // ALPN h2 on HTTPS, prior knowledge on HTTP
  gw_opts.error_renderer = protocol_error;
  http::Server gateway_server(gw_opts, gateway_handler);

  std::unique_ptr<http::Server> tls_server;
  std::string tls_endpoint;
  if (!cfg.gateway_tls_listen.empty()) {
    auto tls_hp = parse_host_port(cfg.gateway_tls_listen);
    auto files = ensure_tls_files(cfg.data_dir, cfg.tls_cert, cfg.tls_key);
    if (files.generated)
      spdlog::info("gateway: created a self-signed TLS certificate {}", files.cert);
    http::ServerOptions tls_opts = gw_opts;
    tls_opts.host = tls_hp.host;
    tls_opts.port = tls_hp.port;
    tls_opts.tls_cert_file = files.cert;
    tls_opts.tls_key_file = files.key;
    tls_opts.loop_index_base = gateway_loops;
    tls_server = std::make_unique<http::Server>(tls_opts, gateway_handler);
    tls_endpoint = endpoint(tls_hp, tls_server->port());
    gateway_target = {http::connect_host(tls_hp.host), tls_server->port(), true, files.cert};
  } else {
    gateway_target = {http::connect_host(gateway_hp.host), gateway_server.port(), false, {}};
  }

  admin_server.start();
  gateway_server.start();
  if (tls_server) tls_server->start();

  // The change watcher. Without a store (started from the snapshot file) it keeps trying to open
  // it, then bootstraps and reloads. With a store it follows changes made by other nodes sharing
  // it: on PostgreSQL it wakes on NOTIFY, and every --change-poll-ms at the latest (drift check;
  // catch-up after lost notifications, from the snapshot's last seq); on SQLite it polls. While
  // the store is unreachable apply_changes() fails and leaves the snapshot in force; the watcher
  // backs off and retries.
  std::atomic<bool> running{true};
  std::thread watcher([&] {
    http::lower_thread_priority(background);
    const Millis period(std::max(50, cfg.change_poll_ms));
    const Millis max_backoff = std::max(period, Millis(1000));
    Millis backoff(100);
    std::unique_ptr<store::ChangeFeed> feed;
    while (running.load()) {
      snapshots.reclaim();  // replaced snapshots the request threads have let go of
      auto* cp = control.load();
      if (!cp) {
        try {
          auto made = std::make_unique<ControlPlane>(
              cfg, open_store(), snapshots, [&] { return admin_url; }, gateway_target_of);
          made->start(cfg);
          control_owner = std::move(made);
          control = control_owner.get();
          from_file = false;
          store_ok = true;
          spdlog::info("store reachable again: bootstrapped and reloaded; management is back");
        } catch (const std::exception& e) {
          spdlog::debug("store still unreachable: {}", e.what());
          pause(running, backoff);
          backoff = std::min(backoff * 2, max_backoff);
        }
        continue;
      }
      if (!feed) feed = std::make_unique<store::ChangeFeed>(*cp->store);
      bool ok = cp->loader.apply_changes();
      if (ok != store_ok.load()) {
        store_ok = ok;
        if (ok)
          spdlog::info("store reachable again; snapshot caught up to change seq {}",
                       snapshots.load()->change_seq);
        else
          spdlog::warn("store unreachable; the data plane keeps serving its snapshot");
      }
      if (!ok) {
        pause(running, backoff);
        backoff = std::min(backoff * 2, max_backoff);
        continue;
      }
      backoff = Millis(100);
      if (running.load()) feed->wait_for_change(period);
    }
  });

  // Persists the snapshot (off the request path, at most once per second) so that this node can
  // start from it while the store is unreachable. Only PostgreSQL nodes read it (an unreachable
  // SQLite file is fatal), so a SQLite node does not spend CPU and memory writing it.
  const bool persist_snapshot = store::Store::is_postgres_location(location);
  std::thread persister([&] {
    if (!persist_snapshot) return;
    http::lower_thread_priority(background);
    std::shared_ptr<const gateway::Snapshot> written;  // none yet
    auto last_write = Clock::now() - std::chrono::seconds(1);
    while (running.load()) {
      pause(running, Millis(100));
      auto snap = snapshots.load();
      if (snap == written || !snap->route_inputs || from_file.load()) continue;
      if (Clock::now() - last_write < std::chrono::seconds(1)) continue;
      auto r = gateway::write_snapshot_file(snapshot_path, *snap, file_sealer);
      last_write = Clock::now();
      if (!r) {
        spdlog::warn("{}", r.error().message);
        continue;
      }
      written = std::move(snap);
      spdlog::debug("snapshot file written (change seq {})", written->change_seq);
    }
  });

  write_private_file(cfg.data_dir + "/listen.json",
                     "{\"admin\":\"" + endpoint(admin_hp, admin_server.port()) +
                         "\",\"gateway\":\"" + endpoint(gateway_hp, gateway_server.port()) +
                         "\",\"gateway_tls\":\"" + tls_endpoint + "\"}\n");
  spdlog::info("admin API on {}, gateway on {} (HTTPS {})", endpoint(admin_hp, admin_server.port()),
               endpoint(gateway_hp, gateway_server.port()),
               tls_endpoint.empty() ? "off" : tls_endpoint);

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("signal {} received, shutting down", sig);
  running = false;
  watcher.join();
  persister.join();
  if (tls_server) tls_server->stop();
  gateway_server.stop();
  gw.release_connections();
  admin_server.stop();
  return 0;
}

}  // namespace gh::app
