#pragma once
// Bulk import and export of apps with their AppCodes and authorizations, as JSON lines (one app a
// line; format in docs/operations.md#bulk-import-and-export). The rules are those of AppService and
// TrafficService (check_app_input, core::rules, the AppCode-per-app limit, per-instance
// uniqueness, the apps-per-instance quota, authorize_in); only the batching is new: many lines per
// transaction, one change_log record per app and one audit event per batch.
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "services/caller.hpp"
#include "services/limits.hpp"
#include "store/store.hpp"

namespace gh::services {

// One parsed line of the import format.
struct ImportRecord {
  std::size_t line = 0;
  std::optional<std::string> id, name, remark, app_key, app_secret, instance_id, project_id;
  std::vector<std::string> codes;
  std::vector<std::pair<std::string, std::string>> auths;  // (api_id, env_id)
};

// Parses one line. Errors: 400 APIG.2011 naming the offending field.
core::Result<ImportRecord> parse_import_line(std::string_view text, std::size_t line);

struct ImportOptions {
  std::string project_id;           // every line's instance must belong to it
  std::string default_instance_id;  // "" = the project's first APIG instance
  std::size_t batch = 1000;         // lines per transaction
  // Ignore the lines' instance_id and project_id: every app goes to the default instance (for
  // moving an export into another store, whose instances have other ids).
  bool remap_instances = false;
};

// A rejected line (nothing of it applied) or a skipped authorization (the rest of the line
// applied).
struct ImportProblem {
  std::size_t line = 0;
  bool line_rejected = true;
  std::string message;  // "APIG.3131: …"; never a secret
};

struct ImportSummary {
  std::int64_t apps_created = 0, apps_updated = 0, apps_unchanged = 0;
  std::int64_t codes_added = 0, auths_added = 0, auths_skipped = 0, lines_rejected = 0;
  std::vector<ImportProblem> problems;  // in line order
};

class ImportService {
 public:
  ImportService(store::Store& store, Limits limits) : store_(store), limits_(limits) {}

  // Imports JSON lines from `in`, `opt.batch` lines per write transaction. Idempotent: an app is
  // matched by id, else by (instance, name); AppCodes by value. A line that breaks a rule is
  // reported (with its line number, through `on_problem` and in the summary) and skipped whole.
  // Errors (fatal, the batches before stay committed): 403 APIG.1005 when the caller may not
  // write the project, 404 APIG.3030 for an unknown default instance, store failures.
  core::Result<ImportSummary> import_lines(
      const Caller& c, std::istream& in, const ImportOptions& opt,
      const std::function<void(const ImportProblem&)>& on_problem = {});

 private:
  store::Store& store_;
  Limits limits_;
};

struct ExportOptions {
  std::string project_id;   // "" = every project (the caller must be a domain administrator)
  std::string instance_id;  // "" = every APIG instance in scope
};

// Writes every app of the APIG instances in scope as one import line each, with key, secret and
// AppCodes in clear and its authorizations. Returns the number of apps written.
core::Result<std::int64_t> export_lines(store::Store& store, const Caller& c,
                                        const ExportOptions& opt, std::ostream& out);

}  // namespace gh::services
