#pragma once
// The data plane's metrics (docs/operations.md#metrics): what each answer was, counted per event
// loop, summed when scraped.
//
// Labels are bounded: a request is counted under the metric slot of the (group, API,
// environment) it matched, a number given when the route table is built (metric_slots below),
// and under its status class; a refusal under its error code. No AppCode, app id, client address
// or raw path is ever a label.
//
// Per request, one loop writes only its own LoopMetrics (alignas(64), allocated apart): relaxed
// loads and stores, no lock-prefixed instruction, no cache line shared with another loop
// (core/metrics.hpp). The scrape reads every loop's block and sums.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/metrics.hpp"

namespace gh::gateway {

// Process-wide numbering of published (group, API, environment name) triples. Slot 0 is "no
// API matched" (empty labels). A triple keeps its slot for the life of the process (so its
// counters keep counting after a republish). Locks: call when building route tables only.
namespace metric_slots {
std::uint32_t of(std::string_view group_id, std::string_view api_id, std::string_view env_name);
struct Labels {
  std::string group_id, api_id, env;
};
// Every slot's labels, index = slot (slot 0 included).
std::vector<Labels> all();
}  // namespace metric_slots

// Error numbers the data plane answers with (core/dataplane_errors.hpp), the last one standing
// for any other.
inline constexpr std::array<std::string_view, 10> kRefusalNumbers = {
    "0101", "2000", "0607", "0303", "0304", "0301", "0302", "0201", "0601", "other"};
std::size_t refusal_index(std::string_view number);

// The upstream pool's gauges, kept by the loop that owns the pool.
struct PoolGauges {
  core::metrics::LocalCounter open;    // connections open (connecting, busy or idle)
  core::metrics::LocalCounter idle;    // of which kept idle for reuse
  core::metrics::LocalCounter opened;  // connections opened since start
};

// What one answer was: the completion point (Gateway's Answer::send) fills it.
struct Outcome {
  int status = 0;
  std::string_view error_number;  // "0303"; empty when not a refusal
  bool roma = false;              // error code prefix APIC instead of APIG
  std::uint32_t slot = 0;         // metric slot of the matched API (0: none)
  std::int64_t total_ns = 0;
  std::int64_t upstream_ns = -1;  // -1: no backend call
};

class GatewayMetrics {
 public:
  static constexpr std::size_t kStatusClasses = 5;  // 1xx … 5xx
  static constexpr std::size_t kSlotsPerChunk = 256;
  static constexpr std::size_t kMaxChunks = 4096;  // 1M slots

  explicit GatewayMetrics(int loops);
  ~GatewayMetrics();

  // On loop `loop`'s thread only.
  void record(int loop, const Outcome& o);
  PoolGauges* pool_gauges(int loop);

  // The sums over loops (any thread).
  struct Totals {
    // [slot][status class]
    std::vector<std::array<std::uint64_t, kStatusClasses>> requests;
    // [refusal index][roma]
    std::array<std::array<std::uint64_t, 2>, kRefusalNumbers.size()> refusals{};
    core::metrics::HistogramValues total, upstream;
    std::uint64_t pool_open = 0, pool_idle = 0, pool_opened = 0;
  };
  Totals totals() const;
  // Renders the gateway families into `out`.
  void render(core::metrics::Exposition& out) const;

  struct LoopMetrics;

 private:
  std::vector<std::unique_ptr<LoopMetrics>> loops_;
};

}  // namespace gh::gateway
