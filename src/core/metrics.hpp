#pragma once
// Counting primitives for Prometheus metrics (docs/operations.md#metrics) and the text
// exposition format 0.0.4 they are rendered in.
//
// Two kinds of counter:
//  - LocalCounter: one writer thread (a gateway event loop), any number of readers. add() is a
//    relaxed load and a relaxed store: a plain `add` to memory on x86, no lock-prefixed
//    instruction, and no cache line shared with another writer when each writer owns its block
//    (alignas(64)). Readers see a value that never goes backwards and sum the writers' blocks.
//  - SharedCounter: many writers (management threads, protocol errors); fetch_add. Not for the
//    gateway's per-request path.
#include <array>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace gh::core::metrics {

class LocalCounter {
 public:
  void add(std::uint64_t n = 1) {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  // For gauges kept by one writer (open connections): may go down.
  void sub(std::uint64_t n = 1) {
    v_.store(v_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
  }
  std::uint64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

class SharedCounter {
 public:
  void add(std::uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

// The latency histograms' fixed upper bounds, in seconds (le="…"), +Inf implied.
inline constexpr std::array<double, 14> kLatencyBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
inline constexpr std::array<std::int64_t, 14> kLatencyBucketsNs = {
    500'000,     1'000'000,   2'500'000,   5'000'000,    10'000'000,   25'000'000,   50'000'000,
    100'000'000, 250'000'000, 500'000'000, 1000'000'000, 2500'000'000, 5000'000'000, 10000'000'000};

// The bucket of a duration: the first bound it does not exceed (le is inclusive), or
// kLatencyBuckets.size() for +Inf.
inline std::size_t bucket_of(std::int64_t ns) {
  std::size_t i = 0;
  while (i < kLatencyBucketsNs.size() && ns > kLatencyBucketsNs[i]) ++i;
  return i;
}

// A latency histogram with per-bucket (not cumulative) counts; the renderer accumulates.
template <class Counter>
struct Histogram {
  std::array<Counter, kLatencyBuckets.size() + 1> buckets;
  Counter sum_ns;
  void observe(std::int64_t ns) {
    if (ns < 0) ns = 0;
    buckets[bucket_of(ns)].add(1);
    sum_ns.add(static_cast<std::uint64_t>(ns));
  }
};
using LocalHistogram = Histogram<LocalCounter>;
using SharedHistogram = Histogram<SharedCounter>;

// A histogram's values read (and summed over writers) for rendering.
struct HistogramValues {
  std::array<std::uint64_t, kLatencyBuckets.size() + 1> buckets{};
  std::uint64_t sum_ns = 0;
  template <class Counter>
  void add(const Histogram<Counter>& h) {
    for (std::size_t i = 0; i < buckets.size(); ++i) buckets[i] += h.buckets[i].get();
    sum_ns += h.sum_ns.get();
  }
};

using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// Appends a label value escaped as the text format wants it: backslash, double quote and line
// feed as \\, \" and \n.
void append_label_value(std::string& out, std::string_view value);

// Builds a text exposition (format 0.0.4): each family once, with HELP and TYPE, then its samples.
class Exposition {
 public:
  // type: "counter", "gauge" or "histogram".
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, Labels labels, double value);
  void sample(std::string_view name, Labels labels, std::uint64_t value);
  // The _bucket, _sum and _count samples of one histogram series.
  void histogram(std::string_view name, Labels labels, const HistogramValues& values);
  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void head(std::string_view name, Labels labels, std::string_view extra_key = {},
            std::string_view extra_value = {});
  std::string out_;
};

}  // namespace gh::core::metrics
