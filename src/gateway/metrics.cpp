#include "gateway/metrics.hpp"

#include <boost/unordered/unordered_flat_map.hpp>
#include <mutex>

namespace gh::gateway {
namespace cm = core::metrics;

namespace metric_slots {
namespace {
struct Table {
  std::mutex mutex;
  boost::unordered_flat_map<std::string, std::uint32_t> by_key;
  std::vector<Labels> labels{Labels{}};  // slot 0: no API matched
};
Table& table() {
  static Table* t = new Table;  // never destroyed: snapshots may be built during exit
  return *t;
}
}  // namespace

std::uint32_t of(std::string_view group_id, std::string_view api_id, std::string_view env_name) {
  std::string key;  // each part with its length first, so no two triples share a key
  for (auto part : {group_id, api_id, env_name}) {
    key.append(std::to_string(part.size())).push_back(':');
    key.append(part);
  }
  auto& t = table();
  std::lock_guard lock(t.mutex);
  auto [it, fresh] = t.by_key.try_emplace(std::move(key), 0);
  if (fresh) {
    it->second = static_cast<std::uint32_t>(t.labels.size());
    t.labels.push_back(Labels{std::string(group_id), std::string(api_id), std::string(env_name)});
  }
  return it->second;
}

std::vector<Labels> all() {
  auto& t = table();
  std::lock_guard lock(t.mutex);
  return t.labels;
}
}  // namespace metric_slots

std::size_t refusal_index(std::string_view number) {
  for (std::size_t i = 0; i + 1 < kRefusalNumbers.size(); ++i)
    if (kRefusalNumbers[i] == number) return i;
  return kRefusalNumbers.size() - 1;
}

namespace {
struct alignas(64) SlotChunk {
  std::array<std::array<cm::LocalCounter, GatewayMetrics::kStatusClasses>,
             GatewayMetrics::kSlotsPerChunk>
      counts;
};
}  // namespace

// One loop's counters: written by that loop's thread only.
struct alignas(64) GatewayMetrics::LoopMetrics {
  // Requests by slot, in chunks the loop allocates when it first counts into one (published with
  // release, read with acquire by the scrape); never freed before the metrics are.
  std::array<std::atomic<SlotChunk*>, kMaxChunks> chunks{};
  std::array<std::array<cm::LocalCounter, 2>, kRefusalNumbers.size()> refusals;
  cm::LocalHistogram total, upstream;
  alignas(64) PoolGauges pool;

