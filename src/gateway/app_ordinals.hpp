#pragma once
// Process-wide numbering of app ids, for authorization checks by number.
//
// Contract: the first sight of an id (of()) gives it the next number; that number stays the id's
// and is never given to another id while the process lives, not even after the app is deleted.
// The mapping is therefore one-to-one at every moment and in every snapshot, whatever order the
// loader builds credentials and routes in: ordinal(a) == ordinal(b) exactly when a == b (ids are
// compared byte for byte; "AB…" and "ab…" are different ids).
//
// Cost: the table keeps every id it has seen (about 28 bytes per Gatehouse-made id, 32 lowercase
// hex digits, kept as 16 raw bytes; other ids as strings). Both functions lock; they are for
// building snapshots, never called per request.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace gh::gateway::app_ordinals {

// The id's number, given now if the id is new. Throws std::length_error when 2^32 - 1 ids were
// numbered already.
std::uint32_t of(std::string_view id);

// of() for every id: out[i] = of(ids[i]), in order (new ids are numbered in that order). Takes
// the lock once and prepares the ids outside it: a start numbers millions of apps at once.
void of_each(std::span<const std::string_view> ids, std::span<std::uint32_t> out);

// The id's number if it has one; never gives one.
std::optional<std::uint32_t> find(std::string_view id);

}  // namespace gh::gateway::app_ordinals
