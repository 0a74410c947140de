// Micro-benchmarks of the data plane's authentication step alone (no sockets): an AppCode lookup
// and an SDK-HMAC-SHA256 signature check against a store of 10,000 apps, requests shaped like the
// ones bench/run sends. Run: build/gatehouse_bench (Google Benchmark flags apply). The "allocs"
// counter is the number of operator new calls per request.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "crypto/sdk_signer.hpp"
#include "gateway/authenticate.hpp"
#include "gateway/credentials.hpp"

namespace {
std::atomic<long> allocations{0};
}  // namespace

// Counting replacements of the global allocation functions (malloc/free underneath; GCC's
// mismatch warning does not see that the pair is replaced together).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {
using namespace gh;

// Runs `fn` once per iteration and reports operator new calls per iteration.
template <class F>
void measure(benchmark::State& state, F&& fn) {
  long before = allocations.load();
  for (auto _ : state) fn();
  state.counters["allocs"] = benchmark::Counter(static_cast<double>(allocations.load() - before) /
                                                static_cast<double>(state.iterations()));
}

constexpr std::int64_t kNow = 1'700'000'000;

struct Fixture {
  crypto::KeyedDigest digest{"pepper-for-the-benchmark-only-0123456789"};
  gateway::Credentials credentials;
  gateway::RouteTarget target;
  std::string code, key, secret;

  Fixture() {
    target.spec.app_code_auth_type = "HEADER";
    std::vector<std::shared_ptr<const gateway::AppEntry>> apps;
    for (int i = 0; i < 10000; ++i) {
      auto n = std::to_string(i);
      std::string c = "code-" + n + std::string(120, 'c');
      gateway::Digest d{digest.compute(c)};
      auto app = std::make_shared<const gateway::AppEntry>(
          "app-" + n, "inst", "key-" + n + std::string(24, 'k'),
          "secret-" + n + std::string(24, 's'), std::span<const gateway::Digest>(&d, 1));
      if (i == 4321) code = c, key = app->app_key(), secret = app->secret();
      apps.push_back(std::move(app));
    }
    credentials = gateway::build_credentials(std::move(apps), 1);
  }
  const gateway::InstanceCredentials* instance() const { return credentials.instance("inst"); }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// The headers wrk sends, plus the ones the request carries.
struct Request {
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<http::HeaderView> views;
  http::RequestView view() {
    views.clear();
    for (auto& [k, v] : fields) views.push_back({k, v});
    http::RequestView r;
    r.method = "GET";
    r.target = "/";
    r.authority = "127.0.0.1:8000";
    r.headers = views;
    return r;
  }
};

// Authenticates `view` against the fixture's store once per iteration; must succeed.
void authenticate_each_iteration(benchmark::State& state, const http::RequestView& view,
                                 const gateway::AppAuthSettings& settings) {
  auto& f = fixture();
  measure(state, [&] {
    auto r = gateway::authenticate_app(view, f.target, f.instance(), false, f.digest, settings,
                                       [] { return kNow; });
    benchmark::DoNotOptimize(r);
    if (!std::holds_alternative<gateway::AuthenticatedApp>(r)) state.SkipWithError("rejected");
  });
}

void BM_AppCode(benchmark::State& state) {
  auto& f = fixture();
  Request req{{{"Host", "127.0.0.1:8000"}, {"X-Apig-AppCode", f.code}}, {}};
  authenticate_each_iteration(state, req.view(), gateway::AppAuthSettings{true});
}
BENCHMARK(BM_AppCode);

void BM_Signature(benchmark::State& state) {
  auto& f = fixture();
  auto date = crypto::format_sdk_date(kNow);
  crypto::ClientSignInput in{"GET", "/",      "",
                             f.key, f.secret, {{"Host", "127.0.0.1:8000"}, {"X-Sdk-Date", date}}};
  auto authorization = crypto::sign_request(in);
  Request req{{{"Host", "127.0.0.1:8000"}, {"X-Sdk-Date", date}, {"Authorization", authorization}},
              {}};
  authenticate_each_iteration(state, req.view(), gateway::AppAuthSettings{});
}
BENCHMARK(BM_Signature);

// AppCode lookups rotating through up to 100,000 codes of a store of N apps (one code each), as
// the scale bench's wrk script does, plus one system call per request: on this VM (page-table
// isolation, no PCID) every system call empties the TLB, as the gateway's own recv/send do.
void BM_AppCodeRotating(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  crypto::KeyedDigest digest{"pepper-for-the-benchmark-only-0123456789"};
  std::vector<std::shared_ptr<const gateway::AppEntry>> apps;
  std::vector<std::string> codes;
  for (int i = 0; i < n; ++i) {
    std::string c = "code-" + std::to_string(i) + std::string(100, 'c');
    gateway::Digest d{digest.compute(c)};
    auto app = std::make_shared<const gateway::AppEntry>(
        "app-" + std::to_string(i) + std::string(24, 'a'), "inst", "key-" + std::to_string(i), "",
        std::span<const gateway::Digest>(&d, 1));
    if (static_cast<int>(codes.size()) < 100000) codes.push_back(c);
    apps.push_back(std::move(app));
  }
  auto credentials = gateway::build_credentials(std::move(apps), 1);
  gateway::RouteTarget target;
  target.spec.app_code_auth_type = "HEADER";
  gateway::AppAuthSettings settings{true};
  std::vector<http::HeaderView> views{{"Host", "127.0.0.1"}, {"X-Apig-AppCode", ""}};
  http::RequestView view;
  view.method = "GET";
  view.target = "/";
  view.headers = views;
  std::size_t i = 0;
  measure(state, [&] {
    views[1].value = codes[i++ % codes.size()];
    auto r = gateway::authenticate_app(view, target, credentials.instance("inst"), false, digest,
                                       settings, [] { return kNow; });
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(::getppid());
  });
}
BENCHMARK(BM_AppCodeRotating)->Arg(10000)->Arg(1000000)->Unit(benchmark::kNanosecond);

}  // namespace

BENCHMARK_MAIN();
