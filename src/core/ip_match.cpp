#include "core/ip_match.hpp"

#include <algorithm>
#include <array>

namespace gh::core {
namespace {

using Groups = std::array<std::uint16_t, 8>;

IpAddress from_groups(const Groups& g) {
  IpAddress a;
  for (int i = 0; i < 4; ++i) a.hi = (a.hi << 16) | g[i];
  for (int i = 4; i < 8; ++i) a.lo = (a.lo << 16) | g[i];
  return a;
}

Groups to_groups(const IpAddress& a) {
  Groups g{};
  for (int i = 0; i < 4; ++i) g[i] = static_cast<std::uint16_t>(a.hi >> (48 - 16 * i));
  for (int i = 0; i < 4; ++i) g[4 + i] = static_cast<std::uint16_t>(a.lo >> (48 - 16 * i));
  return g;
}

// Dotted quad into 32 bits.
std::optional<std::uint32_t> parse_v4(std::string_view s) {
  std::uint32_t out = 0;
  int parts = 0;
  std::size_t i = 0;
  while (parts < 4) {
    std::size_t start = i;
    unsigned value = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 3)
      value = value * 10 + static_cast<unsigned>(s[i++] - '0');
    std::size_t digits = i - start;
    if (digits == 0 || value > 255 || (digits > 1 && s[start] == '0')) return std::nullopt;
    out = (out << 8) | value;
    if (++parts == 4) break;
    if (i >= s.size() || s[i] != '.') return std::nullopt;
    ++i;
  }
  if (i != s.size()) return std::nullopt;
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<IpAddress> parse_v6(std::string_view s) {
  Groups g{};
  int n = 0;     // groups parsed
  int gap = -1;  // where "::" stands (index into the groups parsed)
  std::size_t i = 0;
  if (s.size() < 2) return std::nullopt;
  if (s[0] == ':') {
    if (s[1] != ':') return std::nullopt;
    gap = 0;
    i = 2;
  }
  while (i < s.size()) {
    std::size_t end = s.find(':', i);
    if (end == std::string_view::npos) end = s.size();
    std::string_view token = s.substr(i, end - i);
    if (token.find('.') != std::string_view::npos) {  // a trailing dotted quad: two groups
      if (end != s.size() || n > 6) return std::nullopt;
      auto v4 = parse_v4(token);
      if (!v4) return std::nullopt;
      g[n++] = static_cast<std::uint16_t>(*v4 >> 16);
      g[n++] = static_cast<std::uint16_t>(*v4);
      i = end;
      break;
    }
    if (token.empty() || token.size() > 4 || n == 8) return std::nullopt;
    unsigned value = 0;
    for (char c : token) {
      int h = hex_value(c);
      if (h < 0) return std::nullopt;
      value = value * 16 + static_cast<unsigned>(h);
    }
    g[n++] = static_cast<std::uint16_t>(value);
    if (end == s.size()) {
      i = end;
      break;
    }
    if (end + 1 < s.size() && s[end + 1] == ':') {  // "::"
      if (gap >= 0) return std::nullopt;
      gap = n;
      i = end + 2;
    } else {
      i = end + 1;
      if (i == s.size()) return std::nullopt;  // a trailing single ':'
    }
  }
  if (gap < 0) {
    if (n != 8) return std::nullopt;
  } else {
    if (n > 7) return std::nullopt;  // "::" stands for at least one group
    int zeros = 8 - n;
    std::copy_backward(g.begin() + gap, g.begin() + n, g.begin() + 8);
    std::fill(g.begin() + gap, g.begin() + gap + zeros, 0);
  }
  return from_groups(g);
}

// A 64-bit word whose `k` most significant bits are set (k clamped to 0..64).
std::uint64_t leading_ones(int k) {
  if (k <= 0) return 0;
  if (k >= 64) return ~std::uint64_t{0};
  return ~std::uint64_t{0} << (64 - k);
}

// The first and the last address of the block of `a` with a prefix of `len` bits (0..128).
IpAddress mask_first(const IpAddress& a, int len) {
  return {a.hi & leading_ones(len), a.lo & leading_ones(len - 64)};
}
IpAddress mask_last(const IpAddress& a, int len) {
  return {a.hi | ~leading_ones(len), a.lo | ~leading_ones(len - 64)};
}

// The successor, saturating at the last address.
IpAddress next(const IpAddress& a) {
  IpAddress n = a;
  if (++n.lo == 0 && ++n.hi == 0) return {~std::uint64_t{0}, ~std::uint64_t{0}};
  return n;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Why `text` is not an address, for error messages.
std::string not_an_address(std::string_view text) {
  std::string t(text.substr(0, 64));
  if (text.empty()) return "an address is missing";
  if (text.find('%') != std::string_view::npos) return "'" + t + "': zone indexes are not allowed";
  if (text.front() == '[') return "'" + t + "': write IPv6 addresses without brackets";
  return "'" + t + "' is not an IPv4 or IPv6 address";
}

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return parse_v6(text);
  auto v4 = parse_v4(text);
  if (!v4) return std::nullopt;
  return IpAddress{0, (std::uint64_t{0xffff} << 32) | *v4};
}

std::string format_ip(const IpAddress& a) {
  std::string out;
  if (a.is_v4()) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      if (shift != 24) out.push_back('.');
      out += std::to_string((a.lo >> shift) & 0xff);
    }
    return out;
  }
  Groups g = to_groups(a);
  int best = -1, best_len = 0;  // the longest run of zero groups (2 or more), the first if tied
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (i > 0 && i != best + best_len) out.push_back(':');
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      int d = (g[i] >> shift) & 0xf;
      if (d == 0 && !started && shift != 0) continue;
      started = true;
      out.push_back(kHex[d]);
    }
  }
  return out;
}

