#include "app/serve.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "admin/admin_api.hpp"
#include "app/keys.hpp"
#include "crypto/random.hpp"
#include "gateway/gateway.hpp"
#include "http/server.hpp"
#include "services/app_service.hpp"
#include "services/iam_service.hpp"
#include "services/modelarts_service.hpp"
#include "services/traffic_service.hpp"
#include "store/store.hpp"

namespace gh::app {
namespace {

// The bootstrap admin password: GATEHOUSE_ADMIN_PASSWORD, else generated once, printed once and
// kept in DATA_DIR/admin-password (0600) so the operator can read it later.
std::string admin_password(const std::string& data_dir, bool& generated) {
  generated = false;
  if (const char* env = std::getenv("GATEHOUSE_ADMIN_PASSWORD"); env && *env) return env;
  std::string path = data_dir + "/admin-password";
  if (auto existing = read_file(path)) {
    auto pw = *existing;
    while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
    return pw;
  }
  generated = true;
  auto pw = crypto::random_hex(12);
  write_private_file(path, pw + "\n");
  return pw;
}

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
  auto store = store::Store::open(location, std::move(sealer));

  services::Limits limits;
  limits.max_apps_per_instance = cfg.max_apps_per_instance;
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
  admin_opts.error_renderer = protocol_error;
  http::Server admin_server(admin_opts, [&](http::Request& r, const http::RequestContext& c) {
    return api.handle(r, c);
  });
  admin_url = "http://" + endpoint(admin_hp, admin_server.port());

  gateway::Gateway gw;
  http::ServerOptions gw_opts;
  gw_opts.host = gateway_hp.host;
  gw_opts.port = gateway_hp.port;
  gw_opts.threads = cfg.gateway_threads > 0 ? cfg.gateway_threads
                                            : std::max(1u, std::thread::hardware_concurrency());
  gw_opts.error_renderer = protocol_error;
  http::Server gateway_server(
      gw_opts, [&](http::Request& r, const http::RequestContext& c) { return gw.handle(r, c); });

  admin_server.start();
  gateway_server.start();
  write_private_file(cfg.data_dir + "/listen.json",
                     "{\"admin\":\"" + endpoint(admin_hp, admin_server.port()) +
                         "\",\"gateway\":\"" + endpoint(gateway_hp, gateway_server.port()) +
                         "\"}\n");
  spdlog::info("admin API on {}, gateway on {}", endpoint(admin_hp, admin_server.port()),
               endpoint(gateway_hp, gateway_server.port()));

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("signal {} received, shutting down", sig);
  gateway_server.stop();
  admin_server.stop();
  return 0;
}

}  // namespace gh::app
