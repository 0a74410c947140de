// The PostgreSQL backend's own behaviour: SQL rewriting, error mapping, connection handling.
#include "store/postgres/postgres_backend.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/errors.hpp"
#include "store/change_feed.hpp"
#include "store_fixture.hpp"

using namespace gh;
using gh::testing::Backend;

TEST(PostgresSql, PlaceholdersBecomeNumberedOutsideQuotes) {
  EXPECT_EQ(store::rewrite_placeholders("SELECT a FROM t WHERE b = ? AND c = ?"),
            "SELECT a FROM t WHERE b = $1 AND c = $2");
  EXPECT_EQ(store::rewrite_placeholders("SELECT '?', 'it''s ?', \"col?\" FROM t WHERE x = ?"),
            "SELECT '?', 'it''s ?', \"col?\" FROM t WHERE x = $1");
  EXPECT_EQ(store::rewrite_placeholders("name LIKE ? ESCAPE '\\' AND id = ?"),
            "name LIKE $1 ESCAPE '\\' AND id = $2");
  EXPECT_EQ(store::rewrite_placeholders("SELECT 1"), "SELECT 1");
}

TEST(PostgresSql, UrlsAreRedacted) {
  EXPECT_EQ(store::redact_url("postgresql://gh:s3cret@db.example:5432/gh"),
            "postgresql://gh:***@db.example:5432/gh");
  EXPECT_EQ(store::redact_url("postgresql://gh@db/gh?password=s3cret&sslmode=require"),
            "postgresql://gh@db/gh?password=***&sslmode=require");
  EXPECT_EQ(store::redact_url("postgres://db/gh"), "postgres://db/gh");
  EXPECT_EQ(store::redact_url("postgresql://gh:p@ss@db/gh?password=x"),
            "postgresql://gh:***@db/gh?password=***");
}

TEST(PostgresSql, PasswordsQuotedInMessagesAreRedacted) {
  // libpq quotes a URL it cannot parse; the message must not carry its passwords.
  std::string url = "postgresql://gh:s3cret@[db/gh?password=other&sslmode=require";
  auto msg = store::redact_passwords(
      "end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"" +
          url + "\"",
      url);
  EXPECT_EQ(msg.find("s3cret"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("other"), std::string::npos) << msg;
  EXPECT_NE(msg.find("postgresql://gh:***@[db/gh?password=***&sslmode=require"), std::string::npos)
      << msg;
  EXPECT_EQ(store::redact_passwords("connection refused", "postgresql://db/gh"),
            "connection refused");
}

TEST(PostgresConnect, UnreachableServerIsReportedNotCrashed) {
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  try {
    store::Store::open("postgresql://gh:topsecret@127.0.0.1:1/gh?connect_timeout=2",
                       crypto::Sealer(crypto::random_bytes(32)));
    FAIL() << "opened a store on a closed port";
  } catch (const store::SqlError& e) {
    EXPECT_EQ(e.kind, store::SqlError::Kind::kUnavailable);
    std::string what = e.what();
    EXPECT_NE(what.find("cannot connect to PostgreSQL at postgresql://gh:***@127.0.0.1:1/gh"),
              std::string::npos)
        << what;
    EXPECT_EQ(what.find("topsecret"), std::string::npos);
  }
}

namespace {
class PostgresOnly : public gh::testing::StoreBackendTest {};
INSTANTIATE_TEST_SUITE_P(Backends, PostgresOnly, ::testing::Values(Backend::kPostgres),
                         gh::testing::backend_name);

std::int64_t count_settings(store::Store& s) {
  auto r = s.read([&](store::Tx& tx) -> core::Result<std::int64_t> {
    return tx.session().query("SELECT COUNT(*) FROM settings")[0].integer(0);
  });
  return r ? *r : -1;
}
}  // namespace

TEST_P(PostgresOnly, ReconnectsAfterTheServerDroppedItsConnections) {
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    tx.put_setting("k", "v");
    return core::ok_status();
  }));
  // Terminate every other session on this database (the store's pooled connections).
  auto killer = open_backend();
  killer->transact(store::TxMode::kWrite, [](store::SqlSession& s) {
    auto rows = s.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
        "current_database() AND pid <> pg_backend_pid()");
    EXPECT_GE(rows.size(), 1u);
    return true;
  });
  EXPECT_EQ(count_settings(*store_), 1);  // a fresh connection, no error surfaced
}

