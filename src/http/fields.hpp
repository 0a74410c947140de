#pragma once
// Header-field helpers shared by the HTTP/1.1 parser, the HTTP/2 session and the gateway: one
// definition each of name comparison, optional-whitespace trimming and the hop-by-hop list.
#include <cstddef>
#include <string_view>

namespace gh::http {

// ASCII case-insensitive equality, for header names and tokens.
inline bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x != y && (x | 0x20) != (y | 0x20)) return false;
    if (x != y && !((x | 0x20) >= 'a' && (x | 0x20) <= 'z')) return false;
  }
  return true;
}

// Whether `s` starts with `prefix`, ASCII case-insensitively.
inline bool istarts_with_ascii(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals_ascii(s.substr(0, prefix.size()), prefix);
}

// Drops leading and trailing optional whitespace (SP, HTAB; RFC 9110 OWS).
inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

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
