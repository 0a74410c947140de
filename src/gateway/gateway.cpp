#include "gateway/gateway.hpp"

#include <boost/json.hpp>
#include <chrono>

#include "core/clock.hpp"
#include "crypto/random.hpp"
#include "gateway/backend_request.hpp"

namespace gh::gateway {
namespace dp = core::dataplane;
namespace bhttp = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

std::string_view sv(boost::beast::string_view s) {
  return {s.data(), s.size()};
}

std::string millis(Clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(d).count() / 1000.0);
}

bool idempotent(bhttp::verb v) {
  using V = bhttp::verb;
  return v == V::get || v == V::head || v == V::options || v == V::put || v == V::delete_ ||
         v == V::trace;
}

}  // namespace

std::string next_request_id() {
  thread_local std::string prefix = crypto::random_hex(8);
  thread_local std::uint64_t counter = 0;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = prefix;
  id.resize(32);
  std::uint64_t n = ++counter;
  for (int i = 31; i >= 16; --i, n >>= 4) id[i] = kHex[n & 15];
  return id;
}

http::Response error_response(unsigned version, int status, std::string_view code,
                              std::string_view message, std::string_view request_id) {
  http::Response res{static_cast<bhttp::status>(status), version};
  res.set(bhttp::field::content_type, "application/json");
  res.set("X-Request-Id", request_id);
  boost::json::object body{
      {"error_code", code}, {"error_msg", message}, {"request_id", request_id}};
  res.body() = boost::json::serialize(body);
  res.prepare_payload();
  return res;
}

// The state of one request that outlives handle() (while it is being proxied).
struct Gateway::Call {
  http::Request request;
  http::Responder respond;
  std::string request_id;
  Clock::time_point started = Clock::now();
  bool debug = false;
  bool roma = false;
  std::shared_ptr<const Snapshot> keep_alive;  // the snapshot `target` points into
  const RouteTarget* target = nullptr;
  PathParams params;
  const AppEntry* app = nullptr;
  std::string app_id;

  void fail(const dp::Failure& f) {
    respond(error_response(request.version(), f.status, dp::error_code(f, roma), f.message,
                           request_id));
  }
  void finish(http::Response res, std::optional<Clock::duration> upstream = std::nullopt) {
    res.set("X-Request-Id", request_id);
    if (debug) {
      res.set("X-Apig-Latency", millis(Clock::now() - started));
      if (upstream) res.set("X-Apig-Upstream-Latency", millis(*upstream));
    }
    respond(std::move(res));
  }
};

Gateway::Gateway(const SnapshotHolder& snapshots, const crypto::KeyedDigest& digest, IamCheck iam,
                 GatewaySettings settings)
    : snapshots_(snapshots), digest_(digest), iam_(std::move(iam)), settings_(settings) {
  pools_.resize(std::max(1, settings_.loops));
}

Gateway::~Gateway() = default;

UpstreamPool& Gateway::pool_for(const http::RequestContext& ctx) {
  auto& slot = pools_.at(static_cast<std::size_t>(ctx.loop_index));
  if (!slot) slot = std::make_unique<UpstreamPool>(*ctx.loop);
  return *slot;
}

void Gateway::handle(http::Request&& req, const http::RequestContext& ctx,
                     http::Responder respond) {
  auto call = std::make_shared<Call>();
  call->request = std::move(req);
  call->respond = std::move(respond);
  call->request_id = next_request_id();
  auto& r = call->request;
  if (auto mode = r.find("X-Apig-Mode"); mode != r.end())
    call->debug = boost::beast::iequals(mode->value(), "debug");

  // 1. group by Host, 2. environment by X-Stage, 3. route.
  const auto& snapshot = snapshots_.current();
  const Snapshot& snap = *snapshot;
  std::string_view target(r.target().data(), r.target().size());
  std::string_view path = target.substr(0, target.find('?'));
  auto groups = snap.routes->groups_for_host(sv(r[bhttp::field::host]));
  if (groups.empty()) return call->fail(dp::api_not_published());
  call->roma = groups.front()->roma;
  auto stage_it = r.find("X-Stage");
  std::string_view stage =
      stage_it == r.end() ? std::string_view(core::kReleaseEnvName) : sv(stage_it->value());
  std::string_view method = sv(r.method_string());
  bool path_matched = false;
  for (const auto* g : groups) {
    auto env = snap.routes->env_id(g->instance_id, stage);
    if (env.empty()) continue;
    auto table = g->by_env.find(env);
    if (table == g->by_env.end()) continue;
    auto m = table->second.match(method, path);
    path_matched = path_matched || m.path_matched;
    if (m.target) {
      call->target = m.target;
      call->params = std::move(m.params);
      call->roma = g->roma;
      break;
    }
  }
  if (!call->target)
    return call->fail(path_matched ? dp::api_method_mismatch() : dp::api_not_published());
  const RouteTarget& t = *call->target;

  // 4. protocol.
  const auto& proto = t.spec.req_protocol;
  if ((proto == "HTTPS" && !ctx.tls) || (proto == "HTTP" && ctx.tls))
    return call->fail(dp::protocol_not_supported(proto));

  // 5. authentication and 6. authorization.
  if (t.spec.auth_type == "APP") {
    auto outcome = authenticate_app(r, t, snap.credentials.instance(t.instance_id), ctx.tls,
                                    digest_, settings_.app_auth, core::now_nanos() / 1'000'000'000);
    if (auto* f = std::get_if<dp::Failure>(&outcome)) return call->fail(*f);
    call->app = std::get<const AppEntry*>(outcome);
    if (!t.authorized_apps.contains(call->app->id)) return call->fail(dp::app_not_authorized());
    call->app_id = call->app->id;
  } else if (t.spec.auth_type == "IAM") {
    if (!iam_) return call->fail(dp::iam_failure("IAM authentication is not available"));
    if (auto f = iam_(r, t.project_id)) return call->fail(*f);
  }

  // 7. backend.
  if (t.spec.backend_type == "MOCK") {
    http::Response res{bhttp::status::ok, r.version()};
    const auto& body = t.spec.mock_result;
    bool json = !body.empty() && (body.front() == '{' || body.front() == '[');
    res.set(bhttp::field::content_type, json ? "application/json" : "text/plain");
    res.body() = body;
    res.prepare_payload();
    return call->finish(std::move(res));
  }
  call->keep_alive = snapshot;  // `t` points into it and must outlive the proxy call
  proxy(std::move(call), ctx);
}

void Gateway::proxy(std::shared_ptr<Call> call, const http::RequestContext& ctx) {
  const RouteTarget& t = *call->target;
  BackendRequestInput in{call->request, t, call->params, ctx, call->request_id, call->app_id};
  UpstreamCall up;
  up.request = std::make_shared<http::Request>(build_backend_request(in));
  up.timeout = std::chrono::milliseconds(std::max(1, t.spec.backend.timeout_ms));
  int retries = t.spec.backend.retry_count;
  up.retries = retries < 0 ? (idempotent(up.request->method()) ? 1 : 0) : retries;
  auto upstream_started = Clock::now();
  pool_for(ctx).send(t.backend, std::move(up), [call, upstream_started](UpstreamOutcome out) {
    using K = UpstreamOutcome::Kind;
    if (out.kind == K::kTimeout) return call->fail(dp::backend_timeout());
    if (out.kind != K::kOk) return call->fail(dp::backend_unavailable());
    call->finish(response_for_client(std::move(out.response), call->request.version()),
                 Clock::now() - upstream_started);
  });
}

}  // namespace gh::gateway
