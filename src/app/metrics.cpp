#include "app/metrics.hpp"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#ifndef GATEHOUSE_VERSION
#define GATEHOUSE_VERSION "unknown"
#endif

namespace gh::app {
namespace cm = core::metrics;
namespace {

constexpr std::string_view kDialectNames[] = {"apig", "roma", "modelarts", "iam", "other"};
constexpr std::string_view kMethodNames[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "other"};
constexpr std::string_view kClassNames[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};

int status_class(int status) {
  int c = status / 100;
  return c < 1 ? 0 : c > 5 ? 4 : c - 1;
}

// Resident bytes, CPU seconds, open descriptors of this process (Linux /proc).
struct ProcessStats {
  double resident = 0, cpu = 0, fds = 0;
};
ProcessStats process_stats() {
  ProcessStats p;
  long page = ::sysconf(_SC_PAGESIZE), ticks = ::sysconf(_SC_CLK_TCK);
  if (std::ifstream statm("/proc/self/statm"); statm) {
    long size = 0, resident = 0;
    statm >> size >> resident;
    p.resident = static_cast<double>(resident) * static_cast<double>(page);
  }
  if (std::ifstream stat("/proc/self/stat"); stat) {
    std::string all((std::istreambuf_iterator<char>(stat)), {});
    auto close = all.rfind(')');  // the command name may hold spaces
    if (close != std::string::npos) {
      std::istringstream rest(all.substr(close + 2));
      std::string field;
      // Fields after the name: state(3) … utime(14) stime(15).
      double utime = 0, stime = 0;
      for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stod(field);
        if (i == 15) stime = std::stod(field);
      }
      p.cpu = (utime + stime) / static_cast<double>(ticks > 0 ? ticks : 100);
    }
  }
  if (DIR* d = ::opendir("/proc/self/fd")) {
    int n = 0;
    while (auto* e = ::readdir(d))
      if (e->d_name[0] != '.') ++n;
    ::closedir(d);
    p.fds = n - 1;  // the directory itself
  }
  return p;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

ManagementMetrics::Dialect ManagementMetrics::dialect_of(std::string_view p) {
  p = p.substr(0, p.find('?'));
  if (p.rfind("/v3", 0) == 0) return kIam;
  if (p.rfind("/v1/", 0) == 0 && p.find("/app-auth/") != p.npos) return kModelArts;
  if (p.find("/apigw/") != p.npos) return kApig;
  if (p.find("/apic/") != p.npos || (p.rfind("/v2/", 0) == 0 && p.find("/instances") != p.npos))
    return kRoma;
  return kOther;
}

void ManagementMetrics::record(std::string_view target, std::string_view method, int status,
                               std::int64_t ns) {
  auto d = dialect_of(target);
  int m = kMethods - 1;
  for (int i = 0; i + 1 < kMethods; ++i)
    if (kMethodNames[i] == method) m = i;
  calls_[d][m][status_class(status)].add();
  latency_[d].observe(ns);
}

void ManagementMetrics::render(cm::Exposition& out) const {
  out.family("gatehouse_management_requests_total", "counter",
             "Management API calls by dialect, method and status class.");
  for (int d = 0; d < kDialects; ++d)
    for (int m = 0; m < kMethods; ++m)
      for (int c = 0; c < 5; ++c)
        if (auto v = calls_[d][m][c].get())
          out.sample("gatehouse_management_requests_total",
                     {{"dialect", kDialectNames[d]},
                      {"method", kMethodNames[m]},
                      {"status_class", kClassNames[c]}},
                     v);
  out.family("gatehouse_management_request_duration_seconds", "histogram",
             "Management API call latency by dialect.");
  for (int d = 0; d < kDialects; ++d) {
    cm::HistogramValues v;
    v.add(latency_[d]);
    std::uint64_t n = 0;
    for (auto b : v.buckets) n += b;
    if (n == 0) continue;  // a dialect not called yet
    out.histogram("gatehouse_management_request_duration_seconds", {{"dialect", kDialectNames[d]}},
                  v);
  }
}

void ProtocolErrorMetrics::record(int status) {
  for (std::size_t i = 0; i < std::size(kStatuses); ++i)
    if (kStatuses[i] == status) return by_status_[i].add();
  by_status_[std::size(kStatuses)].add();
}

void ProtocolErrorMetrics::render(cm::Exposition& out) const {
  out.family("gatehouse_gateway_protocol_errors_total", "counter",
             "Requests the gateway listeners refused before the pipeline (malformed, too large, "
             "too slow), by status.");
  for (std::size_t i = 0; i <= std::size(kStatuses); ++i)
    if (auto v = by_status_[i].get())
      out.sample("gatehouse_gateway_protocol_errors_total",
                 {{"status", i < std::size(kStatuses) ? std::to_string(kStatuses[i]) : "other"}},
                 v);
}

// What the snapshot enforces, by kind: a deleted app's special limits, quota or ACL must not
// linger in it (docs/operations.md#metrics).
static void render_snapshot_entries(cm::Exposition& out, const gateway::Snapshot& snap) {
  const auto& r = *snap.routes;
  std::size_t specials = 0;
  for (const auto& t : r.throttles) specials += t->app_specials.size() + t->user_specials.size();
  out.family("gatehouse_snapshot_entries", "gauge",
             "Entries of the gateway's snapshot, by kind: routes (APIs published per environment), "
             "throttle_specials, app_quotas (apps with a quota), app_acls (apps with an ACL).");
  for (auto [kind, n] :
       {std::pair{"routes", r.targets.size()}, std::pair{"throttle_specials", specials},
        std::pair{"app_quotas", r.quota_by_app.size()}, std::pair{"app_acls", r.app_acls.size()}})
    out.sample("gatehouse_snapshot_entries", {{"kind", kind}}, static_cast<double>(n));
}

std::string render_metrics(const MetricsSources& s) {
  cm::Exposition out;
  if (s.gateway) s.gateway->render(out);
  if (s.protocol) s.protocol->render(out);
  if (s.management) s.management->render(out);

  std::int64_t seq = 0;
  if (s.snapshots) {
    auto snap = s.snapshots->load();
    seq = snap->change_seq;
    out.family("gatehouse_snapshot_change_seq", "gauge",
               "The last change-log sequence the gateway's snapshot includes.");
    out.sample("gatehouse_snapshot_change_seq", {}, static_cast<double>(seq));
    out.family("gatehouse_snapshot_age_seconds", "gauge",
               "Seconds since the gateway's snapshot was last replaced (a change applied).");
    auto at = s.snapshots->published_at_ms();
    out.sample("gatehouse_snapshot_age_seconds", {},
               at > 0 ? std::max(0.0, now_seconds() - static_cast<double>(at) / 1000) : 0.0);
    render_snapshot_entries(out, *snap);
  }
  std::optional<std::int64_t> head;
  if (s.store_change_seq) head = s.store_change_seq();
  out.family("gatehouse_change_log_lag", "gauge",
             "Changes in the store's change log that this node's snapshot does not include yet "
             "(absent while the store cannot be read).");
  if (head)
    out.sample("gatehouse_change_log_lag", {},
               static_cast<double>(std::max<std::int64_t>(0, *head - seq)));
  if (s.node) {
    out.family("gatehouse_store_up", "gauge", "1 when the last store call succeeded.");
    out.sample("gatehouse_store_up", {}, s.node->store_ok.load() ? 1.0 : 0.0);
    out.family("gatehouse_ready", "gauge", "1 when /ready answers 200.");
    bool loaded = s.snapshots && s.snapshots->published() > 0;
    out.sample("gatehouse_ready", {}, loaded && s.node->serving.load() ? 1.0 : 0.0);
    out.family("gatehouse_serving_from_file", "gauge",
               "1 when the node serves its snapshot file's contents (store not reached at start).");
    out.sample("gatehouse_serving_from_file", {}, s.node->from_file.load() ? 1.0 : 0.0);
  }
  if (s.cluster_counters) {
    out.family("gatehouse_cluster_counters_up", "gauge",
               "1 when the last exchange with the cluster's shared throttling counters succeeded "
               "(0: failing open).");
    out.sample("gatehouse_cluster_counters_up", {}, s.cluster_counters->counters_up() ? 1.0 : 0.0);
    out.family("gatehouse_cluster_counter_outages_total", "counter",
               "Times the shared throttling counters became unreachable.");
    out.sample("gatehouse_cluster_counter_outages_total", {},
               static_cast<double>(s.cluster_counters->outages()));
  }
  if (s.access_log) {
    out.family("gatehouse_access_log_dropped_lines_total", "counter",
               "Access-log lines dropped because a loop's buffer (8 MB) was full.");
    out.sample("gatehouse_access_log_dropped_lines_total", {}, s.access_log->dropped());
  }
  auto p = process_stats();
  out.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  out.sample("process_resident_memory_bytes", {}, p.resident);
  out.family("process_cpu_seconds_total", "counter", "User and system CPU time in seconds.");
  out.sample("process_cpu_seconds_total", {}, p.cpu);
  out.family("process_open_fds", "gauge", "Open file descriptors.");
  out.sample("process_open_fds", {}, p.fds);
  out.family("process_start_time_seconds", "gauge", "Start time of the process (Unix seconds).");
  out.sample("process_start_time_seconds", {}, s.start_time_seconds);
  out.family("gatehouse_build_info", "gauge", "The running build; the value is 1.");
  out.sample("gatehouse_build_info", {{"version", GATEHOUSE_VERSION}}, std::uint64_t{1});
  return out.take();
}

http::Response metrics_reply(const http::Request& req, const MetricsSources& sources) {
  auto target = std::string_view(req.target());
  auto path = target.substr(0, target.find('?'));
  auto reply = [&](http::bhttp::status status, std::string type, std::string body) {
    http::Response res{status, req.version()};
    res.set(http::bhttp::field::content_type, type);
    res.set(http::bhttp::field::cache_control, "no-store");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  };
  if (path != "/metrics")
    return reply(http::bhttp::status::not_found, "text/plain; charset=utf-8",
                 "not found: the metrics are at GET /metrics\n");
  if (req.method() != http::bhttp::verb::get) {
    auto res = reply(http::bhttp::status::method_not_allowed, "text/plain; charset=utf-8",
                     "method not allowed: GET /metrics\n");
    res.set(http::bhttp::field::allow, "GET");
    return res;
  }
  return reply(http::bhttp::status::ok, "text/plain; version=0.0.4; charset=utf-8",
               render_metrics(sources));
}

}  // namespace gh::app
