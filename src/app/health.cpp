#include "app/health.hpp"

#include <boost/json.hpp>
#include <string_view>

namespace gh::app {
namespace {

const char* snapshot_source(const NodeStatus& node) {
  if (node.store_ok.load()) return "store";
  return node.from_file.load() ? "file" : "memory";
}

http::Response health(unsigned version, const NodeStatus& node,
                      const gateway::SnapshotHolder& snapshots) {
  boost::json::object body;
  if (node.store_ok.load()) {
    body["status"] = "ok";
  } else {
    body["status"] = "degraded";
    body["store"] = "unavailable";
    body["snapshot"] = node.from_file.load() ? "file" : "memory";
    body["change_seq"] = snapshots.load()->change_seq;
  }
  return json_reply(version, 200, boost::json::serialize(body));
}

http::Response ready(unsigned version, const NodeStatus& node,
                     const gateway::SnapshotHolder& snapshots) {
  const bool loaded = snapshots.published() > 0;
  const bool serving = node.serving.load();
  const bool store_ok = node.store_ok.load();
  boost::json::object snapshot{{"status", loaded ? "ok" : "not_loaded"},
                               {"source", loaded ? snapshot_source(node) : "none"},
                               {"change_seq", snapshots.load()->change_seq}};
  boost::json::object checks{
      {"snapshot", std::move(snapshot)},
      {"store", boost::json::object{{"status", store_ok ? "ok" : "unavailable"}}},
      {"gateway", boost::json::object{{"status", serving ? "ok" : "not_serving"}}}};
  const bool is_ready = loaded && serving;
  boost::json::object body{{"status", is_ready ? "ready" : "not_ready"},
                           {"checks", std::move(checks)}};
  return json_reply(version, is_ready ? 200 : 503, boost::json::serialize(body));
}

}  // namespace

http::Response json_reply(unsigned version, int status, std::string body) {
  http::Response res{static_cast<http::bhttp::status>(status), version};
  res.set(http::bhttp::field::content_type, "application/json");
  res.set(http::bhttp::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::optional<http::Response> probe_reply(const http::Request& req, const NodeStatus& node,
                                          const gateway::SnapshotHolder& snapshots) {
  if (req.method() != http::bhttp::verb::get) return std::nullopt;
  std::string_view target(req.target().data(), req.target().size());
  auto path = target.substr(0, target.find('?'));
  if (path == "/health") return health(req.version(), node, snapshots);
  if (path == "/ready") return ready(req.version(), node, snapshots);
  return std::nullopt;
}

}  // namespace gh::app