  ~LoopMetrics() {
    for (auto& c : chunks) delete c.load();
  }
};

static_assert(alignof(GatewayMetrics::LoopMetrics) == 64 &&
                  sizeof(GatewayMetrics::LoopMetrics) % 64 == 0,
              "loops must not share a cache line");

GatewayMetrics::GatewayMetrics(int loops) {
  for (int i = 0; i < std::max(1, loops); ++i) loops_.push_back(std::make_unique<LoopMetrics>());
}

GatewayMetrics::~GatewayMetrics() = default;

PoolGauges* GatewayMetrics::pool_gauges(int loop) {
  if (loop < 0 || static_cast<std::size_t>(loop) >= loops_.size()) return nullptr;
  return &loops_[static_cast<std::size_t>(loop)]->pool;
}

void GatewayMetrics::record(int loop, const Outcome& o) {
  if (loop < 0 || static_cast<std::size_t>(loop) >= loops_.size()) return;
  LoopMetrics& m = *loops_[static_cast<std::size_t>(loop)];
  std::size_t chunk = o.slot / kSlotsPerChunk;
  if (chunk < kMaxChunks) {
    SlotChunk* c = m.chunks[chunk].load(std::memory_order_acquire);
    if (!c) {
      c = new SlotChunk;
      m.chunks[chunk].store(c, std::memory_order_release);
    }
    int cls = o.status / 100;
    cls = cls < 1 ? 1 : cls > 5 ? 5 : cls;
    c->counts[o.slot % kSlotsPerChunk][static_cast<std::size_t>(cls - 1)].add(1);
  }
  if (!o.error_number.empty()) m.refusals[refusal_index(o.error_number)][o.roma ? 1 : 0].add(1);
  m.total.observe(o.total_ns);
  if (o.upstream_ns >= 0) m.upstream.observe(o.upstream_ns);
}

GatewayMetrics::Totals GatewayMetrics::totals() const {
  Totals t;
  for (const auto& lp : loops_) {
    const LoopMetrics& m = *lp;
    for (std::size_t ci = 0; ci < kMaxChunks; ++ci) {
      const SlotChunk* c = m.chunks[ci].load(std::memory_order_acquire);
      if (!c) continue;
      std::size_t base = ci * kSlotsPerChunk;
      for (std::size_t s = 0; s < kSlotsPerChunk; ++s) {
        const auto& row = c->counts[s];
        std::array<std::uint64_t, kStatusClasses> v{};
        bool any = false;
        for (std::size_t k = 0; k < kStatusClasses; ++k) any |= (v[k] = row[k].get()) != 0;
        if (!any) continue;
        if (t.requests.size() <= base + s) t.requests.resize(base + s + 1);
        for (std::size_t k = 0; k < kStatusClasses; ++k) t.requests[base + s][k] += v[k];
      }
    }
    for (std::size_t i = 0; i < kRefusalNumbers.size(); ++i)
      for (std::size_t r = 0; r < 2; ++r) t.refusals[i][r] += m.refusals[i][r].get();
    t.total.add(m.total);
    t.upstream.add(m.upstream);
    t.pool_open += m.pool.open.get();
    t.pool_idle += m.pool.idle.get();
    t.pool_opened += m.pool.opened.get();
  }
  return t;
}

void GatewayMetrics::render(cm::Exposition& out) const {
  auto t = totals();
  auto labels = metric_slots::all();
  static constexpr std::array<std::string_view, kStatusClasses> kClass = {"1xx", "2xx", "3xx",
                                                                          "4xx", "5xx"};
  out.family("gatehouse_gateway_requests_total", "counter",
             "Gateway answers by matched API (empty labels: no API matched) and status class.");
  for (std::size_t s = 0; s < t.requests.size(); ++s) {
    const metric_slots::Labels none;
    const auto& l = s < labels.size() ? labels[s] : none;
    for (std::size_t k = 0; k < kStatusClasses; ++k)
      if (t.requests[s][k])
        out.sample("gatehouse_gateway_requests_total",
                   {{"group_id", l.group_id},
                    {"api_id", l.api_id},
                    {"env", l.env},
                    {"status_class", kClass[k]}},
                   t.requests[s][k]);
  }
  out.family("gatehouse_gateway_refusals_total", "counter",
             "Gateway error answers by error code (APIG.xxxx, APIC.xxxx on ROMA instances).");
  for (std::size_t i = 0; i < kRefusalNumbers.size(); ++i)
    for (std::size_t r = 0; r < 2; ++r)
      if (t.refusals[i][r]) {
        std::string code = std::string(r ? "APIC." : "APIG.") + std::string(kRefusalNumbers[i]);
        out.sample("gatehouse_gateway_refusals_total", {{"code", code}}, t.refusals[i][r]);
      }
  out.family("gatehouse_gateway_request_duration_seconds", "histogram",
             "Time from a request's arrival at the pipeline to its answer.");
  out.histogram("gatehouse_gateway_request_duration_seconds", {}, t.total);
  out.family("gatehouse_upstream_duration_seconds", "histogram",
             "Time from sending a request to the backend to its answer (retries included).");
  out.histogram("gatehouse_upstream_duration_seconds", {}, t.upstream);
  out.family("gatehouse_upstream_connections_open", "gauge",
             "Backend connections open (connecting, busy or idle), all loops.");
  out.sample("gatehouse_upstream_connections_open", {}, t.pool_open);
  out.family("gatehouse_upstream_connections_idle", "gauge",
             "Backend connections kept idle for reuse, all loops.");
  out.sample("gatehouse_upstream_connections_idle", {}, t.pool_idle);
  out.family("gatehouse_upstream_connections_opened_total", "counter",
             "Backend connections opened since the start.");
  out.sample("gatehouse_upstream_connections_opened_total", {}, t.pool_opened);
}

}  // namespace gh::gateway
