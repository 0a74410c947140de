#include "store/store.hpp"

#include "store/migrations.hpp"
#include "store/sqlite/sqlite_backend.hpp"

namespace gh::store {

std::unique_ptr<Store> Store::open(const std::string& location, crypto::Sealer sealer) {
  std::string path = location;
  if (path.rfind("sqlite:", 0) == 0) path = path.substr(7);
  if (path.rfind("postgres", 0) == 0)
    throw SqlError(SqlError::Kind::kOther,
                   "the PostgreSQL store is not built into this binary yet");
  auto backend = std::make_unique<SqliteBackend>(path);
  migrate(*backend);
  return std::make_unique<Store>(std::move(backend), std::move(sealer));
}

}  // namespace gh::store
