// TrafficService: shared helpers, API groups, environments and environment variables.
#include "services/traffic_service.hpp"

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/validation.hpp"
#include "crypto/random.hpp"
#include "services/traffic_internal.hpp"

namespace gh::services {
namespace errors = core::errors;
using core::Result;

std::string TrafficService::sl_domain(const core::ApiGroup& g) const {
  return g.id + "." + settings_.group_domain_suffix;
}

void TrafficService::ensure_default_groups() {
  auto r =
      store_.write([&](store::Tx& tx) -> Result<bool> { return tx.ensure_default_groups() > 0; });
  if (!r) throw std::runtime_error("creating DEFAULT API groups failed: " + r.error().message);
  if (r.value() && listener_) listener_();
}

Result<core::ApiGroup> load_group(store::Tx& tx, const InstanceScope& s, const std::string& id) {
  if (!plausible_id(id)) return errors::forbidden_param_value("group_id");
  return found(tx.group(s.instance_id, id), errors::group_not_found());
}

Result<core::Environment> load_env(store::Tx& tx, const InstanceScope& s, const std::string& id) {
  if (id != core::kReleaseEnvId && !plausible_id(id))
    return errors::forbidden_param_value("env_id");
  return found(tx.env(s.instance_id, id), errors::env_not_found());
}

Result<core::ApiSpec> load_api(store::Tx& tx, const InstanceScope& s, const std::string& id) {
  return found(plausible_id(id) ? tx.api(s.instance_id, id) : std::nullopt,
               errors::api_not_found(id));
}

Result<core::App> load_app_of(store::Tx& tx, const InstanceScope& s, const std::string& id) {
  return found(plausible_id(id) ? tx.app(s.instance_id, id) : std::nullopt,
               errors::app_not_found(id));
}

Result<core::EnvVariable> load_variable(store::Tx& tx, const InstanceScope& s,
                                        const std::string& id) {
  return found(plausible_id(id) ? tx.env_variable(s.instance_id, id) : std::nullopt,
               errors::env_variable_not_found(id));
}

Result<core::AppAuth> load_auth(store::Tx& tx, const InstanceScope& s, const std::string& id) {
  return found(plausible_id(id) ? tx.app_auth(s.instance_id, id) : std::nullopt,
               errors::app_auth_not_found());
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
  return writer_.in_instance(
      c, s, {s.project_id, "group.create", "group", "", in.name.value_or("")},
      [&](Write& w) -> Result<core::ApiGroup> {
        if (auto v = check_group_input(in); !v) return v.error();
        if (w.tx.count_groups(s.instance_id) >= settings_.max_groups)
          return errors::too_many_groups();
        if (w.tx.group_name_taken(s.instance_id, *in.name, "")) return errors::group_name_exists();
        core::ApiGroup g;
        g.id = crypto::new_id();
        g.instance_id = s.instance_id;
        g.name = *in.name;
        g.remark = in.remark.value_or("");
        g.register_time = g.update_time = core::now_nanos();
        w.tx.insert_group(g);
        w.tx.record_change(s.instance_id, "group", g.id, "create");
        w.audit.target_id = g.id;
        return g;
      },
      errors::group_name_exists());
}

Result<core::Paged<core::ApiGroup>> TrafficService::list_groups(const Caller& c,
                                                                const InstanceScope& s,
                                                                store::NameFilter f,
                                                                core::Page page) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<core::Paged<core::ApiGroup>> {
    return tx.groups(s.instance_id, f, page);
  });
}

Result<core::ApiGroup> TrafficService::get_group(const Caller& c, const InstanceScope& s,
                                                 const std::string& id) {
  return read_in_instance(
      store_, c, s, [&](store::Tx& tx) -> Result<core::ApiGroup> { return load_group(tx, s, id); });
}

