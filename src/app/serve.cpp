#include "app/serve.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "admin/admin_api.hpp"
#include "app/iam_check.hpp"
#include "app/keys.hpp"
#include "app/tls_files.hpp"
#include "crypto/keyed_digest.hpp"
#include "crypto/random.hpp"
#include "gateway/gateway.hpp"
#include "gateway/loader.hpp"
#include "http/server.hpp"
#include "services/app_service.hpp"
#include "services/iam_service.hpp"
#include "services/modelarts_service.hpp"
#include "services/traffic_service.hpp"
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

  crypto::Sealer sealer(load_master_key(cfg.data_dir));
  std::string location = cfg.store.empty() ? cfg.data_dir + "/gatehouse.db" : cfg.store;
  store::StoreOptions store_opts;
  store_opts.pool_size = cfg.store_pool_size;
  auto store = store::Store::open(location, std::move(sealer), store_opts);

  services::Limits limits;
  limits.max_apps_per_instance = cfg.max_apps_per_instance;
  limits.token_lifetime_seconds = cfg.token_lifetime;
  services::IamService iam(*store, limits);
  services::AppService apps(*store, limits);
  services::ModelArtsService modelarts(apps);
  services::TrafficSettings traffic_settings;
  traffic_settings.group_domain_suffix = cfg.group_domain_suffix;
  services::TrafficService traffic(*store, traffic_settings);
  // Committed traffic-side changes (groups, envs, variables, APIs, publications, authorizations).
  // The lead connects this to the gateway's snapshot reload.
  std::function<void()> on_config_change = [] {};
  traffic.on_change([&] { on_config_change(); });

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

  auto admin_hp = parse_host_port(cfg.admin_listen);
  auto gateway_hp = parse_host_port(cfg.gateway_listen);
  std::string admin_url;
  admin::AdminApi api(
      {iam, apps, modelarts, traffic, *store, cfg.region, [&] { return admin_url; }});

  http::ServerOptions admin_opts;
  admin_opts.host = admin_hp.host;
  admin_opts.port = admin_hp.port;
  admin_opts.threads = cfg.admin_threads;
  admin_opts.body_limit = static_cast<std::size_t>(cfg.max_request_body);
  admin_opts.target_error_renderer = [&api](http::ProtocolError e, std::string_view target) {
    return api.protocol_error(e, target);
  };
  http::Server admin_server(admin_opts, [&](http::Request& r, const http::RequestContext& c) {
    return api.handle(r, c);
  });
  admin_url = "http://" + endpoint(admin_hp, admin_server.port());

  // The data plane: a snapshot kept in step with the store by the loader, which runs after every
  // committed management write (so a revocation is in force before the call returns) and on a
  // periodic poll (writes by other nodes sharing the store).
  gateway::SnapshotHolder snapshots;
  gateway::SnapshotLoader loader(*store, snapshots, cfg.group_domain_suffix);
  loader.load_all();
  apps.on_change([&loader] { loader.apply_changes(); });
  on_config_change = [&loader] { loader.apply_changes(); };
  crypto::KeyedDigest code_digest(store->sealer().index_key());

  int gateway_loops = cfg.gateway_threads > 0
                          ? cfg.gateway_threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  gateway::GatewaySettings gw_settings;
  gw_settings.app_auth.simple_auth_over_http = cfg.simple_auth_over_http;
  gw_settings.loops = gateway_loops;
  gateway::Gateway gw(snapshots, code_digest, make_iam_check(iam), gw_settings);
  auto gateway_handler = [&gw](http::Request&& r, const http::RequestContext& c,
                               http::Responder done) {
    gw.handle(std::move(r), c, std::move(done));
  };

  http::ServerOptions gw_opts;
  gw_opts.host = gateway_hp.host;
  gw_opts.port = gateway_hp.port;
  gw_opts.threads = gateway_loops;
  gw_opts.loop_per_thread = true;
  gw_opts.error_renderer = protocol_error;
  http::Server gateway_server(gw_opts, http::AsyncHandler(gateway_handler));

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
    tls_server = std::make_unique<http::Server>(tls_opts, http::AsyncHandler(gateway_handler));
    tls_endpoint = endpoint(tls_hp, tls_server->port());
  }

  admin_server.start();
  gateway_server.start();
  if (tls_server) tls_server->start();

  std::atomic<bool> polling{true};
  std::thread poller([&] {
    auto next = std::chrono::steady_clock::now();
    while (polling.load()) {
      next += std::chrono::milliseconds(std::max(50, cfg.change_poll_ms));
      while (polling.load() && std::chrono::steady_clock::now() < next)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (polling.load()) loader.apply_changes();
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
  polling = false;
  poller.join();
  if (tls_server) tls_server->stop();
  gateway_server.stop();
  admin_server.stop();
  return 0;
}

}  // namespace gh::app