TEST_P(PostgresOnly, FailedStatementAbortsTheTransactionEvenIfCaught) {
  auto r = store_->write([&](store::Tx& tx) -> core::Status {
    tx.put_setting("a", "1");
    try {
      tx.session().execute("INSERT INTO settings(name, value) VALUES ('a', '2')");
    } catch (const store::SqlError&) {
      // swallowed: PostgreSQL has aborted the transaction regardless
    }
    return core::ok_status();
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(count_settings(*store_), 0);
}

TEST_P(PostgresOnly, UniqueViolationMapsToOnUnique) {
  auto put = [&] {
    return store_->write(
        [&](store::Tx& tx) -> core::Status {
          tx.session().execute("INSERT INTO settings(name, value) VALUES (?, ?)",
                               {std::string("x"), std::string("y")});
          return core::ok_status();
        },
        core::errors::app_code_exists());
  };
  ASSERT_TRUE(put());
  auto dup = put();
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, core::errors::app_code_exists().code);
}

TEST_P(PostgresOnly, ReadTransactionsAreReadOnly) {
  auto r = store_->read([&](store::Tx& tx) -> core::Status {
    tx.put_setting("a", "1");
    return core::ok_status();
  });
  EXPECT_FALSE(r);
}

TEST_P(PostgresOnly, CommitsAreDurable) {
  auto rows = std::make_shared<store::Rows>();
  open_backend()->transact(store::TxMode::kRead, [&](store::SqlSession& s) {
    *rows = s.query("SHOW synchronous_commit");
    return true;
  });
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].text(0), "on");
}

TEST_P(PostgresOnly, CommittedChangesAreNotifiedRolledBackOnesAreNot) {
  store::ChangeFeed feed(*store_);
  EXPECT_TRUE(feed.wait_for_change(std::chrono::milliseconds(0)));  // first call: LISTEN, catch up
  EXPECT_FALSE(feed.wait_for_change(std::chrono::milliseconds(200)));
  auto r = store_->write([&](store::Tx& tx) -> core::Status {
    tx.record_change("inst", "app", "rolled-back", "create");
    return core::errors::too_many_apps();  // rolls back: no NOTIFY is delivered
  });
  ASSERT_FALSE(r);
  EXPECT_FALSE(feed.wait_for_change(std::chrono::milliseconds(300)));
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    tx.record_change("inst", "app", "a1", "create");
    return core::ok_status();
  }));
  EXPECT_TRUE(feed.wait_for_change(std::chrono::seconds(10)));
  auto changes = feed.after(0);
  ASSERT_TRUE(changes);
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ(changes->front().entity_id, "a1");
}

TEST_P(PostgresOnly, ListenerSeesNotifyPayload) {
  auto* pg = dynamic_cast<store::PostgresBackend*>(&store_->backend());
  ASSERT_NE(pg, nullptr);
  auto listener = pg->listen(std::string(store::kChangeChannel));
  std::int64_t seq = 0;
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    tx.record_change("inst", "app", "a1", "create");
    return core::ok_status();
  }));
  seq = *store_->read(
      [](store::Tx& tx) -> core::Result<std::int64_t> { return tx.last_change_seq(); });
  auto n = listener->wait_for_notification(std::chrono::seconds(10));
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->channel, store::kChangeChannel);
  EXPECT_EQ(n->payload, std::to_string(seq));
}

TEST_P(PostgresOnly, PoolBoundsConnectionsAndSharesThemAcrossThreads) {
  auto pooled = open(/*pool_size=*/2);
  std::atomic<std::int64_t> most{0};
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto r = pooled->write([&](store::Tx& tx) -> core::Result<std::int64_t> {
          return tx.session()
              .query(
                  "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                  "application_name = 'gatehouse' AND backend_type = 'client backend'")[0]
              .integer(0);
        });
        if (!r) continue;
        ++ok;
        auto seen = *r, prev = most.load();
        while (seen > prev && !most.compare_exchange_weak(prev, seen)) {
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 80);
  // The test's own store (store_) holds its connection too: at most 2 + 1 are ours.
  EXPECT_LE(most.load(), 3);
}
