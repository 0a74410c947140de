// gatehouse: a Huawei-compatible API gateway. See README.md.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/bulk.hpp"
#include "app/config.hpp"
#include "app/config_file.hpp"
#include "app/exit_codes.hpp"
#include "app/serve.hpp"
#include "app/serve_cli.hpp"

int main(int argc, char** argv) {
  CLI::App cli{"Gatehouse: an API gateway wire-compatible with Huawei Cloud APIG"};
  cli.require_subcommand(1);
  std::string config_file;
  cli.add_option("--config", config_file, gh::app::kConfigHelp)->envname("GATEHOUSE_CONFIG");

  gh::app::ServeConfig cfg;
  auto* serve = cli.add_subcommand("serve", "Run the management API and the gateway");
  gh::app::add_serve_options(*serve, cfg, config_file);

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
    if (*serve && !config_file.empty()) gh::app::apply_config_file(*serve, config_file);
  } catch (const CLI::ParseError& e) {
    int code = cli.exit(e);  // prints the message (or the help)
    return code == 0 ? gh::app::kExitOk : gh::app::kExitConfig;
  }
  try {
    if (*serve)
      return gh::app::serve(cfg, [argc, argv] { return gh::app::reread_serve_config(argc, argv); });
    if (*import_cmd) return gh::app::run_import(import_cfg);
    if (*exporter) return gh::app::run_export(export_cfg);
  } catch (const gh::app::StartupError& e) {
    spdlog::critical("{}", e.what());
    return e.code();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return gh::app::kExitFailure;
  }
  return gh::app::kExitOk;
}
