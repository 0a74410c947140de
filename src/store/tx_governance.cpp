// Typed store operations of traffic governance (docs/compatibility.md#throttling, #app-quotas).
// See store/tx_governance.hpp.
#include "store/tx_governance.hpp"

#include "store/query_parts.hpp"

namespace gh::store {
namespace {
using I = std::int64_t;

constexpr const char* kThrottleCols =
    "t.id, t.instance_id, t.name, t.api_call_limits, t.user_call_limits, t.app_call_limits, "
    "t.ip_call_limits, t.time_interval, t.time_unit, t.remark, t.type, t.enable_adaptive_control, "
    "t.create_time, (SELECT COUNT(*) FROM throttle_bindings b WHERE b.throttle_id = t.id), "
    "(SELECT COUNT(*) FROM throttle_specials x WHERE x.throttle_id = t.id)";
constexpr const char* kThrottlesOfInstance = " FROM throttles t WHERE t.instance_id = ?";
core::Throttle throttle_from(const Row& r) {
  core::Throttle t;
  t.id = r.text(0);
  t.instance_id = r.text(1);
  t.name = r.text(2);
  t.api_call_limits = r.integer(3);
  t.user_call_limits = r.integer(4);
  t.app_call_limits = r.integer(5);
  t.ip_call_limits = r.integer(6);
  t.time_interval = r.integer(7);
  t.time_unit = r.text(8);
  t.remark = r.text(9);
  t.type = static_cast<int>(r.integer(10));
  t.enable_adaptive_control = r.text(11);
  t.create_time = r.integer(12);
  t.bind_num = r.integer(13);
  t.has_specials = r.integer(14) > 0;
  return t;
}

constexpr const char* kSpecialCols =
    "x.id, x.throttle_id, x.instance_id, x.object_type, x.object_id, x.app_id, x.call_limits, "
    "x.apply_time, (SELECT a.name FROM apps a WHERE a.id = x.app_id)";
core::ThrottleSpecial special_from(const Row& r) {
  core::ThrottleSpecial s;
  s.id = r.text(0);
  s.throttle_id = r.text(1);
  s.instance_id = r.text(2);
  s.object_type = r.text(3);
  s.object_id = r.text(4);
  s.app_id = r.text(5);
  s.call_limits = r.integer(6);
  s.apply_time = r.integer(7);
  s.app_name = r.text(8);
  return s;
}

constexpr const char* kBindingCols =
    "id, throttle_id, instance_id, api_id, env_id, publish_id, apply_time";
core::ThrottleBinding binding_from(const Row& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.integer(6)};
}

constexpr const char* kQuotaCols =
    "q.id, q.instance_id, q.name, q.call_limits, q.time_interval, q.time_unit, q.reset_time, "
    "q.remark, q.create_time, (SELECT COUNT(*) FROM app_quota_bindings b WHERE b.quota_id = q.id)";
constexpr const char* kQuotasOfInstance = " FROM app_quotas q WHERE q.instance_id = ?";
core::AppQuota quota_from(const Row& r) {
  core::AppQuota q;
  q.id = r.text(0);
  q.instance_id = r.text(1);
  q.name = r.text(2);
  q.call_limits = r.integer(3);
  q.time_interval = r.integer(4);
  q.time_unit = r.text(5);
  q.reset_time_set = !r.is_null(6);
  q.reset_time = r.integer(6);
  q.remark = r.text(7);
  q.create_time = r.integer(8);
  q.bound_app_num = r.integer(9);
  return q;
}

constexpr const char* kQuotaBindingCols = "app_id, quota_id, instance_id, bound_time";
core::AppQuotaBinding quota_binding_from(const Row& r) {
  return {r.text(0), r.text(1), r.text(2), r.integer(3)};
}

SqlValue reset_time_of(const core::AppQuota& q) {
  if (!q.reset_time_set) return nullptr;
  return I{q.reset_time};
}

}  // namespace

