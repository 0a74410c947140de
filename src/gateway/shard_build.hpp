#pragma once
// Building a sharded index in one go (a start with many entries): entries ordered by shard with a
// counting sort, then the shards filled by a few threads. Shared by ShardedIndex and CodeIndex.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

namespace gh::gateway {

// How many entries ahead a bulk fill prefetches the key it will read (a cold line each).
inline constexpr std::size_t kPrefetchAhead = 8;

struct ShardOrder {
  std::vector<std::uint32_t> start;  // shard s holds order[start[s] .. start[s + 1])
  std::vector<std::uint32_t> order;  // entry indexes, grouped by shard
};

// Calls work(from, to) over the range [0, count), split among up to `threads` threads; one
// thread for fewer than 50,000 items, where threads do not pay off.
template <class Work>
void split_in_parallel(std::size_t count, std::size_t items, unsigned threads, Work&& work) {
  unsigned n = items < 50000 ? 1 : std::max(1u, threads);
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < n; ++t) workers.emplace_back(work, count * t / n, count * (t + 1) / n);
  work(0, count / n);
  for (auto& w : workers) w.join();
}

// Calls fill(from, to) over the shards [0, shards), split among up to `threads` threads (one for
// fewer than 50,000 entries).
template <class Fill>
void fill_in_parallel(std::size_t shards, std::size_t entries, unsigned threads, Fill&& fill) {
  split_in_parallel(shards, entries, threads, std::forward<Fill>(fill));
}

// `shard_of(i)` names the shard (< shards ≤ 65536) of entry i; it is called once per entry, from
// up to `threads` threads at once. Computing it may read an entry's key from a cold line (an
// index of ten million apps), which is why it runs in parallel; the counting sort does not.
template <class ShardOf>
ShardOrder order_by_shard(std::size_t count, std::size_t shards, ShardOf&& shard_of,
                          unsigned threads = 1) {
  ShardOrder out{std::vector<std::uint32_t>(shards + 1, 0), std::vector<std::uint32_t>(count)};
  std::vector<std::uint16_t> shard(count);
  split_in_parallel(count, count, threads, [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) shard[i] = static_cast<std::uint16_t>(shard_of(i));
  });
  for (auto s : shard) ++out.start[s + 1];
  for (std::size_t s = 0; s < shards; ++s) out.start[s + 1] += out.start[s];
  std::vector<std::uint32_t> next(out.start.begin(), out.start.end() - 1);
  for (std::size_t i = 0; i < count; ++i)
    out.order[next[shard[i]]++] = static_cast<std::uint32_t>(i);
  return out;
}

}  // namespace gh::gateway
