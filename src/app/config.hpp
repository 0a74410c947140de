#pragma once
// Settings of `gatehouse serve`. Every setting comes from a flag, a GATEHOUSE_* environment
// variable or the --config file (TOML/INI, keys named like the flags); flags win over the
// environment, which wins over the file.
#include <cstdint>
#include <string>

#include "http/server.hpp"

namespace gh::app {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
// "HOST:PORT" or "[v6]:PORT"; throws std::invalid_argument.
HostPort parse_host_port(const std::string& s);

// "idle" → SCHED_IDLE; "0".."19" → that niceness (http::ThreadPriority); throws
// std::invalid_argument otherwise.
http::ThreadPriority parse_thread_priority(const std::string& s);

// HTTP request limits, one set for both listeners (docs/operations.md, "Request limits"); the
// body limit is the listener's own (--max-request-body, --max-gateway-body).
struct RequestLimits {
  std::int64_t max_request_line = 32 * 1024;   // bytes; over → 414
  std::int64_t max_header_line = 32 * 1024;    // bytes of one field line; over → 494
  std::int64_t max_headers_size = 128 * 1024;  // bytes of all field lines; over → 494
  std::int64_t max_header_count = 256;         // fields; over → 494
  std::int64_t request_timeout_ms = 30'000;    // a started request must arrive whole; else 408
  std::int64_t idle_timeout_ms = 60'000;       // a kept-alive connection may wait for a request
};
// Applies `limits` and `body_limit` to a listener's options.
void apply_request_limits(const RequestLimits& limits, std::int64_t body_limit,
                          http::ServerOptions& options);

struct ServeConfig {
  std::string data_dir = "./data";
  std::string admin_listen = "127.0.0.1:9880";
  std::string gateway_listen = "127.0.0.1:9080";
  std::string gateway_tls_listen = "127.0.0.1:9443";  // "" = no TLS listener
  std::string tls_cert, tls_key;       // "" = self-signed pair made in the data dir on first start
  bool simple_auth_over_http = false;  // AppCode over plain HTTP (docs/compatibility.md#g3)
  int change_poll_ms = 1000;           // how often the gateway re-reads the change log
  std::string store;        // "" = SQLite file in the data dir; postgresql://… = PostgreSQL
  int store_pool_size = 8;  // PostgreSQL connections per node
  std::string region = "default";
  std::string group_domain_suffix = "apig.gatehouse.local";  // sl_domain = {group_id}.{suffix}
  std::string log_level = "info";
  std::string log_format = "text";  // server log: "text" or "json" (app/logging.hpp)
  std::string metrics_listen;       // "" = no metrics listener; else HOST:PORT (app/metrics.hpp)
  std::string access_log = "off";   // "off", "-" (stdout) or a path (gateway/access_log.hpp)
  // Management API loops: one call in progress per loop (a call blocks its loop on the store), so
  // this many concurrent calls, whose writes are group-committed (store/group_commit.hpp).
  int admin_threads = 32;
  // Scheduling of the management API and background threads, "idle" or a niceness "0".."19".
  // Niceness 10 (weight 110 against a loop's 1024): on a CPU the gateway loops saturate,
  // management still gets ~5 % of it, enough for 100 credential writes/s (measured), so a
  // revocation takes effect in milliseconds under full load. "idle" gives the loops the whole CPU
  // but leaves management the kernel's idle weight: 4-5 writes/s under full load (measured),
  // each revocation waiting behind the queue. See parse_thread_priority.
  std::string management_priority = "10";
  int gateway_threads = 0;  // 0 = one per core
  std::int64_t max_apps_per_instance = 50;
  std::int64_t max_request_body = 1024 * 1024;       // management bodies
  std::int64_t max_gateway_body = 12 * 1024 * 1024;  // API call bodies (Huawei: 12 MB)
  RequestLimits request_limits;
  std::int64_t token_lifetime = 24 * 3600;  // seconds; IAM tokens (Huawei: 24 h)
  // Graceful stop (SIGTERM/SIGINT): how long requests in progress may take to finish.
  int drain_timeout_ms = 10000;
  // Proxies whose X-Forwarded-For is believed: addresses, CIDRs and ranges a-b, comma-separated
  // (core::IpSet::parse); "" = none. Changes on SIGHUP. docs/compatibility.md#g13.
  std::string trusted_proxies;
};

}  // namespace gh::app
