#include "store/read_parallel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "store_fixture.hpp"

using namespace gh;
using gh::testing::Backend;

class ReadParallelTest : public gh::testing::StoreBackendTest {};
INSTANTIATE_TEST_SUITE_P(Backends, ReadParallelTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         gh::testing::backend_name);

using gh::testing::make_app;
using gh::testing::seed_instance;

namespace {
int count_apps(store::Tx& tx) {
  int n = 0;
  tx.for_each_gateway_app([&](auto, auto, auto, auto) { ++n; });
  return n;
}
}  // namespace

// A write that commits while the parts run (after the first part's first read) is seen by
// neither: both read the snapshot taken when read_parallel began.
TEST_P(ReadParallelTest, PartsShareOneSnapshot) {
  auto inst = seed_instance(*store_);
  ASSERT_TRUE(store_->write([&](store::Tx& tx) -> core::Status {
    tx.insert_app(make_app(inst, "app_" + crypto::random_hex(6)));
    tx.insert_app(make_app(inst, "app_" + crypto::random_hex(6)));
    return core::ok_status();
  }));
  std::atomic<bool> written{false};
  int first = -1, second = -1;
  std::int64_t seq_first = -1, seq_second = -2;
  auto r = store::read_parallel(*store_,
                                {[&](store::Tx& tx) {
                                   seq_first = tx.last_change_seq();
                                   EXPECT_TRUE(store_->write([&](store::Tx& w) -> core::Status {
                                     w.insert_app(make_app(inst, "app_" + crypto::random_hex(6)));
                                     return core::ok_status();
                                   }));
                                   written = true;
                                   first = count_apps(tx);
                                 },
                                 [&](store::Tx& tx) {
                                   while (!written) std::this_thread::yield();
                                   second = count_apps(tx);
                                   seq_second = tx.last_change_seq();
                                 }});
  ASSERT_TRUE(r);
  EXPECT_EQ(first, 2);
  EXPECT_EQ(second, 2);
  EXPECT_EQ(seq_first, seq_second);
  ASSERT_TRUE(store_->read([&](store::Tx& tx) -> core::Status {
    EXPECT_EQ(count_apps(tx), 3);
    return core::ok_status();
  }));
}

TEST_P(ReadParallelTest, RethrowsWhatAPartThrew) {
  bool other_ran = false;
  EXPECT_THROW((void)store::read_parallel(
                   *store_, {[&](store::Tx&) { other_ran = true; },
                             [&](store::Tx&) { throw std::runtime_error("part failed"); }}),
               std::runtime_error);
  EXPECT_TRUE(other_ran);
  // Store failures come back as errors, not exceptions.
  auto r = store::read_parallel(
      *store_, {[&](store::Tx& tx) { tx.for_each_code_digest([](auto, auto) {}); },
                [&](store::Tx& tx) {
                  (void)tx.count_all_app_codes();
                  throw store::SqlError(store::SqlError::Kind::kOther, "no such table");
                }});
  EXPECT_FALSE(r);
}
