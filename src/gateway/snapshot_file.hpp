#pragma once
// The data plane's snapshot persisted in the data dir, so a node can start and serve while the
// configuration store is unreachable.
//
// Contents (JSON, versioned by "v"): the change sequence, the route inputs (instances, groups,
// environments, variables, published API definitions, authorizations) and the app records (id,
// instance, AppKey, AppSecret sealed with the store's Sealer under aad "snapshot-app:" + id, and
// the keyed digests of its AppCodes — never AppCode values). Written atomically (temporary file,
// fsync, rename, fsync of the directory) with mode 0600.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "crypto/sealer.hpp"
#include "gateway/snapshot.hpp"

namespace gh::gateway {

// Fails (with a message) when the snapshot has no route inputs or the file cannot be written.
core::Result<core::Unit> write_snapshot_file(const std::string& path, const Snapshot& snapshot,
                                             const crypto::Sealer& sealer);

// The snapshot the file describes, routes rebuilt with `group_domain_suffix`; an error when the
// file is missing, malformed, or a sealed secret does not open with this key.
core::Result<std::shared_ptr<Snapshot>> read_snapshot_file(const std::string& path,
                                                           const crypto::Sealer& sealer,
                                                           const std::string& group_domain_suffix);
// The same from the file's text (read_snapshot_file's parser; any bytes are safe to pass).
core::Result<std::shared_ptr<Snapshot>> parse_snapshot(std::string_view text,
                                                       const crypto::Sealer& sealer,
                                                       const std::string& group_domain_suffix);

}  // namespace gh::gateway
