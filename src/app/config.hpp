#pragma once
// Settings of `gatehouse serve`. Every setting comes from a flag, a GATEHOUSE_* environment
// variable or the --config file (TOML/INI, keys named like the flags); flags win over the
// environment, which wins over the file.
#include <cstdint>
#include <string>

namespace gh::app {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
// "HOST:PORT" or "[v6]:PORT"; throws std::invalid_argument.
HostPort parse_host_port(const std::string& s);

struct ServeConfig {
  std::string data_dir = "./data";
  std::string admin_listen = "127.0.0.1:9880";
  std::string gateway_listen = "127.0.0.1:9080";
  std::string store;  // "" = SQLite file in the data dir
  std::string region = "default";
  std::string log_level = "info";
  int admin_threads = 4;
  int gateway_threads = 0;  // 0 = one per core
  std::int64_t max_apps_per_instance = 50;
  std::int64_t max_request_body = 1024 * 1024;               // management bodies
  std::string group_domain_suffix = "apig.gatehouse.local";  // API group sl_domain suffix
};

}  // namespace gh::app
