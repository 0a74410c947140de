#include "gateway/loader.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/unordered/unordered_flat_map.hpp>
#include <chrono>
#include <ctime>
#include <limits>
#include <span>
#include <thread>

#include "core/background.hpp"
#include "gateway/credentials.hpp"
#include "gateway/shard_build.hpp"
#include "store/read_parallel.hpp"

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

// The change log's operations on an app that touch only its AppCodes (AppService::add_code_in,
// AppService::delete_code, the ModelArts dialect's code removal).
bool is_code_change(std::string_view op) {
  return op == "code.create" || op == "code.delete";
}

void sort_unique(std::vector<std::string>& ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

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

namespace {

// The apps' rows, all their text in one buffer (a single allocation, returned whole when freed:
// millions of small strings freed between the entries' allocations left holes that kept about
// 130 bytes per app of RSS), AppSecrets still sealed until worker threads open them.
struct AppRows {
  struct Row {
    std::size_t at;  // id, instance id, AppKey, sealed secret, one after the other in `text`
    std::uint32_t id, instance, key, sealed;
  };
  std::string text;
  std::vector<Row> rows;
  std::string_view field(const Row& row, int k) const {
    std::size_t at = row.at;
    std::uint32_t len[4] = {row.id, row.instance, row.key, row.sealed};
    for (int j = 0; j < k; ++j) at += len[j];
    return std::string_view(text).substr(at, len[k]);
  }
  void read(store::Tx& tx) {
    text.clear();  // PostgreSQL may run a read again
    rows.clear();
    tx.for_each_gateway_app([&](std::string_view id, std::string_view instance_id,
                                std::string_view app_key, std::string_view sealed) {
      rows.push_back({text.size(), static_cast<std::uint32_t>(id.size()),
                      static_cast<std::uint32_t>(instance_id.size()),
                      static_cast<std::uint32_t>(app_key.size()),
                      static_cast<std::uint32_t>(sealed.size())});
      for (auto v : {id, instance_id, app_key, sealed}) text.append(v);
    });
  }
};

// Every AppCode digest of the store, decoded, in the order read, with the app ids as runs: an
// app's codes mostly follow each other, so its id is kept once per run, not per code, and this
// read needs nothing from the apps' (it runs beside it).
struct CodeRuns {
  struct Run {
    std::size_t at;            // the app id in `ids`
    std::uint32_t len, first;  // its length; the run's first digest
  };
  std::string ids;
  std::vector<Run> runs;
  std::vector<Digest> digests;
  void read(store::Tx& tx) {
    ids.clear();
    runs.clear();
    digests.clear();
    // Sized from an estimate, not a COUNT(*) (with ten million codes a scan of its own): growing
    // by doubling had copied the digests and zeroed fresh pages on the start's longest read. An
    // estimate far above the count reserves address space the scan never touches.
    constexpr std::int64_t kMostReserved = std::int64_t{1} << 28;
    digests.reserve(
        static_cast<std::size_t>(std::min(tx.app_code_count_estimate(), kMostReserved)));
    std::string_view last;
    tx.for_each_code_digest([&](std::string_view app_id, std::string_view hex) {
      auto d = digest_from_hex(hex);
      if (!d) return;
      if (runs.empty() || app_id != last) {
        runs.push_back({ids.size(), static_cast<std::uint32_t>(app_id.size()),
                        static_cast<std::uint32_t>(digests.size())});
        ids.append(app_id);
        last = std::string_view(ids).substr(runs.back().at);
      }
      digests.push_back(*d);
    });
  }
  std::string_view id_of(const Run& r) const { return std::string_view(ids).substr(r.at, r.len); }
  std::uint32_t end_of(std::size_t run) const {
    return run + 1 < runs.size() ? runs[run + 1].first : static_cast<std::uint32_t>(digests.size());
  }
};

// The usual layout first: both scans in insertion order, so the code runs name the apps in the
// apps' order (skipping apps without codes), one run each. Empty when the runs are in any other
// order; codes_by_app then matches them by id.
std::vector<std::span<const Digest>> codes_in_app_order(const AppRows& apps, const CodeRuns& code) {
  std::vector<std::span<const Digest>> out(apps.rows.size());
  std::size_t i = 0;
  for (std::size_t r = 0; r < code.runs.size(); ++r, ++i) {
    auto id = code.id_of(code.runs[r]);
    while (i < apps.rows.size() && apps.field(apps.rows[i], 0) != id) ++i;
    if (i == apps.rows.size()) return {};
    out[i] = std::span<const Digest>(code.digests.data() + code.runs[r].first,
                                     code.end_of(r) - code.runs[r].first);
  }
  return out;
}

// Each app's digests (by row of `apps`): spans into code.digests when every app's codes came in
// one run (the usual order), else regrouped into `grouped` (a counting sort by app).
std::vector<std::span<const Digest>> codes_by_app(const AppRows& apps, const CodeRuns& code,
                                                  std::vector<Digest>& grouped) {
  if (code.runs.empty()) return std::vector<std::span<const Digest>>(apps.rows.size());
  if (auto in_order = codes_in_app_order(apps, code); !in_order.empty()) return in_order;
  boost::unordered_flat_map<std::string_view, std::uint32_t> index;  // app id → row
  index.reserve(apps.rows.size());
  for (std::uint32_t i = 0; i < apps.rows.size(); ++i)
    index.emplace(apps.field(apps.rows[i], 0), i);
  constexpr auto kNone = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> row_of_run(code.runs.size(), kNone);
  std::vector<std::span<const Digest>> out(apps.rows.size());
  bool split = false;  // an app with codes in two runs
  for (std::size_t r = 0; r < code.runs.size(); ++r) {
    auto it = index.find(code.id_of(code.runs[r]));
    if (it == index.end()) continue;  // a code of an app not (yet) read: a later change adds it
    row_of_run[r] = it->second;
    auto& span = out[it->second];
    if (!span.empty()) split = true;
    span = std::span<const Digest>(code.digests.data() + code.runs[r].first,
                                   code.end_of(r) - code.runs[r].first);
  }
  if (!split) return out;
  std::vector<std::size_t> start(apps.rows.size() + 1, 0);
  for (std::size_t r = 0; r < code.runs.size(); ++r)
    if (row_of_run[r] != kNone) start[row_of_run[r] + 1] += code.end_of(r) - code.runs[r].first;
  for (std::size_t i = 0; i < apps.rows.size(); ++i) start[i + 1] += start[i];
  grouped.resize(start.back());
  std::vector<std::size_t> at(start.begin(), start.end() - 1);
  for (std::size_t r = 0; r < code.runs.size(); ++r) {
    if (row_of_run[r] == kNone) continue;
    auto first = code.digests.begin() + code.runs[r].first;
    at[row_of_run[r]] =
        static_cast<std::size_t>(std::copy(first, code.digests.begin() + code.end_of(r),
                                           grouped.begin() + at[row_of_run[r]]) -
                                 grouped.begin());
  }
  for (std::size_t i = 0; i < apps.rows.size(); ++i)
    out[i] = std::span<const Digest>(grouped.data() + start[i], start[i + 1] - start[i]);
  return out;
}

}  // namespace

void SnapshotLoader::load_all() {
  std::lock_guard lock(mutex_);
  auto started = std::chrono::steady_clock::now();
  auto cpu_started = std::clock();
  unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  auto next = std::make_shared<Snapshot>();
  AppRows apps;
  CodeRuns code;
  std::vector<std::string> secrets;  // opened, by row
  std::atomic<bool> unopened{false};
  std::vector<std::jthread> openers;
  std::vector<AppIdSet::Key> id_keys;  // by row of `apps`
  // Two reads on one snapshot, side by side where the store allows (SQLite: two connections):
  // the apps (whose secrets worker threads open meanwhile), the routes, and the app ids numbered
  // (AppIdSet::keys_of: one hold of the ordinals' lock); and the AppCode digests.
  auto r = store::read_parallel(
      store_, {[&](store::Tx& tx) {
                 openers.clear();  // joined (a PostgreSQL retry runs this again)
                 next->change_seq = tx.last_change_seq();
                 apps.read(tx);
                 secrets.assign(apps.rows.size(), std::string());
                 unopened = false;
                 for (unsigned t = 0; t < threads; ++t)
                   openers.emplace_back([&, t] {
                     auto n = apps.rows.size();
                     for (std::size_t i = n * t / threads; i < n * (t + 1) / threads; ++i) {
                       const auto& row = apps.rows[i];
                       auto clear = store::Tx::open_app_secret(store_.sealer(), apps.field(row, 0),
                                                               apps.field(row, 3));
                       if (!clear) {
                         unopened = true;
                         return;
                       }
                       secrets[i] = std::move(*clear);
                     }
                   });
                 auto routes = read_routes(tx);
                 next->routes = std::move(routes.config);
                 next->route_inputs = std::move(routes.inputs);
                 std::vector<std::string_view> ids(apps.rows.size());
                 for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = apps.field(apps.rows[i], 0);
                 id_keys = AppIdSet::keys_of(ids);
               },
               [&](store::Tx& tx) { code.read(tx); }});
  openers.clear();  // joined
  if (!r) throw std::runtime_error("gateway: loading the snapshot failed: " + r.error().message);
  if (unopened) throw std::runtime_error("a sealed app secret failed to open");
  std::vector<Digest> grouped;
  auto codes = codes_by_app(apps, code, grouped);
  const std::size_t n = apps.rows.size();
  std::vector<std::shared_ptr<const AppEntry>> entries(n);
  split_in_parallel(n, n, threads, [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      const auto& row = apps.rows[i];
      entries[i] = std::make_shared<const AppEntry>(apps.field(row, 0), apps.field(row, 1),
                                                    apps.field(row, 2), secrets[i], codes[i]);
      secrets[i] = std::string();  // the clear secret lives on in the entry only
    }
  });
  apps = {};
  code = {};
  secrets = {};
  codes = {};
  grouped = {};
  next->credentials = build_credentials(std::move(entries), id_keys, threads);
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
  std::vector<std::string> rows_changed;  // apps with a change to more than their AppCodes
  Routes routes;
  std::vector<AppRecord> records;
  auto r = store_.read([&](store::Tx& tx) -> core::Result<core::Unit> {
    for (;;) {
      auto batch = tx.changes_after(seq, kChangeBatch);
      for (auto& c : batch) {
        seq = c.seq;
        if (c.entity == "app") {
          if (!is_code_change(c.op)) rows_changed.push_back(c.entity_id);
          changed_apps.push_back(std::move(c.entity_id));
        } else if (c.entity == "app_code") {
          // Older entries name the code, not its app: re-read every app of the instance.
          for (auto& app : tx.apps_of_instance(c.instance_id)) {
            changed_apps.push_back(app.id);
            rows_changed.push_back(app.id);
          }
        } else {
          routes_changed = true;
        }
      }
      if (static_cast<int>(batch.size()) < kChangeBatch) break;
    }
    sort_unique(changed_apps);
    sort_unique(rows_changed);
    for (const auto& id : changed_apps) {
      // Only its AppCodes changed: the app's id, AppKey and secret are the snapshot's (any other
      // change of an app row is logged as its create, update or delete), so the row is not read
      // again and its sealed secret not opened again (a quarter of an AppCode write's update).
      const auto* known = std::binary_search(rows_changed.begin(), rows_changed.end(), id)
                              ? nullptr
                              : base->credentials.apps.find(id);
      if (known) {
        const AppEntry& e = **known;
        if (!tx.app_in_instance(e.instance_id(), id)) continue;  // gone after all: dropped
        records.push_back(AppRecord{id, e.instance_id(), std::string(e.app_key()),
                                    std::string(e.secret()), digests(tx.code_digests_of_app(id))});
      } else if (auto app = tx.app_by_id(id)) {
        auto codes = digests(tx.code_digests_of_app(id));
        records.push_back(record_of(std::move(*app), std::move(codes)));
      }
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
