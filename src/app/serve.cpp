#include "app/serve.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <thread>

#include "admin/openapi.hpp"
#include "app/change_watcher.hpp"
#include "app/cluster_counters.hpp"
#include "app/control_plane.hpp"
#include "app/exit_codes.hpp"
#include "app/health.hpp"
#include "app/keys.hpp"
#include "app/logging.hpp"
#include "app/metrics.hpp"
#include "app/reload.hpp"
#include "app/replies.hpp"
#include "app/service_manager.hpp"
#include "app/snapshot_persister.hpp"
#include "app/tls_files.hpp"
#include "crypto/keyed_digest.hpp"
#include "crypto/random.hpp"
#include "gateway/access_log.hpp"
#include "gateway/gateway.hpp"
#include "gateway/metrics.hpp"
#include "gateway/snapshot_file.hpp"
#include "http/loopback_client.hpp"
#include "http/server.hpp"
#include "store/store.hpp"

namespace gh::app {
namespace {

std::string endpoint(const HostPort& hp, std::uint16_t port) {
  return (hp.host.find(':') != std::string::npos ? "[" + hp.host + "]" : hp.host) + ":" +
         std::to_string(port);
}

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// Builds one listener's server with `make`; an address it cannot bind becomes a StartupError that
// names the listener, its address and the setting to change:
// "gateway TLS listener 127.0.0.1:9443: address already in use; set --gateway-tls-listen".
template <class Make>
std::unique_ptr<http::Server> bind_listener(std::string_view listener, const std::string& address,
                                            std::string_view flag, Make make) {
  try {
    return make();
  } catch (const http::ListenError& e) {
    throw StartupError(kExitListen, std::string(listener) + " listener " + address + ": " +
                                        e.what() + "; set " + std::string(flag));
  }
}

// --trusted-proxies, checked by its option already; a StartupError (exit 2) naming it otherwise.
core::IpSet parse_trusted_proxies(const std::string& list) {
  try {
    return core::IpSet::parse(list);
  } catch (const core::IpListError& e) {
    throw StartupError(kExitConfig, std::string("--trusted-proxies: ") + e.what());
  }
}

}  // namespace

int serve(const ServeConfig& cfg, std::function<ServeConfig()> reread) {
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  set_log_format(cfg.log_format);
  const double started_at =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string master_key;
  try {
    std::filesystem::create_directories(cfg.data_dir);
    ::chmod(cfg.data_dir.c_str(), 0700);
    master_key = load_master_key(cfg.data_dir);
  } catch (const std::exception& e) {
    throw StartupError(kExitConfig, std::string(e.what()) + " (data dir " + cfg.data_dir + ")");
  }

  // Block termination signals and SIGHUP in every thread; the main thread waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGUSR1);  // reopen the access log (rotation)
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

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
  ControlSlot control;
  auto make_control = [&] {
    auto made = std::make_unique<ControlPlane>(
        cfg, open_store(), snapshots, [&] { return admin_url; }, gateway_target_of);
    made->start(cfg);
    return made;
  };
  NodeStatus node;  // what /health and /ready report
  auto& store_ok = node.store_ok;
  auto& from_file = node.from_file;

  try {
    control.set(make_control());
    store_ok = true;
  } catch (const std::exception& e) {
    // Only an unreachable PostgreSQL is survivable (a node of a cluster): SQLite, and SQL errors
    // other than unavailability (e.g. a failed migration) stay fatal. Bootstrap and the first load
    // fail with a plain exception when the store goes away meanwhile; those fall back too.
    auto* sql = dynamic_cast<const store::SqlError*>(&e);
    if (!store::Store::is_postgres_location(location) ||
        (sql && sql->kind != store::SqlError::Kind::kUnavailable))
      throw StartupError(kExitStore, std::string("store: ") + e.what() + "; check --store");
    auto snap = gateway::read_snapshot_file(snapshot_path, file_sealer, cfg.group_domain_suffix);
    if (!snap)
      throw StartupError(kExitStore, std::string("store: ") + e.what() +
                                         " (and no usable snapshot file: " + snap.error().message +
                                         "); check --store");
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
  admin_opts.spread_connections = true;  // n clients on n loops: n calls in one group commit
  admin_opts.priority = background;      // management work yields to the gateway loops
  apply_request_limits(cfg.request_limits, cfg.max_request_body, admin_opts);
  admin_opts.target_error_renderer = [&](http::ProtocolError e, std::string_view target) {
    if (auto* cp = control.current()) return cp->api.protocol_error(e, target);
    return store_unavailable_reply(11);
  };
  // Observability (docs/operations.md#metrics, #access-log): counted only when the metrics
  // listener is configured.
  const bool metrics_on = !cfg.metrics_listen.empty();
  ManagementMetrics management_metrics;
  ProtocolErrorMetrics protocol_metrics;
  auto admin_calls = [&](http::Request& r, const http::RequestContext& c) {
    if (auto probe = probe_reply(r, node, snapshots)) return std::move(*probe);
    if (auto doc = admin::openapi_reply(r)) return std::move(*doc);
    auto* cp = control.current();
    if (!cp) return store_unavailable_reply(r.version());
    return cp->api.handle(r, c);
  };
  auto admin_handler = [&](http::Request& r, const http::RequestContext& c) {
    if (!metrics_on) return admin_calls(r, c);
    auto t0 = Clock::now();
    std::string target(r.target()), method(r.method_string());  // the handler may move `r`
    auto res = admin_calls(r, c);
    management_metrics.record(target, method, res.result_int(),
                              std::chrono::nanoseconds(Clock::now() - t0).count());
    return res;
  };
  auto admin_server = bind_listener("admin", cfg.admin_listen, "--admin-listen", [&] {
    return std::make_unique<http::Server>(admin_opts, http::Handler(admin_handler));
  });
  admin_url = "http://" + endpoint(admin_hp, admin_server->port());

  crypto::KeyedDigest code_digest(file_sealer.index_key());
  int gateway_loops = cfg.gateway_threads > 0
                          ? cfg.gateway_threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  gateway::GatewaySettings gw_settings;
  gw_settings.app_auth.simple_auth_over_http = cfg.simple_auth_over_http;
  gw_settings.loops = 2 * gateway_loops;  // HTTP listener loops, then HTTPS listener loops
  gateway::TrustedProxies trusted_proxies(parse_trusted_proxies(cfg.trusted_proxies));
  gw_settings.trusted_proxies = &trusted_proxies;
  std::unique_ptr<gateway::GatewayMetrics> gateway_metrics;
  if (metrics_on) gateway_metrics = std::make_unique<gateway::GatewayMetrics>(gw_settings.loops);
  gateway::AccessLog access_log(gw_settings.loops);  // exists when off: SIGHUP may switch it on
  try {
    access_log.set_target(cfg.access_log);
  } catch (const std::exception& e) {
    throw StartupError(kExitConfig, e.what());
  }
  gw_settings.metrics = gateway_metrics.get();
  gw_settings.access_log = &access_log;
  gateway::IamCheck iam_check = [&control](
                                    const http::RequestView& r, std::string_view project,
                                    const gateway::AccountAcls& accounts,
                                    std::string* account) -> std::optional<gateway::Failure> {
    if (auto* cp = control.current()) return cp->iam_check(r, project, accounts, account);
    return core::dataplane::iam_failure("the identity store is unavailable");
  };
  gateway::Gateway gw(snapshots, code_digest, iam_check, gw_settings);
  // PostgreSQL: limits and quotas hold for the cluster (docs/operations.md#throttling-cluster).
  auto cluster_counters = start_cluster_counters(location, gw.counters(), background, [&] {
    auto* cp = control.current();
    return cp ? cp->store.get() : nullptr;
  });
  http::ExchangeHandler gateway_handler = [&gw](http::Exchange& e) { gw.handle(e); };

  http::ServerOptions gw_opts;
  gw_opts.host = gateway_hp.host;
  gw_opts.port = gateway_hp.port;
  gw_opts.threads = gateway_loops;
  apply_request_limits(cfg.request_limits, cfg.max_gateway_body, gw_opts);
  gw_opts.enable_h2 = true;  // ALPN h2 on HTTPS, prior knowledge on HTTP
  gw_opts.error_renderer = gateway_protocol_error;
  if (metrics_on)
    gw_opts.error_renderer = [&protocol_metrics](http::ProtocolError e) {
      protocol_metrics.record(http::status_of(e));
      return gateway_protocol_error(e);
    };
  auto gateway_server = bind_listener("gateway", cfg.gateway_listen, "--gateway-listen", [&] {
    return std::make_unique<http::Server>(gw_opts, gateway_handler);
  });

  std::unique_ptr<http::Server> tls_server;
  std::string tls_endpoint;
  if (!cfg.gateway_tls_listen.empty()) {
    auto tls_hp = parse_host_port(cfg.gateway_tls_listen);
    TlsFiles files;
    try {
      files = ensure_tls_files(cfg.data_dir, cfg.tls_cert, cfg.tls_key);
    } catch (const std::exception& e) {
      throw StartupError(kExitConfig, std::string("gateway TLS: ") + e.what());
    }
    if (files.generated)
      spdlog::info("gateway: created a self-signed TLS certificate {}", files.cert);
    http::ServerOptions tls_opts = gw_opts;
    tls_opts.host = tls_hp.host;
    tls_opts.port = tls_hp.port;
    tls_opts.tls_cert_file = files.cert;
    tls_opts.tls_key_file = files.key;
    tls_opts.loop_index_base = gateway_loops;
    tls_server = bind_listener("gateway TLS", cfg.gateway_tls_listen, "--gateway-tls-listen", [&] {
      try {
        return std::make_unique<http::Server>(tls_opts, gateway_handler);
      } catch (const http::ListenError&) {
        throw;
      } catch (const std::exception& e) {  // the certificate or key (the bind comes after)
        throw StartupError(kExitConfig, "gateway TLS certificate " + files.cert + ": " + e.what() +
                                            "; check --tls-cert and --tls-key");
      }
    });
    tls_endpoint = endpoint(tls_hp, tls_server->port());
    gateway_target = {http::connect_host(tls_hp.host), tls_server->port(), true, files.cert};
  } else {
    gateway_target = {http::connect_host(gateway_hp.host), gateway_server->port(), false, {}};
  }

  MetricsSources metric_sources;
  metric_sources.gateway = gateway_metrics.get();
  metric_sources.management = &management_metrics;
  metric_sources.protocol = &protocol_metrics;
  metric_sources.snapshots = &snapshots;
  metric_sources.node = &node;
  metric_sources.access_log = &access_log;
  metric_sources.cluster_counters = cluster_counters.get();
  metric_sources.start_time_seconds = started_at;
  metric_sources.store_change_seq = [&]() -> std::optional<std::int64_t> {
    auto* cp = control.current();
    if (!cp || !store_ok.load()) return std::nullopt;
    auto r = cp->store->read(
        [](store::Tx& tx) -> core::Result<std::int64_t> { return tx.last_change_seq(); });
    if (!r) return std::nullopt;
    return *r;
  };
  std::unique_ptr<http::Server> metrics_server;
  std::string metrics_endpoint;
  if (metrics_on) {
    HostPort metrics_hp;
    try {
      metrics_hp = parse_host_port(cfg.metrics_listen);
    } catch (const std::invalid_argument& e) {
      throw StartupError(kExitConfig, std::string("--metrics-listen: ") + e.what());
    }
    http::ServerOptions metrics_opts;
    metrics_opts.host = metrics_hp.host;
    metrics_opts.port = metrics_hp.port;
    metrics_opts.threads = 1;
    metrics_opts.priority = background;
    apply_request_limits(cfg.request_limits, cfg.max_request_body, metrics_opts);
    metrics_server = bind_listener("metrics", cfg.metrics_listen, "--metrics-listen", [&] {
      return std::make_unique<http::Server>(
          metrics_opts, http::Handler([&](http::Request& r, const http::RequestContext&) {
            return metrics_reply(r, metric_sources);
          }));
    });
    metrics_endpoint = endpoint(metrics_hp, metrics_server->port());
  }

  admin_server->start();
  gateway_server->start();
  if (metrics_server) metrics_server->start();
  if (tls_server) tls_server->start();
  node.serving = true;

  // The change watcher (app/change_watcher.hpp) and the snapshot file's writer (only PostgreSQL
  // nodes read the file; app/snapshot_persister.hpp).
  ChangeWatcher watcher(cfg, control, node, snapshots, make_control, background);
  watcher.start();
  SnapshotPersister persister(store::Store::is_postgres_location(location), snapshot_path,
                              file_sealer, snapshots, from_file, background);
  persister.start();
  write_private_file(cfg.data_dir + "/listen.json",
                     "{\"admin\":\"" + endpoint(admin_hp, admin_server->port()) +
                         "\",\"gateway\":\"" + endpoint(gateway_hp, gateway_server->port()) +
                         "\",\"gateway_tls\":\"" + tls_endpoint + "\",\"metrics\":\"" +
                         metrics_endpoint + "\"}\n");
  spdlog::info(
      "admin API on {}, gateway on {} (HTTPS {})", endpoint(admin_hp, admin_server->port()),
      endpoint(gateway_hp, gateway_server->port()), tls_endpoint.empty() ? "off" : tls_endpoint);
  if (metrics_server) spdlog::info("metrics on http://{}/metrics", metrics_endpoint);

  notify_ready("serving; admin API on " + endpoint(admin_hp, admin_server->port()));
  ServeConfig running_cfg = cfg;  // the settings in force (SIGHUP changes the live ones)
  int sig = 0;
  for (;;) {
    sigwait(&signals, &sig);
    if (sig == SIGUSR1) {
      if (!access_log.reopen())
        spdlog::error("SIGUSR1: access log {} cannot be reopened; still writing to the old file",
                      access_log.target());
      continue;
    }
    if (sig != SIGHUP) break;
    if (!reread) {
      spdlog::warn("SIGHUP: nothing to reload");
      continue;
    }
    notify_reloading();
    try {
      apply_reload(running_cfg, reread(), tls_server.get(), &access_log, &trusted_proxies);
    } catch (const std::exception& e) {
      spdlog::error("SIGHUP: the settings were not reloaded: {}", e.what());
    }
    notify_ready("serving; settings reloaded");
  }
  // Graceful stop: out of rotation (/ready answers 503), the gateway listeners stop accepting and
  // finish the requests in progress, HTTP/1.1 and HTTP/2; then the admin listener (which answered
  // /ready meanwhile) does the same for management calls, within what is left of the bound. Every
  // change this node committed has been applied to the snapshot by then, and the snapshot file
  // gets it.
  const Millis grace(cfg.drain_timeout_ms);
  const auto drain_until = Clock::now() + grace;
  spdlog::info("signal {} received: draining requests in progress (at most {} ms)", sig,
               grace.count());
  node.serving = false;
  notify_stopping();
  auto tls_drained =
      std::async(std::launch::async, [&] { return !tls_server || tls_server->drain(grace); });
  bool drained = gateway_server->drain(grace);
  if (!tls_drained.get() || !drained)
    spdlog::warn("requests still in progress after {} ms are cut off", grace.count());
  auto left = std::max(Millis(0), std::chrono::duration_cast<Millis>(drain_until - Clock::now()));
  if (!admin_server->drain(left))
    spdlog::warn("management calls still in progress after {} ms: their answers may be lost",
                 grace.count());
  admin_server->stop();
  if (metrics_server) metrics_server->stop();
  if (cluster_counters) cluster_counters->stop();
  watcher.stop();
  persister.stop();  // writes the last snapshot
  if (tls_server) tls_server->stop();
  gateway_server->stop();
  gw.release_connections();
  spdlog::info("stopped (snapshot change seq {})", snapshots.load()->change_seq);
  return kExitOk;
}

}  // namespace gh::app
