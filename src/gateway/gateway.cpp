#include "gateway/gateway.hpp"

#include <charconv>
#include <chrono>

#include "core/clock.hpp"
#include "core/request_path.hpp"
#include "crypto/random.hpp"
#include "gateway/backend_request.hpp"

namespace gh::gateway {
namespace dp = core::dataplane;
using Clock = std::chrono::steady_clock;
using http::HeaderView;

namespace {

bool idempotent(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "PUT" || m == "DELETE" || m == "TRACE";
}

// Milliseconds with three decimals, e.g. "1.250", into `buf`.
std::string_view millis(Clock::duration d, char (&buf)[32]) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  char* p = std::to_chars(buf, buf + 20, us / 1000).ptr;
  *p++ = '.';
  auto frac = us % 1000;
  *p++ = static_cast<char>('0' + frac / 100);
  *p++ = static_cast<char>('0' + frac / 10 % 10);
  *p++ = static_cast<char>('0' + frac % 10);
  return {buf, static_cast<std::size_t>(p - buf)};
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      switch (c) {
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          out.append("\\u00");
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 15]);
      }
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

// How every answer of the pipeline is sent: with X-Request-Id, and the latency headers when the
// client asked for debug output (X-Apig-Mode: debug).
struct Answer {
  http::Exchange& exchange;
  std::string_view request_id;
  bool debug = false;
  bool roma = false;
  Clock::time_point started{};

  void send(int status, std::span<const HeaderView> fields, std::string_view body,
            std::optional<Clock::duration> upstream = std::nullopt) const {
    thread_local std::vector<HeaderView> all;
    all.assign(fields.begin(), fields.end());
    all.push_back({"X-Request-Id", request_id});
    char total[32], up[32];
    if (debug) {
      all.push_back({"X-Apig-Latency", millis(Clock::now() - started, total)});
      if (upstream) all.push_back({"X-Apig-Upstream-Latency", millis(*upstream, up)});
    }
    exchange.respond({status, all, body});
  }

  void fail(const dp::Failure& f) const {
    thread_local std::string body;
    body.clear();
    append_error_body(body, dp::error_code(f, roma), f.message, request_id);
    HeaderView type{"Content-Type", "application/json"};
    send(f.status, {&type, 1}, body);
  }
};

}  // namespace

void next_request_id(char (&out)[32]) {
  thread_local std::string prefix = crypto::random_hex(8);
  thread_local std::uint64_t counter = 0;
  static constexpr char kHex[] = "0123456789abcdef";
  std::copy(prefix.begin(), prefix.begin() + 16, out);
  std::uint64_t n = ++counter;
  for (int i = 31; i >= 16; --i, n >>= 4) out[i] = kHex[n & 15];
}

std::string next_request_id() {
  char id[32];
  next_request_id(id);
  return std::string(id, sizeof id);
}

std::string error_body(std::string_view code, std::string_view message,
                       std::string_view request_id) {
  std::string out;
  out.reserve(64 + message.size() + request_id.size());
  append_error_body(out, code, message, request_id);
  return out;
}

void append_error_body(std::string& out, std::string_view code, std::string_view message,
                       std::string_view request_id) {
  out.append("{\"error_code\":");
  append_json_string(out, code);
  out.append(",\"error_msg\":");
  append_json_string(out, message);
  out.append(",\"request_id\":");
  append_json_string(out, request_id);
  out.push_back('}');
}

http::Response error_response(unsigned version, int status, std::string_view code,
                              std::string_view message, std::string_view request_id) {
  http::Response res{static_cast<http::bhttp::status>(status), version};
  res.set(http::bhttp::field::content_type, "application/json");
  res.set("X-Request-Id", request_id);
  res.body() = error_body(code, message, request_id);
  res.prepare_payload();
  return res;
}

// The state of one proxied request, from a per-loop free list.
struct Gateway::Call final : UpstreamHandler {
  LoopState* loop = nullptr;
  http::Exchange* exchange = nullptr;
  char request_id[32];
  bool debug = false, roma = false;
  Clock::time_point started{}, upstream_started{};
  std::shared_ptr<const Snapshot> keep_alive;  // the snapshot `target` points into
  std::string backend_head;                    // capacity reused across requests

  Answer answer() {
    return {*exchange, std::string_view(request_id, sizeof request_id), debug, roma, started};
  }
  void on_upstream(UpstreamStatus status, const UpstreamResponse* response) override;
  void release();
};

struct Gateway::LoopState {
  explicit LoopState(boost::asio::io_context& io) : pool(io) {}
  UpstreamPool pool;
  std::vector<std::unique_ptr<Call>> calls;  // every call state this loop made
  std::vector<Call*> free_calls;             // those not carrying a request now
};

