#include "gateway/gateway.hpp"

#include <charconv>
#include <chrono>
#include <cstring>

#include "core/background.hpp"
#include "core/clock.hpp"
#include "core/request_path.hpp"
#include "gateway/access_log.hpp"
#include "gateway/answer.hpp"
#include "gateway/backend_request.hpp"
#include "gateway/metrics.hpp"

namespace gh::gateway {
namespace dp = core::dataplane;
using http::HeaderView;

namespace {

bool idempotent(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "PUT" || m == "DELETE" || m == "TRACE";
}

}  // namespace

// The state of one proxied request, from a per-loop free list.
struct Gateway::Call final : UpstreamHandler {
  LoopState* loop = nullptr;
  http::Exchange* exchange = nullptr;
  char request_id[32];
  bool debug = false, roma = false;
  Clock::time_point started{}, upstream_started{};
  const Gateway* observer = nullptr;
  const RouteTarget* target = nullptr;
  const AppEntry* app = nullptr;
  std::shared_ptr<const Snapshot> keep_alive;  // the snapshot `target` and `app` point into
  std::string backend_head;                    // capacity reused across requests
  ThrottleResult throttle;                     // debug mode: for X-Apig-RateLimit-*
  bool throttled = false;

  Answer answer() {
    return {*exchange,
            std::string_view(request_id, sizeof request_id),
            debug,
            roma,
            started,
            observer,
            target,
            app,
            throttled ? &throttle : nullptr};
  }
  bool timed() const { return debug || observer; }
  void on_upstream(UpstreamStatus status, const UpstreamResponse* response) override;
  void release();
};

struct Gateway::LoopState {
  LoopState(boost::asio::io_context& io, PoolGauges* gauges) : pool(io, 256, gauges) {}
  UpstreamPool pool;
  std::vector<std::unique_ptr<Call>> calls;  // every call state this loop made
  std::vector<Call*> free_calls;             // those not carrying a request now
};

void Gateway::Call::on_upstream(UpstreamStatus status, const UpstreamResponse* response) {
  auto a = answer();
  auto upstream = timed() ? std::optional(Clock::now() - upstream_started) : std::nullopt;
  if (status == UpstreamStatus::kTimeout)
    a.fail(dp::backend_timeout(), upstream);
  else if (status != UpstreamStatus::kOk)
    a.fail(dp::backend_unavailable(), upstream);
  else {
    thread_local std::vector<HeaderView> fields;
    thread_local std::vector<std::string_view> connection_options;
    http::collect_connection_options(response->headers, connection_options);
    fields.clear();
    for (const auto& h : response->headers)
      if (forwards_to_client(h.name, connection_options)) fields.push_back(h);
    a.send(response->status, fields, response->body, upstream);
  }
  release();
}

void Gateway::Call::release() {
  exchange = nullptr;
  keep_alive.reset();
  loop->free_calls.push_back(this);
}

Gateway::Gateway(const SnapshotHolder& snapshots, const crypto::KeyedDigest& digest, IamCheck iam,
                 GatewaySettings settings)
    : snapshots_(snapshots), digest_(digest), iam_(std::move(iam)), settings_(settings) {
  loops_.resize(std::max(1, settings_.loops));
}

Gateway::~Gateway() = default;

void Gateway::release_connections() {
  loops_.clear();
}

Gateway::LoopState& Gateway::loop_state(const http::RequestContext& ctx) {
  auto& slot = loops_.at(static_cast<std::size_t>(ctx.loop_index));
  if (!slot)
    slot = std::make_unique<LoopState>(
        *ctx.loop, settings_.metrics ? settings_.metrics->pool_gauges(ctx.loop_index) : nullptr);
  return *slot;
}

bool Gateway::observing() const {
  return settings_.metrics || (settings_.access_log && settings_.access_log->enabled());
}

void Gateway::record(const Answer& a, int status, std::size_t bytes_out, std::int64_t total_ns,
                     std::int64_t upstream_ns, std::string_view error_number) const {
  const http::RequestContext& ctx = a.exchange.context();
  if (settings_.metrics)
    settings_.metrics->record(
        ctx.loop_index, Outcome{status, error_number, a.roma, a.target ? a.target->metric_slot : 0u,
                                total_ns, upstream_ns});
  if (settings_.access_log && settings_.access_log->enabled()) {
    char code[16];
    std::size_t code_len = 0;
    if (!error_number.empty()) {
      std::memcpy(code, a.roma ? "APIC." : "APIG.", 5);
      code_len = 5 + std::min<std::size_t>(error_number.size(), sizeof code - 5);
      std::memcpy(code + 5, error_number.data(), code_len - 5);
    }
    AccessRecord r;
    r.request_id = a.request_id;
    r.request = &a.exchange.request();
    r.context = &ctx;
    if (settings_.trusted_proxies)
      r.client_ip = client_address(*r.request, ctx, settings_.trusted_proxies->current()).ip;
    r.status = status;
    r.error_code = std::string_view(code, code_len);
    if (a.target) r.api_id = a.target->spec.id;
    if (a.app) r.app_id = a.app->id();
    r.bytes_out = bytes_out;
    r.total_ns = total_ns;
    r.upstream_ns = upstream_ns;
    settings_.access_log->append(ctx.loop_index, r);
  }
}

// The pipeline's stages, in the order handle() runs them (docs/compatibility.md#pipeline). Each
// check returns the failure that ends the request, or nothing.

// 1. Group: the groups the Host header names (its sl_domain, or the DEFAULT groups for an IP
// address or localhost).
static std::span<const GroupRoutes* const> resolve_groups(const RouteConfig& routes,
                                                          const http::RequestView& r) {
  return routes.groups_for_host(r.authority);
}

// 2. Environment: the route table of `group` in the environment X-Stage names (RELEASE without
// it), or null when the group's instance has no such environment or nothing is published there.
static const RouteTable* resolve_environment(const RouteConfig& routes, const GroupRoutes& group,
                                             std::string_view stage) {
  auto env = routes.env_id(group.instance_id, stage);
  if (env.empty()) return nullptr;
  auto table = group.by_env.find(env);
  return table == group.by_env.end() ? nullptr : &table->second;
}

// 3. Route: the API of the first candidate group (and its environment) that publishes one for
// the method and the path in normal form (docs/compatibility.md#g9). Sets `roma` to that group's.
static std::optional<dp::Failure> resolve_route(const RouteConfig& routes,
                                                std::span<const GroupRoutes* const> groups,
                                                const http::RequestView& r, std::string_view path,
                                                RouteMatch& found, bool& roma) {
  const auto* stage_header = r.find("x-stage");
  std::string_view stage = stage_header ? *stage_header : std::string_view(core::kReleaseEnvName);
  bool path_matched = false;
  for (const auto* g : groups) {
    const RouteTable* table = resolve_environment(routes, *g, stage);
    if (!table) continue;
    auto m = table->match(r.method, path);
    path_matched = path_matched || m.path_matched;
    if (m.target) {
      found = std::move(m);
      roma = g->roma;
      return std::nullopt;
    }
  }
  return path_matched ? dp::api_method_mismatch() : dp::api_not_published();
}

// 4. Protocol: an HTTPS-only API refuses plain HTTP and the other way round.
static std::optional<dp::Failure> check_protocol(const RouteTarget& t,
                                                 const http::RequestContext& ctx) {
  const auto& proto = t.spec.req_protocol;
  if ((proto == "HTTPS" && !ctx.tls) || (proto == "HTTP" && ctx.tls))
    return dp::protocol_not_supported(proto);
  return std::nullopt;
}

// 4b. Access control by address (docs/compatibility.md#acl-dataplane): the client address
// (trusted-proxy aware, #g13) against the API's IP ACL in this environment, before
// authentication, and against the authenticated app's ACL after it. Routes and apps without an
// ACL pay one test.
std::optional<dp::Failure> Gateway::check_address(const AddressAcl& acl, const http::RequestView& r,
                                                  const http::RequestContext& ctx,
                                                  dp::Failure (*refusal)()) const {
  static const core::IpSet kNone;
  const core::IpSet& trusted =
      settings_.trusted_proxies ? settings_.trusted_proxies->current() : kNone;
  auto ip = core::parse_ip(client_address(r, ctx, trusted).ip);
  if (!ip) return dp::unknown_client_ip();
  if (!acl.allows(*ip)) return refusal();
  return std::nullopt;
}

// 5. Authentication by the API's auth_type: APP (signature or AppCode; `who` is set), IAM
// (token or AK/SK, checked by the application's IamCheck), NONE.
std::optional<dp::Failure> Gateway::authenticate(const http::RequestView& r, const RouteTarget& t,
                                                 const Snapshot& snap,
                                                 const http::RequestContext& ctx,
                                                 AuthenticatedApp& who,
                                                 std::string& account) const {
  if (t.spec.auth_type == "APP") {
    static const SecondsClock kClock = [] { return core::now_nanos() / 1'000'000'000; };
    auto outcome = authenticate_app(r, t, snap.credentials.instance(t.instance_id), ctx.tls,
                                    digest_, settings_.app_auth, kClock);
    if (auto* f = std::get_if<dp::Failure>(&outcome)) return std::move(*f);
    who = std::get<AuthenticatedApp>(outcome);
  } else if (t.spec.auth_type == "IAM") {
    if (!iam_) return dp::iam_failure("IAM authentication is not available");
    if (auto f = iam_(r, t.project_id, t.account_acls, t.throttle.policy ? &account : nullptr))
      return f;
  }
  return std::nullopt;
}

// 6. Authorization: an authenticated app must be authorized for the API in this environment,
// checked by the app's ordinal (the check reads nothing of the app itself). IAM callers were
// authorized by their check.
static std::optional<dp::Failure> authorize(const RouteTarget& t, const AuthenticatedApp& who) {
  if (who.app && !t.authorized_apps.contains(who.id_key)) return dp::app_not_authorized();
  return std::nullopt;
}

// 7. Throttle: the app's quota (405 0501), then the throttling policy bound to the API in this
// environment (429 0308 with Retry-After and X-RateLimit-*), both counted in the node's counter
// table (docs/compatibility.md#throttling-dataplane, #app-quotas). A request refused by the policy
// gives its quota count back. Returns false when it answered (refused).
bool Gateway::throttle(const Answer& a, const RouteTarget& t, const RouteConfig& routes,
                       const AuthenticatedApp& who, std::string_view account,
                       ThrottleResult& result) {
  const QuotaLimits* quota = nullptr;
  if (who.app && !routes.quota_by_app.empty())
    if (auto it = routes.quota_by_app.find(who.id_key.ordinal); it != routes.quota_by_app.end())
      quota = &it->second;
  if (!quota && !t.throttle.policy) return true;
  const std::int64_t now_ms = core::to_millis(core::now_nanos());
  if (quota && !counters_.acquire(quota->key, quota->limit, quota->window, now_ms).admitted) {
    a.fail(dp::app_quota_used_up());
    return false;
  }
  if (!t.throttle.policy) return true;
  ThrottleSubject subject;
  if (who.app) {
    subject.app = who.id_key.ordinal;
    if (counters_.leased()) {
      std::string_view app_id = who.app->id();
      subject.app_subject = hash_text(app_id.data(), app_id.size());
    }
  }
  subject.account = account;
  // The client address behind trusted proxies (docs/compatibility.md#g13), else the peer.
  const http::RequestContext& ctx = a.exchange.context();
  subject.client_ip =
      settings_.trusted_proxies
          ? client_address(a.exchange.request(), ctx, settings_.trusted_proxies->current()).ip
          : std::string_view(ctx.remote_ip);
  result = throttle_check(counters_, t.throttle, subject, now_ms);
  if (result.admitted) return true;
  if (quota) counters_.release(quota->key, quota->window, now_ms);
  const auto& refused = result.dims[result.count - 1].admission;
  char retry[24], limit[24];
  auto seconds = (refused.retry_after_ms + 999) / 1000;
  HeaderView extra[3] = {
      {"Retry-After",
       std::string_view(retry, std::to_chars(retry, retry + sizeof retry, seconds).ptr - retry)},
      {"X-RateLimit-Limit",
       std::string_view(limit,
                        std::to_chars(limit, limit + sizeof limit, refused.limit).ptr - limit)},
      {"X-RateLimit-Remaining", "0"}};
  Answer refusal = a;
  if (a.debug) refusal.throttle = &result;
  refusal.fail(result.failure(), extra);
  return false;
}

// 8a. A MOCK API's configured answer.
static void answer_mock(const RouteTarget& t, const Gateway::Answer& a) {
  const auto& body = t.spec.mock_result;
  bool json = !body.empty() && (body.front() == '{' || body.front() == '[');
  HeaderView type{"Content-Type", json ? "application/json" : "text/plain"};
  a.send(200, {&type, 1}, body);
}

// 8b. The backend call, over the loop's kept-alive connections; answered in Call::on_upstream.
void Gateway::proxy(http::Exchange& ex, const Answer& a,
                    const std::shared_ptr<const Snapshot>& snapshot, const RouteTarget& t,
                    std::string_view path, const PathParams& params, const AppEntry* app) {
  const http::RequestView& r = ex.request();
  const http::RequestContext& ctx = ex.context();
  LoopState& loop = loop_state(ctx);
  Call* call;
  if (loop.free_calls.empty()) {
    call = loop.calls.emplace_back(std::make_unique<Call>()).get();
    call->loop = &loop;
  } else {
    call = loop.free_calls.back();
    loop.free_calls.pop_back();
  }
  call->exchange = &ex;
  std::copy(a.request_id.begin(), a.request_id.end(), call->request_id);
  call->debug = a.debug;
  call->roma = a.roma;
  call->started = a.started;
  call->observer = a.observer;
  call->target = a.target;
  call->app = a.app;
  call->throttled = a.throttle != nullptr;
  if (a.throttle) call->throttle = *a.throttle;
  call->keep_alive = snapshot;  // `t` points into it and must outlive the proxy call
  const core::IpSet* trusted =
      settings_.trusted_proxies ? &settings_.trusted_proxies->current() : nullptr;
  BackendRequestInput in{r, path, t, params, ctx, a.request_id, app, trusted};
  UpstreamCall up;
  auto method = build_backend_head(in, call->backend_head);
  up.head = call->backend_head;
  up.body = r.body;
  up.head_request = method == "HEAD";
  up.timeout = std::chrono::milliseconds(std::max(1, t.spec.backend.timeout_ms));
  int retries = t.spec.backend.retry_count;
  up.retries = retries < 0 ? (idempotent(method) ? 1 : 0) : retries;
  if (call->timed()) call->upstream_started = Clock::now();
  loop.pool.send(t.backend, up, *call);
}

void Gateway::handle(http::Exchange& ex) {
  core::note_foreground_work();  // background work yields while the loops have requests
  const http::RequestView& r = ex.request();
  const http::RequestContext& ctx = ex.context();
  char request_id[32];
  next_request_id(request_id);
  Answer a{ex, std::string_view(request_id, sizeof request_id)};
  if (const auto* mode = r.find("x-apig-mode"); mode && http::iequals_ascii(*mode, "debug"))
    a.debug = true;
  if (observing()) a.observer = this;
  if (a.debug || a.observer) a.started = Clock::now();

  const auto& snapshot = snapshots_.current();
  const Snapshot& snap = *snapshot;
  const RouteConfig& routes = *snap.routes;
  auto groups = resolve_groups(routes, r);
  if (groups.empty()) return a.fail(dp::api_not_published());
  a.roma = groups.front()->roma;
  // The normal form is what is routed, authorized and sent to the backend (the route's params
  // are views into it, used before this call returns).
  thread_local std::string normal_scratch;
  auto normal =
      core::normalize_request_path(r.target.substr(0, r.target.find('?')), normal_scratch);
  if (!normal) return a.fail(dp::invalid_request_path());
  RouteMatch found;
  if (auto f = resolve_route(routes, groups, r, *normal, found, a.roma)) return a.fail(*f);
  const RouteTarget& t = *found.target;
  a.target = &t;
  if (auto f = check_protocol(t, ctx)) return a.fail(*f);
  if (t.ip_acl)
    if (auto f = check_address(*t.ip_acl, r, ctx, dp::ip_not_permitted)) return a.fail(*f);
  AuthenticatedApp who;  // its app lives in the snapshot, which the call keeps
  std::string account;   // an IAM caller's, when the API is throttled
  if (auto f = authenticate(r, t, snap, ctx, who, account)) return a.fail(*f);
  a.app = who.app;
  if (who.app)
    if (const auto* acl = routes.app_acl(who.id_key))
      if (auto f = check_address(*acl, r, ctx, dp::app_ip_not_trusted)) return a.fail(*f);
  if (auto f = authorize(t, who)) return a.fail(*f);
  ThrottleResult throttled;
  if (!throttle(a, t, routes, who, account, throttled)) return;
  if (a.debug && throttled.count > 0) a.throttle = &throttled;
  if (t.spec.backend_type == "MOCK") return answer_mock(t, a);
  proxy(ex, a, snapshot, t, *normal, found.params, who.app);
}

}  // namespace gh::gateway
