#pragma once
// The node's Prometheus metrics (docs/operations.md#metrics), served on a listener of their own
// (--metrics-listen, off by default): the gateway's per-loop counters (gateway/metrics.hpp),
// management calls, listener protocol errors, the snapshot and the store, the access log, the
// process and the build. Only the gateway's counters are on the request path; the others are
// counted by management threads or on rare events (shared atomics).
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "app/cluster_counters.hpp"
#include "app/health.hpp"
#include "core/metrics.hpp"
#include "gateway/access_log.hpp"
#include "gateway/metrics.hpp"
#include "gateway/snapshot.hpp"
#include "http/server.hpp"

namespace gh::app {

// Management API calls by dialect, method and status class, with a latency histogram by dialect.
class ManagementMetrics {
 public:
  enum Dialect { kApig, kRoma, kModelArts, kIam, kOther, kDialects };
  static Dialect dialect_of(std::string_view target);
  void record(std::string_view target, std::string_view method, int status, std::int64_t ns);
  void render(core::metrics::Exposition& out) const;

 private:
  static constexpr int kMethods = 6;  // GET POST PUT PATCH DELETE other
  core::metrics::SharedCounter calls_[kDialects][kMethods][5];
  core::metrics::SharedHistogram latency_[kDialects];
};

// Requests the gateway listeners answered themselves (malformed, too large, too slow), by status.
class ProtocolErrorMetrics {
 public:
  void record(int status);
  void render(core::metrics::Exposition& out) const;

 private:
  static constexpr int kStatuses[] = {400, 408, 413, 414, 494, 500, 501};
  core::metrics::SharedCounter by_status_[std::size(kStatuses) + 1];
};

struct MetricsSources {
  const gateway::GatewayMetrics* gateway = nullptr;
  const ManagementMetrics* management = nullptr;
  const ProtocolErrorMetrics* protocol = nullptr;
  const gateway::SnapshotHolder* snapshots = nullptr;
  const NodeStatus* node = nullptr;
  const gateway::AccessLog* access_log = nullptr;
  const ClusterCounters* cluster_counters = nullptr;  // PostgreSQL nodes only
  // The store's last change-log sequence; nullopt when the store cannot say.
  std::function<std::optional<std::int64_t>()> store_change_seq;
  double start_time_seconds = 0;  // Unix time the process started serving
};

// The whole exposition (text format 0.0.4).
std::string render_metrics(const MetricsSources& sources);

// The metrics listener's handler: GET /metrics → 200; another path → 404; another
// method on /metrics → 405.
http::Response metrics_reply(const http::Request& req, const MetricsSources& sources);

}  // namespace gh::app
