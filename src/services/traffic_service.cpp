// TrafficService: shared helpers, API groups, environments and environment variables.
#include "services/traffic_service.hpp"

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/validation.hpp"
#include "crypto/random.hpp"
#include "services/audit.hpp"
#include "services/traffic_internal.hpp"

namespace gh::services {
namespace errors = core::errors;
using core::Result;

void TrafficService::notify() {
  if (listener_) listener_();
}

std::string TrafficService::sl_domain(const core::ApiGroup& g) const {
  return g.id + "." + settings_.group_domain_suffix;
}

void TrafficService::ensure_default_groups() {
  auto r =
      store_.write([&](store::Tx& tx) -> Result<bool> { return tx.ensure_default_groups() > 0; });
  if (!r) throw std::runtime_error("creating DEFAULT API groups failed: " + r.error().message);
  if (r.value()) notify();
}

Result<core::ApiGroup> load_group(store::Tx& tx, const InstanceScope& s, const std::string& id) {
  if (!plausible_id(id)) return errors::forbidden_param_value("group_id");
  auto g = tx.group(s.instance_id, id);
  if (!g) return errors::group_not_found();
  return *g;
}

Result<core::Environment> load_env(store::Tx& tx, const InstanceScope& s, const std::string& id) {
  if (id != core::kReleaseEnvId && !plausible_id(id))
    return errors::forbidden_param_value("env_id");
  auto e = tx.env(s.instance_id, id);
  if (!e) return errors::env_not_found();
  return *e;
}

// ---------------------------------------------------------------- API groups
namespace {
core::Status check_group_input(const GroupInput& in) {
  if (!in.name || !core::rules::is_group_name(*in.name)) return errors::invalid_param("name");
  if (in.remark && !core::rules::is_remark(*in.remark, 255)) return errors::invalid_param("remark");
  return core::ok_status();
}
}  // namespace

Result<core::ApiGroup> TrafficService::create_group(const Caller& c, const InstanceScope& s,
                                                    GroupInput in) {
  auto r = store_.write(
      [&](store::Tx& tx) -> Result<core::ApiGroup> {
        auto inst = load_scoped_instance(tx, c, s, true);
        if (!inst) return inst.error();
        tx.lock_instance(s.instance_id);  // serialises this instance's writers
        if (auto v = check_group_input(in); !v) return v.error();
        if (tx.count_groups(s.instance_id) >= settings_.max_groups)
          return errors::too_many_groups();
        if (tx.group_name_taken(s.instance_id, *in.name, "")) return errors::group_name_exists();
        core::ApiGroup g;
        g.id = crypto::new_id();
        g.instance_id = s.instance_id;
        g.name = *in.name;
        g.remark = in.remark.value_or("");
        g.register_time = g.update_time = core::now_nanos();
        tx.insert_group(g);
        tx.record_change(s.instance_id, "group", g.id, "create");
        return g;
      },
      errors::group_name_exists());
  audit_result(store_, c,
               {s.project_id, "group.create", "group", r ? r->id : "", in.name.value_or("")}, r);
  if (r) notify();
  return r;
}

Result<core::Paged<core::ApiGroup>> TrafficService::list_groups(const Caller& c,
                                                                const InstanceScope& s,
                                                                store::NameFilter f,
                                                                core::Page page) {
  return store_.read([&](store::Tx& tx) -> Result<core::Paged<core::ApiGroup>> {
    auto inst = load_scoped_instance(tx, c, s, false);
    if (!inst) return inst.error();
    return tx.groups(s.instance_id, f, page);
  });
}

Result<core::ApiGroup> TrafficService::get_group(const Caller& c, const InstanceScope& s,
                                                 const std::string& id) {
  return store_.read([&](store::Tx& tx) -> Result<core::ApiGroup> {
    auto inst = load_scoped_instance(tx, c, s, false);
    if (!inst) return inst.error();
    return load_group(tx, s, id);
  });
}

Result<core::ApiGroup> TrafficService::update_group(const Caller& c, const InstanceScope& s,
                                                    const std::string& id, GroupInput in) {
  auto r = store_.write(
      [&](store::Tx& tx) -> Result<core::ApiGroup> {
        auto inst = load_scoped_instance(tx, c, s, true);
        if (!inst) return inst.error();
        tx.lock_instance(s.instance_id);  // serialises this instance's writers
        auto g = load_group(tx, s, id);
        if (!g) return g.error();
        if (auto v = check_group_input(in); !v) return v.error();
        if (g->is_default && *in.name != g->name) return errors::resource_unchangeable();
        if (tx.group_name_taken(s.instance_id, *in.name, id)) return errors::group_name_exists();
        g->name = *in.name;
        if (in.remark) g->remark = *in.remark;
        g->update_time = core::now_nanos();
        tx.update_group(*g);
        tx.record_change(s.instance_id, "group", id, "update");
        return g;
      },
      errors::group_name_exists());
  audit_result(store_, c, {s.project_id, "group.update", "group", id, in.name.value_or("")}, r);
  if (r) notify();
  return r;
}

core::Status TrafficService::delete_group(const Caller& c, const InstanceScope& s,
                                          const std::string& id) {
  auto r = store_.write([&](store::Tx& tx) -> core::Status {
    auto inst = load_scoped_instance(tx, c, s, true);
    if (!inst) return inst.error();
    tx.lock_instance(s.instance_id);  // serialises this instance's writers
    auto g = load_group(tx, s, id);
    if (!g) return g.error();
    if (g->is_default) return errors::resource_unchangeable();
    if (tx.count_apis_in_group(id) > 0) return errors::group_has_apis();
    for (auto& v : tx.env_variables(s.instance_id, {id, "", "", false}, {0, 1 << 20}).items)
      tx.record_change(s.instance_id, "env_variable", v.id, "delete");
    tx.delete_group(id);
    tx.record_change(s.instance_id, "group", id, "delete");
    return core::ok_status();
  });
  audit_result(store_, c, {s.project_id, "group.delete", "group", id, ""}, r);
  if (r) notify();
  return r;
}

// ---------------------------------------------------------------- environments
namespace {
core::Status check_env_input(const EnvInput& in) {
  if (!in.name || !core::rules::is_env_name(*in.name)) return errors::invalid_param("name");
  if (in.remark && !core::rules::is_remark(*in.remark, 255)) return errors::invalid_param("remark");
  return core::ok_status();
}
}  // namespace

Result<core::Environment> TrafficService::create_env(const Caller& c, const InstanceScope& s,
                                                     EnvInput in) {
  auto r = store_.write(
      [&](store::Tx& tx) -> Result<core::Environment> {
        auto inst = load_scoped_instance(tx, c, s, true);
        if (!inst) return inst.error();
        tx.lock_instance(s.instance_id);  // serialises this instance's writers
        if (auto v = check_env_input(in); !v) return v.error();
        if (tx.count_envs(s.instance_id) >= settings_.max_envs) return errors::too_many_envs();
        if (tx.env_name_taken(s.instance_id, *in.name, "")) return errors::env_name_exists();
        core::Environment e{crypto::new_id(), s.instance_id, *in.name, in.remark.value_or(""),
                            core::now_nanos()};
        tx.insert_env(e);
        tx.record_change(s.instance_id, "env", e.id, "create");
        return e;
      },
      errors::env_name_exists());
  audit_result(store_, c, {s.project_id, "env.create", "env", r ? r->id : "", in.name.value_or("")},
               r);
  if (r) notify();
  return r;
}

Result<core::Paged<core::Environment>> TrafficService::list_envs(const Caller& c,
                                                                 const InstanceScope& s,
                                                                 store::NameFilter f,
                                                                 core::Page page) {
  return store_.read([&](store::Tx& tx) -> Result<core::Paged<core::Environment>> {
    auto inst = load_scoped_instance(tx, c, s, false);
    if (!inst) return inst.error();
    return tx.envs(s.instance_id, f, page);
  });
}

Result<core::Environment> TrafficService::update_env(const Caller& c, const InstanceScope& s,
                                                     const std::string& id, EnvInput in) {
  auto r = store_.write(
      [&](store::Tx& tx) -> Result<core::Environment> {
        auto inst = load_scoped_instance(tx, c, s, true);
        if (!inst) return inst.error();
        tx.lock_instance(s.instance_id);  // serialises this instance's writers
        auto e = load_env(tx, s, id);
        if (!e) return e.error();
        if (id == core::kReleaseEnvId) return errors::resource_unchangeable();
        if (auto v = check_env_input(in); !v) return v.error();
        if (tx.env_name_taken(s.instance_id, *in.name, id)) return errors::env_name_exists();
        e->name = *in.name;
        if (in.remark) e->remark = *in.remark;
        tx.update_env(*e);
        tx.record_change(s.instance_id, "env", id, "update");
        return e;
      },
      errors::env_name_exists());
  audit_result(store_, c, {s.project_id, "env.update", "env", id, in.name.value_or("")}, r);
  if (r) notify();
  return r;
}

core::Status TrafficService::delete_env(const Caller& c, const InstanceScope& s,
                                        const std::string& id) {
  auto r = store_.write([&](store::Tx& tx) -> core::Status {
    auto inst = load_scoped_instance(tx, c, s, true);
    if (!inst) return inst.error();
    tx.lock_instance(s.instance_id);  // serialises this instance's writers
    auto e = load_env(tx, s, id);
    if (!e) return e.error();
    if (id == core::kReleaseEnvId) return errors::resource_unchangeable();
    if (tx.count_online_in_env(s.instance_id, id) > 0) return errors::env_has_published_apis();
    for (auto& v : tx.env_variables(s.instance_id, {"", id, "", false}, {0, 1 << 20}).items)
      tx.record_change(s.instance_id, "env_variable", v.id, "delete");
    for (auto& a : tx.app_auths_where(s.instance_id, {"", "", id}))
      tx.record_change(s.instance_id, "app_auth", a.id, "delete");
    tx.delete_env(s.instance_id, id);
    tx.record_change(s.instance_id, "env", id, "delete");
    return core::ok_status();
  });
  audit_result(store_, c, {s.project_id, "env.delete", "env", id, ""}, r);
  if (r) notify();
  return r;
}

// ---------------------------------------------------------------- environment variables
Result<core::EnvVariable> TrafficService::create_variable(const Caller& c, const InstanceScope& s,
                                                          EnvVariableInput in) {
  auto r = store_.write(
      [&](store::Tx& tx) -> Result<core::EnvVariable> {
        auto inst = load_scoped_instance(tx, c, s, true);
        if (!inst) return inst.error();
        tx.lock_instance(s.instance_id);  // serialises this instance's writers
        if (!in.group_id) return errors::invalid_param("group_id");
        if (!in.env_id) return errors::invalid_param("env_id");
        if (!in.name || !core::rules::is_env_variable_name(*in.name))
          return errors::invalid_param("variable_name");
        if (!in.value || !core::rules::is_env_variable_value(*in.value))
          return errors::invalid_param("variable_value");
        auto g = load_group(tx, s, *in.group_id);
        if (!g) return g.error();
        auto e = load_env(tx, s, *in.env_id);
        if (!e) return e.error();
        if (tx.env_variable_taken(g->id, e->id, *in.name)) return errors::env_variable_exists();
        core::EnvVariable v{crypto::new_id(), s.instance_id, g->id, e->id, *in.name, *in.value};
        tx.insert_env_variable(v);
        tx.record_change(s.instance_id, "env_variable", v.id, "create");
        return v;
      },
      errors::env_variable_exists());
  audit_result(
      store_, c,
      {s.project_id, "env_variable.create", "env_variable", r ? r->id : "", in.name.value_or("")},
      r);
  if (r) notify();
  return r;
}

Result<core::Paged<core::EnvVariable>> TrafficService::list_variables(const Caller& c,
                                                                      const InstanceScope& s,
                                                                      store::EnvVariableFilter f,
                                                                      core::Page page) {
  return store_.read([&](store::Tx& tx) -> Result<core::Paged<core::EnvVariable>> {
    auto inst = load_scoped_instance(tx, c, s, false);
    if (!inst) return inst.error();
    return tx.env_variables(s.instance_id, f, page);
  });
}

Result<core::EnvVariable> TrafficService::get_variable(const Caller& c, const InstanceScope& s,
                                                       const std::string& id) {
  return store_.read([&](store::Tx& tx) -> Result<core::EnvVariable> {
    auto inst = load_scoped_instance(tx, c, s, false);
    if (!inst) return inst.error();
    auto v = plausible_id(id) ? tx.env_variable(s.instance_id, id) : std::nullopt;
    if (!v) return errors::env_variable_not_found(id);
    return *v;
  });
}

Result<core::EnvVariable> TrafficService::update_variable(const Caller& c, const InstanceScope& s,
                                                          const std::string& id,
                                                          std::optional<std::string> value) {
  auto r = store_.write([&](store::Tx& tx) -> Result<core::EnvVariable> {
    auto inst = load_scoped_instance(tx, c, s, true);
    if (!inst) return inst.error();
    tx.lock_instance(s.instance_id);  // serialises this instance's writers
    auto v = plausible_id(id) ? tx.env_variable(s.instance_id, id) : std::nullopt;
    if (!v) return errors::env_variable_not_found(id);
    if (!value || !core::rules::is_env_variable_value(*value))
      return errors::invalid_param("variable_value");
    v->value = *value;
    tx.update_env_variable(*v);
    tx.record_change(s.instance_id, "env_variable", id, "update");
    return *v;
  });
  audit_result(store_, c, {s.project_id, "env_variable.update", "env_variable", id, ""}, r);
  if (r) notify();
  return r;
}

core::Status TrafficService::delete_variable(const Caller& c, const InstanceScope& s,
                                             const std::string& id) {
  auto r = store_.write([&](store::Tx& tx) -> core::Status {
    auto inst = load_scoped_instance(tx, c, s, true);
    if (!inst) return inst.error();
    tx.lock_instance(s.instance_id);  // serialises this instance's writers
    auto v = plausible_id(id) ? tx.env_variable(s.instance_id, id) : std::nullopt;
    if (!v) return errors::env_variable_not_found(id);
    tx.delete_env_variable(id);
    tx.record_change(s.instance_id, "env_variable", id, "delete");
    return core::ok_status();
  });
  audit_result(store_, c, {s.project_id, "env_variable.delete", "env_variable", id, ""}, r);
  if (r) notify();
  return r;
}

}  // namespace gh::services
