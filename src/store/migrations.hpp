#pragma once
// Versioned schema migrations. Each migration runs once, in its own write transaction, and bumps
// schema_version; a store opened by an older binary than its schema refuses to start.
#include <string_view>
#include <vector>

#include "store/sql.hpp"

namespace gh::store {

struct Migration {
  int version;
  std::string_view description;
  std::vector<std::string_view> sqlite_sql;
  std::vector<std::string_view> postgres_sql;
};

const std::vector<Migration>& migrations();
// Applies every pending migration; returns the resulting schema version. Throws SqlError.
int migrate(SqlBackend& backend);

}  // namespace gh::store
