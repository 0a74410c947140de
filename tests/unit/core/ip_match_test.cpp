#include "core/ip_match.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gh::core {
namespace {

IpAddress ip(std::string_view text) {
  auto a = parse_ip(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(IpAddress{});
}

// The reason an entry is refused ("" when it parses).
std::string refusal(std::string_view entry) {
  try {
    parse_ip_entry(entry);
    return "";
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
}

TEST(ParseIp, Ipv4) {
  EXPECT_EQ(ip("0.0.0.0"), (IpAddress{0, 0xffff00000000}));
  EXPECT_EQ(ip("192.0.2.1"), (IpAddress{0, 0xffffc0000201}));
  EXPECT_EQ(ip("255.255.255.255"), (IpAddress{0, 0xffffffffffff}));
  EXPECT_TRUE(ip("10.1.2.3").is_v4());
  for (const char* bad :
       {"", "1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.-4", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4",
        "1..2.3", "1.2.3.", "a.b.c.d", "1.2.3.4/8", "1.2.3.1000", "0x1.2.3.4"})
    EXPECT_FALSE(parse_ip(bad)) << bad;
}

TEST(ParseIp, Ipv6) {
  EXPECT_EQ(ip("::"), (IpAddress{0, 0}));
  EXPECT_EQ(ip("::1"), (IpAddress{0, 1}));
  EXPECT_EQ(ip("2001:db8::1"), (IpAddress{0x20010db800000000, 1}));
  EXPECT_EQ(ip("2001:DB8:0:0:0:0:0:1"), ip("2001:db8::1"));
  EXPECT_EQ(ip("1:2:3:4:5:6:7:8"), (IpAddress{0x0001000200030004, 0x0005000600070008}));
  EXPECT_EQ(ip("1::"), (IpAddress{0x0001000000000000, 0}));
  EXPECT_EQ(ip("1:2:3:4:5:6:7::"), (IpAddress{0x0001000200030004, 0x0005000600070000}));
  EXPECT_EQ(ip("::2:3:4:5:6:7:8"), (IpAddress{0x0000000200030004, 0x0005000600070008}));
  // v4-mapped: the same address as the dotted quad, in either notation.
  EXPECT_EQ(ip("::ffff:192.0.2.1"), ip("192.0.2.1"));
  EXPECT_EQ(ip("::ffff:c000:201"), ip("192.0.2.1"));
  EXPECT_FALSE(ip("::192.0.2.1").is_v4());  // IPv4-compatible (deprecated) is not v4-mapped
  EXPECT_EQ(ip("1:2:3:4:5:6:1.2.3.4"), (IpAddress{0x0001000200030004, 0x0005000601020304}));
  for (const char* bad :
       {":", ":::", "1:2", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1::2::3",
        ":1::", "1::2:", "12345::", "g::", "fe80::1%eth0", "[::1]", "::1.2.3",
        "1.2.3.4::", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4", "::ffff:01.2.3.4", " ::1"})
    EXPECT_FALSE(parse_ip(bad)) << bad;
}

TEST(FormatIp, CanonicalText) {
  EXPECT_EQ(format_ip(ip("10.0.0.1")), "10.0.0.1");
  EXPECT_EQ(format_ip(ip("::ffff:10.0.0.1")), "10.0.0.1");
  EXPECT_EQ(format_ip(ip("::")), "::");
  EXPECT_EQ(format_ip(ip("::1")), "::1");
  EXPECT_EQ(format_ip(ip("2001:0db8:0000:0000:0000:0000:0000:0001")), "2001:db8::1");
  EXPECT_EQ(format_ip(ip("2001:db8:0:1:0:0:0:1")), "2001:db8:0:1::1");       // the longer run
  EXPECT_EQ(format_ip(ip("2001:db8:0:0:1:0:0:1")), "2001:db8::1:0:0:1");     // the first of two
  EXPECT_EQ(format_ip(ip("2001:db8:0:1:1:1:1:1")), "2001:db8:0:1:1:1:1:1");  // one 0 stays
  EXPECT_EQ(format_ip(ip("1::")), "1::");
}

TEST(ParseIpEntry, AddressesBlocksAndRanges) {
  EXPECT_EQ(parse_ip_entry("10.0.0.1"), (IpRange{ip("10.0.0.1"), ip("10.0.0.1")}));
  EXPECT_EQ(parse_ip_entry("10.0.0.0/8"), (IpRange{ip("10.0.0.0"), ip("10.255.255.255")}));
  EXPECT_EQ(parse_ip_entry("10.0.0.7/32"), (IpRange{ip("10.0.0.7"), ip("10.0.0.7")}));
  EXPECT_EQ(parse_ip_entry("0.0.0.0/0"), (IpRange{ip("0.0.0.0"), ip("255.255.255.255")}));
  EXPECT_EQ(parse_ip_entry("::/0"),
            (IpRange{ip("::"), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")}));
  EXPECT_EQ(parse_ip_entry("::1/128"), (IpRange{ip("::1"), ip("::1")}));
  EXPECT_EQ(parse_ip_entry("2001:db8::/32"),
            (IpRange{ip("2001:db8::"), ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")}));
  EXPECT_EQ(parse_ip_entry("2001:db8::/64"),
            (IpRange{ip("2001:db8::"), ip("2001:db8::ffff:ffff:ffff:ffff")}));
  EXPECT_EQ(parse_ip_entry("2001:db8::/65"),
            (IpRange{ip("2001:db8::"), ip("2001:db8::7fff:ffff:ffff:ffff")}));
  EXPECT_EQ(parse_ip_entry("::ffff:10.0.0.0/104"), parse_ip_entry("10.0.0.0/8"));
  EXPECT_EQ(parse_ip_entry("10.0.0.1-10.0.0.9"), (IpRange{ip("10.0.0.1"), ip("10.0.0.9")}));
  EXPECT_EQ(parse_ip_entry("10.0.0.1 - 10.0.0.1"), (IpRange{ip("10.0.0.1"), ip("10.0.0.1")}));
  EXPECT_EQ(parse_ip_entry("2001:db8::1-2001:db8::ff"),
            (IpRange{ip("2001:db8::1"), ip("2001:db8::ff")}));
}

TEST(ParseIpEntry, RefusalsSayWhy) {
  EXPECT_EQ(refusal(""), "empty entry");
  EXPECT_EQ(refusal("10.0.0.256"), "'10.0.0.256' is not an IPv4 or IPv6 address");
  EXPECT_EQ(refusal("10.0.0.0/33"), "prefix length 33 is over 32 for IPv4");
  EXPECT_EQ(refusal("::/129"), "prefix length 129 is over 128 for IPv6");
  EXPECT_EQ(refusal("10.0.0.0/"), "prefix length '' is not a number 0-32");
  EXPECT_EQ(refusal("10.0.0.0/-1"), "prefix length '-1' is not a number 0-32");
  EXPECT_EQ(refusal("10.0.0.0/8/8"), "prefix length '8/8' is not a number 0-32");
  EXPECT_EQ(refusal("10.0.0.1/8"), "host bits are set; the block is 10.0.0.0/8");
  EXPECT_EQ(refusal("2001:db8::1/32"), "host bits are set; the block is 2001:db8::/32");
  EXPECT_EQ(refusal("10.0.0.9-10.0.0.1"), "the range starts after its end");
  EXPECT_EQ(refusal("10.0.0.1-::1"), "both ends of a range must be IPv4 or both IPv6");
  EXPECT_EQ(refusal("10.0.0.1-"), "range end: an address is missing");
  EXPECT_EQ(refusal("x-10.0.0.1"), "range start: 'x' is not an IPv4 or IPv6 address");
  EXPECT_EQ(refusal("fe80::1%eth0"), "'fe80::1%eth0': zone indexes are not allowed");
  EXPECT_EQ(refusal("[::1]"), "'[::1]': write IPv6 addresses without brackets");
  EXPECT_EQ(refusal(std::string(101, '1')), "longer than 100 characters");
}

TEST(IpSet, EmptyListTrustsNobody) {
  for (const char* list : {"", "  "}) {
    auto set = IpSet::parse(list);
    EXPECT_TRUE(set.empty());
    EXPECT_FALSE(set.contains(ip("127.0.0.1")));
    EXPECT_FALSE(set.contains("127.0.0.1"));
  }
}

TEST(IpSet, MembershipAtTheEdges) {
  auto set = IpSet::parse("10.0.0.0/8, 192.0.2.10-192.0.2.20 ,203.0.113.5, 2001:db8::/32, ::1");
  for (const char* in : {"10.0.0.0", "10.255.255.255", "10.1.2.3", "192.0.2.10", "192.0.2.15",
                         "192.0.2.20", "203.0.113.5", "::ffff:10.0.0.1",
                         "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "::1"})
    EXPECT_TRUE(set.contains(in)) << in;
  for (const char* out : {"9.255.255.255", "11.0.0.0", "192.0.2.9", "192.0.2.21", "203.0.113.4",
                          "203.0.113.6", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
                          "2001:db9::", "::", "::2", "::10.0.0.1", "not an address", ""})
    EXPECT_FALSE(set.contains(out)) << out;
}

TEST(IpSet, SlashZeroCoversItsFamily) {
  auto v4 = IpSet::parse("0.0.0.0/0");
  EXPECT_TRUE(v4.contains("0.0.0.0"));
  EXPECT_TRUE(v4.contains("255.255.255.255"));
  EXPECT_TRUE(v4.contains("::ffff:1.2.3.4"));
  EXPECT_FALSE(v4.contains("::1"));
  EXPECT_FALSE(v4.contains("2001:db8::1"));
  auto all = IpSet::parse("::/0");
  EXPECT_TRUE(all.contains("::"));
  EXPECT_TRUE(all.contains("1.2.3.4"));
  EXPECT_TRUE(all.contains("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  ASSERT_EQ(all.ranges().size(), 1u);
}

TEST(IpSet, SingleAddressBlocks) {
  auto set = IpSet::parse("192.0.2.1/32, 2001:db8::1/128");
  EXPECT_TRUE(set.contains("192.0.2.1"));
  EXPECT_FALSE(set.contains("192.0.2.0"));
  EXPECT_FALSE(set.contains("192.0.2.2"));
  EXPECT_TRUE(set.contains("2001:db8::1"));
  EXPECT_FALSE(set.contains("2001:db8::"));
  EXPECT_FALSE(set.contains("2001:db8::2"));
}

TEST(IpSet, OverlappingAndTouchingEntriesMerge) {
  auto set = IpSet::parse("10.0.0.128/25, 10.0.0.0/25, 10.0.0.5, 10.0.1.0-10.0.1.9, 10.0.3.0");
  ASSERT_EQ(set.ranges().size(), 2u);
  EXPECT_EQ(set.ranges()[0], (IpRange{ip("10.0.0.0"), ip("10.0.1.9")}));
  EXPECT_EQ(set.ranges()[1], (IpRange{ip("10.0.3.0"), ip("10.0.3.0")}));
  EXPECT_FALSE(set.contains("10.0.1.10"));
  EXPECT_TRUE(set.contains("10.0.0.255"));
  auto top = IpSet::parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, ::/0");
  ASSERT_EQ(top.ranges().size(), 1u);
}

TEST(IpSet, ErrorsNameTheEntry) {
  try {
    IpSet::parse("10.0.0.1, 10.0.0.0/33, 10.0.0.2");
    FAIL();
  } catch (const IpListError& e) {
    EXPECT_EQ(e.index(), 2u);
    EXPECT_EQ(e.entry(), "10.0.0.0/33");
    EXPECT_EQ(e.reason(), "prefix length 33 is over 32 for IPv4");
    EXPECT_STREQ(e.what(), "entry 2 '10.0.0.0/33': prefix length 33 is over 32 for IPv4");
  }
  try {
    IpSet::parse("10.0.0.1,,10.0.0.2");
    FAIL();
  } catch (const IpListError& e) {
    EXPECT_STREQ(e.what(), "entry 2 '': empty entry");
  }
  try {
    IpSet::parse("10.0.0.1,");
    FAIL();
  } catch (const IpListError& e) {
    EXPECT_EQ(e.index(), 2u);
  }
  try {  // a long entry is cut in the message
    IpSet::parse("1.2.3.4," + std::string(200, 'x'));
    FAIL();
  } catch (const IpListError& e) {
    EXPECT_EQ(e.entry(), std::string(64, 'x'));
    EXPECT_LT(std::string(e.what()).size(), 120u);
  }
}

TEST(IpSet, EntryCountIsCapped) {
  std::string list;
  for (int i = 0; i < 5; ++i) list += (i ? "," : "") + ("10.0.0." + std::to_string(i));
  EXPECT_NO_THROW(IpSet::parse(list, 5));
  try {
    IpSet::parse(list + ",10.0.0.9", 5);
    FAIL();
  } catch (const IpListError& e) {
    EXPECT_EQ(e.index(), 6u);
    EXPECT_EQ(e.reason(), "more than 5 entries");
  }
  std::string big;
  for (std::size_t i = 0; i <= IpSet::kMaxEntries; ++i)
    big += (i ? "," : "") + std::string("10.0.0.1");
  EXPECT_THROW(IpSet::parse(big), IpListError);
}

TEST(IpSet, FromEntries) {
  std::vector<std::string> acl{"10.0.0.0/24", " 192.0.2.1-192.0.2.3 ", "2001:db8::1"};
  auto set = IpSet::from_entries(acl);
  EXPECT_TRUE(set.contains("10.0.0.200"));
  EXPECT_TRUE(set.contains("192.0.2.2"));
  EXPECT_TRUE(set.contains("2001:db8::1"));
  EXPECT_FALSE(set.contains("192.0.2.4"));
  acl.push_back("10.0.0.0/40");
  try {
    IpSet::from_entries(acl);
    FAIL();
  } catch (const IpListError& e) {
    EXPECT_EQ(e.index(), 4u);
  }
}

}  // namespace
}  // namespace gh::core
