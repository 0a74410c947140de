#include "gateway/loader.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "../services/services_fixture.hpp"

namespace gh::testing {
namespace {

// Every write is in the published snapshot before its call returns, also when concurrent writers
// share their snapshot updates (SnapshotLoader::apply_changes lets one read serve several calls).
TEST_F(ServicesTest, ConcurrentWritersFindTheirCodesInTheSnapshot) {
  gateway::SnapshotHolder holder;
  gateway::SnapshotLoader loader(*store_, holder, ".apig.example", false);
  loader.load_all();
  apps_->on_change([&] { loader.apply_changes(); });
  constexpr int kWriters = 8, kCodes = 5;
  std::vector<core::App> apps;
  for (int i = 0; i < kWriters; ++i) apps.push_back(new_app("writer_" + std::to_string(i)));
  std::atomic<int> failed{0}, stale{0};
  std::vector<std::thread> writers;
  for (const auto& app : apps) {
    writers.emplace_back([&, id = app.id] {
      for (std::size_t k = 1; k <= kCodes; ++k) {
        if (!apps_->generate_code(admin_, apig(), id)) {
          ++failed;
          return;
        }
        auto snapshot = holder.load();
        const auto* entry = snapshot->credentials.apps.find(id);
        if (!entry || (*entry)->codes().size() != k) ++stale;
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(stale.load(), 0);
}

}  // namespace
}  // namespace gh::testing
