#include "app/serve_cli.hpp"

#include <cctype>
#include <tuple>

#include "app/config_file.hpp"
#include "core/ip_match.hpp"

namespace gh::app {
namespace {
// CLI11 check: a listen address the server can parse ("HOST:PORT"), named in the error.
std::string check_host_port(const std::string& s) {
  try {
    parse_host_port(s);
    return {};
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
}
}  // namespace

void add_serve_options(CLI::App& serve, ServeConfig& cfg, std::string& config_file) {
  serve.add_option("--config", config_file, kConfigHelp)->envname("GATEHOUSE_CONFIG");
  serve.add_option("--data-dir", cfg.data_dir, "Data directory (store, keys)")
      ->envname("GATEHOUSE_DATA_DIR")
      ->capture_default_str();
  serve.add_option("--admin-listen", cfg.admin_listen, "Management API HOST:PORT (0 = any free)")
      ->envname("GATEHOUSE_ADMIN_LISTEN")
      ->check(check_host_port)
      ->capture_default_str();
  serve.add_option("--gateway-listen", cfg.gateway_listen, "Gateway HTTP HOST:PORT")
      ->envname("GATEHOUSE_GATEWAY_LISTEN")
      ->check(check_host_port)
      ->capture_default_str();
  serve
      .add_option("--gateway-tls-listen", cfg.gateway_tls_listen,
                  "Gateway HTTPS HOST:PORT (empty: no TLS listener)")
      ->envname("GATEHOUSE_GATEWAY_TLS_LISTEN")
      ->check([](const std::string& s) { return s.empty() ? std::string() : check_host_port(s); })
      ->capture_default_str();
  serve
      .add_option("--tls-cert", cfg.tls_cert,
                  "Gateway certificate chain (PEM); default: a self-signed one in the data dir")
      ->envname("GATEHOUSE_TLS_CERT");
  serve.add_option("--tls-key", cfg.tls_key, "Private key of --tls-cert (PEM)")
      ->envname("GATEHOUSE_TLS_KEY");
  serve
      .add_flag("--simple-auth-over-http", cfg.simple_auth_over_http,
                "Accept X-Apig-AppCode over plain HTTP (TLS terminated in front, benchmarks)")
      ->envname("GATEHOUSE_SIMPLE_AUTH_OVER_HTTP");
  serve
      .add_option("--change-poll-ms", cfg.change_poll_ms,
                  "How often the gateway re-reads the store's change log (other nodes' writes)")
      ->envname("GATEHOUSE_CHANGE_POLL_MS")
      ->capture_default_str();
  serve
      .add_option("--store", cfg.store,
                  "Store: sqlite:PATH or postgresql://USER@HOST:PORT/DB (default: SQLite file "
                  "in the data dir)")
      ->envname("GATEHOUSE_STORE");
  serve
      .add_option("--store-pool-size", cfg.store_pool_size,
                  "PostgreSQL connections kept by this node")
      ->envname("GATEHOUSE_STORE_POOL_SIZE")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  serve.add_option("--region", cfg.region, "Region name shown in the IAM catalogue")
      ->envname("GATEHOUSE_REGION")
      ->capture_default_str();
  serve.add_option("--log-level", cfg.log_level, "trace|debug|info|warn|error")
      ->envname("GATEHOUSE_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  serve.add_option("--log-format", cfg.log_format, "Server log: text|json (one object per line)")
      ->envname("GATEHOUSE_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  serve
      .add_option("--metrics-listen", cfg.metrics_listen,
                  "Prometheus metrics HOST:PORT (GET /metrics, no authentication; empty: off)")
      ->envname("GATEHOUSE_METRICS_LISTEN")
      ->check([](const std::string& s) { return s.empty() ? std::string() : check_host_port(s); });
  serve
      .add_option("--access-log", cfg.access_log,
                  "Gateway access log: a file PATH, - (stdout) or off; one JSON line per request "
                  "(SIGUSR1 reopens the file, SIGHUP may switch it)")
      ->envname("GATEHOUSE_ACCESS_LOG")
      ->check([](const std::string& s) {
        return s.empty() ? std::string("expected PATH, - or off") : std::string();
      })
      ->capture_default_str();
  serve
      .add_option("--management-priority", cfg.management_priority,
                  "Scheduling of management and background threads: a niceness 0-19 (default "
                  "10: a small guaranteed share of a busy CPU) or 'idle' (SCHED_IDLE: only CPU "
                  "time the gateway loops leave)")
      ->envname("GATEHOUSE_MANAGEMENT_PRIORITY")
      ->check([](const std::string& s) {
        try {
          parse_thread_priority(s);
          return std::string();
        } catch (const std::invalid_argument& e) {
          return std::string(e.what());
        }
      })
      ->capture_default_str();
  serve.add_option("--admin-threads", cfg.admin_threads, "Management API threads")
      ->envname("GATEHOUSE_ADMIN_THREADS")
      ->capture_default_str();
  serve
      .add_option("--gateway-threads", cfg.gateway_threads,
                  "Gateway event loops (0 = one per core)")
      ->envname("GATEHOUSE_GATEWAY_THREADS")
      ->capture_default_str();
  serve
      .add_option("--max-apps-per-instance", cfg.max_apps_per_instance,
                  "Apps per gateway instance (Huawei default 50)")
      ->envname("GATEHOUSE_MAX_APPS_PER_INSTANCE")
      ->capture_default_str();
  serve.add_option("--max-request-body", cfg.max_request_body, "Largest management request body")
      ->envname("GATEHOUSE_MAX_REQUEST_BODY")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30))
      ->capture_default_str();
  serve.add_option("--max-gateway-body", cfg.max_gateway_body, "Largest API call body (bytes)")
      ->envname("GATEHOUSE_MAX_GATEWAY_BODY")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30))
      ->capture_default_str();
  // Request limits, one set for both listeners (docs/operations.md, "Request limits").
  auto& limits = cfg.request_limits;
  for (auto [flag, value, help] :
       {std::tuple{"--max-request-line", &limits.max_request_line, "Longest request line (414)"},
        {"--max-header-line", &limits.max_header_line, "Longest header field line (494)"},
        {"--max-headers-size", &limits.max_headers_size, "All header field lines (494)"},
        {"--max-header-count", &limits.max_header_count, "Header fields in a request (494)"},
        {"--request-timeout-ms", &limits.request_timeout_ms,
         "A started request must arrive whole within this (408)"},
        {"--idle-timeout-ms", &limits.idle_timeout_ms,
         "How long a kept-alive connection may wait for its next request"}}) {
    std::string env = "GATEHOUSE_" + std::string(flag + 2);
    for (auto& c : env) c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
    serve.add_option(flag, *value, help)
        ->envname(env)
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30))
        ->capture_default_str();
  }
  serve
      .add_option("--group-domain-suffix", cfg.group_domain_suffix,
                  "API group debug domains are {group_id}.SUFFIX (sl_domain)")
      ->envname("GATEHOUSE_GROUP_DOMAIN_SUFFIX")
      ->capture_default_str();
  serve
      .add_option("--token-lifetime", cfg.token_lifetime,
                  "Lifetime of IAM tokens in seconds (1..86400)")
      ->envname("GATEHOUSE_TOKEN_LIFETIME")
      ->check(CLI::Range(1, 24 * 3600))
      ->capture_default_str();
  serve
      .add_option("--drain-timeout-ms", cfg.drain_timeout_ms,
                  "On SIGTERM/SIGINT, how long requests in progress may take to finish")
      ->envname("GATEHOUSE_DRAIN_TIMEOUT_MS")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  serve
      .add_option("--trusted-proxies", cfg.trusted_proxies,
                  "Proxies whose X-Forwarded-For names the client: addresses, CIDRs and ranges "
                  "a-b, comma-separated (default: none)")
      ->envname("GATEHOUSE_TRUSTED_PROXIES")
      ->check([](const std::string& s) {
        try {
          core::IpSet::parse(s);
          return std::string();
        } catch (const core::IpListError& e) {
          return std::string(e.what());
        }
      });
  serve.footer(
      "Environment: GATEHOUSE_ADMIN_PASSWORD (bootstrap admin password), GATEHOUSE_MASTER_KEY\n"
      "(64 hex chars; else DATA_DIR/master.key is created), and GATEHOUSE_<FLAG> for each flag.\n"
      "Exit codes: 0 stopped by SIGTERM/SIGINT, 1 failure while running, 2 bad setting, 3 a\n"
      "listener cannot bind, 4 store unavailable (docs/operations.md).\n"
      "Signals: SIGTERM/SIGINT stop gracefully, SIGHUP reloads the settings, SIGUSR1 reopens\n"
      "the access log (rotation).");
}

ServeConfig reread_serve_config(int argc, char** argv) {
  CLI::App cli;
  std::string config_file;
  cli.add_option("--config", config_file, kConfigHelp)->envname("GATEHOUSE_CONFIG");
  ServeConfig cfg;
  auto* serve = cli.add_subcommand("serve");
  add_serve_options(*serve, cfg, config_file);
  cli.parse(argc, argv);
  if (!config_file.empty()) apply_config_file(*serve, config_file);
  return cfg;
}

}  // namespace gh::app