void Gateway::Call::on_upstream(UpstreamStatus status, const UpstreamResponse* response) {
  auto a = answer();
  if (status == UpstreamStatus::kTimeout)
    a.fail(dp::backend_timeout());
  else if (status != UpstreamStatus::kOk)
    a.fail(dp::backend_unavailable());
  else {
    thread_local std::vector<HeaderView> fields;
    thread_local std::vector<std::string_view> connection_options;
    http::collect_connection_options(response->headers, connection_options);
    fields.clear();
    for (const auto& h : response->headers)
      if (forwards_to_client(h.name, connection_options)) fields.push_back(h);
    a.send(response->status, fields, response->body,
           debug ? std::optional(Clock::now() - upstream_started) : std::nullopt);
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
  if (!slot) slot = std::make_unique<LoopState>(*ctx.loop);
  return *slot;
}

void Gateway::handle(http::Exchange& ex) {
  const http::RequestView& r = ex.request();
  const http::RequestContext& ctx = ex.context();
  char request_id[32];
  next_request_id(request_id);
  Answer a{ex, std::string_view(request_id, sizeof request_id)};
  if (const auto* mode = r.find("x-apig-mode"); mode && http::iequals_ascii(*mode, "debug")) {
    a.debug = true;
    a.started = Clock::now();
  }

  // 1. group by Host, 2. environment by X-Stage, 3. route.
  const auto& snapshot = snapshots_.current();
  const Snapshot& snap = *snapshot;
  auto groups = snap.routes->groups_for_host(r.authority);
  if (groups.empty()) return a.fail(dp::api_not_published());
  a.roma = groups.front()->roma;
  // The normal form is what is routed, authorized and sent to the backend (the route's params
  // are views into it, used before this call returns).
  thread_local std::string normal_scratch;
  auto normal =
      core::normalize_request_path(r.target.substr(0, r.target.find('?')), normal_scratch);
  if (!normal) return a.fail(dp::invalid_request_path());
  std::string_view path = *normal;
  const auto* stage_header = r.find("x-stage");
  std::string_view stage = stage_header ? *stage_header : std::string_view(core::kReleaseEnvName);
  bool path_matched = false;
  RouteMatch found;
  for (const auto* g : groups) {
    auto env = snap.routes->env_id(g->instance_id, stage);
    if (env.empty()) continue;
    auto table = g->by_env.find(env);
    if (table == g->by_env.end()) continue;
    auto m = table->second.match(r.method, path);
    path_matched = path_matched || m.path_matched;
    if (m.target) {
      found = std::move(m);
      a.roma = g->roma;
      break;
    }
  }
  if (!found.target)
    return a.fail(path_matched ? dp::api_method_mismatch() : dp::api_not_published());
  const RouteTarget& t = *found.target;

  // 4. protocol.
  const auto& proto = t.spec.req_protocol;
  if ((proto == "HTTPS" && !ctx.tls) || (proto == "HTTP" && ctx.tls))
    return a.fail(dp::protocol_not_supported(proto));

  // 5. authentication and 6. authorization.
  const AppEntry* app = nullptr;  // lives in the snapshot, which the call keeps
  if (t.spec.auth_type == "APP") {
    static const SecondsClock kClock = [] { return core::now_nanos() / 1'000'000'000; };
    auto outcome = authenticate_app(r, t, snap.credentials.instance(t.instance_id), ctx.tls,
                                    digest_, settings_.app_auth, kClock);
    if (auto* f = std::get_if<dp::Failure>(&outcome)) return a.fail(*f);
    const auto& authenticated = std::get<AuthenticatedApp>(outcome);
    app = authenticated.app;
    // By the app's ordinal: the check reads nothing of the app itself.
    if (!t.authorized_apps.contains(authenticated.id_key)) return a.fail(dp::app_not_authorized());
  } else if (t.spec.auth_type == "IAM") {
    if (!iam_) return a.fail(dp::iam_failure("IAM authentication is not available"));
    if (auto f = iam_(r, t.project_id)) return a.fail(*f);
  }

  // 7. backend.
  if (t.spec.backend_type == "MOCK") {
    const auto& body = t.spec.mock_result;
    bool json = !body.empty() && (body.front() == '{' || body.front() == '[');
    HeaderView type{"Content-Type", json ? "application/json" : "text/plain"};
    return a.send(200, {&type, 1}, body);
  }

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
  std::copy(request_id, request_id + sizeof request_id, call->request_id);
  call->debug = a.debug;
  call->roma = a.roma;
  call->started = a.started;
  call->keep_alive = snapshot;  // `t` points into it and must outlive the proxy call
  const core::IpSet* trusted =
      settings_.trusted_proxies ? &settings_.trusted_proxies->current() : nullptr;
  BackendRequestInput in{r, path, t, found.params, ctx, a.request_id, app, trusted};
  UpstreamCall up;
  auto method = build_backend_head(in, call->backend_head);
  up.head = call->backend_head;
  up.body = r.body;
  up.head_request = method == "HEAD";
  up.timeout = std::chrono::milliseconds(std::max(1, t.spec.backend.timeout_ms));
  int retries = t.spec.backend.retry_count;
  up.retries = retries < 0 ? (idempotent(method) ? 1 : 0) : retries;
  if (call->debug) call->upstream_started = Clock::now();
  loop.pool.send(t.backend, up, *call);
}

}  // namespace gh::gateway
