// gatehouse: a Huawei-compatible API gateway. See README.md.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/config.hpp"
#include "app/serve.hpp"

int main(int argc, char** argv) {
  CLI::App cli{"Gatehouse: an API gateway wire-compatible with Huawei Cloud APIG"};
  cli.require_subcommand(1);
  cli.set_config("--config", "", "Read settings from a TOML/INI file (keys named like the flags)");

  gh::app::ServeConfig cfg;
  auto* serve = cli.add_subcommand("serve", "Run the management API and the gateway");
  serve->add_option("--data-dir", cfg.data_dir, "Data directory (store, keys)")
      ->envname("GATEHOUSE_DATA_DIR")
      ->capture_default_str();
  serve->add_option("--admin-listen", cfg.admin_listen, "Management API HOST:PORT (0 = any free)")
      ->envname("GATEHOUSE_ADMIN_LISTEN")
      ->capture_default_str();
  serve->add_option("--gateway-listen", cfg.gateway_listen, "Gateway HTTP HOST:PORT")
      ->envname("GATEHOUSE_GATEWAY_LISTEN")
      ->capture_default_str();
  serve
      ->add_option("--gateway-tls-listen", cfg.gateway_tls_listen,
                   "Gateway HTTPS HOST:PORT (empty: no TLS listener)")
      ->envname("GATEHOUSE_GATEWAY_TLS_LISTEN")
      ->capture_default_str();
  serve
      ->add_option("--tls-cert", cfg.tls_cert,
                   "Gateway certificate chain (PEM); default: a self-signed one in the data dir")
      ->envname("GATEHOUSE_TLS_CERT");
  serve->add_option("--tls-key", cfg.tls_key, "Private key of --tls-cert (PEM)")
      ->envname("GATEHOUSE_TLS_KEY");
  serve
      ->add_flag("--simple-auth-over-http", cfg.simple_auth_over_http,
                 "Accept X-Apig-AppCode over plain HTTP (TLS terminated in front, benchmarks)")
      ->envname("GATEHOUSE_SIMPLE_AUTH_OVER_HTTP");
  serve
      ->add_option("--change-poll-ms", cfg.change_poll_ms,
                   "How often the gateway re-reads the store's change log (other nodes' writes)")
      ->envname("GATEHOUSE_CHANGE_POLL_MS")
      ->capture_default_str();
  serve
      ->add_option("--store", cfg.store,
                   "Store: sqlite:PATH or postgresql://USER@HOST:PORT/DB (default: SQLite file "
                   "in the data dir)")
      ->envname("GATEHOUSE_STORE");
  serve
      ->add_option("--store-pool-size", cfg.store_pool_size,
                   "PostgreSQL connections kept by this node")
      ->envname("GATEHOUSE_STORE_POOL_SIZE")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  serve->add_option("--region", cfg.region, "Region name shown in the IAM catalogue")
      ->envname("GATEHOUSE_REGION")
      ->capture_default_str();
  serve->add_option("--log-level", cfg.log_level, "trace|debug|info|warn|error")
      ->envname("GATEHOUSE_LOG_LEVEL")
      ->capture_default_str();
  serve->add_option("--admin-threads", cfg.admin_threads, "Management API threads")
      ->envname("GATEHOUSE_ADMIN_THREADS")
      ->capture_default_str();
  serve
      ->add_option("--gateway-threads", cfg.gateway_threads,
                   "Gateway event loops (0 = one per core)")
      ->envname("GATEHOUSE_GATEWAY_THREADS")
      ->capture_default_str();
  serve
      ->add_option("--max-apps-per-instance", cfg.max_apps_per_instance,
                   "Apps per gateway instance (Huawei default 50)")
      ->envname("GATEHOUSE_MAX_APPS_PER_INSTANCE")
      ->capture_default_str();
  serve->add_option("--max-request-body", cfg.max_request_body, "Largest management request body")
      ->envname("GATEHOUSE_MAX_REQUEST_BODY")
      ->capture_default_str();
  serve
      ->add_option("--group-domain-suffix", cfg.group_domain_suffix,
                   "API group debug domains are {group_id}.SUFFIX (sl_domain)")
      ->envname("GATEHOUSE_GROUP_DOMAIN_SUFFIX")
      ->capture_default_str();
  serve->footer(
      "Environment: GATEHOUSE_ADMIN_PASSWORD (bootstrap admin password), GATEHOUSE_MASTER_KEY\n"
      "(64 hex chars; else DATA_DIR/master.key is created), and GATEHOUSE_<FLAG> for each flag.");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  try {
    if (*serve) return gh::app::serve(cfg);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  return 0;
}