IpRange parse_ip_entry(std::string_view entry) {
  if (entry.empty()) throw std::invalid_argument("empty entry");
  if (entry.size() > IpSet::kMaxEntryLength)
    throw std::invalid_argument("longer than " + std::to_string(IpSet::kMaxEntryLength) +
                                " characters");
  if (auto slash = entry.find('/'); slash != std::string_view::npos) {
    auto text = entry.substr(0, slash);
    auto len_text = entry.substr(slash + 1);
    auto addr = parse_ip(text);
    if (!addr) throw std::invalid_argument(not_an_address(text));
    int max = addr->is_v4() && text.find(':') == std::string_view::npos ? 32 : 128;
    if (len_text.empty() || len_text.size() > 3 ||
        !std::all_of(len_text.begin(), len_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
      throw std::invalid_argument("prefix length '" + std::string(len_text.substr(0, 8)) +
                                  "' is not a number 0-" + std::to_string(max));
    int len = std::stoi(std::string(len_text));
    if (len > max)
      throw std::invalid_argument("prefix length " + std::to_string(len) + " is over " +
                                  std::to_string(max) + (max == 32 ? " for IPv4" : " for IPv6"));
    int bits = max == 32 ? 96 + len : len;  // IPv4 lives in ::ffff:0:0/96
    IpRange r{mask_first(*addr, bits), mask_last(*addr, bits)};
    if (r.first != *addr)
      throw std::invalid_argument("host bits are set; the block is " + format_ip(r.first) + "/" +
                                  std::to_string(len));
    return r;
  }
  if (auto dash = entry.find('-'); dash != std::string_view::npos) {
    auto a_text = trim(entry.substr(0, dash)), b_text = trim(entry.substr(dash + 1));
    auto a = parse_ip(a_text);
    if (!a) throw std::invalid_argument("range start: " + not_an_address(a_text));
    auto b = parse_ip(b_text);
    if (!b) throw std::invalid_argument("range end: " + not_an_address(b_text));
    auto v6_text = [](std::string_view t) { return t.find(':') != std::string_view::npos; };
    if (v6_text(a_text) != v6_text(b_text))
      throw std::invalid_argument("both ends of a range must be IPv4 or both IPv6");
    if (*b < *a) throw std::invalid_argument("the range starts after its end");
    return {*a, *b};
  }
  auto a = parse_ip(entry);
  if (!a) throw std::invalid_argument(not_an_address(entry));
  return {*a, *a};
}

IpListError::IpListError(std::size_t index, std::string_view entry, const std::string& reason)
    : std::invalid_argument("entry " + std::to_string(index) + " '" +
                            std::string(entry.substr(0, 64)) + (entry.size() > 64 ? "…" : "") +
                            "': " + reason),
      index_(index),
      entry_(entry.substr(0, 64)),
      reason_(reason) {}

void IpSet::add_entry(std::size_t index, std::string_view entry, std::size_t max_entries) {
  if (index > max_entries)
    throw IpListError(index, entry, "more than " + std::to_string(max_entries) + " entries");
  try {
    ranges_.push_back(parse_ip_entry(entry));
  } catch (const std::invalid_argument& e) {
    throw IpListError(index, entry, e.what());
  }
}

void IpSet::finish() {
  std::sort(ranges_.begin(), ranges_.end(),
            [](const IpRange& a, const IpRange& b) { return a.first < b.first; });
  std::vector<IpRange> merged;
  merged.reserve(ranges_.size());
  for (const auto& r : ranges_) {
    if (!merged.empty() && (r.first <= merged.back().last || r.first == next(merged.back().last))) {
      merged.back().last = std::max(merged.back().last, r.last);
      continue;
    }
    merged.push_back(r);
  }
  ranges_ = std::move(merged);
}

IpSet IpSet::parse(std::string_view list, std::size_t max_entries) {
  IpSet set;
  if (trim(list).empty()) return set;
  std::size_t index = 0, start = 0;
  for (;;) {
    auto comma = list.find(',', start);
    auto entry = trim(
        list.substr(start, comma == std::string_view::npos ? list.size() - start : comma - start));
    set.add_entry(++index, entry, max_entries);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  set.finish();
  return set;
}

IpSet IpSet::from_entries(std::span<const std::string> entries, std::size_t max_entries) {
  IpSet set;
  std::size_t index = 0;
  for (const auto& e : entries) set.add_entry(++index, trim(e), max_entries);
  set.finish();
  return set;
}

bool IpSet::contains(const IpAddress& a) const {
  // The first range starting after `a`; the one before it is the only one that may hold `a`.
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), a,
                             [](const IpAddress& x, const IpRange& r) { return x < r.first; });
  if (it == ranges_.begin()) return false;
  return a <= std::prev(it)->last;
}

bool IpSet::contains(std::string_view text) const {
  if (ranges_.empty()) return false;
  auto a = parse_ip(text);
  return a && contains(*a);
}

}  // namespace gh::core
