#pragma once
// The node's probes on the admin listener (docs/operations.md, "Health and readiness"), answered
// without authentication and without the store:
// - GET /health, liveness: 200 while the process answers. {"status":"ok"}, or while the store is
//   unreachable {"status":"degraded","store":"unavailable","snapshot":"file"|"memory",
//   "change_seq":N} (still 200: restarting the node would not bring the store back).
// - GET /ready, readiness: 200 when the gateway can serve correctly (a snapshot is loaded, from
//   the store or the snapshot file, and the gateway listeners accept), else 503 (starting,
//   draining at shutdown). {"status":"ready"|"not_ready","checks":{"snapshot":{...},
//   "store":{...},"gateway":{...}}}. An unreachable store alone does not make a node unready: it
//   keeps serving its snapshot, and taking every node out of rotation would turn a store outage
//   into a gateway outage.
#include <atomic>
#include <optional>
#include <string>

#include "gateway/snapshot.hpp"
#include "http/server.hpp"

namespace gh::app {

// What the probes report; written by serve(), read by the admin listener's threads.
struct NodeStatus {
  std::atomic<bool> store_ok{false};   // the last store call succeeded
  std::atomic<bool> from_file{false};  // serving the snapshot file's contents (store not reached)
  std::atomic<bool> serving{false};    // the gateway listeners accept (started, not draining)
};

// A JSON response with `body` (already serialized).
http::Response json_reply(unsigned version, int status, std::string body);

// The answer to GET /health or GET /ready (query ignored); nullopt for any other request.
std::optional<http::Response> probe_reply(const http::Request& req, const NodeStatus& node,
                                          const gateway::SnapshotHolder& snapshots);

}  // namespace gh::app