Result<core::ApiGroup> TrafficService::update_group(const Caller& c, const InstanceScope& s,
                                                    const std::string& id, GroupInput in) {
  return writer_.in_instance(
      c, s, {s.project_id, "group.update", "group", id, in.name.value_or("")},
      [&](Write& w) -> Result<core::ApiGroup> {
        auto g = load_group(w.tx, s, id);
        if (!g) return g.error();
        if (auto v = check_group_input(in); !v) return v.error();
        if (g->is_default && *in.name != g->name) return errors::resource_unchangeable();
        if (w.tx.group_name_taken(s.instance_id, *in.name, id)) return errors::group_name_exists();
        g->name = *in.name;
        if (in.remark) g->remark = *in.remark;
        g->update_time = core::now_nanos();
        w.tx.update_group(*g);
        w.tx.record_change(s.instance_id, "group", id, "update");
        return g;
      },
      errors::group_name_exists());
}

core::Status TrafficService::delete_group(const Caller& c, const InstanceScope& s,
                                          const std::string& id) {
  return writer_.in_instance(
      c, s, {s.project_id, "group.delete", "group", id, ""}, [&](Write& w) -> core::Status {
        auto g = load_group(w.tx, s, id);
        if (!g) return g.error();
        if (g->is_default) return errors::resource_unchangeable();
        if (w.tx.count_apis_in_group(id) > 0) return errors::group_has_apis();
        for (auto& v : w.tx.env_variables(s.instance_id, {id, "", "", false}, {0, 1 << 20}).items)
          w.tx.record_change(s.instance_id, "env_variable", v.id, "delete");
        w.tx.delete_group(id);
        w.tx.record_change(s.instance_id, "group", id, "delete");
        return core::ok_status();
      });
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
  return writer_.in_instance(
      c, s, {s.project_id, "env.create", "env", "", in.name.value_or("")},
      [&](Write& w) -> Result<core::Environment> {
        if (auto v = check_env_input(in); !v) return v.error();
        if (w.tx.count_envs(s.instance_id) >= settings_.max_envs) return errors::too_many_envs();
        if (w.tx.env_name_taken(s.instance_id, *in.name, "")) return errors::env_name_exists();
        core::Environment e{crypto::new_id(), s.instance_id, *in.name, in.remark.value_or(""),
                            core::now_nanos()};
        w.tx.insert_env(e);
        w.tx.record_change(s.instance_id, "env", e.id, "create");
        w.audit.target_id = e.id;
        return e;
      },
      errors::env_name_exists());
}

Result<core::Paged<core::Environment>> TrafficService::list_envs(const Caller& c,
                                                                 const InstanceScope& s,
                                                                 store::NameFilter f,
                                                                 core::Page page) {
  return read_in_instance(store_, c, s,
                          [&](store::Tx& tx) -> Result<core::Paged<core::Environment>> {
                            return tx.envs(s.instance_id, f, page);
                          });
}

Result<core::Environment> TrafficService::update_env(const Caller& c, const InstanceScope& s,
                                                     const std::string& id, EnvInput in) {
  return writer_.in_instance(
      c, s, {s.project_id, "env.update", "env", id, in.name.value_or("")},
      [&](Write& w) -> Result<core::Environment> {
        auto e = load_env(w.tx, s, id);
        if (!e) return e.error();
        if (id == core::kReleaseEnvId) return errors::resource_unchangeable();
        if (auto v = check_env_input(in); !v) return v.error();
        if (w.tx.env_name_taken(s.instance_id, *in.name, id)) return errors::env_name_exists();
        e->name = *in.name;
        if (in.remark) e->remark = *in.remark;
        w.tx.update_env(*e);
        w.tx.record_change(s.instance_id, "env", id, "update");
        return e;
      },
      errors::env_name_exists());
}

