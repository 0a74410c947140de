// Tx reads that load the data plane's snapshot. They return only what routing and
// authentication need; AppCode values are never read here, only their keyed digests.
#include <limits>

#include "store/query_parts.hpp"
#include "store/tx.hpp"

namespace gh::store {

std::vector<core::Instance> Tx::all_instances() {
  std::vector<core::Instance> out;
  for (auto& r : s_.query("SELECT id, project_id, kind, name, created FROM instances ORDER BY "
                          "created, id"))
    out.push_back(core::Instance{
        r.text(0), r.text(1), r.text(3),
        r.text(2) == "roma" ? core::InstanceKind::kRoma : core::InstanceKind::kApig, r.integer(4)});
  return out;
}

std::vector<core::App> Tx::apps_of_instance(const std::string& instance_id) {
  AppFilter all;
  auto page = apps(instance_id, all, core::Page{0, std::numeric_limits<std::int64_t>::max()});
  return std::move(page.items);
}

std::vector<CodeDigest> Tx::code_digests_of_instance(const std::string& instance_id) {
  std::vector<CodeDigest> out;
  for (auto& r :
       s_.query("SELECT app_id, digest FROM app_codes WHERE instance_id = ?", {instance_id}))
    out.push_back(CodeDigest{r.text(0), r.text(1)});
  return out;
}

std::vector<std::string> Tx::code_digests_of_app(const std::string& app_id) {
  std::vector<std::string> out;
  for (auto& r : s_.query("SELECT digest FROM app_codes WHERE app_id = ?", {app_id}))
    out.push_back(r.text(0));
  return out;
}

void Tx::for_each_gateway_app(const std::function<void(std::string_view, std::string_view,
                                                       std::string_view, std::string_view)>& fn) {
  s_.for_each_row("SELECT id, instance_id, app_key, secret_sealed FROM apps", {},
                  [&](const RowView& r) { fn(r.text(0), r.text(1), r.text(2), r.text(3)); });
}

std::vector<core::AppAuth> Tx::app_auths_unordered(const std::string& instance_id) {
  std::vector<core::AppAuth> out;
  s_.for_each_row(
      "SELECT id, instance_id, api_id, app_id, env_id, auth_time FROM app_auths WHERE "
      "instance_id = ?",
      {instance_id}, [&](const RowView& r) {
        out.push_back({std::string(r.text(0)), std::string(r.text(1)), std::string(r.text(2)),
                       std::string(r.text(3)), std::string(r.text(4)), r.integer(5)});
      });
  return out;
}

void Tx::for_each_app_auth(
    const std::string& instance_id,
    const std::function<void(std::string_view, std::string_view, std::string_view)>& fn) {
  s_.for_each_row("SELECT api_id, app_id, env_id FROM app_auths WHERE instance_id = ?",
                  {instance_id}, [&](const RowView& r) { fn(r.text(0), r.text(1), r.text(2)); });
}

std::int64_t Tx::count_all_app_codes() {
  return count_of(s_, " FROM app_codes", {});
}

void Tx::for_each_code_digest(const std::function<void(std::string_view, std::string_view)>& fn) {
  s_.for_each_row("SELECT app_id, digest FROM app_codes", {},
                  [&](const RowView& r) { fn(r.text(0), r.text(1)); });
}

std::int64_t Tx::last_change_seq() {
  return s_.query("SELECT COALESCE(MAX(seq), 0) FROM change_log")[0].integer(0);
}

}  // namespace gh::store
