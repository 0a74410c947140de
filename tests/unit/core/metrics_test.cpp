#include "core/metrics.hpp"

#include <gtest/gtest.h>

namespace gh::core::metrics {
namespace {

TEST(LatencyBuckets, EdgesAreInclusive) {
  EXPECT_EQ(bucket_of(0), 0u);
  EXPECT_EQ(bucket_of(500'000), 0u);  // le="0.0005" holds exactly 0.5 ms
  EXPECT_EQ(bucket_of(500'001), 1u);
  EXPECT_EQ(bucket_of(1'000'000), 1u);
  EXPECT_EQ(bucket_of(10'000'000'000), kLatencyBuckets.size() - 1);
  EXPECT_EQ(bucket_of(10'000'000'001), kLatencyBuckets.size());  // +Inf
  for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i)
    EXPECT_EQ(static_cast<double>(kLatencyBucketsNs[i]), kLatencyBuckets[i] * 1e9);
}

TEST(Histogram, RendersCumulativeBucketsSumAndCount) {
  LocalHistogram h;
  h.observe(400'000);         // ≤ 0.0005
  h.observe(2'000'000);       // ≤ 0.0025
  h.observe(20'000'000'000);  // +Inf
  HistogramValues v;
  v.add(h);
  Exposition out;
  out.family("x_seconds", "histogram", "help");
  out.histogram("x_seconds", {{"a", "b"}}, v);
  const auto& t = out.text();
  EXPECT_NE(t.find("# HELP x_seconds help\n# TYPE x_seconds histogram\n"), std::string::npos);
  EXPECT_NE(t.find("x_seconds_bucket{a=\"b\",le=\"0.0005\"} 1\n"), std::string::npos);
  EXPECT_NE(t.find("x_seconds_bucket{a=\"b\",le=\"0.001\"} 1\n"), std::string::npos);
  EXPECT_NE(t.find("x_seconds_bucket{a=\"b\",le=\"0.0025\"} 2\n"), std::string::npos);
  EXPECT_NE(t.find("x_seconds_bucket{a=\"b\",le=\"10\"} 2\n"), std::string::npos);
  EXPECT_NE(t.find("x_seconds_bucket{a=\"b\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(t.find("x_seconds_sum{a=\"b\"} 20.0024\n"), std::string::npos);
  EXPECT_NE(t.find("x_seconds_count{a=\"b\"} 3\n"), std::string::npos);
}

TEST(Exposition, EscapesLabelValues) {
  Exposition out;
  out.sample("m", {{"l", "a\\b\"c\nd"}}, std::uint64_t{7});
  EXPECT_EQ(out.text(), "m{l=\"a\\\\b\\\"c\\nd\"} 7\n");
  Exposition bare;
  bare.sample("n", {}, 1.5);
  EXPECT_EQ(bare.text(), "n 1.5\n");
}

}  // namespace
}  // namespace gh::core::metrics
