// Whole-store reads that load the gateway (store/tx_dataplane.hpp). They return only what routing
// and authentication need; AppCode values are never read here, only their keyed digests.
#include "store/tx_dataplane.hpp"

#include <algorithm>

#include "store/query_parts.hpp"

namespace gh::store {

std::vector<core::Instance> DataPlaneTx::all_instances() {
  return select_all(s_, kInstanceCols, " FROM instances ORDER BY created, id", {}, instance_from);
}

std::vector<CodeDigest> DataPlaneTx::code_digests_of_instance(const std::string& instance_id) {
  std::vector<CodeDigest> out;
  for (auto& r :
       s_.query("SELECT app_id, digest FROM app_codes WHERE instance_id = ?", {instance_id}))
    out.push_back(CodeDigest{r.text(0), r.text(1)});
  return out;
}
std::vector<std::string> DataPlaneTx::code_digests_of_app(const std::string& app_id) {
  std::vector<std::string> out;
  for (auto& r : s_.query("SELECT digest FROM app_codes WHERE app_id = ?", {app_id}))
    out.push_back(r.text(0));
  return out;
}
void DataPlaneTx::for_each_gateway_app(
    const std::function<void(std::string_view, std::string_view, std::string_view,
                             std::string_view)>& fn) {
  s_.for_each_row("SELECT id, instance_id, app_key, secret_sealed FROM apps", {},
                  [&](const RowView& r) { fn(r.text(0), r.text(1), r.text(2), r.text(3)); });
}
std::int64_t DataPlaneTx::count_all_app_codes() {
  return count_of(s_, " FROM app_codes", {});
}
std::int64_t DataPlaneTx::app_code_count_estimate() {
  auto rows = postgres() ? s_.query(
                               "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class "
                               "WHERE oid = 'app_codes'::regclass",
                               {})
                         : s_.query("SELECT COALESCE(MAX(rowid), 0) FROM app_codes", {});
  return rows.empty() ? 0 : std::max<std::int64_t>(rows[0].integer(0), 0);
}
void DataPlaneTx::for_each_code_digest(
    const std::function<void(std::string_view, std::string_view)>& fn) {
  s_.for_each_row("SELECT app_id, digest FROM app_codes", {},
                  [&](const RowView& r) { fn(r.text(0), r.text(1)); });
}

}  // namespace gh::store
