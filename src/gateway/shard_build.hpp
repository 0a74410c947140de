#pragma once
// Building a sharded index in one go (a start with many entries): entries ordered by shard with a
// counting sort, then the shards filled by a few threads. Shared by ShardedIndex and CodeIndex.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

namespace gh::gateway {

struct ShardOrder {
  std::vector<std::uint32_t> start;  // shard s holds order[start[s] .. start[s + 1])
  std::vector<std::uint32_t> order;  // entry indexes, grouped by shard
};

// `shard_of(i)` names the shard (< shards ≤ 65536) of entry i; it is called once per entry.
template <class ShardOf>
ShardOrder order_by_shard(std::size_t count, std::size_t shards, ShardOf&& shard_of) {
  ShardOrder out{std::vector<std::uint32_t>(shards + 1, 0), std::vector<std::uint32_t>(count)};
  std::vector<std::uint16_t> shard(count);
  for (std::size_t i = 0; i < count; ++i) {
    shard[i] = static_cast<std::uint16_t>(shard_of(i));
    ++out.start[shard[i] + 1];
  }
  for (std::size_t s = 0; s < shards; ++s) out.start[s + 1] += out.start[s];
  std::vector<std::uint32_t> next(out.start.begin(), out.start.end() - 1);
  for (std::size_t i = 0; i < count; ++i)
    out.order[next[shard[i]]++] = static_cast<std::uint32_t>(i);
  return out;
}

// Calls fill(from, to) over the shards [0, shards), split among up to `threads` threads; one
// thread for fewer than 50,000 entries, where threads do not pay off.
template <class Fill>
void fill_in_parallel(std::size_t shards, std::size_t entries, unsigned threads, Fill&& fill) {
  unsigned n = entries < 50000 ? 1 : std::max(1u, threads);
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < n; ++t) workers.emplace_back(fill, shards * t / n, shards * (t + 1) / n);
  fill(0, shards / n);
  for (auto& w : workers) w.join();
}

}  // namespace gh::gateway
