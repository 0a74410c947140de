#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "gateway/snapshot.hpp"

namespace gh::gateway {
namespace {

std::shared_ptr<const Snapshot> snapshot(std::int64_t seq) {
  auto s = std::make_shared<Snapshot>();
  s->change_seq = seq;
  return s;
}

TEST(SnapshotHolder, AReplacedSnapshotIsDestroyedByTheHolderNotByItsLastReader) {
  SnapshotHolder holder;
  holder.publish(snapshot(1));
  auto reader = holder.load();  // a request thread's view, or a call in flight
  std::weak_ptr<const Snapshot> first = reader;
  holder.publish(snapshot(2));
  EXPECT_EQ(holder.load()->change_seq, 2);
  EXPECT_EQ(holder.reclaim(), 1u);  // still read
  reader.reset();                   // the reader lets go: it is not the last owner
  EXPECT_FALSE(first.expired());
  EXPECT_EQ(holder.reclaim(), 0u);  // now the holder destroys it
  EXPECT_TRUE(first.expired());
}

TEST(SnapshotHolder, PublishReclaimsWhatNobodyHolds) {
  SnapshotHolder holder;
  holder.publish(snapshot(1));
  std::weak_ptr<const Snapshot> first = holder.load();
  holder.publish(snapshot(2));  // snapshot 1 retired; nobody holds it
  holder.publish(snapshot(3));  // reclaims it
  EXPECT_TRUE(first.expired());
  EXPECT_EQ(holder.reclaim(), 0u);
}

TEST(SnapshotHolder, ThreadViewsFollowPublishesAndReleaseToTheHolder) {
  SnapshotHolder holder;
  holder.publish(snapshot(1));
  std::weak_ptr<const Snapshot> first;
  std::thread reader([&] {
    first = holder.current();  // this thread's cached view holds snapshot 1
  });
  reader.join();  // the thread's cache died with it, dropping its reference
  holder.publish(snapshot(2));
  EXPECT_TRUE(first.expired());  // the publish reclaimed it
  EXPECT_EQ(holder.current()->change_seq, 2);
}

}  // namespace
}  // namespace gh::gateway