// ---- throttling policies

void GovernanceTx::insert_throttle(const core::Throttle& t) {
  s_.execute(
      "INSERT INTO throttles(id, instance_id, name, api_call_limits, user_call_limits, "
      "app_call_limits, ip_call_limits, time_interval, time_unit, remark, type, "
      "enable_adaptive_control, create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {t.id, t.instance_id, t.name, t.api_call_limits, t.user_call_limits, t.app_call_limits,
       t.ip_call_limits, t.time_interval, t.time_unit, t.remark, I{t.type},
       t.enable_adaptive_control, t.create_time});
}

void GovernanceTx::update_throttle(const core::Throttle& t) {
  s_.execute(
      "UPDATE throttles SET name = ?, api_call_limits = ?, user_call_limits = ?, "
      "app_call_limits = ?, ip_call_limits = ?, time_interval = ?, time_unit = ?, remark = ?, "
      "type = ?, enable_adaptive_control = ? WHERE id = ?",
      {t.name, t.api_call_limits, t.user_call_limits, t.app_call_limits, t.ip_call_limits,
       t.time_interval, t.time_unit, t.remark, I{t.type}, t.enable_adaptive_control, t.id});
}

bool GovernanceTx::delete_throttle(const std::string& id) {
  // The foreign keys cascade too; explicit deletes keep both stores' behaviour obvious.
  s_.execute("DELETE FROM throttle_bindings WHERE throttle_id = ?", {id});
  s_.execute("DELETE FROM throttle_specials WHERE throttle_id = ?", {id});
  return s_.execute("DELETE FROM throttles WHERE id = ?", {id}) > 0;
}

std::optional<core::Throttle> GovernanceTx::throttle(const std::string& instance_id,
                                                     const std::string& id) {
  return select_one(s_, kThrottleCols, std::string(kThrottlesOfInstance) + " AND t.id = ?",
                    {instance_id, id}, throttle_from);
}

core::Paged<core::Throttle> GovernanceTx::throttles(const std::string& instance_id,
                                                    const std::string& id, const std::string& name,
                                                    bool precise, core::Page page) {
  std::string where = kThrottlesOfInstance;
  std::vector<SqlValue> p{instance_id};
  add_eq(where, p, "t.id", id);
  add_name(where, p, "t.name", name, precise, postgres());
  return page_of<core::Throttle>(s_, kThrottleCols, where, std::move(p), "t.create_time DESC, t.id",
                                 page, throttle_from);
}

std::int64_t GovernanceTx::count_throttles(const std::string& instance_id) {
  return count_of(s_, " FROM throttles WHERE instance_id = ?", {instance_id});
}

bool GovernanceTx::throttle_name_taken(const std::string& instance_id, const std::string& name,
                                       const std::string& except_id) {
  return exists_of(s_, " FROM throttles WHERE instance_id = ? AND name = ? AND id <> ?",
                   {instance_id, name, except_id});
}

// ---- special limits

void GovernanceTx::insert_throttle_special(const core::ThrottleSpecial& x) {
  SqlValue app = x.app_id.empty() ? SqlValue(nullptr) : SqlValue(x.app_id);
  s_.execute(
      "INSERT INTO throttle_specials(id, throttle_id, instance_id, object_type, object_id, "
      "app_id, call_limits, apply_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {x.id, x.throttle_id, x.instance_id, x.object_type, x.object_id, app, x.call_limits,
       x.apply_time});
}

void GovernanceTx::update_throttle_special(const std::string& id, std::int64_t call_limits) {
  s_.execute("UPDATE throttle_specials SET call_limits = ? WHERE id = ?", {call_limits, id});
}

bool GovernanceTx::delete_throttle_special(const std::string& id) {
  return s_.execute("DELETE FROM throttle_specials WHERE id = ?", {id}) > 0;
}

