#include "app/reload.hpp"

#include <spdlog/spdlog.h>

#include "app/tls_files.hpp"

namespace gh::app {

std::vector<std::string> settings_needing_restart(const ServeConfig& a, const ServeConfig& b) {
  std::vector<std::string> out;
  auto note = [&out](const char* flag, bool changed) {
    if (changed) out.emplace_back(flag);
  };
  note("--data-dir", a.data_dir != b.data_dir);
  note("--admin-listen", a.admin_listen != b.admin_listen);
  note("--gateway-listen", a.gateway_listen != b.gateway_listen);
  note("--gateway-tls-listen", a.gateway_tls_listen != b.gateway_tls_listen);
  note("--simple-auth-over-http", a.simple_auth_over_http != b.simple_auth_over_http);
  note("--change-poll-ms", a.change_poll_ms != b.change_poll_ms);
  note("--store", a.store != b.store);
  note("--store-pool-size", a.store_pool_size != b.store_pool_size);
  note("--region", a.region != b.region);
  note("--group-domain-suffix", a.group_domain_suffix != b.group_domain_suffix);
  note("--admin-threads", a.admin_threads != b.admin_threads);
  note("--management-priority", a.management_priority != b.management_priority);
  note("--gateway-threads", a.gateway_threads != b.gateway_threads);
  note("--max-apps-per-instance", a.max_apps_per_instance != b.max_apps_per_instance);
  note("--max-request-body", a.max_request_body != b.max_request_body);
  note("--max-gateway-body", a.max_gateway_body != b.max_gateway_body);
  const auto &la = a.request_limits, &lb = b.request_limits;
  note("--max-request-line", la.max_request_line != lb.max_request_line);
  note("--max-header-line", la.max_header_line != lb.max_header_line);
  note("--max-headers-size", la.max_headers_size != lb.max_headers_size);
  note("--max-header-count", la.max_header_count != lb.max_header_count);
  note("--request-timeout-ms", la.request_timeout_ms != lb.request_timeout_ms);
  note("--idle-timeout-ms", la.idle_timeout_ms != lb.idle_timeout_ms);
  note("--token-lifetime", a.token_lifetime != b.token_lifetime);
  note("--drain-timeout-ms", a.drain_timeout_ms != b.drain_timeout_ms);
  note("--log-format", a.log_format != b.log_format);
  note("--metrics-listen", a.metrics_listen != b.metrics_listen);
  return out;
}

void apply_reload(ServeConfig& running, const ServeConfig& next, http::Server* tls_server,
                  gateway::AccessLog* access_log, gateway::TrustedProxies* trusted) {
  if (next.log_level != running.log_level) {
    spdlog::set_level(spdlog::level::from_str(next.log_level));
    spdlog::info("reload: log level {}", next.log_level);
  }
  if (access_log && next.access_log != running.access_log) {
    try {
      access_log->set_target(next.access_log);
      spdlog::info("reload: access log {}", next.access_log);
      running.access_log = next.access_log;
    } catch (const std::exception& e) {
      spdlog::error("reload: {}; the access log stays {}", e.what(), running.access_log);
    }
  }
  if (trusted && next.trusted_proxies != running.trusted_proxies) {
    try {  // the option's check has parsed it already; a set is swapped whole or not at all
      trusted->publish(core::IpSet::parse(next.trusted_proxies));
      running.trusted_proxies = next.trusted_proxies;
      spdlog::info("reload: --trusted-proxies '{}'", next.trusted_proxies);
    } catch (const std::exception& e) {
      spdlog::error("reload: --trusted-proxies not changed: {}", e.what());
    }
  }
  std::string tls = "no TLS listener";
  if (tls_server) {
    try {
      auto files = ensure_tls_files(running.data_dir, next.tls_cert, next.tls_key);
      tls_server->reload_tls(files.cert, files.key);
      tls = "TLS certificate " + files.cert + " loaded for new handshakes";
      running.tls_cert = next.tls_cert;
      running.tls_key = next.tls_key;
    } catch (const std::exception& e) {
      tls = std::string("TLS certificate not reloaded (") + e.what() + "); the previous one stays";
      spdlog::error("reload: {}", tls);
    }
  }
  auto restart = settings_needing_restart(running, next);
  for (const auto& flag : restart)
    spdlog::warn("reload: {} changed; it takes effect after a restart", flag);
  running.log_level = next.log_level;  // the others stay as started
  spdlog::info("configuration reloaded: {}; {} setting(s) need a restart", tls, restart.size());
}

}  // namespace gh::app
