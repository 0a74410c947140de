// TrafficService: API access-control policies, their bindings and app ACLs
// (docs/compatibility.md#acls, #app-acl and the decisions #acl-*).
#include <algorithm>
#include <map>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/validation.hpp"
#include "crypto/random.hpp"
#include "services/traffic_internal.hpp"

namespace gh::services {
namespace errors = core::errors;
using core::Result;

namespace {
Result<core::AclPolicy> load_acl(store::Tx& tx, const InstanceScope& s, const std::string& id) {
  return found(plausible_id(id) ? tx.acl(s.instance_id, id) : std::nullopt,
               errors::acl_not_found(id));
}

// Unbinds one binding of the scope's instance (single and batch unbind): 404 APIG.3010 unknown.
core::Status unbind_in(store::Tx& tx, const InstanceScope& s, const std::string& id) {
  if (!plausible_id(id) || !tx.acl_binding(s.instance_id, id))
    return errors::acl_binding_not_found();
  tx.delete_acl_binding(id);
  tx.record_change(s.instance_id, "acl_binding", id, "delete");
  return core::ok_status();
}

// The policy `in` describes, checked field by field in the order of the API reference
// (docs/compatibility.md#acl-limits); `acl` keeps its id, instance and times.
core::Status fill_acl(core::AclPolicy& acl, const AclInput& in) {
  if (!in.name || !core::rules::is_app_name(*in.name)) return errors::invalid_param("acl_name");
  if (!in.acl_type || !core::acl::is_acl_type(*in.acl_type))
    return errors::invalid_param("acl_type");
  if (!in.entity_type || !core::acl::is_entity_type(*in.entity_type))
    return errors::invalid_param("entity_type");
  if (!in.acl_value) return errors::invalid_param("acl_value");
  auto value = core::acl::normalized_value(*in.entity_type, *in.acl_value);
  if (!value) return value.error();
  acl.name = *in.name;
  acl.acl_type = *in.acl_type;
  acl.entity_type = *in.entity_type;
  acl.acl_value = std::move(*value);
  return core::ok_status();
}

// What deleting one policy needs: it exists, is not bound (docs/compatibility.md#acl-delete).
core::Status delete_acl_in(store::Tx& tx, const InstanceScope& s, const core::AclPolicy& acl) {
  if (tx.count_acl_bindings(acl.id) > 0) return errors::acl_is_bound();
  tx.delete_acl(acl.id);
  tx.record_change(s.instance_id, "acl", acl.id, "delete");
  return core::ok_status();
}
}  // namespace

Result<AclInfo> TrafficService::create_acl(const Caller& c, const InstanceScope& s, AclInput in) {
  return writer_.in_instance(
      c, s, {s.project_id, "acl.create", "acl", "", in.name.value_or("")},
      [&](Write& w) -> Result<AclInfo> {
        core::AclPolicy acl;
        acl.id = crypto::new_id();
        acl.instance_id = s.instance_id;
        if (auto ok = fill_acl(acl, in); !ok) return ok.error();
        if (w.tx.count_acls(s.instance_id) >= settings_.max_acls) return errors::too_many_acls();
        if (w.tx.acl_name_taken(s.instance_id, acl.name, "")) return errors::acl_name_exists();
        acl.update_time = core::now_nanos();
        w.tx.insert_acl(acl);
        w.tx.record_change(s.instance_id, "acl", acl.id, "create");
        w.audit.target_id = acl.id;
        return AclInfo{std::move(acl), 0};
      },
      errors::acl_name_exists());
}

Result<core::Paged<AclInfo>> TrafficService::list_acls(const Caller& c, const InstanceScope& s,
                                                       const store::AclFilter& f, core::Page page) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<core::Paged<AclInfo>> {
    auto rows = tx.acls(s.instance_id, f, page);
    core::Paged<AclInfo> out{rows.total, {}};
    for (auto& a : rows.items) {
      auto n = tx.count_acl_bindings(a.id);
      out.items.push_back({std::move(a), n});
    }
    return out;
  });
}

Result<AclInfo> TrafficService::get_acl(const Caller& c, const InstanceScope& s,
                                        const std::string& id) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<AclInfo> {
    auto acl = load_acl(tx, s, id);
    if (!acl) return acl.error();
    return AclInfo{*acl, tx.count_acl_bindings(id)};
  });
}

Result<AclInfo> TrafficService::update_acl(const Caller& c, const InstanceScope& s,
                                           const std::string& id, AclInput in) {
  return writer_.in_instance(
      c, s, {s.project_id, "acl.update", "acl", id, in.name.value_or("")},
      [&](Write& w) -> Result<AclInfo> {
        auto acl = load_acl(w.tx, s, id);
        if (!acl) return acl.error();
        auto old_entity = acl->entity_type;
        if (auto ok = fill_acl(*acl, in); !ok) return ok.error();
        auto bound = w.tx.count_acl_bindings(id);
        // A bound policy keeps its entity type: its bindings are unique per type
        // (docs/compatibility.md#acl-one-per-type).
        if (bound > 0 && acl->entity_type != old_entity)
          return errors::invalid_param("entity_type");
        if (w.tx.acl_name_taken(s.instance_id, acl->name, id)) return errors::acl_name_exists();
        acl->update_time = core::now_nanos();
        w.tx.update_acl(*acl);
        w.tx.record_change(s.instance_id, "acl", id, "update");
        return AclInfo{std::move(*acl), bound};
      },
      errors::acl_name_exists());
}

