#include "gateway/throttle.hpp"

#include <gtest/gtest.h>

namespace gh::gateway {
namespace {

constexpr std::int64_t kT0 = 1'800'000'000'000;  // a minute boundary

ThrottleLimits policy(std::int64_t api, std::int64_t user, std::int64_t app, std::int64_t ip) {
  ThrottleLimits p;
  p.id = "3437448ad06f4e0c91a224183116e965";
  p.api = api;
  p.user = user;
  p.app = app;
  p.ip = ip;
  p.window = {60'000, 0, true};
  p.period = period_text(1, "MINUTE");
  p.key = hash_text(p.id.data(), p.id.size());
  return p;
}

int refusals(CounterTable& t, const ThrottleBinding& b, const ThrottleSubject& who, int n,
             std::string* last_message = nullptr) {
  int refused = 0;
  for (int i = 0; i < n; ++i) {
    auto r = throttle_check(t, b, who, kT0 + 5);
    if (!r.admitted) {
      ++refused;
      if (last_message) *last_message = r.failure().message;
    }
  }
  return refused;
}

TEST(Throttle, PeriodTextAndUnits) {
  EXPECT_EQ(period_text(1, "MINUTE"), "1 minute");
  EXPECT_EQ(period_text(5, "SECOND"), "5 second");
  EXPECT_EQ(unit_ms("DAY"), 86'400'000);
  EXPECT_EQ(unit_ms("WEEK"), 0);
}

TEST(Throttle, AppLimitWithTheRefusalMessageHuaweiSends) {
  CounterTable t(4096);
  auto p = policy(100, 0, 3, 0);
  ThrottleBinding b{&p, throttle_base(p, "api1", "env1")};
  std::string msg;
  EXPECT_EQ(refusals(t, b, {1u, "", "10.0.0.1"}, 5, &msg), 2);
  EXPECT_EQ(msg,
            "The throttling threshold has been reached: policy app over "
            "ratelimit,limit:3,time:1 minute");
  // Another app has its own count; the API count holds only the admitted requests (3 + 3).
  EXPECT_EQ(refusals(t, b, {2u, "", "10.0.0.1"}, 4), 1);
  auto r = throttle_check(t, b, {std::nullopt, "", "10.0.0.1"}, kT0 + 5);
  ASSERT_TRUE(r.admitted);
  EXPECT_EQ(r.dims[0].admission.remaining, 100 - 7);
}

TEST(Throttle, SpecialValuesReplaceTheAppAndUserLimits) {
  CounterTable t(4096);
  auto p = policy(100, 4, 2, 0);
  p.app_specials[7] = 5;
  p.user_specials["domain-a"] = 1;
  ThrottleBinding b{&p, throttle_base(p, "api1", "env1")};
  EXPECT_EQ(refusals(t, b, {7u, "", "ip"}, 8), 3);                    // special 5
  EXPECT_EQ(refusals(t, b, {8u, "", "ip"}, 8), 6);                    // policy's 2
  EXPECT_EQ(refusals(t, b, {std::nullopt, "domain-a", "ip"}, 3), 2);  // special 1
  std::string msg;
  EXPECT_EQ(refusals(t, b, {std::nullopt, "domain-b", "ip"}, 6, &msg), 2);  // policy's 4
  EXPECT_NE(msg.find("policy user over ratelimit,limit:4,"), std::string::npos);
}

TEST(Throttle, ApiLimitFirstThenIpAndNothingCountedForARefusal) {
  CounterTable t(4096);
  auto p = policy(5, 0, 0, 2);
  ThrottleBinding b{&p, throttle_base(p, "api1", "env1")};
  std::string msg;
  EXPECT_EQ(refusals(t, b, {std::nullopt, "", "10.0.0.1"}, 3, &msg), 1);
  EXPECT_NE(msg.find("policy ip over ratelimit,limit:2,"), std::string::npos);
  // The ip refusal gave back its api count: 3 more from other addresses fit under 5.
  EXPECT_EQ(refusals(t, b, {std::nullopt, "", "10.0.0.2"}, 2), 0);
  EXPECT_EQ(refusals(t, b, {std::nullopt, "", "10.0.0.3"}, 2, &msg), 1);
  EXPECT_NE(msg.find("policy api over ratelimit,limit:5,"), std::string::npos);
}

TEST(Throttle, Type1CountsPerApiAndType2SharesAmongThePolicysApis) {
  CounterTable t(4096);
  auto p = policy(2, 0, 0, 0);
  ThrottleBinding a{&p, throttle_base(p, "api1", "env1")}, c{&p, throttle_base(p, "api2", "env1")};
  EXPECT_EQ(refusals(t, a, {}, 2), 0);
  EXPECT_EQ(refusals(t, c, {}, 2), 0);
  auto s = policy(2, 0, 0, 0);
  s.id = "ffff448ad06f4e0c91a224183116e965";
  s.key = hash_text(s.id.data(), s.id.size());
  s.shared = true;
  ThrottleBinding sa{&s, throttle_base(s, "api1", "env1")},
      sc{&s, throttle_base(s, "api2", "env1")};
  EXPECT_EQ(refusals(t, sa, {}, 1), 0);
  EXPECT_EQ(refusals(t, sc, {}, 2), 1);
}

}  // namespace
}  // namespace gh::gateway
