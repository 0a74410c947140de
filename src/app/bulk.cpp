#include "app/bulk.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/keys.hpp"
#include "services/iam_service.hpp"
#include "services/import_service.hpp"
#include "store/sqlite/sqlite_backend.hpp"
#include "store/store.hpp"

namespace gh::app {
namespace {

struct OpenedStore {
  std::unique_ptr<store::Store> store;
  services::BootstrapInfo boot;
};

// Opens the store like `serve` does and bootstraps it if it is new (a fresh data dir).
OpenedStore open_store(const BulkConfig& cfg) {
  std::filesystem::create_directories(cfg.data_dir);
  ::chmod(cfg.data_dir.c_str(), 0700);
  crypto::Sealer sealer(load_master_key(cfg.data_dir));
  std::string location = cfg.store.empty() ? cfg.data_dir + "/gatehouse.db" : cfg.store;
  store::StoreOptions opts;
  opts.pool_size = 1;
  OpenedStore out;
  out.store = store::Store::open(location, std::move(sealer), opts);
  services::Limits limits;
  services::IamService iam(*out.store, limits);
  bool generated = false;
  auto password = admin_password(cfg.data_dir, generated);
  out.boot = iam.bootstrap(password);
  if (out.boot.created)
    std::cerr << "gatehouse: new store bootstrapped; admin password in " << cfg.data_dir
              << "/admin-password (or GATEHOUSE_ADMIN_PASSWORD)\n";
  return out;
}

// The operator at the console acts as the domain administrator of the bootstrap domain.
services::Caller console_caller(const OpenedStore& s, const std::string& project_id) {
  services::Caller c;
  c.user_id = s.boot.admin_user_id;
  c.user_name = "console";
  c.domain_id = s.boot.domain_id;
  c.project_id = project_id;
  c.domain_admin = true;
  c.via = "console";
  return c;
}

}  // namespace

int run_import(const BulkConfig& cfg) {
  auto s = open_store(cfg);
  std::string project = cfg.project_id.empty() ? s.boot.project_id : cfg.project_id;
  services::Limits limits;
  limits.max_apps_per_instance = cfg.max_apps_per_instance;
  services::ImportService importer(*s.store, limits);
  services::ImportOptions opt;
  opt.project_id = project;
  opt.default_instance_id = cfg.instance_id;
  opt.batch = cfg.batch;
  opt.remap_instances = cfg.remap_instances;

  std::ifstream file;
  std::istream* in = &std::cin;
  if (!cfg.file.empty() && cfg.file != "-") {
    file.open(cfg.file);
    if (!file) {
      std::cerr << "gatehouse import: cannot read " << cfg.file << "\n";
      return 1;
    }
    in = &file;
  }
  auto t0 = std::chrono::steady_clock::now();
  // The batches commit without an fsync each; everything is flushed once at the end, before the
  // import reports (docs/operations.md#bulk-import). This process has the store to itself.
  auto* sqlite = dynamic_cast<store::SqliteBackend*>(&s.store->backend());
  if (sqlite) sqlite->set_bulk_load(true);
  auto r = importer.import_lines(
      console_caller(s, project), *in, opt, [](const services::ImportProblem& p) {
        std::cerr << "line " << p.line << ": " << (p.line_rejected ? "rejected: " : "") << p.message
                  << "\n";
      });
  try {
    if (sqlite) sqlite->set_bulk_load(false);  // durable from here on, failed import or not
  } catch (const store::SqlError& e) {
    std::cerr << "gatehouse import: flushing the store failed: " << e.what() << "\n";
    return 1;
  }
  if (!r) {
    std::cerr << "gatehouse import: " << r.error().code << ": " << r.error().message << "\n";
    return 1;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cerr << "import: apps created " << r->apps_created << ", updated " << r->apps_updated
            << ", unchanged " << r->apps_unchanged << "; codes added " << r->codes_added
            << "; authorizations added " << r->auths_added << ", skipped " << r->auths_skipped
            << "; lines rejected " << r->lines_rejected << " (" << secs << " s)\n";
  return r->lines_rejected > 0 || r->auths_skipped > 0 ? 2 : 0;
}

int run_export(const BulkConfig& cfg) {
  auto s = open_store(cfg);
  services::ExportOptions opt;
  opt.project_id = cfg.project_id;
  opt.instance_id = cfg.instance_id;
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!cfg.file.empty() && cfg.file != "-") {
    int fd = ::open(cfg.file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      std::cerr << "gatehouse export: cannot create " << cfg.file << "\n";
      return 1;
    }
    ::fchmod(fd, 0600);  // an existing file keeps its mode on open(O_CREAT)
    ::close(fd);
    file.open(cfg.file, std::ios::trunc);
    out = &file;
  }
  std::cerr << "gatehouse export: WARNING: the output holds AppSecrets and AppCodes in clear; "
               "keep it private and delete it after use\n";
  auto r = services::export_lines(*s.store, console_caller(s, cfg.project_id), opt, *out);
  out->flush();
  if (!r) {
    std::cerr << "gatehouse export: " << r.error().code << ": " << r.error().message << "\n";
    return 1;
  }
  if (!*out) {
    std::cerr << "gatehouse export: write failed\n";
    return 1;
  }
  std::cerr << "export: " << *r << " apps\n";
  return 0;
}

}  // namespace gh::app
