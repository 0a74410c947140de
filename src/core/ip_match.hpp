#pragma once
// Sets of IP addresses, written as lists of addresses, CIDR blocks and ranges: the gateway's
// trusted proxies (--trusted-proxies), and the shape IP ACLs and app ACLs (`app_acl_values`) use.
//
// One address space for both families: IPv4 a.b.c.d is the v4-mapped IPv6 address
// ::ffff:a.b.c.d, so a peer seen as "::ffff:10.0.0.1" on a dual-stack socket matches "10.0.0.0/8",
// and "0.0.0.0/0" means every IPv4 address (::ffff:0:0/96), while "::/0" means every address.
//
// An IpSet is built once (parsing may allocate and throws precise errors) and then read by many
// threads: contains() is a binary search over sorted, disjoint ranges and allocates nothing.
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gh::core {

// 128 bits, most significant first; IPv4 is v4-mapped (::ffff:a.b.c.d).
struct IpAddress {
  std::uint64_t hi = 0, lo = 0;

  bool is_v4() const { return hi == 0 && (lo >> 32) == 0xffff; }
  friend constexpr auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

// Parses an address as written in a list or a header: dotted-quad IPv4 (four decimal parts
// 0-255, no leading zeros: "010.0.0.1" is refused rather than guessed octal) or IPv6 text
// (RFC 4291: hex groups, one "::", an optional trailing dotted quad). No brackets, port, zone
// ("%eth0") or surrounding spaces. nullopt when malformed. Allocates nothing.
std::optional<IpAddress> parse_ip(std::string_view text);

// The canonical text: dotted quad for IPv4 (v4-mapped), RFC 5952 for IPv6.
std::string format_ip(const IpAddress& a);

// An inclusive range of addresses.
struct IpRange {
  IpAddress first, last;
  friend constexpr bool operator==(const IpRange&, const IpRange&) = default;
};

// One entry of a list, without surrounding spaces:
//   "ADDR"              one address;
//   "ADDR/LEN"          a CIDR block, LEN 0-32 for IPv4, 0-128 for IPv6; the address must be the
//                       block's first (host bits zero: "10.0.0.1/8" is refused, naming 10.0.0.0/8);
//   "FIRST-LAST"        an inclusive range, both of one family, FIRST <= LAST.
// Throws std::invalid_argument whose what() says why (e.g. "prefix length 33 is over 32 for
// IPv4"), without repeating the entry.
IpRange parse_ip_entry(std::string_view entry);

// A list that does not parse: which entry (1-based), what it says (cut at 64 characters), why.
// what() is "entry 2 '10.0.0.0/33': prefix length 33 is over 32 for IPv4".
class IpListError : public std::invalid_argument {
 public:
  IpListError(std::size_t index, std::string_view entry, const std::string& reason);
  std::size_t index() const { return index_; }
  const std::string& entry() const { return entry_; }
  const std::string& reason() const { return reason_; }

 private:
  std::size_t index_;
  std::string entry_, reason_;
};

class IpSet {
 public:
  // Entries a list may have by default: far above any proxy chain or ACL (Huawei's IP ACL
  // policies take a few hundred), low enough that a pasted file is refused rather than loaded.
  static constexpr std::size_t kMaxEntries = 1024;
  // Characters of one entry ("ffff:…:ffff-ffff:…:ffff" is 79).
  static constexpr std::size_t kMaxEntryLength = 100;

  IpSet() = default;  // empty: contains nothing

  // A comma-separated list of entries (parse_ip_entry), spaces around entries ignored; an empty
  // or blank list is the empty set, an empty entry between commas is an error. Throws
  // IpListError naming the first bad entry, or the first entry over `max_entries`.
  static IpSet parse(std::string_view list, std::size_t max_entries = kMaxEntries);
  // The same from separate entries (e.g. a JSON array such as `app_acl_values`).
  static IpSet from_entries(std::span<const std::string> entries,
                            std::size_t max_entries = kMaxEntries);

  bool empty() const { return ranges_.empty(); }
  // O(log n); allocates nothing; safe from any number of threads.
  bool contains(const IpAddress& a) const;
  // Parses `text` (parse_ip) first; a malformed address is in no set.
  bool contains(std::string_view text) const;
  // Sorted, disjoint and non-adjacent (overlapping and touching entries are merged).
  std::span<const IpRange> ranges() const { return ranges_; }

 private:
  void add_entry(std::size_t index, std::string_view entry, std::size_t max_entries);
  void finish();

  std::vector<IpRange> ranges_;
};

}  // namespace gh::core
