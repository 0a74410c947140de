#pragma once
// Header-field helpers shared by the HTTP/1.1 parser, the HTTP/2 session and the gateway: name
// comparison and optional-whitespace trimming (from core/ascii.hpp) and the hop-by-hop list.
#include <cstddef>
#include <string_view>
#include <vector>

#include "core/ascii.hpp"

namespace gh::http {

// The ASCII helpers live in core (the signer below http uses them too); named here as well.
using core::iequals_ascii;
using core::istarts_with_ascii;
using core::trim_ows;

// Connection-specific fields that a proxy never forwards (RFC 9110 §7.6.1) and HTTP/2 forbids:
// Connection, Keep-Alive, Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE,
// Trailer, Transfer-Encoding, Upgrade.
inline bool is_hop_by_hop(std::string_view n) {
  switch (n.size()) {
    case 2:
      return iequals_ascii(n, "te");
    case 7:
      return iequals_ascii(n, "trailer") || iequals_ascii(n, "upgrade");
    case 10:
      return iequals_ascii(n, "connection") || iequals_ascii(n, "keep-alive");
    case 16:
      return iequals_ascii(n, "proxy-connection");
    case 17:
      return iequals_ascii(n, "transfer-encoding");
    case 18:
      return iequals_ascii(n, "proxy-authenticate");
    case 19:
      return iequals_ascii(n, "proxy-authorization");
    default:
      return false;
  }
}

// Calls f(token) for each comma-separated, OWS-trimmed, non-empty element of a list-valued field.
template <class F>
void for_each_list_element(std::string_view list, F&& f) {
  while (!list.empty()) {
    auto comma = list.find(',');
    auto token = trim_ows(list.substr(0, comma));
    if (!token.empty()) f(token);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

// The field names that the Connection fields among `headers` nominate as hop-by-hop for this
// message (RFC 9110 §7.6.1: "Connection: close, X-Trace" → "close", "X-Trace"), replacing the
// content of `out` (views into the header values). `Headers` is a range of {name, value}.
template <class Headers>
void collect_connection_options(const Headers& headers, std::vector<std::string_view>& out) {
  out.clear();
  for (const auto& h : headers)
    if (h.name.size() == 10 && iequals_ascii(h.name, "connection"))
      for_each_list_element(h.value, [&](std::string_view t) { out.push_back(t); });
}

// Whether a field must not be forwarded: hop-by-hop by definition, or nominated by the message's
// Connection fields (`options`, from collect_connection_options).
inline bool is_hop_by_hop(std::string_view name, const std::vector<std::string_view>& options) {
  if (is_hop_by_hop(name)) return true;
  for (auto o : options)
    if (iequals_ascii(o, name)) return true;
  return false;
}

}  // namespace gh::http
