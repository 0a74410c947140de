#include "http/deadline_sweeper.hpp"

#include <gtest/gtest.h>

namespace gh::http {
namespace {

struct Counter {
  int fired = 0;
  static void on_expire(Deadline& d) { ++static_cast<Counter*>(d.owner())->fired; }
};

TEST(DeadlineSweeper, FiresOnlyExpiredDeadlinesOnce) {
  boost::asio::io_context io;
  auto sweeper = std::make_shared<DeadlineSweeper>(io, std::chrono::milliseconds(5));
  Counter a, b;
  Deadline da(&Counter::on_expire, &a), db(&Counter::on_expire, &b);
  sweeper->add(da);
  sweeper->add(db);
  auto now = SweepClock::now();
  da.arm(now - std::chrono::milliseconds(1));
  db.arm(now + std::chrono::hours(1));
  EXPECT_EQ(sweeper->sweep(now), 1u);  // db is still armed
  EXPECT_EQ(a.fired, 1);
  EXPECT_EQ(b.fired, 0);
  EXPECT_FALSE(da.armed());
  sweeper->sweep(now);
  EXPECT_EQ(a.fired, 1);  // disarmed when it fired
}

TEST(DeadlineSweeper, TicksOnlyWhileSomethingIsArmed) {
  boost::asio::io_context io;
  auto sweeper = std::make_shared<DeadlineSweeper>(io, std::chrono::milliseconds(2));
  Counter a;
  {
    Deadline d(&Counter::on_expire, &a);
    sweeper->add(d);
    EXPECT_EQ(io.run_for(std::chrono::milliseconds(20)), 0u);  // nothing armed: no timer at all
    io.restart();
    d.arm_in(std::chrono::milliseconds(5));
    io.run_for(std::chrono::milliseconds(200));  // fires, then the timer stops by itself
    EXPECT_EQ(a.fired, 1);
    EXPECT_TRUE(io.stopped());
  }  // destroying a deadline unlinks it
  EXPECT_EQ(sweeper->size(), 0u);
}

TEST(DeadlineSweeper, DeadlinesOutlivingTheSweeperAreSafe) {
  Counter a;
  Deadline d(&Counter::on_expire, &a);
  {
    boost::asio::io_context io;
    auto sweeper = std::make_shared<DeadlineSweeper>(io, std::chrono::milliseconds(2));
    sweeper->add(d);
  }
  d.arm_in(std::chrono::milliseconds(1));  // no sweeper any more: just a time point
  EXPECT_TRUE(d.armed());
}

}  // namespace
}  // namespace gh::http