core::Status TrafficService::delete_env(const Caller& c, const InstanceScope& s,
                                        const std::string& id) {
  return writer_.in_instance(
      c, s, {s.project_id, "env.delete", "env", id, ""}, [&](Write& w) -> core::Status {
        auto e = load_env(w.tx, s, id);
        if (!e) return e.error();
        if (id == core::kReleaseEnvId) return errors::resource_unchangeable();
        if (w.tx.count_online_in_env(s.instance_id, id) > 0)
          return errors::env_has_published_apis();
        for (auto& v : w.tx.env_variables(s.instance_id, {"", id, "", false}, {0, 1 << 20}).items)
          w.tx.record_change(s.instance_id, "env_variable", v.id, "delete");
        for (auto& a : w.tx.app_auths_where(s.instance_id, {"", "", id}))
          w.tx.record_change(s.instance_id, "app_auth", a.id, "delete");
        for (auto& bind_id : w.tx.delete_acl_bindings_of_env(s.instance_id, id))  // #acl-cascades
          w.tx.record_change(s.instance_id, "acl_binding", bind_id, "delete");
        w.tx.delete_env(s.instance_id, id);
        w.tx.record_change(s.instance_id, "env", id, "delete");
        return core::ok_status();
      });
}

// ---------------------------------------------------------------- environment variables
Result<core::EnvVariable> TrafficService::create_variable(const Caller& c, const InstanceScope& s,
                                                          EnvVariableInput in) {
  return writer_.in_instance(
      c, s, {s.project_id, "env_variable.create", "env_variable", "", in.name.value_or("")},
      [&](Write& w) -> Result<core::EnvVariable> {
        if (!in.group_id) return errors::invalid_param("group_id");
        if (!in.env_id) return errors::invalid_param("env_id");
        if (!in.name || !core::rules::is_env_variable_name(*in.name))
          return errors::invalid_param("variable_name");
        if (!in.value || !core::rules::is_env_variable_value(*in.value))
          return errors::invalid_param("variable_value");
        auto g = load_group(w.tx, s, *in.group_id);
        if (!g) return g.error();
        auto e = load_env(w.tx, s, *in.env_id);
        if (!e) return e.error();
        if (w.tx.env_variable_taken(g->id, e->id, *in.name)) return errors::env_variable_exists();
        core::EnvVariable v{crypto::new_id(), s.instance_id, g->id, e->id, *in.name, *in.value};
        w.tx.insert_env_variable(v);
        w.tx.record_change(s.instance_id, "env_variable", v.id, "create");
        w.audit.target_id = v.id;
        return v;
      },
      errors::env_variable_exists());
}

Result<core::Paged<core::EnvVariable>> TrafficService::list_variables(const Caller& c,
                                                                      const InstanceScope& s,
                                                                      store::EnvVariableFilter f,
                                                                      core::Page page) {
  return read_in_instance(store_, c, s,
                          [&](store::Tx& tx) -> Result<core::Paged<core::EnvVariable>> {
                            return tx.env_variables(s.instance_id, f, page);
                          });
}

Result<core::EnvVariable> TrafficService::get_variable(const Caller& c, const InstanceScope& s,
                                                       const std::string& id) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<core::EnvVariable> {
    return load_variable(tx, s, id);
  });
}

Result<core::EnvVariable> TrafficService::update_variable(const Caller& c, const InstanceScope& s,
                                                          const std::string& id,
                                                          std::optional<std::string> value) {
  return writer_.in_instance(c, s, {s.project_id, "env_variable.update", "env_variable", id, ""},
                             [&](Write& w) -> Result<core::EnvVariable> {
                               auto v = load_variable(w.tx, s, id);
                               if (!v) return v.error();
                               if (!value || !core::rules::is_env_variable_value(*value))
                                 return errors::invalid_param("variable_value");
                               v->value = *value;
                               w.tx.update_env_variable(*v);
                               w.tx.record_change(s.instance_id, "env_variable", id, "update");
                               return v;
                             });
}

core::Status TrafficService::delete_variable(const Caller& c, const InstanceScope& s,
                                             const std::string& id) {
  return writer_.in_instance(c, s, {s.project_id, "env_variable.delete", "env_variable", id, ""},
                             [&](Write& w) -> core::Status {
                               auto v = load_variable(w.tx, s, id);
                               if (!v) return v.error();
                               w.tx.delete_env_variable(id);
                               w.tx.record_change(s.instance_id, "env_variable", id, "delete");
                               return core::ok_status();
                             });
}

}  // namespace gh::services
