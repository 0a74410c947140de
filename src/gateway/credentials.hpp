#pragma once
// Building and changing the credential part of a snapshot. Every change is a delta: the apps that
// changed are replaced (with their AppCode digests and AppKey), all others are shared with the
// previous snapshot.
#include <optional>
#include <string>
#include <vector>

#include "gateway/snapshot.hpp"

namespace gh::gateway {

// An app as read from the store, with the digests of its AppCodes.
struct AppRecord {
  std::string id, instance_id, app_key, secret;
  std::vector<Digest> codes;
};

// Replaces the apps named in `changed_ids` by the records in `current` (an id in changed_ids with
// no record in `current` was deleted). Returns the new credentials; `base` is untouched.
Credentials apply_app_changes(const Credentials& base, const std::vector<std::string>& changed_ids,
                              std::vector<AppRecord> current);

// Builds the credentials of a whole store at once (a start): the apps with their AppCode digests,
// final. Indexes are built by up to `threads` threads. Same result as apply_app_changes on empty
// credentials, in a fraction of the time and memory. `id_keys[i]` is AppIdSet::key_of(apps[i]'s
// id), computed beforehand (the loader numbers the ids while it builds the entries); the overload
// without it computes them.
Credentials build_credentials(std::vector<std::shared_ptr<const AppEntry>> apps,
                              const std::vector<AppIdSet::Key>& id_keys, unsigned threads);
Credentials build_credentials(std::vector<std::shared_ptr<const AppEntry>> apps, unsigned threads);

// "ab01…" (64 hex, either case) → Digest; nullopt when malformed.
std::optional<Digest> digest_from_hex(std::string_view hex);

}  // namespace gh::gateway
