#include "gateway/client_address.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace gh::gateway {
namespace {

// A request from `peer` carrying the given header fields.
struct Request {
  std::vector<http::HeaderView> fields;
  http::RequestView view;
  http::RequestContext ctx;

  Request(std::string peer, std::vector<http::HeaderView> f) : fields(std::move(f)) {
    view.headers = fields;
    ctx.remote_ip = std::move(peer);
  }
  // The client address and the X-Forwarded-For sent to the backend.
  std::pair<std::string, std::string> walk(const core::IpSet& trusted) const {
    auto c = client_address(view, ctx, trusted);
    std::string xff;
    append_forwarded_for(view, ctx, c, xff);
    return {std::string(c.ip), xff};
  }
};

using Pair = std::pair<std::string, std::string>;

const core::IpSet kProxies = core::IpSet::parse("10.0.0.0/8, 2001:db8::/32");

TEST(ClientAddress, NobodyTrustedMeansThePeer) {
  Request r("192.0.2.1", {{"X-Forwarded-For", "203.0.113.9"}});
  EXPECT_EQ(r.walk(core::IpSet()), (Pair{"192.0.2.1", "192.0.2.1"}));
  // The forged entry is not passed on either.
  EXPECT_EQ(r.walk(kProxies), (Pair{"192.0.2.1", "192.0.2.1"}));
}

TEST(ClientAddress, TrustedPeerWithoutForwardedFor) {
  Request r("10.0.0.1", {{"Host", "x"}});
  EXPECT_EQ(r.walk(kProxies), (Pair{"10.0.0.1", "10.0.0.1"}));
}

TEST(ClientAddress, TrustedPeerNamesTheClient) {
  Request r("10.0.0.1", {{"X-Forwarded-For", "203.0.113.9"}});
  EXPECT_EQ(r.walk(kProxies), (Pair{"203.0.113.9", "203.0.113.9, 10.0.0.1"}));
}

TEST(ClientAddress, WalksFromTheRightSkippingTrustedHops) {
  // The client forged the first entry; the first untrusted address from the right is the client,
  // and what lies left of it is dropped.
  Request r("10.0.0.1", {{"x-forwarded-for", "198.51.100.1, 203.0.113.9,10.2.0.1 , 10.3.0.1"}});
  EXPECT_EQ(r.walk(kProxies), (Pair{"203.0.113.9", "203.0.113.9, 10.2.0.1, 10.3.0.1, 10.0.0.1"}));
}

TEST(ClientAddress, SeveralFieldsAreOneList) {
  Request r("10.0.0.1", {{"X-Forwarded-For", "198.51.100.1, 203.0.113.9"},
                         {"Accept", "*/*"},
                         {"X-Forwarded-For", "10.9.9.9"}});
  EXPECT_EQ(r.walk(kProxies), (Pair{"203.0.113.9", "203.0.113.9, 10.9.9.9, 10.0.0.1"}));
  Request all_trusted("10.0.0.1", {{"X-Forwarded-For", "10.1.1.1"}, {"X-Forwarded-For", ""}});
  EXPECT_EQ(all_trusted.walk(kProxies), (Pair{"10.1.1.1", "10.1.1.1, 10.0.0.1"}));
}

TEST(ClientAddress, EveryHopTrustedGivesTheFirst) {
  Request r("10.0.0.1", {{"X-Forwarded-For", "10.5.0.1, 10.6.0.1"}});
  EXPECT_EQ(r.walk(kProxies), (Pair{"10.5.0.1", "10.5.0.1, 10.6.0.1, 10.0.0.1"}));
}

TEST(ClientAddress, MalformedEntryStopsTheWalk) {
  // The last trusted hop read is the answer: here the proxy 10.6.0.1, whose own peer is garbage.
  Request r("10.0.0.1", {{"X-Forwarded-For", "203.0.113.9, unknown, 10.6.0.1"}});
  EXPECT_EQ(r.walk(kProxies), (Pair{"10.6.0.1", "10.6.0.1, 10.0.0.1"}));
  // Garbage right at the end: the TCP peer.
  Request end("10.0.0.1", {{"X-Forwarded-For", "203.0.113.9, 1.2.3.999"}});
  EXPECT_EQ(end.walk(kProxies), (Pair{"10.0.0.1", "10.0.0.1"}));
  Request obfuscated("10.0.0.1", {{"X-Forwarded-For", "_hidden"}});
  EXPECT_EQ(obfuscated.walk(kProxies), (Pair{"10.0.0.1", "10.0.0.1"}));
}

TEST(ClientAddress, EmptyElementsAreIgnored) {
  Request r("10.0.0.1", {{"X-Forwarded-For", " , 203.0.113.9 ,, "}});
  EXPECT_EQ(r.walk(kProxies), (Pair{"203.0.113.9", "203.0.113.9, 10.0.0.1"}));
}

TEST(ClientAddress, PortsAndBracketsAreTolerated) {
  Request v4("10.0.0.1", {{"X-Forwarded-For", "203.0.113.9:4711, 10.2.0.1:80"}});
  EXPECT_EQ(v4.walk(kProxies), (Pair{"203.0.113.9", "203.0.113.9:4711, 10.2.0.1:80, 10.0.0.1"}));
  Request v6("10.0.0.1", {{"X-Forwarded-For", "[2001:db9::7]:443, [2001:db8::5]"}});
  EXPECT_EQ(v6.walk(kProxies).first, "2001:db9::7");
  Request bad("10.0.0.1", {{"X-Forwarded-For", "203.0.113.9, [2001:db8::5"}});
  EXPECT_EQ(bad.walk(kProxies).first, "10.0.0.1");
}

TEST(ClientAddress, Ipv6AndV4MappedPeers) {
  Request v6("2001:db8::10", {{"X-Forwarded-For", "2001:db9::1"}});
  EXPECT_EQ(v6.walk(kProxies), (Pair{"2001:db9::1", "2001:db9::1, 2001:db8::10"}));
  // A dual-stack listener sees IPv4 peers as v4-mapped addresses: they match IPv4 entries.
  Request mapped("::ffff:10.0.0.1", {{"X-Forwarded-For", "::ffff:203.0.113.9"}});
  EXPECT_EQ(mapped.walk(kProxies).first, "::ffff:203.0.113.9");
  Request untrusted("2001:db9::1", {{"X-Forwarded-For", "2001:db8::5"}});
  EXPECT_EQ(untrusted.walk(kProxies).first, "2001:db9::1");
}

TEST(TrustedProxies, PublishSwapsWholeSetsWhileRead) {
  TrustedProxies proxies;
  EXPECT_TRUE(proxies.current().empty());
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load()) {
      const auto& set = proxies.current();
      // Either set, never a mix: both addresses in or both out.
      bool a = set.contains("10.0.0.1"), b = set.contains("10.0.0.2");
      ASSERT_EQ(a, b);
    }
  });
  for (int i = 0; i < 200; ++i)
    proxies.publish(core::IpSet::parse(i % 2 ? "" : "10.0.0.1, 10.0.0.2"));
  stop = true;
  reader.join();
  EXPECT_TRUE(proxies.current().empty());
}

}  // namespace
}  // namespace gh::gateway
