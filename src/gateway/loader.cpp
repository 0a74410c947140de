#include "gateway/loader.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/unordered/unordered_flat_map.hpp>
#include <chrono>
#include <ctime>
#include <thread>

#include "core/background.hpp"
#include "gateway/credentials.hpp"

namespace gh::gateway {
namespace {

std::vector<Digest> digests(const std::vector<std::string>& hex) {
  std::vector<Digest> out;
  out.reserve(hex.size());
  for (const auto& h : hex)
    if (auto d = digest_from_hex(h)) out.push_back(*d);
  return out;
}

AppRecord record_of(core::App app, std::vector<Digest> codes) {
  return AppRecord{std::move(app.id), std::move(app.instance_id), std::move(app.app_key),
                   std::move(app.app_secret), std::move(codes)};
}

constexpr int kChangeBatch = 10000;

}  // namespace

bool is_route_entity(std::string_view entity) {
  return entity != "app" && entity != "app_code";
}

SnapshotLoader::Routes SnapshotLoader::read_routes(store::Tx& tx) {
  auto in = std::make_shared<RouteInputs>();
  in->group_domain_suffix = suffix_;
  // Inputs that are not kept (SQLite nodes) need no authorization rows: those are streamed from
  // the store straight into the routes' authorization sets (a large store has millions).
  read_route_inputs(tx, *in, keep_route_inputs_);
  AuthSource streamed;
  if (!keep_route_inputs_)
    streamed = [&](const AuthSink& add) {
      for (const auto& inst : in->instances) tx.for_each_app_auth(inst.id, add);
    };
  auto config = build_routes(*in, streamed);
  if (!keep_route_inputs_) in.reset();
  return {std::move(in), std::move(config)};
}

void SnapshotLoader::load_all() {
  std::lock_guard lock(mutex_);
  auto started = std::chrono::steady_clock::now();
  auto cpu_started = std::clock();
  unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  auto next = std::make_shared<Snapshot>();
  // The apps' rows, all their text in one buffer (a single allocation, returned whole when freed:
  // millions of small strings freed between the entries' allocations left holes that kept about
  // 130 bytes per app of RSS), AppSecrets still sealed until worker threads open them.
  struct Row {
    std::size_t at;  // id, instance id, AppKey, sealed secret, one after the other in `text`
    std::uint32_t id, instance, key, sealed;
  };
  std::string text;
  std::vector<Row> rows;
  std::vector<std::string> secrets;                     // opened, by row
  std::vector<std::pair<std::uint32_t, Digest>> codes;  // (rows index, digest)
  auto field = [&](const Row& row, int k) {
    std::size_t at = row.at;
    std::uint32_t len[4] = {row.id, row.instance, row.key, row.sealed};
    for (int j = 0; j < k; ++j) at += len[j];
    return std::string_view(text).substr(at, len[k]);
  };
  auto r = store_.read([&](store::Tx& tx) -> core::Result<core::Unit> {
    text.clear();  // PostgreSQL may run this again
    rows.clear();
    codes.clear();
    next->change_seq = tx.last_change_seq();
    auto routes = read_routes(tx);
    next->routes = std::move(routes.config);
    next->route_inputs = std::move(routes.inputs);
    tx.for_each_gateway_app([&](std::string_view id, std::string_view instance_id,
                                std::string_view app_key, std::string_view sealed) {
      rows.push_back({text.size(), static_cast<std::uint32_t>(id.size()),
                      static_cast<std::uint32_t>(instance_id.size()),
                      static_cast<std::uint32_t>(app_key.size()),
                      static_cast<std::uint32_t>(sealed.size())});
      for (auto s : {id, instance_id, app_key, sealed}) text.append(s);
    });
    // Secrets are opened by worker threads while this one reads the AppCode digests (`text`
    // is only read from here on).
    secrets.assign(rows.size(), std::string());
    std::atomic<bool> unopened{false};
    std::vector<std::jthread> openers;
    for (unsigned t = 0; t < threads; ++t)
      openers.emplace_back([&, t] {
        for (std::size_t i = rows.size() * t / threads; i < rows.size() * (t + 1) / threads; ++i) {
          auto clear =
              store::Tx::open_app_secret(store_.sealer(), field(rows[i], 0), field(rows[i], 3));
          if (!clear) {
            unopened = true;
            return;
          }
          secrets[i] = std::move(*clear);
        }
      });
    boost::unordered_flat_map<std::string_view, std::uint32_t> index;  // app id → rows[i]
    index.reserve(rows.size());
    for (std::uint32_t i = 0; i < rows.size(); ++i) index.emplace(field(rows[i], 0), i);
    // No COUNT(*) first to size `codes`: with ten million codes it is a scan of its own.
    std::string_view last_id;  // an app's codes mostly follow each other: one lookup per app
    std::uint32_t last = 0;
    tx.for_each_code_digest([&](std::string_view app_id, std::string_view hex) {
      auto d = digest_from_hex(hex);
      if (!d) return;
      if (app_id != last_id) {
        auto it = index.find(app_id);
        if (it == index.end()) return;
        last = it->second;
        last_id = field(rows[last], 0);
      }
      codes.emplace_back(last, *d);
    });
    for (auto& t : openers) t.join();
    if (unopened) throw std::runtime_error("a sealed app secret failed to open");
    return core::Unit{};
  });
  if (!r) throw std::runtime_error("gateway: loading the snapshot failed: " + r.error().message);
  // Each app's digests together (a counting sort by app), then the compact entries.
  std::vector<std::uint32_t> start(rows.size() + 1, 0);
  for (const auto& c : codes) ++start[c.first + 1];
  for (std::size_t i = 0; i < rows.size(); ++i) start[i + 1] += start[i];
  std::vector<Digest> grouped(codes.size());
  {
    std::vector<std::uint32_t> at(start.begin(), start.end() - 1);
    for (const auto& [i, d] : codes) grouped[at[i]++] = d;
  }
  codes = {};
  std::vector<std::shared_ptr<const AppEntry>> apps;
  apps.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    apps.push_back(std::make_shared<const AppEntry>(
        field(rows[i], 0), field(rows[i], 1), field(rows[i], 2), secrets[i],
        std::span<const Digest>(grouped.data() + start[i], start[i + 1] - start[i])));
    secrets[i] = std::string();  // the clear secret lives on in the entry only
  }
  text = std::string();
  rows = {};
  secrets = {};
  grouped = {};
  next->credentials = build_credentials(std::move(apps), threads);
  spdlog::info("gateway: snapshot loaded ({} apps, {} routes, change seq {}) in {} ms (cpu {} ms)",
               next->credentials.apps.size(), next->routes->targets.size(), next->change_seq,
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count(),
               (std::clock() - cpu_started) * 1000 / CLOCKS_PER_SEC);
  holder_.publish(std::move(next));
  // The scans' transient buffers were freed; give the pages back (RSS of a large store).
  ::malloc_trim(0);
}

