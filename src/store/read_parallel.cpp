// Reads on one snapshot, side by side (store/read_parallel.hpp).
#include "store/read_parallel.hpp"

#include <spdlog/spdlog.h>

#include "core/errors.hpp"
#include "store/sqlite/sqlite_backend.hpp"

namespace gh::store {

void read_in_turn(SqlBackend& backend, const std::vector<std::function<void(SqlSession&)>>& parts) {
  backend.transact(TxMode::kRead, [&](SqlSession& s) {
    for (const auto& part : parts) part(s);
    return true;
  });
}

core::Result<core::Unit> read_parallel(Store& store, const std::vector<ReadPart>& parts) {
  std::vector<std::function<void(SqlSession&)>> on_sessions;
  for (const auto& part : parts)
    on_sessions.emplace_back([&store, &part](SqlSession& s) {
      Tx tx(s, store.sealer());
      part(tx);
    });
  try {
    if (auto* sqlite = dynamic_cast<SqliteBackend*>(&store.backend()))
      sqlite->read_parallel(on_sessions);
    else
      read_in_turn(store.backend(), on_sessions);
  } catch (const SqlError& e) {
    spdlog::error("store: {}", e.what());
    return core::Result<core::Unit>(e.kind == SqlError::Kind::kUnavailable
                                        ? core::errors::store_unavailable()
                                        : core::errors::system_error());
  }
  return core::Unit{};
}

}  // namespace gh::store
