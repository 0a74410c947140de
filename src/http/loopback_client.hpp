#pragma once
// A blocking one-shot HTTP/1.1 client for calling one of this process's own listeners (the
// console's "try it" call through the gateway, docs/console.md). Not for the data plane: it makes
// a fresh connection per call and blocks the calling thread until the answer or the deadline.
#include <chrono>
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "http/server.hpp"

namespace gh::http {

struct LoopbackTarget {
  std::string host;  // an address to connect to (never a wildcard: see connect_host)
  std::uint16_t port = 0;
  bool tls = false;
  // TLS: the listener's own certificate, trusted as the only anchor (PEM file). The peer must
  // present exactly this certificate (or one it signed); host names are not checked.
  std::string ca_file;
};

// The address to connect to for a listener bound to `bind_host`: wildcards become loopback.
std::string connect_host(const std::string& bind_host);

// Sends `req` to `target` and returns the answer (body read up to `body_limit` bytes); any
// transport failure (refused, TLS, timeout after `deadline`) is returned as its message.
core::Result<Response> loopback_call(const LoopbackTarget& target, Request req,
                                     std::chrono::milliseconds deadline,
                                     std::size_t body_limit = 1024 * 1024);

}  // namespace gh::http
