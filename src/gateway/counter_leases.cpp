#include "gateway/counter_leases.hpp"

#include <algorithm>
#include <cmath>

namespace gh::gateway {
namespace {

constexpr std::int64_t kExpiryMarginMs = 60'000;
constexpr std::int64_t kNoCeiling = std::int64_t{1} << 40;  // stored as the largest ceiling

std::int64_t expires_after(const WindowSpec& w, std::int64_t idx) {
  // A row is read until the end of the next window (as that window's previous one).
  return w.origin_ms + (idx + 2) * w.length_ms + kExpiryMarginMs;
}

}  // namespace

std::vector<core::CounterLease> LeaseBook::collect(std::int64_t now_ms, std::int64_t nodes) {
  nodes_ = std::max<std::int64_t>(1, nodes);
  now_ms_ = now_ms;
  table_.set_nodes(nodes_);
  pending_.clear();
  std::vector<core::CounterLease> rows;
  const bool alone = nodes_ == 1;

  std::uint32_t slot;
  while (table_.next_registered(slot)) {
    CounterTable::SlotView v;
    if (!table_.inspect(slot, v)) continue;
    auto [it, fresh] = entries_.try_emplace(slot);
    if (!fresh && it->second.key == v.key) continue;
    it->second = Entry{};
    it->second.key = v.key;
    it->second.win = window::index(v.window, now_ms);
  }

  std::vector<std::uint32_t> gone;
  for (auto& slot_entry : entries_) {
    // Named references, not a structured binding: the lambda below captures them (clang 14
    // refuses to capture structured bindings).
    const std::uint32_t sid = slot_entry.first;
    auto& e = slot_entry.second;
    CounterTable::SlotView v;
    if (!table_.inspect(sid, v) || v.key != e.key) {
      gone.push_back(sid);  // the slot went to another key, which hands itself over
      continue;
    }
    const WindowSpec& w = v.window;
    e.limit = v.limit;
    const std::int64_t idx = window::index(w, now_ms);
    auto row = [&](std::int64_t win, std::int64_t add, std::int64_t ask, std::int64_t weight,
                   Kind kind) {
      core::CounterLease r;
      r.key = e.key;
      r.window = win;
      r.add = add;
      r.ask = ask;
      r.limit = e.limit;
      r.weight = weight;
      r.length_ms = w.length_ms;
      r.nodes = nodes_;
      r.expires_ms = expires_after(w, win);
      if (pending_.try_emplace({e.key, win}, Pending{sid, kind}).second) rows.push_back(r);
    };
    if (idx != e.win) {
      // The entry's window is over: settle what was admitted in it against what was held.
      const bool next = idx == e.win + 1;
      const std::int64_t used = next ? table_.count_at(sid, e.win) : e.last_used;
      if (used != e.held) row(e.win, used - e.held, 0, 0, Kind::kSettle);
      e.held = next ? e.held_next : 0;
      e.held_next = 0;
      e.others = 0;
      e.last_used = 0;
      e.win = idx;
    }
    const std::int64_t used = table_.count_at(sid, idx);
    const std::int64_t since = std::max<std::int64_t>(
        1, e.last_exchange_ms < 0 ? settings_.interval_ms : now_ms - e.collected_ms);
    const double recent = static_cast<double>(std::max<std::int64_t>(0, used - e.last_used)) /
                          static_cast<double>(since);
    e.rate_per_ms = e.last_exchange_ms < 0 ? recent : 0.7 * e.rate_per_ms + 0.3 * recent;
    e.last_used = used;
    e.collected_ms = now_ms;
    if (used == 0 && e.held == 0 && e.held_next == 0 && v.idle_after_ms < now_ms) {
      table_.untrack(sid);  // idle for two windows: its next request hands it over again
      gone.push_back(sid);
      continue;
    }
    std::int64_t add = 0, ask = 0, target = 0;
    if (alone) {
      add = used - e.held;
    } else {
      // Enough for the horizon at the recent rate, and at least a quarter of the node's share
      // of the limit once the key counted here this window (so that a burst between two
      // exchanges is not refused while the limit is far).
      target = static_cast<std::int64_t>(
          std::ceil(e.rate_per_ms * static_cast<double>(settings_.horizon_ms)));
      if (used > 0) target = std::max(target, (e.limit + 4 * nodes_ - 1) / (4 * nodes_));
      std::int64_t outstanding = e.held - used;
      if (outstanding < 0) add = -outstanding, outstanding = 0;
      ask = std::max<std::int64_t>(0, target - outstanding);
      if (outstanding > 4 * target) add = -(outstanding - target), ask = 0;
    }
    const std::int64_t elapsed = window::elapsed(w, idx, now_ms);
    if (add != 0 || ask != 0 || e.last_exchange_ms < 0 ||
        now_ms - e.last_exchange_ms >= settings_.refresh_ms)
      row(idx, add, ask, w.sliding ? w.length_ms - elapsed : 0, Kind::kCurrent);
    if (!alone && target > 0 && w.length_ms - elapsed <= 2 * settings_.interval_ms &&
        target > e.held_next)
      row(idx + 1, 0, target - e.held_next, w.sliding ? w.length_ms : 0, Kind::kNext);
  }
  for (auto sid : gone) entries_.erase(sid);
  return rows;
}

void LeaseBook::apply(const std::vector<core::CounterLease>& rows) {
  for (const auto& r : rows) {
    auto p = pending_.find({r.key, r.window});
    if (p == pending_.end()) continue;
    auto it = entries_.find(p->second.slot);
    if (it == entries_.end() || it->second.key != r.key) continue;
    Entry& e = it->second;
    switch (p->second.kind) {
      case Kind::kCurrent:
        if (r.window != e.win) break;
        e.held = std::max<std::int64_t>(0, e.held + r.add) + r.granted;
        e.others = std::max<std::int64_t>(0, r.count - e.held);
        e.last_exchange_ms = now_ms_;
        // Alone: no ceiling but the limit itself, as the request reads it (a raised limit is in
        // force at once).
        table_.set_lease(p->second.slot, e.win, e.others, nodes_ == 1 ? kNoCeiling : e.held);
        break;
      case Kind::kNext:
        if (r.window != e.win + 1) break;
        e.held_next += r.granted;
        table_.set_lease(p->second.slot, r.window, std::max<std::int64_t>(0, r.count - e.held_next),
                         e.held_next);
        break;
      case Kind::kSettle:
        break;
    }
  }
  pending_.clear();
}

void LeaseBook::fail_open() {
  for (auto& [sid, e] : entries_)
    table_.set_lease(sid, e.win, e.others,
                     nodes_ == 1 ? kNoCeiling : std::max(e.held, e.limit / nodes_));
  pending_.clear();
}

}  // namespace gh::gateway
