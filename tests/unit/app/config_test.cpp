#include "app/config.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "app/reload.hpp"

namespace gh::app {
namespace {

TEST(ParseHostPort, HostsAndPorts) {
  auto v4 = parse_host_port("127.0.0.1:9080");
  EXPECT_EQ(v4.host, "127.0.0.1");
  EXPECT_EQ(v4.port, 9080);
  auto v6 = parse_host_port("[::1]:0");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 0);
  EXPECT_EQ(parse_host_port(":443").host, "0.0.0.0");
  EXPECT_THROW(parse_host_port("localhost"), std::invalid_argument);
  EXPECT_THROW(parse_host_port("localhost:"), std::invalid_argument);
  EXPECT_THROW(parse_host_port("localhost:65536"), std::invalid_argument);
  EXPECT_THROW(parse_host_port("localhost:80x"), std::invalid_argument);
}

TEST(ParseThreadPriority, IdleOrNiceness) {
  auto idle = parse_thread_priority("idle");
  EXPECT_TRUE(idle.idle);
  auto nice = parse_thread_priority("19");
  EXPECT_FALSE(nice.idle);
  EXPECT_EQ(nice.nice, 19);
  EXPECT_EQ(parse_thread_priority("0").nice, 0);
  for (const char* bad : {"", "IDLE", "-1", "20", "5x", " 5", "nice"})
    EXPECT_THROW(parse_thread_priority(bad), std::invalid_argument) << bad;
}

// The policy lands on the calling thread only; the process's other threads keep theirs.
TEST(LowerThreadPriority, AppliesToTheCallingThreadOnly) {
  int policy = -1, nice = -1;
  std::thread([&] {
    http::lower_thread_priority(parse_thread_priority("idle"));
    policy = sched_getscheduler(0);
  }).join();
  EXPECT_EQ(policy, SCHED_IDLE);
  std::thread([&] {
    http::lower_thread_priority(parse_thread_priority("7"));
    nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  }).join();
  EXPECT_EQ(nice, 7);
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
}

TEST(SettingsNeedingRestart, LiveSettingsAreNotListedTheOthersAre) {
  ServeConfig a, b;
  b.log_level = "debug";
  b.trusted_proxies = "10.0.0.0/8";
  b.access_log = "-";
  b.tls_cert = "/elsewhere.crt";
  EXPECT_TRUE(settings_needing_restart(a, b).empty());
  b.max_gateway_body = 1;
  b.request_limits.idle_timeout_ms = 5;
  b.region = "other";
  EXPECT_EQ(settings_needing_restart(a, b),
            (std::vector<std::string>{"--region", "--max-gateway-body", "--idle-timeout-ms"}));
}

}  // namespace
}  // namespace gh::app
