#include <gtest/gtest.h>

#include <map>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "store/change_feed.hpp"
#include "store/migrations.hpp"
#include "store_fixture.hpp"

using namespace gh;
using gh::testing::Backend;
using gh::testing::StoreBackendTest;

INSTANTIATE_TEST_SUITE_P(Backends, StoreBackendTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         gh::testing::backend_name);

using gh::testing::make_app;
using gh::testing::seed_instance;

TEST_P(StoreBackendTest, MigrationsAreVersionedAndIdempotent) {
  auto backend = open_backend();
  EXPECT_EQ(store::migrate(*backend), store::migrations().back().version);
  EXPECT_EQ(store::migrate(*backend), store::migrations().back().version);
}

TEST_P(StoreBackendTest, RefusesNewerSchema) {
  {
    auto backend = open_backend();
    backend->transact(store::TxMode::kWrite, [](store::SqlSession& s) {
      s.execute("UPDATE schema_version SET version = 999");
      return true;
    });
  }
  store_.reset();
  EXPECT_THROW(open(), store::SqlError);
}

TEST_P(StoreBackendTest, AppRoundTripAndSecretsSealedAtRest) {
  auto inst = seed_instance(*store_);
  auto app = make_app(inst, "app_demo");
  core::AppCode code{crypto::new_id(), app.id, inst.id, "Code" + crypto::random_hex(40), 1};
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    tx.insert_app(app);
    tx.insert_app_code(code);
    return core::ok_status();
  }));
  auto back = store_->read([&](store::Tx& tx) -> core::Result<core::App> {
    auto a = tx.app(inst.id, app.id);
    if (!a) return core::errors::app_not_found(app.id);
    return *a;
  });
  ASSERT_TRUE(back);
  EXPECT_EQ(back->app_secret, app.app_secret);
  EXPECT_EQ(back->name, "app_demo");
  auto found = store_->read([&](store::Tx& tx) -> core::Result<core::AppCode> {
    auto c = tx.app_code_by_value(app.id, code.value);
    if (!c) return core::errors::app_code_not_found();
    return *c;
  });
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, code.id);
  store_.reset();  // checkpoint and close
  auto bytes = stored_bytes();
  EXPECT_NE(bytes.find(app.app_key), std::string::npos);  // the dump does show stored values
  EXPECT_EQ(bytes.find(app.app_secret), std::string::npos);
  EXPECT_EQ(bytes.find(code.value), std::string::npos);
}

TEST_P(StoreBackendTest, SealedValuesFailUnderAnotherKey) {
  auto inst = seed_instance(*store_);
  auto app = make_app(inst, "app_demo");
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    tx.insert_app(app);
    return core::ok_status();
  }));
  store_.reset();
  key_ = crypto::random_bytes(32);
  store_ = open();
  auto back = store_->read([&](store::Tx& tx) -> core::Result<core::App> {
    auto a = tx.app(inst.id, app.id);
    if (!a) return core::errors::app_not_found(app.id);
    return *a;
  });
  ASSERT_FALSE(back);  // the sealed secret does not open: a 500, never garbage
  EXPECT_EQ(back.error().code, "APIG.9999");
}

TEST_P(StoreBackendTest, AppCodeValueUniquePerInstanceByConstraint) {
  auto inst = seed_instance(*store_);
  auto a1 = make_app(inst, "app_one");
  auto a2 = make_app(inst, "app_two");
  std::string value = "V" + crypto::random_hex(40);
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    tx.insert_app(a1);
    tx.insert_app(a2);
    tx.insert_app_code({crypto::new_id(), a1.id, inst.id, value, 1});
    return core::ok_status();
  }));
  auto dup = store_->write(
      [&](store::Tx& tx) -> core::Status {
        tx.insert_app_code({crypto::new_id(), a2.id, inst.id, value, 2});
        return core::ok_status();
      },
      core::errors::app_code_exists());
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, "APIG.2012");
}

