#pragma once
// The data plane's request pipeline (reference §B.3), as named stages:
//   resolve group (Host) → environment (X-Stage) → route (G9) → protocol → authenticate →
//   authorize → backend (MOCK answer or proxy) → response headers.
// Reads the current Snapshot only: no lock, no store call per request (IAM checks excepted, which
// go through the IamCheck the application provides).
#include <memory>
#include <vector>

#include "crypto/keyed_digest.hpp"
#include "gateway/authenticate.hpp"
#include "gateway/snapshot.hpp"
#include "gateway/upstream.hpp"
#include "http/server.hpp"

namespace gh::gateway {

struct GatewaySettings {
  AppAuthSettings app_auth;
  int loops = 1;  // event loops of all gateway servers together (one upstream pool each)
};

class Gateway {
 public:
  Gateway(const SnapshotHolder& snapshots, const crypto::KeyedDigest& digest, IamCheck iam,
          GatewaySettings settings);
  ~Gateway();

  // The gateway server's AsyncHandler.
  void handle(http::Request&& req, const http::RequestContext& ctx, http::Responder respond);
  // Closes the kept-alive backend connections. Call after the servers' loops have stopped and
  // before the servers (which own the loops the connections belong to) are destroyed.
  void release_connections() { pools_.clear(); }

 private:
  struct Call;
  void proxy(std::shared_ptr<Call> call, const http::RequestContext& ctx);
  UpstreamPool& pool_for(const http::RequestContext& ctx);

  const SnapshotHolder& snapshots_;
  const crypto::KeyedDigest& digest_;
  IamCheck iam_;
  GatewaySettings settings_;
  std::vector<std::unique_ptr<UpstreamPool>> pools_;  // slot i is touched only by loop i
};

// Data-plane error body {"error_code","error_msg","request_id"} and X-Request-Id header.
http::Response error_response(unsigned version, int status, std::string_view code,
                              std::string_view message, std::string_view request_id);

// A 32-hex request id, unique per process, without touching the CSPRNG per request.
std::string next_request_id();

}  // namespace gh::gateway
