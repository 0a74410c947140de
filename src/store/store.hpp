#pragma once
// The Store: a backend (SQLite or PostgreSQL), the sealer, and transactions that return values.
//
//   auto r = store.write([&](Tx& tx) -> core::Result<App> { … return app; });
//
// write(): one serialised, durable transaction; committed only if the callback returns a value,
// rolled back if it returns an Error; the changes it recorded (Tx::record_change) are written just
// before commit. Store failures come back as APIG.9999 (500) or, when the
// store is unreachable, 503. A kUnique violation not handled inside becomes `on_unique`.
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <type_traits>

#include "core/error.hpp"
#include "core/errors.hpp"
#include "crypto/sealer.hpp"
#include "store/sql.hpp"
#include "store/tx.hpp"

namespace gh::store {

struct StoreOptions {
  int pool_size = 8;  // PostgreSQL: connections per process
};

class Store {
 public:
  Store(std::unique_ptr<SqlBackend> backend, crypto::Sealer sealer)
      : backend_(std::move(backend)), sealer_(std::move(sealer)) {}

  // Opens "postgresql://…" / "postgres://…" (PostgreSQL, a libpq URL) or "sqlite:PATH" / a plain
  // path (SQLite) and migrates the schema. Throws SqlError (kUnavailable: cannot connect/open).
  static std::unique_ptr<Store> open(const std::string& location, crypto::Sealer sealer,
                                     const StoreOptions& opts = {});
  static bool is_postgres_location(const std::string& location);

  template <class F>
  auto write(F&& fn, core::Error on_unique = core::errors::system_error()) {
    return run(TxMode::kWrite, std::forward<F>(fn), std::move(on_unique));
  }
  template <class F>
  auto read(F&& fn) {
    return run(TxMode::kRead, std::forward<F>(fn), core::errors::system_error());
  }

  const crypto::Sealer& sealer() const { return sealer_; }
  SqlBackend& backend() { return *backend_; }

 private:
  template <class F>
  auto run(TxMode mode, F&& fn, core::Error on_unique) {
    using R = std::invoke_result_t<F, Tx&>;  // a core::Result<T>
    std::optional<R> out;
    try {
      backend_->transact(mode, [&](SqlSession& s) {
        Tx tx(s, sealer_);
        out.emplace(fn(tx));
        if (out->ok() && mode == TxMode::kWrite) tx.write_changes();
        return out->ok();
      });
    } catch (const SqlError& e) {
      if (e.kind == SqlError::Kind::kUnique) return R(std::move(on_unique));
      spdlog::error("store: {}", e.what());
      return R(e.kind == SqlError::Kind::kUnavailable ? core::errors::store_unavailable()
                                                      : core::errors::system_error());
    }
    return std::move(*out);
  }

  std::unique_ptr<SqlBackend> backend_;
  crypto::Sealer sealer_;
};

}  // namespace gh::store
