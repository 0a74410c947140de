#pragma once
// TLS ALPN for the HTTP servers: HTTP/2 ("h2") where enabled and offered, HTTP/1.1 otherwise.
#include <openssl/ssl.h>

namespace gh::http {

// Installs the server's ALPN choice on `ctx`: "h2" when `offer_h2` and the client offers it, else
// "http/1.1" when offered; with no common protocol the handshake goes on without ALPN (the
// connection then speaks HTTP/1.1).
void configure_alpn(SSL_CTX* ctx, bool offer_h2);

// After the handshake: true when the connection agreed on HTTP/2.
bool negotiated_h2(const SSL* ssl);

}  // namespace gh::http
