#include "gateway/client_address.hpp"

namespace gh::gateway {
namespace {

bool is_forwarded_for(const http::HeaderView& h) {
  return http::iequals_ascii(h.name, "x-forwarded-for");
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The address part of an X-Forwarded-For entry: some proxies add a port ("192.0.2.1:4711",
// "[2001:db8::1]:4711") or brackets ("[2001:db8::1]"). Anything else is returned as it is (and
// then fails to parse if it is not an address).
std::string_view address_part(std::string_view e) {
  if (!e.empty() && e.front() == '[') {
    auto close = e.find(']');
    if (close == std::string_view::npos) return e;
    auto rest = e.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || rest.size() == 1)) return e;
    return e.substr(1, close - 1);
  }
  auto colon = e.find(':');
  if (colon != std::string_view::npos && e.find(':', colon + 1) == std::string_view::npos &&
      colon + 1 < e.size())
    return e.substr(0, colon);  // IPv4:port (an IPv6 address has at least two colons)
  return e;
}

}  // namespace

ClientAddress client_address(const http::RequestView& request, const http::RequestContext& ctx,
                             const core::IpSet& trusted) {
  ClientAddress client{ctx.remote_ip};
  if (trusted.empty() || !trusted.contains(std::string_view(ctx.remote_ip))) return client;
  const auto& headers = request.headers;
  for (std::size_t f = headers.size(); f-- > 0;) {
    if (!is_forwarded_for(headers[f])) continue;
    std::string_view value = headers[f].value;
    std::size_t end = value.size();
    for (;;) {
      std::size_t comma = end == 0 ? std::string_view::npos : value.rfind(',', end - 1);
      std::size_t start = comma == std::string_view::npos ? 0 : comma + 1;
      std::string_view raw = value.substr(start, end - start);
      std::string_view entry = trim(raw);
      if (!entry.empty()) {  // empty list elements are ignored (RFC 9110 §5.6.1)
        std::string_view text = address_part(entry);
        auto ip = core::parse_ip(text);
        if (!ip) return client;  // not an address: the last hop read stands
        client = {text, f, start + static_cast<std::size_t>(entry.data() - raw.data())};
        if (!trusted.contains(*ip)) return client;
      }
      if (comma == std::string_view::npos) break;
      end = comma;
    }
  }
  return client;  // every hop is trusted: the first one
}

void append_forwarded_for(const http::RequestView& request, const http::RequestContext& ctx,
                          const ClientAddress& client, std::string& out) {
  if (client.field != ClientAddress::kPeer) {
    // The entries from the client's on, as received but each trimmed, joined by ", ".
    const auto& headers = request.headers;
    for (std::size_t f = client.field; f < headers.size(); ++f) {
      if (!is_forwarded_for(headers[f])) continue;
      std::string_view rest = headers[f].value;
      if (f == client.field) rest = rest.substr(client.offset);
      for (;;) {
        auto comma = rest.find(',');
        auto entry = trim(rest.substr(0, comma));
        if (!entry.empty()) {
          out.append(entry);
          out.append(", ");
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
  }
  out.append(ctx.remote_ip);
}

TrustedProxies::TrustedProxies(core::IpSet initial) {
  sets_.push_back(std::make_unique<const core::IpSet>(std::move(initial)));
  current_.store(sets_.back().get(), std::memory_order_release);
}

void TrustedProxies::publish(core::IpSet next) {
  std::lock_guard lock(mutex_);
  sets_.push_back(std::make_unique<const core::IpSet>(std::move(next)));
  current_.store(sets_.back().get(), std::memory_order_release);
}

}  // namespace gh::gateway
