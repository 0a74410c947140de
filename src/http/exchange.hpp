#pragma once
// The gateway's protocol-neutral view of one request/answer ("exchange"), shared by the HTTP/1.1
// fast connection (http/h1_connection.hpp) and the HTTP/2 session (http/h2_session.hpp).
//
// Zero-copy contract: every string_view in a RequestView points into storage the connection or
// stream owns, and stays valid until the exchange is answered. The handler answers by calling
// Exchange::respond() exactly once, on the connection's event-loop thread (the thread that ran
// the handler), possibly later (a proxied call). respond() copies what it needs before it
// returns, so the views in a ResponseView only have to live for the duration of the call.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "http/fields.hpp"
#include "http/server.hpp"

namespace gh::http {

struct HeaderView {
  std::string_view name;  // as received (HTTP/2: lower case)
  std::string_view value;
};

struct RequestView {
  std::string_view method;              // "GET", "POST", … as received
  std::string_view target;              // origin-form: path and optional ?query
  int version = 11;                     // 10 or 11 for HTTP/1.x, 20 for HTTP/2
  std::string_view authority;           // Host header (HTTP/1.x) or :authority (HTTP/2)
  std::span<const HeaderView> headers;  // arrival order; HTTP/2 pseudo-headers excluded
  std::string_view body;                // complete, de-chunked
  bool keep_alive = true;               // HTTP/1.x: the client wants the connection kept

  // The first value of a header (case-insensitive name), or nullptr.
  const std::string_view* find(std::string_view name) const {
    for (const auto& h : headers)
      if (iequals_ascii(h.name, name)) return &h.value;
    return nullptr;
  }
  std::size_t count(std::string_view name) const {
    std::size_t n = 0;
    for (const auto& h : headers) n += iequals_ascii(h.name, name) ? 1 : 0;
    return n;
  }
};

struct ResponseView {
  int status = 200;
  // Fields to send, excluding Content-Length, Transfer-Encoding, Connection and other hop-by-hop
  // fields: the connection frames the body itself (and HTTP/2 forbids them).
  std::span<const HeaderView> headers;
  std::string_view body;
};

// One request being answered. Owned by its connection/stream, which keeps it (and the views of
// request()) alive until respond() has been called, even if the client goes away meanwhile.
class Exchange {
 public:
  virtual const RequestView& request() const = 0;
  virtual const RequestContext& context() const = 0;
  // Exactly once, on the connection's loop thread. Copies the response out before returning.
  virtual void respond(const ResponseView& response) = 0;

 protected:
  ~Exchange() = default;
};

// The gateway's entry point for both protocols, ExchangeHandler, is declared in http/server.hpp:
// it answers now or later via Exchange::respond.

}  // namespace gh::http
