#pragma once
// The data plane's request pipeline (docs/compatibility.md#pipeline), as named stages:
//   resolve group (Host) → environment (X-Stage) → route (docs/compatibility.md#g9) → protocol →
//   authenticate → authorize → throttle (app quota, throttling policy) → backend (MOCK answer or
//   proxy) → response headers.
// Reads the current Snapshot only: no lock, no store call per request (IAM checks excepted, which
// go through the IamCheck the application provides). Requests arrive as zero-copy views
// (http/exchange.hpp) over HTTP/1.1 or HTTP/2; the per-request state of a proxied call comes from
// a per-loop free list, so the steady state allocates nothing per request.
#include <memory>
#include <string>
#include <vector>

#include "crypto/keyed_digest.hpp"
#include "gateway/authenticate.hpp"
#include "gateway/client_address.hpp"
#include "gateway/rate_counter.hpp"
#include "gateway/snapshot.hpp"
#include "gateway/upstream.hpp"
#include "http/exchange.hpp"

namespace gh::gateway {

class GatewayMetrics;
class AccessLog;

struct GatewaySettings {
  AppAuthSettings app_auth;
  int loops = 1;  // event loops of all gateway servers together (one upstream pool each)
  // Whose X-Forwarded-For names the client (--trusted-proxies); null = nobody's. Outlives the
  // gateway.
  const TrustedProxies* trusted_proxies = nullptr;
  // Where each answer's outcome goes (both optional; they must outlive the gateway). With
  // neither, or the access log off, a request reads no clock for them.
  GatewayMetrics* metrics = nullptr;
  AccessLog* access_log = nullptr;
};

class Gateway {
 public:
  Gateway(const SnapshotHolder& snapshots, const crypto::KeyedDigest& digest, IamCheck iam,
          GatewaySettings settings);
  ~Gateway();

  // The gateway servers' ExchangeHandler.
  void handle(http::Exchange& exchange);
  // Closes the kept-alive backend connections. Call after the servers' loops have stopped and
  // before the servers (which own the loops the connections belong to) are destroyed.
  void release_connections();

  struct Call;
  struct LoopState;
  struct Answer;

 private:
  LoopState& loop_state(const http::RequestContext& ctx);
  bool observing() const;
  // The completion point: every answer's outcome, recorded into the metrics and the access log.
  void record(const Answer& a, int status, std::size_t bytes_out, std::int64_t total_ns,
              std::int64_t upstream_ns, std::string_view error_number) const;
  // Pipeline stages that need the gateway's state (the others are local to gateway.cpp).
  std::optional<Failure> check_address(const AddressAcl& acl, const http::RequestView& r,
                                       const http::RequestContext& ctx, Failure (*refusal)()) const;
  std::optional<Failure> authenticate(const http::RequestView& r, const RouteTarget& t,
                                      const Snapshot& snap, const http::RequestContext& ctx,
                                      AuthenticatedApp& who, std::string& account) const;
  bool throttle(const Answer& a, const RouteTarget& t, const RouteConfig& routes,
                const AuthenticatedApp& who, std::string_view account, ThrottleResult& result);
  void proxy(http::Exchange& ex, const Answer& a, const std::shared_ptr<const Snapshot>& snapshot,
             const RouteTarget& t, std::string_view path, const PathParams& params,
             const AppEntry* app);

  const SnapshotHolder& snapshots_;
  const crypto::KeyedDigest& digest_;
  IamCheck iam_;
  GatewaySettings settings_;
  std::vector<std::unique_ptr<LoopState>> loops_;  // slot i is touched only by loop i
  // Throttling and quota counters of every loop: outside the snapshot, so they survive its swaps.
  CounterTable counters_;

 public:
  CounterTable& counters() { return counters_; }
};

// The data-plane error body {"error_code","error_msg","request_id"} (JSON).
std::string error_body(std::string_view code, std::string_view message,
                       std::string_view request_id);
// The same, appended to `out` (whose capacity a caller may reuse).
void append_error_body(std::string& out, std::string_view code, std::string_view message,
                       std::string_view request_id);
// The same as a complete Beast response with X-Request-Id (for protocol errors the server
// renders itself).
http::Response error_response(unsigned version, int status, std::string_view code,
                              std::string_view message, std::string_view request_id);

// A 32-hex request id, unique per process, without touching the CSPRNG per request.
std::string next_request_id();
// The same, written into `out` (no allocation).
void next_request_id(char (&out)[32]);

}  // namespace gh::gateway
