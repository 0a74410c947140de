#pragma once
// The client's address (docs/compatibility.md#g13): the TCP peer, unless the peer is a trusted
// proxy (--trusted-proxies), in which case X-Forwarded-For is read from the right, skipping
// trusted proxies; the first address that is not trusted is the client. An entry that is not an
// address stops the walk, and the last address read (a trusted hop) is used. The gateway uses it
// as $context.sourceIp and as the first entry of the X-Forwarded-For sent to the backend; the
// access log records it.
//
// Cost: with no proxy trusted (the default) client_address() is one test; otherwise it parses
// the peer and the entries it walks, and allocates nothing.
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip_match.hpp"
#include "http/exchange.hpp"

namespace gh::gateway {

struct ClientAddress {
  static constexpr std::size_t kPeer = static_cast<std::size_t>(-1);
  // The address as received: a view into RequestContext::remote_ip or into an X-Forwarded-For
  // value of the request (without port or brackets). Valid as long as the request.
  std::string_view ip;
  // Where the client's X-Forwarded-For entry starts: the index of its field in
  // RequestView::headers and the offset in that field's value; field == kPeer when the client is
  // the TCP peer.
  std::size_t field = kPeer;
  std::size_t offset = 0;
};

ClientAddress client_address(const http::RequestView& request, const http::RequestContext& ctx,
                             const core::IpSet& trusted);

// Appends the X-Forwarded-For value for the backend: the request's X-Forwarded-For entries from
// the client's on (the client, then the trusted proxies it came through), each trimmed, joined by
// ", ", then the TCP peer. With an untrusted peer that is the peer alone: entries nobody trusted
// vouches for are dropped.
void append_forwarded_for(const http::RequestView& request, const http::RequestContext& ctx,
                          const ClientAddress& client, std::string& out);

// The trusted proxies in force, swapped whole on SIGHUP while the loops read them. Readers pay
// one atomic load; a replaced set is kept until this object goes (a loop may still be walking
// it; reloads are rare and sets small), so no reader ever sees a freed set.
class TrustedProxies {
 public:
  explicit TrustedProxies(core::IpSet initial = {});
  const core::IpSet& current() const { return *current_.load(std::memory_order_acquire); }
  void publish(core::IpSet next);

 private:
  std::mutex mutex_;  // publishers only
  std::vector<std::unique_ptr<const core::IpSet>> sets_;
  std::atomic<const core::IpSet*> current_;
};

}  // namespace gh::gateway