core::Status TrafficService::delete_acl(const Caller& c, const InstanceScope& s,
                                        const std::string& id) {
  return writer_.in_instance(c, s, {s.project_id, "acl.delete", "acl", id, ""},
                             [&](Write& w) -> core::Status {
                               auto acl = load_acl(w.tx, s, id);
                               if (!acl) return acl.error();
                               return delete_acl_in(w.tx, s, *acl);
                             });
}

Result<BatchResult> TrafficService::delete_acls(const Caller& c, const InstanceScope& s,
                                                const std::vector<std::string>& ids) {
  return writer_.in_instance(
      c, s, {s.project_id, "acl.delete", "acl", "", "batch"}, [&](Write& w) -> Result<BatchResult> {
        if (ids.empty() || ids.size() > 1000) return errors::invalid_param("acls");
        BatchResult out;
        for (auto& id : ids) {
          auto acl = load_acl(w.tx, s, id);
          auto done = acl ? delete_acl_in(w.tx, s, *acl) : core::Status(acl.error());
          if (done)
            ++out.success_count;
          else
            out.failure.push_back({id, acl ? acl->name : "", "", "", done.error()});
        }
        return out;
      });
}

// ---------------------------------------------------------------- bindings
Result<std::vector<core::AclBinding>> TrafficService::bind_acl(const Caller& c,
                                                               const InstanceScope& s,
                                                               AclBindInput in) {
  return writer_.in_instance(
      c, s, {s.project_id, "acl_binding.create", "acl_binding", "", "acl_id=" + in.acl_id},
      [&](Write& w) -> Result<std::vector<core::AclBinding>> {
        if (in.acl_id.empty()) return errors::invalid_param("acl_id");
        if (in.publish_ids.empty() || in.publish_ids.size() > 1000)
          return errors::invalid_param("publish_ids");
        auto acl = load_acl(w.tx, s, in.acl_id);
        if (!acl) return acl.error();
        std::vector<core::AclBinding> out;
        auto now = core::now_nanos();
        for (auto& publish_id : in.publish_ids) {
          auto pub =
              plausible_id(publish_id) ? w.tx.publication(s.instance_id, publish_id) : std::nullopt;
          if (!pub) return errors::publication_not_found();
          // docs/compatibility.md#acl-one-per-type
          if (w.tx.acl_binding_exists(pub->api_id, pub->env_id, acl->entity_type))
            return errors::acl_binding_exists();
          core::AclBinding b{crypto::new_id(), s.instance_id,    acl->id,    pub->api_id,
                             pub->env_id,      acl->entity_type, publish_id, now};
          w.tx.insert_acl_binding(b);
          w.tx.record_change(s.instance_id, "acl_binding", b.id, "create");
          out.push_back(std::move(b));
        }
        return out;
      },
      errors::acl_binding_exists());
}

core::Status TrafficService::unbind_acl(const Caller& c, const InstanceScope& s,
                                        const std::string& id) {
  return writer_.in_instance(c, s, {s.project_id, "acl_binding.delete", "acl_binding", id, ""},
                             [&](Write& w) { return unbind_in(w.tx, s, id); });
}

Result<BatchResult> TrafficService::unbind_acls(const Caller& c, const InstanceScope& s,
                                                const std::vector<std::string>& ids) {
  return writer_.in_instance(c, s, {s.project_id, "acl_binding.delete", "acl_binding", "", "batch"},
                             [&](Write& w) -> Result<BatchResult> {
                               if (ids.empty() || ids.size() > 1000)
                                 return errors::invalid_param("acl_bindings");
                               BatchResult out;
                               for (auto& id : ids) {
                                 if (auto done = unbind_in(w.tx, s, id))
                                   ++out.success_count;
                                 else
                                   out.failure.push_back({id, "", "", "", done.error()});
                               }
                               return out;
                             });
}