std::optional<core::ThrottleSpecial> GovernanceTx::throttle_special(const std::string& throttle_id,
                                                                    const std::string& id) {
  return select_one(s_, kSpecialCols,
                    " FROM throttle_specials x WHERE x.throttle_id = ? AND x.id = ?",
                    {throttle_id, id}, special_from);
}

std::vector<core::ThrottleSpecial> GovernanceTx::throttle_specials(const std::string& throttle_id) {
  return select_all(s_, kSpecialCols,
                    " FROM throttle_specials x WHERE x.throttle_id = ? ORDER BY x.apply_time "
                    "DESC, x.id",
                    {throttle_id}, special_from);
}

bool GovernanceTx::throttle_special_exists(const std::string& throttle_id,
                                           const std::string& object_type,
                                           const std::string& object_id) {
  return exists_of(
      s_, " FROM throttle_specials WHERE throttle_id = ? AND object_type = ? AND object_id = ?",
      {throttle_id, object_type, object_id});
}

// ---- bindings

void GovernanceTx::insert_throttle_binding(const core::ThrottleBinding& b) {
  s_.execute(std::string("INSERT INTO throttle_bindings(") + kBindingCols +
                 ") VALUES (?, ?, ?, ?, ?, ?, ?)",
             {b.id, b.throttle_id, b.instance_id, b.api_id, b.env_id, b.publish_id, b.apply_time});
}

bool GovernanceTx::delete_throttle_binding(const std::string& id) {
  return s_.execute("DELETE FROM throttle_bindings WHERE id = ?", {id}) > 0;
}

std::optional<core::ThrottleBinding> GovernanceTx::throttle_binding(const std::string& instance_id,
                                                                    const std::string& id) {
  return select_one(s_, kBindingCols, " FROM throttle_bindings WHERE instance_id = ? AND id = ?",
                    {instance_id, id}, binding_from);
}

std::optional<core::ThrottleBinding> GovernanceTx::throttle_binding_of(const std::string& api_id,
                                                                       const std::string& env_id) {
  return select_one(s_, kBindingCols, " FROM throttle_bindings WHERE api_id = ? AND env_id = ?",
                    {api_id, env_id}, binding_from);
}

std::vector<core::ThrottleBinding> GovernanceTx::throttle_bindings_where(
    const std::string& instance_id, const ThrottleBindingFilter& f) {
  std::string where = " FROM throttle_bindings WHERE instance_id = ?";
  std::vector<SqlValue> p{instance_id};
  add_eq(where, p, "throttle_id", f.throttle_id);
  add_eq(where, p, "api_id", f.api_id);
  add_eq(where, p, "env_id", f.env_id);
  where += " ORDER BY apply_time DESC, id";
  return select_all(s_, kBindingCols, where, p, binding_from);
}

std::optional<std::pair<std::string, std::string>> GovernanceTx::online_by_publish_id(
    const std::string& instance_id, const std::string& publish_id) {
  return select_one(s_, "api_id, env_id",
                    " FROM api_online WHERE instance_id = ? AND publish_id = ?",
                    {instance_id, publish_id}, [](const Row& r) {
                      return std::pair{r.text(0), r.text(1)};
                    });
}

// ---- app quotas

void GovernanceTx::insert_app_quota(const core::AppQuota& q) {
  s_.execute(
      "INSERT INTO app_quotas(id, instance_id, name, call_limits, time_interval, time_unit, "
      "reset_time, remark, create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {q.id, q.instance_id, q.name, q.call_limits, q.time_interval, q.time_unit, reset_time_of(q),
       q.remark, q.create_time});
}

void GovernanceTx::update_app_quota(const core::AppQuota& q) {
  s_.execute(
      "UPDATE app_quotas SET name = ?, call_limits = ?, time_interval = ?, time_unit = ?, "
      "reset_time = ?, remark = ? WHERE id = ?",
      {q.name, q.call_limits, q.time_interval, q.time_unit, reset_time_of(q), q.remark, q.id});
}

