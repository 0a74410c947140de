#pragma once
// Header-field helpers shared by the HTTP/1.1 parser, the HTTP/2 session and the gateway: name
// comparison and optional-whitespace trimming (from core/ascii.hpp) and the hop-by-hop list.
#include <cstddef>
#include <string_view>

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

}  // namespace gh::http
