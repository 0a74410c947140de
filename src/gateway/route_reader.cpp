// The store rows the route configuration is built from.
#include "gateway/loader.hpp"

namespace gh::gateway {

void read_route_inputs(store::Tx& tx, RouteInputs& in) {
  for (const auto& inst : tx.all_instances())
    in.instances.push_back({inst.id, inst.project_id, inst.kind == core::InstanceKind::kRoma});
}

}  // namespace gh::gateway