// The gateway's start scans: every app with its sealed secret (opened by open_app_secret) and
// every AppCode digest; a statement that failed (unique violation) is usable again afterwards
// (SQLite reuses prepared statements across transactions).
TEST_P(StoreBackendTest, GatewayScansAndStatementReuseAfterFailure) {
  auto inst = seed_instance(*store_);
  auto a1 = make_app(inst, "app_one");
  auto a2 = make_app(inst, "app_two");
  std::string v1 = "V" + crypto::random_hex(40), v2 = "W" + crypto::random_hex(40);
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    tx.insert_app(a1);
    tx.insert_app(a2);
    tx.insert_app_code({crypto::new_id(), a1.id, inst.id, v1, 1});
    return core::ok_status();
  }));
  for (int i = 0; i < 2; ++i) {  // the same INSERT fails twice, then succeeds
    auto dup = store_->write([&](store::Tx& tx) -> core::Status {
      tx.insert_app_code({crypto::new_id(), a2.id, inst.id, v1, 2});
      return core::ok_status();
    });
    EXPECT_FALSE(dup);
  }
  std::string id2 = crypto::new_id();
  auto sealed = store::Tx::seal_app_code(store_->sealer(), id2, v2);
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    tx.insert_sealed_app_code({id2, a2.id, inst.id, v2, 3}, sealed);
    return core::ok_status();
  }));
  std::map<std::string, std::string> secrets, digests;
  std::int64_t count = 0;
  ASSERT_TRUE(store_->read([&](store::Tx& tx) -> core::Status {
    tx.for_each_gateway_app([&](std::string_view id, std::string_view instance_id,
                                std::string_view app_key, std::string_view secret_sealed) {
      EXPECT_EQ(instance_id, inst.id);
      EXPECT_FALSE(app_key.empty());
      auto clear = store::Tx::open_app_secret(store_->sealer(), id, secret_sealed);
      secrets[std::string(id)] = clear.value_or("(does not open)");
    });
    tx.for_each_code_digest([&](std::string_view app_id, std::string_view digest) {
      digests[std::string(app_id)] = std::string(digest);
    });
    count = tx.count_all_app_codes();
    // A sizing hint, never a scan: on SQLite at least the count; PostgreSQL's may be 0 until
    // the table is analyzed.
    auto estimate = tx.app_code_count_estimate();
    if (GetParam() == Backend::kSqlite)
      EXPECT_GE(estimate, 2);
    else
      EXPECT_GE(estimate, 0);
    EXPECT_TRUE(tx.app_code_value_taken(inst.id, v2));
    EXPECT_TRUE(tx.app_has_code_digest(a2.id, sealed.digest_hex));
    EXPECT_FALSE(tx.app_has_code_digest(a1.id, sealed.digest_hex));
    return core::ok_status();
  }));
  EXPECT_EQ(secrets[a1.id], a1.app_secret);
  EXPECT_EQ(secrets[a2.id], a2.app_secret);
  EXPECT_EQ(digests[a1.id], store_->sealer().index_digest(v1));
  EXPECT_EQ(digests[a2.id], store_->sealer().index_digest(v2));
  EXPECT_EQ(count, 2);
  // The pre-sealed value opens like one sealed by insert_app_code.
  auto back = store_->read([&](store::Tx& tx) -> core::Result<core::AppCode> {
    auto c = tx.app_code_by_value(a2.id, v2);
    if (!c) return core::errors::app_code_not_found();
    return *c;
  });
  ASSERT_TRUE(back);
  EXPECT_EQ(back->value, v2);
  EXPECT_EQ(back->id, id2);
}

TEST_P(StoreBackendTest, RolledBackWriteLeavesNothing) {
  auto inst = seed_instance(*store_);
  auto app = make_app(inst, "app_demo");
  auto r = store_->write([&](store::Tx& tx) -> core::Status {
    tx.insert_app(app);
    return core::errors::too_many_apps();  // an error rolls back
  });
  ASSERT_FALSE(r);
  auto count = store_->read(
      [&](store::Tx& tx) -> core::Result<std::int64_t> { return tx.count_apps(inst.id); });
  EXPECT_EQ(*count, 0);
}

TEST_P(StoreBackendTest, CommittedWriteSurvivesReopen) {
  auto inst = seed_instance(*store_);
  auto app = make_app(inst, "app_demo");
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    tx.insert_app(app);
    return core::ok_status();
  }));
  store_.reset();
  store_ = open();
  auto count = store_->read(
      [&](store::Tx& tx) -> core::Result<std::int64_t> { return tx.count_apps(inst.id); });
  EXPECT_EQ(*count, 1);
}

// `gatehouse import` on SQLite: commits without an fsync each while bulk loading, then FULL again
// (and the files flushed) once it is turned off; what was committed meanwhile is there after a
// reopen.
TEST_P(StoreBackendTest, SqliteBulkLoadRelaxesSyncUntilTurnedOff) {
  auto* sqlite = dynamic_cast<store::SqliteBackend*>(&store_->backend());
  if (!sqlite) GTEST_SKIP() << "SQLite only";
  auto synchronous = [&] {
    std::string mode;
    store_->backend().transact(store::TxMode::kRead, [&](store::SqlSession& s) {
      mode = s.query("PRAGMA synchronous").at(0).text(0);
      return true;
    });
    return mode;
  };
  EXPECT_EQ(synchronous(), "2");  // FULL
  sqlite->set_bulk_load(true);
  EXPECT_EQ(synchronous(), "1");  // NORMAL: the WAL is synced at checkpoints only
  auto inst = seed_instance(*store_);
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    tx.insert_app(make_app(inst, "bulk_app"));
    return core::ok_status();
  }));
  sqlite->set_bulk_load(false);
  EXPECT_EQ(synchronous(), "2");
  store_.reset();
  store_ = open();
  auto count = store_->read(
      [&](store::Tx& tx) -> core::Result<std::int64_t> { return tx.count_apps(inst.id); });
  EXPECT_EQ(*count, 1);
}

TEST_P(StoreBackendTest, ChangeLogIsMonotonic) {
  auto inst = seed_instance(*store_);
  std::int64_t base = 0;
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    base = tx.last_change_seq();
    tx.record_change(inst.id, "app", "x", "create");
    tx.record_change(inst.id, "app", "x", "delete");
    return core::ok_status();
  }));
  auto all = store::ChangeFeed(*store_).after(base);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_GT((*all)[0].seq, base);
  EXPECT_GT((*all)[1].seq, (*all)[0].seq);
  EXPECT_EQ((*all)[1].op, "delete");
}