Result<core::Paged<AclBindingInfo>> TrafficService::acl_bindings(const Caller& c,
                                                                 const InstanceScope& s,
                                                                 const AclBindingQuery& q,
                                                                 core::Page page) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<core::Paged<AclBindingInfo>> {
    if (!q.acl_id.empty()) {
      if (auto acl = load_acl(tx, s, q.acl_id); !acl) return acl.error();
    }
    if (!q.api_id.empty()) {
      if (auto api = load_api(tx, s, q.api_id); !api) return api.error();
    }
    std::map<std::string, std::string> group_names, env_names;
    std::vector<AclBindingInfo> all;
    for (auto& b : tx.acl_bindings_where(s.instance_id, {q.acl_id, q.api_id, q.env_id})) {
      auto api = tx.api(s.instance_id, b.api_id);
      auto acl = tx.acl(s.instance_id, b.acl_id);
      if (!api || !acl) continue;
      if (!q.group_id.empty() && api->group_id != q.group_id) continue;
      if (!q.api_name.empty() && api->name.find(q.api_name) == std::string::npos) continue;
      if (!q.acl_name.empty() && acl->name.find(q.acl_name) == std::string::npos) continue;
      if (!group_names.count(api->group_id)) {
        auto g = tx.group(s.instance_id, api->group_id);
        group_names[api->group_id] = g ? g->name : "";
      }
      if (!env_names.count(b.env_id)) {
        auto e = tx.env(s.instance_id, b.env_id);
        env_names[b.env_id] = e ? e->name : "";
      }
      if (!q.env_name.empty() && env_names[b.env_id] != q.env_name) continue;
      // The publication the API is online with now (the one bound may have been replaced).
      if (auto p = tx.online_publication(b.api_id, b.env_id)) b.publish_id = p->publish_id;
      all.push_back({b, *acl, *api, group_names[api->group_id], env_names[b.env_id]});
    }
    return core::slice_page(std::move(all), page);
  });
}

Result<core::Paged<AclApiItem>> TrafficService::acl_unbound_apis(const Caller& c,
                                                                 const InstanceScope& s,
                                                                 const AclBindingQuery& q,
                                                                 core::Page page) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<core::Paged<AclApiItem>> {
    if (q.acl_id.empty()) return errors::invalid_param("acl_id");
    auto acl = load_acl(tx, s, q.acl_id);
    if (!acl) return acl.error();
    std::vector<AclApiItem> all;
    store::ApiFilter f;
    f.group_id = q.group_id;
    f.id = q.api_id;
    f.name = q.api_name;
    std::map<std::string, std::string> env_names;
    for (auto& spec : tx.apis(s.instance_id, f, {0, 1 << 20}).items) {
      for (auto& on : tx.online_envs(spec.id)) {
        if (!q.env_id.empty() && on.env_id != q.env_id) continue;
        bool bound = false;
        for (auto& b : tx.acl_bindings_where(s.instance_id, {acl->id, spec.id, on.env_id}))
          bound = bound || !b.id.empty();
        if (bound) continue;
        if (!env_names.count(on.env_id)) {
          auto e = tx.env(s.instance_id, on.env_id);
          env_names[on.env_id] = e ? e->name : "";
        }
        auto g = tx.group(s.instance_id, spec.group_id);
        all.push_back({spec, g ? g->name : "", on.env_id, env_names[on.env_id], on.publish_id});
      }
    }
    return core::slice_page(std::move(all), page);
  });
}

// ---------------------------------------------------------------- app ACLs
Result<core::AppAcl> TrafficService::set_app_acl(const Caller& c, const InstanceScope& s,
                                                 const std::string& app_id, AppAclInput in) {
  return writer_.in_instance(
      c, s, {s.project_id, "app_acl.update", "app_acl", app_id, in.acl_type.value_or("")},
      [&](Write& w) -> Result<core::AppAcl> {
        auto app = load_app_of(w.tx, s, app_id);
        if (!app) return app.error();
        if (!in.acl_type || !core::acl::is_acl_type(*in.acl_type))
          return errors::invalid_param("app_acl_type");
        if (!in.values) return errors::invalid_param("app_acl_values");
        if (auto ok = core::acl::check_app_values(*in.values); !ok) return ok.error();
        core::AppAcl acl{app_id, s.instance_id, *in.acl_type, {}, core::now_nanos()};
        for (auto& v : *in.values) acl.values.push_back(core::acl::split_value(v).front());
        w.tx.upsert_app_acl(acl);
        w.tx.record_change(s.instance_id, "app_acl", app_id, "update");
        return acl;
      });
}

Result<core::AppAcl> TrafficService::get_app_acl(const Caller& c, const InstanceScope& s,
                                                 const std::string& app_id) {
  return read_in_instance(store_, c, s, [&](store::Tx& tx) -> Result<core::AppAcl> {
    auto app = load_app_of(tx, s, app_id);
    if (!app) return app.error();
    // docs/compatibility.md#app-acl: none set → an empty type and no values.
    return tx.app_acl(app_id).value_or(core::AppAcl{app_id, s.instance_id, "", {}, 0});
  });
}

core::Status TrafficService::delete_app_acl(const Caller& c, const InstanceScope& s,
                                            const std::string& app_id) {
  return writer_.in_instance(c, s, {s.project_id, "app_acl.delete", "app_acl", app_id, ""},
                             [&](Write& w) -> core::Status {
                               auto app = load_app_of(w.tx, s, app_id);
                               if (!app) return app.error();
                               if (w.tx.delete_app_acl(app_id))
                                 w.tx.record_change(s.instance_id, "app_acl", app_id, "delete");
                               return core::ok_status();
                             });
}

}  // namespace gh::services
