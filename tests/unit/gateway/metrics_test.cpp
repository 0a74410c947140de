#include "gateway/metrics.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

#include "gateway/access_log.hpp"
#include "gateway/routes.hpp"

namespace gh::gateway {
namespace {

TEST(MetricSlots, OneSlotPerGroupApiEnvironment) {
  auto a = metric_slots::of("g1", "api1", "RELEASE");
  auto b = metric_slots::of("g1", "api1", "TEST");
  auto c = metric_slots::of("g1", "api2", "RELEASE");
  EXPECT_NE(a, 0u);  // 0 is "no API matched"
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(metric_slots::of("g1", "api1", "RELEASE"), a);
  // Separators cannot be forged by the parts.
  EXPECT_NE(metric_slots::of("g1\napi1", "", "RELEASE"),
            metric_slots::of("g1", "api1\n", "RELEASE"));
  auto all = metric_slots::all();
  ASSERT_GT(all.size(), a);
  EXPECT_EQ(all[a].group_id, "g1");
  EXPECT_EQ(all[a].api_id, "api1");
  EXPECT_EQ(all[b].env, "TEST");
  EXPECT_EQ(all[0].api_id, "");
}

TEST(MetricSlots, BuildRoutesInternsEachPublishedApi) {
  RouteInputs in;
  in.instances.push_back({"inst", "proj", false});
  core::ApiGroup g;
  g.id = "grp-slots";
  g.instance_id = "inst";
  in.groups.push_back(g);
  core::ApiSpec s;
  s.id = "api-slots";
  s.instance_id = "inst";
  s.group_id = "grp-slots";
  s.req_method = "GET";
  s.req_uri = "/x";
  in.published.push_back({s, core::kReleaseEnvId});
  auto routes = build_routes(in);
  ASSERT_EQ(routes->targets.size(), 1u);
  EXPECT_EQ(routes->targets[0]->metric_slot,
            metric_slots::of("grp-slots", "api-slots", core::kReleaseEnvName));
  EXPECT_EQ(build_routes(in)->targets[0]->metric_slot, routes->targets[0]->metric_slot);
}

TEST(GatewayMetrics, MergesLoops) {
  GatewayMetrics m(3);
  auto slot = metric_slots::of("g", "merge", "RELEASE");
  m.record(0, Outcome{200, {}, false, slot, 1'000'000, 500'000});
  m.record(1, Outcome{200, {}, false, slot, 2'000'000, -1});
  m.record(2, Outcome{401, "0303", false, slot, 100'000, -1});
  m.record(2, Outcome{404, "0101", true, 0, 100'000, -1});
  m.record(7, Outcome{200, {}, false, slot, 1, -1});  // no such loop: ignored
  auto t = m.totals();
  ASSERT_GT(t.requests.size(), slot);
  EXPECT_EQ(t.requests[slot][1], 2u);  // 2xx
  EXPECT_EQ(t.requests[slot][3], 1u);  // 4xx
  EXPECT_EQ(t.requests[0][3], 1u);
  EXPECT_EQ(t.refusals[refusal_index("0303")][0], 1u);
  EXPECT_EQ(t.refusals[refusal_index("0101")][1], 1u);
  EXPECT_EQ(refusal_index("9999"), kRefusalNumbers.size() - 1);
  std::uint64_t n = 0;
  for (auto b : t.total.buckets) n += b;
  EXPECT_EQ(n, 4u);
  n = 0;
  for (auto b : t.upstream.buckets) n += b;
  EXPECT_EQ(n, 1u);
  core::metrics::Exposition out;
  m.render(out);
  EXPECT_NE(out.text().find("gatehouse_gateway_requests_total{group_id=\"g\",api_id=\"merge\","
                            "env=\"RELEASE\",status_class=\"2xx\"} 2\n"),
            std::string::npos);
  EXPECT_NE(out.text().find("gatehouse_gateway_refusals_total{code=\"APIC.0101\"} 1\n"),
            std::string::npos);
}

// Two loops count while a scraper reads: nothing is lost, and no total ever goes backwards.
TEST(GatewayMetrics, ConcurrentCountingLosesNothing) {
  constexpr int kPerThread = 200'000;
  GatewayMetrics m(2);
  auto slot = metric_slots::of("g", "concurrent", "RELEASE");
  std::atomic<bool> go{false};
  auto count = [&](int loop) {
    while (!go.load()) std::this_thread::yield();
    for (int i = 0; i < kPerThread; ++i)
      m.record(loop, Outcome{i % 2 ? 200 : 503, {}, false, slot, i, -1});
  };
  std::thread a(count, 0), b(count, 1);
  go = true;
  std::uint64_t last_total = 0, last_2xx = 0;
  for (int i = 0; i < 50; ++i) {
    auto t = m.totals();
    std::uint64_t c2 = t.requests.size() > slot ? t.requests[slot][1] : 0;
    std::uint64_t c5 = t.requests.size() > slot ? t.requests[slot][4] : 0;
    std::uint64_t h = 0;
    for (auto v : t.total.buckets) h += v;
    EXPECT_GE(c2, last_2xx);
    EXPECT_GE(c2 + c5, last_total);
    EXPECT_LE(h, 2u * kPerThread);
    last_2xx = c2;
    last_total = c2 + c5;
    std::this_thread::yield();
  }
  a.join();
  b.join();
  auto t = m.totals();
  EXPECT_EQ(t.requests[slot][1], std::uint64_t{kPerThread});
  EXPECT_EQ(t.requests[slot][4], std::uint64_t{kPerThread});
  std::uint64_t h = 0;
  for (auto v : t.total.buckets) h += v;
  EXPECT_EQ(h, 2u * kPerThread);
}

TEST(AccessLogFormat, OneJsonLineWithoutQueryOrHeaders) {
  http::HeaderView headers[] = {{"X-Apig-AppCode", "secret-code"}};
  http::RequestView req;
  req.method = "GET";
  req.target = "/a/\"b\"?token=secret";
  req.authority = "h.example";
  req.headers = headers;
  req.body = "12345";
  http::RequestContext ctx;
  ctx.remote_ip = "10.0.0.1";
  AccessRecord r;
  r.request_id = "rid";
  r.request = &req;
  r.context = &ctx;
  r.status = 401;
  r.error_code = "APIG.0303";
  r.bytes_out = 99;
  r.total_ns = 1'234'567;
  std::string line;
  AccessLog::format(line, r, 1'700'000'000'123);
  EXPECT_EQ(line,
            "{\"time\":\"2023-11-14T22:13:20.123Z\",\"request_id\":\"rid\",\"client_ip\":"
            "\"10.0.0.1\",\"method\":\"GET\",\"host\":\"h.example\",\"path\":\"/a/\\\"b\\\"\","
            "\"status\":401,\"error_code\":\"APIG.0303\",\"api_id\":null,\"app_id\":null,"
            "\"bytes_in\":5,\"bytes_out\":99,\"total_ms\":1.234,\"upstream_ms\":null}\n");
}

TEST(AccessLogFormat, EscapesEveryByteAClientCanSend) {
  std::string host = "h\x01\xff\\";
  std::string path(5000, '\x80');  // every byte escaped: the line's bound must hold it
  path = "/p" + path;
  http::RequestView req;
  req.method = "GET";
  req.target = path;
  req.authority = host;
  AccessRecord r;
  r.request_id = "rid";
  r.request = &req;
  r.status = 200;
  r.upstream_ns = 2'000'000;
  std::string line = "previous\n";
  AccessLog::format(line, r, 0);
  EXPECT_EQ(line.rfind("previous\n{\"time\":\"1970-01-01T00:00:00.000Z\"", 0), 0u);
  EXPECT_NE(line.find("\"host\":\"h\\u0001\\u00ff\\\\\""), std::string::npos);
  std::string escaped_path = "\"path\":\"/p";
  for (int i = 0; i < 5000; ++i) escaped_path += "\\u0080";
  EXPECT_NE(line.find(escaped_path + "\""), std::string::npos);
  EXPECT_NE(line.find("\"client_ip\":\"\",\"method\""), std::string::npos);
  EXPECT_NE(line.find("\"upstream_ms\":2.000}\n"), std::string::npos);
  EXPECT_EQ(line.back(), '\n');

  // Each byte that needs escaping, alone in a block of clean ones (the escaper looks at eight
  // bytes at a time), at every position of the block.
  for (int c = 0; c < 256; ++c) {
    bool escaped = c < 0x20 || c >= 0x7f || c == '"' || c == '\\';
    for (int at = 0; at < 8; ++at) {
      std::string h = "abcdefghijklmnop";
      h[static_cast<std::size_t>(8 + at)] = static_cast<char>(c);
      req.authority = h;
      req.target = "/";
      std::string out;
      AccessLog::format(out, r, 0);
      std::string want = h;
      if (escaped) {
        char esc[8];
        if (c == '"' || c == '\\')
          std::snprintf(esc, sizeof esc, "\\%c", c);
        else
          std::snprintf(esc, sizeof esc, "\\u00%02x", c);
        want = h.substr(0, static_cast<std::size_t>(8 + at)) + esc +
               h.substr(static_cast<std::size_t>(9 + at));
      }
      ASSERT_NE(out.find("\"host\":\"" + want + "\","), std::string::npos)
          << "byte " << c << " at " << at << ": " << out;
    }
  }
}

}  // namespace
}  // namespace gh::gateway