// A write recording many changes stores them with multi-row INSERTs (chunks of 64, 8 and 1): all
// of them, in the order recorded, each with a larger seq than the one before.
TEST_P(StoreBackendTest, ManyChangesOfOneWriteKeepTheirOrder) {
  auto inst = seed_instance(*store_);
  std::int64_t base = 0;
  constexpr int kChanges = 64 * 2 + 8 + 3;
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    base = tx.last_change_seq();
    for (int i = 0; i < kChanges; ++i)
      tx.record_change(inst.id, "app", "a" + std::to_string(i), i % 2 ? "update" : "create");
    return core::ok_status();
  }));
  auto all = store::ChangeFeed(*store_).after(base, 1000);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), static_cast<std::size_t>(kChanges));
  std::int64_t last = base;
  for (int i = 0; i < kChanges; ++i) {
    const auto& c = (*all)[i];
    EXPECT_GT(c.seq, last) << i;
    last = c.seq;
    EXPECT_EQ(c.entity_id, "a" + std::to_string(i));
    EXPECT_EQ(c.op, i % 2 ? "update" : "create");
    EXPECT_EQ(c.instance_id, inst.id);
  }
  auto after = store_->read(
      [&](store::Tx& tx) -> core::Result<std::int64_t> { return tx.last_change_seq(); });
  EXPECT_EQ(*after, last);
}

// Changes are written at commit: a rolled-back write leaves none, and the callback's own reads do
// not see them yet (the change-log lock is the last lock a writer takes, store/tx.hpp).
TEST_P(StoreBackendTest, ChangesAreWrittenAtCommitOnly) {
  auto inst = seed_instance(*store_);
  std::int64_t base = 0, inside = -1;
  auto r = store_->write([&](store::Tx& tx) -> core::Status {
    base = tx.last_change_seq();
    tx.record_change(inst.id, "app", "x", "create");
    inside = tx.last_change_seq();
    return core::errors::too_many_apps();
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(inside, base);
  EXPECT_TRUE(store::ChangeFeed(*store_).after(base)->empty());
}

TEST_P(StoreBackendTest, LockingTheInstanceAfterAnAppIsRefused) {
  auto inst = seed_instance(*store_);
  auto r = store_->write([&](store::Tx& tx) -> core::Status {
    tx.lock_app("no-such-app");
    tx.lock_instance(inst.id);
    return core::ok_status();
  });
  EXPECT_FALSE(r);
}

TEST_P(StoreBackendTest, AppListFiltersAndPages) {
  auto inst = seed_instance(*store_);
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    for (auto name : {"alpha_one", "alpha_two", "beta_one", "al%pha"})
      tx.insert_app(make_app(inst, name));
    return core::ok_status();
  }));
  auto list = [&](store::AppFilter f, core::Page p) {
    return *store_->read([&](store::Tx& tx) -> core::Result<core::Paged<core::App>> {
      return tx.apps(inst.id, f, p);
    });
  };
  store::AppFilter fuzzy;
  fuzzy.name = "alpha";
  EXPECT_EQ(list(fuzzy, {0, 20}).total, 2);
  store::AppFilter percent;
  percent.name = "%";  // LIKE wildcards are escaped: matches only the literal '%'
  EXPECT_EQ(list(percent, {0, 20}).total, 1);
  store::AppFilter exact;
  exact.name = "alpha";
  exact.precise_name = true;
  EXPECT_EQ(list(exact, {0, 20}).total, 0);
  auto page = list({}, {1, 2});
  EXPECT_EQ(page.total, 4);
  EXPECT_EQ(page.items.size(), 2u);
}

TEST_P(StoreBackendTest, ChangeFeedReturnsChangesAfterASequence) {
  auto inst = seed_instance(*store_);  // may record changes of its own (its DEFAULT group)
  std::int64_t base = 0;
  std::vector<std::int64_t> seqs;
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    base = tx.last_change_seq();
    tx.record_change(inst.id, "app", "a1", "create");
    tx.record_change(inst.id, "app_code", "c1", "create");
    tx.record_change(inst.id, "app", "a1", "delete");
    return core::ok_status();
  }));
  store::ChangeFeed feed(*store_);
  auto all = feed.after(base);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  for (auto& c : *all) seqs.push_back(c.seq);
  EXPECT_EQ((*all)[1].seq, seqs[1]);
  EXPECT_EQ((*all)[1].instance_id, inst.id);
  EXPECT_EQ((*all)[1].entity, "app_code");
  EXPECT_EQ((*all)[1].entity_id, "c1");
  EXPECT_EQ((*all)[1].op, "create");
  auto tail = feed.after(seqs[0], 1);
  ASSERT_TRUE(tail);
  ASSERT_EQ(tail->size(), 1u);
  EXPECT_EQ(tail->front().seq, seqs[1]);
  EXPECT_TRUE(feed.after(seqs[2])->empty());
}
