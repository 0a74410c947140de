#pragma once
// Reads on one snapshot of the store, side by side: the gateway's start reads its apps and its
// AppCode digests (millions of rows each) on two connections at once where the backend has them.
#include <functional>
#include <vector>

#include "core/error.hpp"
#include "store/sql.hpp"
#include "store/store.hpp"

namespace gh::store {

using ReadPart = std::function<void(Tx&)>;

// Runs every part in a read transaction, all on one snapshot of the store: SQLite (a file) gives
// each part a connection and a thread of its own (the first runs on the caller's); otherwise the
// parts run one after the other in one transaction. Parts must not share unsynchronised state;
// on a retry (PostgreSQL) they run again from the start. Store failures come back as from
// Store::read(); an exception a part throws is rethrown.
core::Result<core::Unit> read_parallel(Store& store, const std::vector<ReadPart>& parts);

// The parts in turn, in one read transaction of `backend` (the fallback of read_parallel).
void read_in_turn(SqlBackend& backend, const std::vector<std::function<void(SqlSession&)>>& parts);

}  // namespace gh::store