bool GovernanceTx::delete_app_quota(const std::string& id) {
  s_.execute("DELETE FROM app_quota_bindings WHERE quota_id = ?", {id});
  return s_.execute("DELETE FROM app_quotas WHERE id = ?", {id}) > 0;
}

std::optional<core::AppQuota> GovernanceTx::app_quota(const std::string& instance_id,
                                                      const std::string& id) {
  return select_one(s_, kQuotaCols, std::string(kQuotasOfInstance) + " AND q.id = ?",
                    {instance_id, id}, quota_from);
}

core::Paged<core::AppQuota> GovernanceTx::app_quotas(const std::string& instance_id,
                                                     const std::string& name, core::Page page) {
  std::string where = kQuotasOfInstance;
  std::vector<SqlValue> p{instance_id};
  add_like(where, p, "q.name", name, postgres());
  return page_of<core::AppQuota>(s_, kQuotaCols, where, std::move(p), "q.create_time DESC, q.id",
                                 page, quota_from);
}

bool GovernanceTx::app_quota_name_taken(const std::string& instance_id, const std::string& name,
                                        const std::string& except_id) {
  return exists_of(s_, " FROM app_quotas WHERE instance_id = ? AND name = ? AND id <> ?",
                   {instance_id, name, except_id});
}

void GovernanceTx::insert_app_quota_binding(const core::AppQuotaBinding& b) {
  s_.execute(
      std::string("INSERT INTO app_quota_bindings(") + kQuotaBindingCols + ") VALUES (?, ?, ?, ?)",
      {b.app_id, b.quota_id, b.instance_id, b.bound_time});
}

bool GovernanceTx::delete_app_quota_binding(const std::string& quota_id,
                                            const std::string& app_id) {
  return s_.execute("DELETE FROM app_quota_bindings WHERE quota_id = ? AND app_id = ?",
                    {quota_id, app_id}) > 0;
}

std::optional<core::AppQuotaBinding> GovernanceTx::app_quota_binding_of(const std::string& app_id) {
  return select_one(s_, kQuotaBindingCols, " FROM app_quota_bindings WHERE app_id = ?", {app_id},
                    quota_binding_from);
}

std::vector<core::AppQuotaBinding> GovernanceTx::app_quota_bindings(const std::string& quota_id) {
  return select_all(s_, kQuotaBindingCols,
                    " FROM app_quota_bindings WHERE quota_id = ? ORDER BY bound_time DESC, app_id",
                    {quota_id}, quota_binding_from);
}

// ---- snapshot

std::vector<core::Throttle> GovernanceTx::all_throttles(const std::string& instance_id) {
  return select_all(s_, kThrottleCols, std::string(kThrottlesOfInstance) + " ORDER BY t.id",
                    {instance_id}, throttle_from);
}

std::vector<core::ThrottleSpecial> GovernanceTx::all_throttle_specials(
    const std::string& instance_id) {
  return select_all(s_, kSpecialCols,
                    " FROM throttle_specials x WHERE x.instance_id = ? ORDER BY x.id",
                    {instance_id}, special_from);
}

std::vector<core::ThrottleBinding> GovernanceTx::all_throttle_bindings(
    const std::string& instance_id) {
  return select_all(s_, kBindingCols, " FROM throttle_bindings WHERE instance_id = ? ORDER BY id",
                    {instance_id}, binding_from);
}

std::vector<core::AppQuota> GovernanceTx::all_app_quotas(const std::string& instance_id) {
  return select_all(s_, kQuotaCols, std::string(kQuotasOfInstance) + " ORDER BY q.id",
                    {instance_id}, quota_from);
}

std::vector<core::AppQuotaBinding> GovernanceTx::all_app_quota_bindings(
    const std::string& instance_id) {
  return select_all(s_, kQuotaBindingCols,
                    " FROM app_quota_bindings WHERE instance_id = ? ORDER BY app_id", {instance_id},
                    quota_binding_from);
}

}  // namespace gh::store
