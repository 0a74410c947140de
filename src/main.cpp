// gatehouse: a Huawei-compatible API gateway. See README.md.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <iostream>
#include <tuple>

#include "app/bulk.hpp"
#include "app/config.hpp"
#include "app/serve.hpp"

namespace {
// Applies the --config file to `serve`: top-level keys or keys in a [serve] section, named like
// the flags ("admin-listen" or "admin_listen"). A key only fills a setting that neither a flag
// nor its GATEHOUSE_* variable gave, so flags win over the environment, which wins over the file.
// Throws CLI::ParseError subclasses on a missing file or an unknown key.
void apply_config_file(CLI::App& serve, const std::string& path) {
  for (const auto& item : CLI::ConfigTOML().from_file(path)) {
    if (item.name == "++" || item.name == "--") continue;  // section markers
    if (!item.parents.empty() && !(item.parents.size() == 1 && item.parents[0] == "serve"))
      throw CLI::ConfigError("unknown section in " + path + ": " + item.fullname());
    std::string name = item.name;
    std::replace(name.begin(), name.end(), '_', '-');
    CLI::Option* opt = name == "config" ? nullptr : serve.get_option_no_throw("--" + name);
    if (!opt) throw CLI::ConfigError("unknown setting in " + path + ": " + item.name);
    if (opt->count() > 0) continue;
    opt->add_result(item.inputs);
    opt->run_callback();
  }
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Gatehouse: an API gateway wire-compatible with Huawei Cloud APIG"};
  cli.require_subcommand(1);
  std::string config_file;
  const char* config_help = "Read settings from a TOML/INI file (keys named like the flags)";
  cli.add_option("--config", config_file, config_help)->envname("GATEHOUSE_CONFIG");

  gh::app::ServeConfig cfg;
  auto* serve = cli.add_subcommand("serve", "Run the management API and the gateway");
  serve->add_option("--config", config_file, config_help)->envname("GATEHOUSE_CONFIG");
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
  serve
      ->add_option("--management-priority", cfg.management_priority,
                   "Scheduling of management and background threads: a niceness 0-19 (default "
                   "10: a small guaranteed share of a busy CPU) or 'idle' (SCHED_IDLE: only CPU "
                   "time the gateway loops leave)")
      ->envname("GATEHOUSE_MANAGEMENT_PRIORITY")
      ->check([](const std::string& s) {
        try {
          gh::app::parse_thread_priority(s);
          return std::string();
        } catch (const std::invalid_argument& e) {
          return std::string(e.what());
        }
      })
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
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30))
      ->capture_default_str();
  serve->add_option("--max-gateway-body", cfg.max_gateway_body, "Largest API call body (bytes)")
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
    serve->add_option(flag, *value, help)
        ->envname(env)
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30))
        ->capture_default_str();
  }
  serve
      ->add_option("--group-domain-suffix", cfg.group_domain_suffix,
                   "API group debug domains are {group_id}.SUFFIX (sl_domain)")
      ->envname("GATEHOUSE_GROUP_DOMAIN_SUFFIX")
      ->capture_default_str();
  serve
      ->add_option("--token-lifetime", cfg.token_lifetime,
                   "Lifetime of IAM tokens in seconds (1..86400)")
      ->envname("GATEHOUSE_TOKEN_LIFETIME")
      ->check(CLI::Range(1, 24 * 3600))
      ->capture_default_str();
  serve->footer(
      "Environment: GATEHOUSE_ADMIN_PASSWORD (bootstrap admin password), GATEHOUSE_MASTER_KEY\n"
      "(64 hex chars; else DATA_DIR/master.key is created), and GATEHOUSE_<FLAG> for each flag.");

  gh::app::BulkConfig import_cfg;
  auto* import_cmd = cli.add_subcommand(
      "import", "Bulk-load apps, AppCodes and authorizations from JSON lines (docs/operations.md)");
  import_cmd->add_option("file", import_cfg.file, "JSON-lines file ('-' = stdin)")->required();
  gh::app::BulkConfig export_cfg;
  auto* exporter = cli.add_subcommand(
      "export",
      "Write every app with its AppCodes and authorizations as JSON lines (secrets in "
      "clear)");
  exporter->add_option("--output", export_cfg.file,
                       "Output file, created with mode 0600 "
                       "(default: stdout)");
  for (auto [cmd, bc] : {std::pair{import_cmd, &import_cfg}, {exporter, &export_cfg}}) {
    cmd->add_option("--data-dir", bc->data_dir, "Data directory (store, keys)")
        ->envname("GATEHOUSE_DATA_DIR")
        ->capture_default_str();
    cmd->add_option("--store", bc->store, "Store: sqlite:PATH or postgresql://… (as for serve)")
        ->envname("GATEHOUSE_STORE");
    cmd->add_option("--project-id", bc->project_id,
                    cmd == import_cmd ? "Project of the apps (default: the bootstrap project)"
                                      : "Only this project (default: every project)");
    cmd->add_option("--instance-id", bc->instance_id,
                    cmd == import_cmd ? "Instance of lines without one (default: the project's "
                                        "first APIG instance)"
                                      : "Only this instance");
  }
  import_cmd->add_option("--batch", import_cfg.batch, "Lines per transaction")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  import_cmd
      ->add_option("--max-apps-per-instance", import_cfg.max_apps_per_instance,
                   "Apps per gateway instance (as for serve)")
      ->envname("GATEHOUSE_MAX_APPS_PER_INSTANCE")
      ->capture_default_str();
  import_cmd->add_flag(
      "--remap-instances", import_cfg.remap_instances,
      "Ignore the lines' instance_id/project_id (importing another store's export)");

  try {
    cli.parse(argc, argv);
    if (*serve && !config_file.empty()) apply_config_file(*serve, config_file);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  try {
    if (*serve) return gh::app::serve(cfg);
    if (*import_cmd) return gh::app::run_import(import_cfg);
    if (*exporter) return gh::app::run_export(export_cfg);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  return 0;
}
