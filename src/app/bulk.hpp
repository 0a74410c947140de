#pragma once
// `gatehouse import` and `gatehouse export`: bulk JSON-lines transfer of apps, AppCodes and
// authorizations straight into / out of the store (docs/operations.md#bulk-import-and-export). They
// open the store like `serve` (same master key), so they work with the server stopped or running.
#include <cstdint>
#include <string>

namespace gh::app {

struct BulkConfig {
  std::string data_dir = "./data";
  std::string store;        // "" = SQLite file in the data dir
  std::string project_id;   // "" = the bootstrap project (import); every project (export)
  std::string instance_id;  // import: default instance; export: only this instance
  std::size_t batch = 1000;
  std::int64_t max_apps_per_instance = 50;
  bool remap_instances = false;  // import: ignore the lines' instance_id / project_id
  std::string file;              // import: input ("-" = stdin); export: output ("" = stdout)
};

// Exit codes: 0 nothing rejected, 2 some lines rejected (or authorizations skipped), 1 fatal.
int run_import(const BulkConfig& cfg);
int run_export(const BulkConfig& cfg);

}  // namespace gh::app
