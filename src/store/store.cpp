#include "store/store.hpp"

#include "store/migrations.hpp"
#include "store/postgres/postgres_backend.hpp"
#include "store/sqlite/sqlite_backend.hpp"

namespace gh::store {

bool Store::is_postgres_location(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

std::unique_ptr<Store> Store::open(const std::string& location, crypto::Sealer sealer,
                                   const StoreOptions& opts) {
  std::unique_ptr<SqlBackend> backend;
  if (is_postgres_location(location)) {
    PostgresOptions pg;
    pg.pool_size = opts.pool_size;
    backend = std::make_unique<PostgresBackend>(location, pg);
  } else {
    std::string path = location;
    if (path.rfind("sqlite:", 0) == 0) path = path.substr(7);
    backend = std::make_unique<SqliteBackend>(path);
  }
  migrate(*backend);
  return std::make_unique<Store>(std::move(backend), std::move(sealer));
}

}  // namespace gh::store
