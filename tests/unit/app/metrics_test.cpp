#include "app/metrics.hpp"

#include <gtest/gtest.h>

namespace gh::app {
namespace {

TEST(ManagementMetrics, DialectByPath) {
  using M = ManagementMetrics;
  EXPECT_EQ(M::dialect_of("/v3/auth/tokens"), M::kIam);
  EXPECT_EQ(M::dialect_of("/v2/p/apigw/instances/i/apps?limit=5"), M::kApig);
  EXPECT_EQ(M::dialect_of("/v2/p/apic/instances/i/apps"), M::kRoma);
  EXPECT_EQ(M::dialect_of("/v2/p/instances"), M::kRoma);
  EXPECT_EQ(M::dialect_of("/v1/p/app-auth/apps"), M::kModelArts);
  EXPECT_EQ(M::dialect_of("/health"), M::kOther);
  EXPECT_EQ(M::dialect_of("/console/"), M::kOther);
}

TEST(MetricsReply, OnlyGetMetrics) {
  gateway::SnapshotHolder snapshots;
  NodeStatus node;
  ManagementMetrics management;
  management.record("/v3/auth/tokens", "POST", 201, 2'000'000);
  management.record("/v2/p/apigw/instances/i/apps", "BREW", 404, 1);
  ProtocolErrorMetrics protocol;
  protocol.record(400);
  protocol.record(299);
  MetricsSources sources;
  sources.management = &management;
  sources.protocol = &protocol;
  sources.snapshots = &snapshots;
  sources.node = &node;

  http::Request get{http::bhttp::verb::get, "/metrics", 11};
  auto ok = metrics_reply(get, sources);
  EXPECT_EQ(ok.result_int(), 200);
  EXPECT_EQ(ok[http::bhttp::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  const auto& text = ok.body();
  EXPECT_NE(text.find("gatehouse_management_requests_total{dialect=\"iam\",method=\"POST\","
                      "status_class=\"2xx\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("gatehouse_management_requests_total{dialect=\"apig\",method=\"other\","
                      "status_class=\"4xx\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("gatehouse_management_request_duration_seconds_bucket{dialect=\"iam\","
                      "le=\"0.0025\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("gatehouse_gateway_protocol_errors_total{status=\"400\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("gatehouse_gateway_protocol_errors_total{status=\"other\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("gatehouse_ready 0\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE gatehouse_build_info gauge\n"), std::string::npos);
  // A family with no sample yet still has its HELP and TYPE; no sample without them.
  EXPECT_NE(text.find("# TYPE gatehouse_change_log_lag gauge\n"), std::string::npos);

  http::Request other{http::bhttp::verb::get, "/", 11};
  EXPECT_EQ(metrics_reply(other, sources).result_int(), 404);
  http::Request post{http::bhttp::verb::post, "/metrics", 11};
  auto refused = metrics_reply(post, sources);
  EXPECT_EQ(refused.result_int(), 405);
  EXPECT_EQ(refused[http::bhttp::field::allow], "GET");
}

}  // namespace
}  // namespace gh::app
