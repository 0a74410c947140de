// The store rows the route configuration is built from.
#include "gateway/loader.hpp"

namespace gh::gateway {

void read_route_inputs(store::Tx& tx, RouteInputs& in, bool with_auths) {
  auto append = [](auto& to, auto from) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  };
  for (const auto& inst : tx.all_instances()) {
    in.instances.push_back({inst.id, inst.project_id, inst.kind == core::InstanceKind::kRoma});
    append(in.groups, tx.groups_of_instance(inst.id));
    append(in.envs, tx.environments(inst.id));
    append(in.env_variables, tx.env_variables(inst.id));
    if (with_auths)
      append(in.auths, tx.app_auths_unordered(inst.id));  // a set per route: order is moot
    append(in.acls, tx.acls_of_instance(inst.id));
    append(in.acl_bindings, tx.acl_bindings_of_instance(inst.id));
    append(in.app_acls, tx.app_acls_of_instance(inst.id));
    for (auto& p : tx.published_apis(inst.id))
      in.published.push_back(PublishedRoute{std::move(p.spec), std::move(p.env_id)});
    append(in.throttles, tx.all_throttles(inst.id));
    append(in.throttle_specials, tx.all_throttle_specials(inst.id));
    append(in.throttle_bindings, tx.all_throttle_bindings(inst.id));
    append(in.app_quotas, tx.all_app_quotas(inst.id));
    append(in.app_quota_bindings, tx.all_app_quota_bindings(inst.id));
  }
}

}  // namespace gh::gateway
