#pragma once
// Keeps the published Snapshot in step with the store.
//
// load_all() reads everything once (startup). apply_changes() reads the change log past the
// snapshot's sequence and applies it as a delta: changed apps are re-read with their AppCode
// digests (O(change)); any change to groups, environments, variables, APIs, publications or
// authorizations rebuilds the (small) route configuration. Callers: the management services after
// each commit (so a deletion is in force before the management call returns) and a periodic
// poll (changes made by other nodes sharing the store).
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "crypto/sealer.hpp"
#include "gateway/snapshot.hpp"
#include "store/store.hpp"

namespace gh::gateway {

class SnapshotLoader {
 public:
  // `keep_route_inputs`: publish snapshots with their RouteInputs (needed only to write the
  // snapshot file; with many authorizations they are a large part of the snapshot's memory).
  SnapshotLoader(store::Store& store, SnapshotHolder& holder, std::string group_domain_suffix,
                 bool keep_route_inputs = true)
      : store_(store),
        holder_(holder),
        suffix_(std::move(group_domain_suffix)),
        keep_route_inputs_(keep_route_inputs) {}

  // Throws on store failure (startup must not serve a half-loaded gateway).
  void load_all();
  // Returns false when the store could not be read (the current snapshot stays in force).
  // Concurrent callers share reads: a call returns at once when a read that began after it was
  // called has been applied (n writers that committed together: one read of the change log and one
  // snapshot update, not n).
  bool apply_changes();

 private:
  struct Routes {
    std::shared_ptr<const RouteInputs> inputs;
    std::shared_ptr<const RouteConfig> config;
  };
  Routes read_routes(store::Tx& tx);

  store::Store& store_;
  SnapshotHolder& holder_;
  std::string suffix_;
  bool keep_route_inputs_;
  std::mutex mutex_;                     // one writer at a time
  std::atomic<std::uint64_t> calls_{0};  // apply_changes calls so far
  std::uint64_t applied_calls_ = 0;      // calls whose changes are published (under mutex_)
};

// Reads the route configuration rows of every instance (route_reader.cpp).
// Reads the route inputs of every instance; the authorizations only `with_auths` (build_routes
// can stream them from the store instead, see SnapshotLoader::read_routes).
void read_route_inputs(store::Tx& tx, RouteInputs& in, bool with_auths = true);

// Entities whose change needs a route rebuild (everything but apps and AppCodes).
bool is_route_entity(std::string_view entity);

}  // namespace gh::gateway
