#pragma once
// The scope of a management call: which instance a dialect path addresses, and the checks that it
// may be used (once, here). Also the listener type services call after a committed change.
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/error.hpp"
#include "core/model.hpp"
#include "services/caller.hpp"
#include "store/store.hpp"
#include "store/tx.hpp"

namespace gh::services {

// The instance a dialect call addresses; `kind` is the kind the dialect's path implies
// (docs/compatibility.md#g12).
struct InstanceScope {
  std::string project_id, instance_id;
  core::InstanceKind kind = core::InstanceKind::kApig;
};

// Listener for committed changes (the gateway applies them as deltas).
using ChangeListener = std::function<void()>;

// Checks RBAC (read or write on the scope's project) and the instance (exists, belongs to the
// project, and is of the kind the dialect's path implies, docs/compatibility.md#g12) inside `tx`.
// Errors: 403 APIG.1005, 404 APIG.3030.
core::Result<core::Instance> load_scoped_instance(store::Tx& tx, const Caller& c,
                                                  const InstanceScope& s, bool write);

// A read in one instance, the counterpart of Writer::in_instance: one read transaction that checks
// read permission on s.project_id and the instance (load_scoped_instance), then runs `body(tx)`.
// Returns body's result, or the scope check's error.
template <class F>
auto read_in_instance(store::Store& store, const Caller& c, const InstanceScope& s, F&& body) {
  return store.read([&](store::Tx& tx) -> std::invoke_result_t<F&, store::Tx&> {
    if (auto inst = load_scoped_instance(tx, c, s, false); !inst) return inst.error();
    return body(tx);
  });
}

// Shape check for ids in paths: ids we issue are 32 hex, but lookups of other plausible shapes
// (e.g. a dashed UUID) answer 404; only garbage answers 400.
bool plausible_id(std::string_view id);

}  // namespace gh::services