bool SnapshotLoader::apply_changes() {
  // Whatever the caller committed is in the store before its call is counted. A read that starts
  // after `calls_` reached n sees the commits of the first n calls: once such a read is published
  // (applied_calls_ >= call), this call has nothing left to do.
  const std::uint64_t call = calls_.fetch_add(1) + 1;
  std::lock_guard lock(mutex_);
  if (applied_calls_ >= call) return true;
  const std::uint64_t covers = calls_.load();
  auto started = std::chrono::steady_clock::now();
  auto base = holder_.load();
  std::int64_t seq = base->change_seq;
  bool routes_changed = false;
  std::vector<std::string> changed_apps;
  Routes routes;
  std::vector<AppRecord> records;
  auto r = store_.read([&](store::Tx& tx) -> core::Result<core::Unit> {
    for (;;) {
      auto batch = tx.changes_after(seq, kChangeBatch);
      for (auto& c : batch) {
        seq = c.seq;
        if (c.entity == "app") {
          changed_apps.push_back(std::move(c.entity_id));
        } else if (c.entity == "app_code") {
          // Older entries name the code, not its app: re-read every app of the instance.
          for (auto& app : tx.apps_of_instance(c.instance_id)) changed_apps.push_back(app.id);
        } else {
          routes_changed = true;
        }
      }
      if (static_cast<int>(batch.size()) < kChangeBatch) break;
    }
    std::sort(changed_apps.begin(), changed_apps.end());
    changed_apps.erase(std::unique(changed_apps.begin(), changed_apps.end()), changed_apps.end());
    for (const auto& id : changed_apps)
      if (auto app = tx.app_by_id(id)) {
        auto codes = digests(tx.code_digests_of_app(id));
        records.push_back(record_of(std::move(*app), std::move(codes)));
      }
    // Every app of an instance that no longer exists is gone with it; the change log names them.
    if (routes_changed) routes = read_routes(tx);
    return core::Unit{};
  });
  if (!r) {
    spdlog::warn("gateway: could not read changes ({}); keeping the current snapshot",
                 r.error().message);
    return false;
  }
  if (seq == base->change_seq) {
    applied_calls_ = covers;
    return true;
  }
  core::yield_to_foreground();
  auto next = std::make_shared<Snapshot>();
  next->change_seq = seq;
  next->routes = routes.config ? routes.config : base->routes;
  if (routes.config)
    next->route_inputs = routes.inputs;
  else
    next->route_inputs = base->route_inputs;
  next->credentials = changed_apps.empty()
                          ? base->credentials
                          : apply_app_changes(base->credentials, changed_apps, std::move(records));
  core::yield_to_foreground();
  holder_.publish(std::move(next));
  applied_calls_ = covers;
  spdlog::debug("gateway: applied changes up to seq {} ({} apps, routes {}) in {} us", seq,
                changed_apps.size(), routes.config ? "rebuilt" : "kept",
                std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count());
  return true;
}

}  // namespace gh::gateway
