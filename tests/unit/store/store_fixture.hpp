#pragma once
// Fresh stores for tests, on either backend:
//  - SQLite: a file in a temporary directory, removed afterwards.
//  - PostgreSQL: a fresh database per test on the server named by env GATEHOUSE_TEST_PG (a libpq
//    URL whose user may CREATE DATABASE), dropped afterwards. Unset: PostgreSQL variants skip.
//
// StoreTest (plain TEST_F; SQLite unless GATEHOUSE_TEST_STORE=postgresql) is the base of
// ServicesTest; StoreBackendTest is parametrised by Backend (TEST_P) and runs each test on both.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "store/migrations.hpp"
#include "store/postgres/postgres_backend.hpp"
#include "store/sqlite/sqlite_backend.hpp"
#include "store/store.hpp"

namespace gh::testing {

inline std::string temp_dir(const std::string& tag) {
  auto dir = std::filesystem::temp_directory_path() / ("gh-" + tag + "-" + crypto::random_hex(6));
  std::filesystem::create_directories(dir);
  return dir.string();
}

enum class Backend { kSqlite, kPostgres };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

// GATEHOUSE_TEST_PG, or "" when PostgreSQL tests are to be skipped.
inline std::string pg_admin_url() {
  const char* url = std::getenv("GATEHOUSE_TEST_PG");
  return url ? url : "";
}
inline constexpr const char* kPgSkipMessage =
    "PostgreSQL variant skipped: set GATEHOUSE_TEST_PG to a libpq URL "
    "(postgresql://USER@HOST:PORT/postgres) whose user may CREATE DATABASE";

// `url` with its database name replaced by `db` (URL form only).
inline std::string with_database(const std::string& url, const std::string& db) {
  auto scheme = url.find("://");
  auto host_start = scheme == std::string::npos ? 0 : scheme + 3;
  auto path = url.find_first_of("/?", host_start);
  if (path == std::string::npos) return url + "/" + db;
  if (url[path] == '?') return url.substr(0, path) + "/" + db + url.substr(path);
  auto query = url.find('?', path);
  return url.substr(0, path) + "/" + db + (query == std::string::npos ? "" : url.substr(query));
}

// A database created on the GATEHOUSE_TEST_PG server for one test, dropped (forcibly) on exit.
class PgTestDatabase {
 public:
  PgTestDatabase() : name_("gh_test_" + crypto::random_hex(8)) {
    admin("CREATE DATABASE " + name_);
    url_ = with_database(pg_admin_url(), name_);
  }
  ~PgTestDatabase() {
    try {
      admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }
  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;
  const std::string& url() const { return url_; }

 private:
  static void admin(const std::string& sql) {
    PGconn* c = PQconnectdb(pg_admin_url().c_str());
    std::string err;
    if (PQstatus(c) != CONNECTION_OK) {
      err = PQerrorMessage(c);
    } else {
      PGresult* r = PQexec(c, sql.c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK) err = PQresultErrorMessage(r);
      PQclear(r);
    }
    PQfinish(c);
    if (!err.empty()) throw std::runtime_error(sql + ": " + err);
  }
  std::string name_, url_;
};

class StoreHarness {
 protected:
  void set_up(Backend b) {
    backend_ = b;
    dir_ = temp_dir("store");
    key_ = crypto::random_bytes(32);
    if (b == Backend::kPostgres) pg_ = std::make_unique<PgTestDatabase>();
    store_ = open();
  }
  void tear_down() {
    store_.reset();  // closes its connections before the database is dropped
    pg_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  bool postgres() const { return backend_ == Backend::kPostgres; }
  // Where this test's store lives: a URL or a file path.
  std::string location() const { return postgres() ? pg_->url() : dir_ + "/gatehouse.db"; }
  std::unique_ptr<store::Store> open(int pool_size = 8) {
    store::StoreOptions opts;
    opts.pool_size = pool_size;
    return store::Store::open(location(), crypto::Sealer(key_), opts);
  }
  // The bare backend (no migration) on the same store, for tests below the Store layer.
  std::unique_ptr<store::SqlBackend> open_backend() {
    if (postgres()) return std::make_unique<store::PostgresBackend>(pg_->url());
    return std::make_unique<store::SqliteBackend>(location());
  }
  // Everything the store has on disk (SQLite) or in its tables (PostgreSQL), for checks that a
  // value is not stored in the clear. Call with the test's store closed.
  std::string stored_bytes();

  Backend backend_ = Backend::kSqlite;
  std::string dir_, key_;
  std::unique_ptr<PgTestDatabase> pg_;
  std::unique_ptr<store::Store> store_;
};

inline std::string StoreHarness::stored_bytes() {
  std::string all;
  if (postgres()) {
    open_backend()->transact(store::TxMode::kRead, [&](store::SqlSession& s) {
      for (auto& t : s.query("SELECT table_name FROM information_schema.tables WHERE "
                             "table_schema = 'public' ORDER BY table_name"))
        for (auto& r : s.query("SELECT CAST(t AS TEXT) FROM " + t.text(0) + " t"))
          all += r.text(0) + "\n";
      return true;
    });
    return all;
  }
  for (auto& e : std::filesystem::recursive_directory_iterator(dir_)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  return all;
}

// SQLite, or PostgreSQL when GATEHOUSE_TEST_STORE=postgresql (and GATEHOUSE_TEST_PG is set): lets
// the services tests built on it run on either store without being parametrised themselves.
class StoreTest : public ::testing::Test, protected StoreHarness {
 protected:
  void SetUp() override {
    const char* which = std::getenv("GATEHOUSE_TEST_STORE");
    if (which && std::string(which) == "postgresql") {
      // Asked for explicitly, so no skip: a missing server fails every test (the exception also
      // stops the derived fixtures' SetUp).
      if (pg_admin_url().empty())
        throw std::runtime_error("GATEHOUSE_TEST_STORE=postgresql needs GATEHOUSE_TEST_PG");
      set_up(Backend::kPostgres);
    } else {
      set_up(Backend::kSqlite);
    }
  }
  void TearDown() override { tear_down(); }
};

class StoreBackendTest : public ::testing::TestWithParam<Backend>, protected StoreHarness {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && pg_admin_url().empty()) GTEST_SKIP() << kPgSkipMessage;
    set_up(GetParam());
  }
  void TearDown() override { tear_down(); }
};

// A domain, project and instance, written to `s`.
inline core::Instance seed_instance(store::Store& s) {
  core::Instance inst{crypto::new_id(), crypto::new_id(), "apig", core::InstanceKind::kApig,
                      core::now_nanos()};
  auto r = s.write([&](store::Tx& tx) -> core::Status {
    core::Domain d{crypto::new_id(), "d-" + crypto::random_hex(4)};
    tx.insert_domain(d);
    tx.insert_project({inst.project_id, "p", d.id, ""});
    tx.insert_instance(inst);
    return core::ok_status();
  });
  EXPECT_TRUE(r);
  return inst;
}
// An app of `inst` (not written).
inline core::App make_app(const core::Instance& inst, const std::string& name) {
  core::App a;
  a.id = crypto::new_id();
  a.instance_id = inst.id;
  a.project_id = inst.project_id;
  a.name = name;
  a.app_key = crypto::random_hex(16);
  a.app_secret = "secret-" + crypto::random_hex(16);
  a.register_time = a.update_time = core::now_nanos();
  return a;
}

}  // namespace gh::testing
