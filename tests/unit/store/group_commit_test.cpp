// Group commit (store/group_commit.hpp) on both backends: members of one batch fail alone, the
// others commit; rows of a batch see each other (a unique value is taken once); a batch whose
// transaction is lost is run again member by member.
#include "store/group_commit.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <thread>

#include "store_fixture.hpp"

using namespace gh;
using gh::testing::Backend;

namespace {

const store::GroupCommitter& committer_of(store::SqlBackend& b) {
  if (auto* pg = dynamic_cast<store::PostgresBackend*>(&b)) return pg->committer();
  return dynamic_cast<store::SqliteBackend&>(b).committer();
}

class GroupCommitTest : public gh::testing::StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    if (IsSkipped()) return;
    backend_ = open_backend();
    backend_->transact(store::TxMode::kWrite, [](store::SqlSession& s) {
      s.execute("CREATE TABLE gc_rows (v TEXT PRIMARY KEY)");
      s.execute("INSERT INTO gc_rows (v) VALUES ('taken')");
      return true;
    });
  }
  void TearDown() override {
    backend_.reset();
    StoreBackendTest::TearDown();
  }
  std::vector<std::string> rows() {
    std::vector<std::string> out;
    backend_->transact(store::TxMode::kRead, [&](store::SqlSession& s) {
      for (auto& r : s.query("SELECT v FROM gc_rows ORDER BY v")) out.push_back(r.text(0));
      return true;
    });
    return out;
  }
  static std::function<bool(store::SqlSession&)> insert(std::string v) {
    return [v](store::SqlSession& s) {
      s.execute("INSERT INTO gc_rows (v) VALUES (?)", {v});
      return true;
    };
  }

  // Runs a first write; while it is inside its transaction, the writes of `rest` (one thread
  // each) queue up (all of them, checked through the committer) and then form one batch. Returns
  // what each transact call threw ("" when it returned).
  std::vector<std::string> in_one_batch(std::vector<std::function<bool(store::SqlSession&)>> rest) {
    const auto& gc = committer_of(*backend_);
    const auto before = gc.batches();
    std::vector<std::string> outcome(rest.size());
    std::vector<std::thread> threads;
    auto leader = [&](store::SqlSession& s) {
      for (std::size_t n = 0; n < rest.size(); ++n)
        threads.emplace_back([&, i = n] {
          try {
            backend_->transact(store::TxMode::kWrite, rest[i]);
          } catch (const store::SqlError& e) {
            outcome[i] = e.kind == store::SqlError::Kind::kUnique ? "unique" : e.what();
          } catch (const std::exception& e) {
            outcome[i] = e.what();
          }
        });
      auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (gc.waiting() < rest.size() && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return insert("first")(s);
    };
    backend_->transact(store::TxMode::kWrite, leader);
    for (auto& t : threads) t.join();
    EXPECT_EQ(gc.batches() - before, 2u) << "the queued writers were not one batch";
    return outcome;
  }

  std::unique_ptr<store::SqlBackend> backend_;
};

INSTANTIATE_TEST_SUITE_P(Backends, GroupCommitTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         gh::testing::backend_name);

TEST_P(GroupCommitTest, AFailingMemberFailsAloneAndTheOthersCommit) {
  auto out = in_one_batch({
      insert("a"),
      insert("taken"),  // a unique violation
      insert("b"),
      [](store::SqlSession& s) {  // rolls back its own work
        s.execute("INSERT INTO gc_rows (v) VALUES ('rolled-back')");
        return false;
      },
      [](store::SqlSession& s) -> bool {  // a rule that throws after touching rows
        s.execute("INSERT INTO gc_rows (v) VALUES ('thrown')");
        throw std::runtime_error("refused");
      },
      insert("c"),
  });
  EXPECT_EQ(out, (std::vector<std::string>{"", "unique", "", "", "refused", ""}));
  EXPECT_EQ(rows(), (std::vector<std::string>{"a", "b", "c", "first", "taken"}));
}

TEST_P(GroupCommitTest, OneValueIsTakenOnceWithinABatch) {
  auto out = in_one_batch({insert("same"), insert("same"), insert("same"), insert("other")});
  EXPECT_EQ(std::count(out.begin(), out.end(), ""), 2);
  EXPECT_EQ(std::count(out.begin(), out.end(), "unique"), 2);
  EXPECT_EQ(rows(), (std::vector<std::string>{"first", "other", "same", "taken"}));
}

TEST_P(GroupCommitTest, ALostTransactionIsRunAgainMemberByMember) {
  // kBusy (a deadlock or serialisation failure on PostgreSQL) takes the batch's transaction with
  // it: the batch is rolled back and every member runs again alone, the busy one included.
  int busy_runs = 0;
  auto out = in_one_batch({
      insert("x"),
      [&](store::SqlSession& s) {
        s.execute("INSERT INTO gc_rows (v) VALUES ('busy')");
        if (++busy_runs == 1) throw store::SqlError(store::SqlError::Kind::kBusy, "deadlock");
        return true;
      },
      insert("y"),
  });
  EXPECT_EQ(out, (std::vector<std::string>{"", "", ""}));
  EXPECT_EQ(busy_runs, 2);
  EXPECT_EQ(rows(), (std::vector<std::string>{"busy", "first", "taken", "x", "y"}));
}

TEST_P(GroupCommitTest, ALoneWriterCommitsAlone) {
  const auto& gc = committer_of(*backend_);
  auto b = gc.batches(), m = gc.members();
  backend_->transact(store::TxMode::kWrite, insert("alone"));
  EXPECT_EQ(gc.batches() - b, 1u);
  EXPECT_EQ(gc.members() - m, 1u);
  EXPECT_EQ(rows(), (std::vector<std::string>{"alone", "taken"}));
}

}  // namespace
