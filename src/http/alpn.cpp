#include "http/alpn.hpp"

#include <cstring>
#include <string_view>

namespace gh::http {
namespace {

// Finds `proto` in the client's ALPN list (length-prefixed names); points `out` at it.
bool offered(const unsigned char* in, unsigned int inlen, std::string_view proto,
             const unsigned char** out, unsigned char* outlen) {
  for (unsigned int i = 0; i < inlen;) {
    unsigned int len = in[i];
    if (i + 1 + len > inlen) return false;  // malformed list
    if (len == proto.size() && std::memcmp(in + i + 1, proto.data(), len) == 0) {
      *out = in + i + 1;
      *outlen = static_cast<unsigned char>(len);
      return true;
    }
    i += 1 + len;
  }
  return false;
}

int select_protocol(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                    unsigned int inlen, void* offer_h2) {
  if (offer_h2 && offered(in, inlen, "h2", out, outlen)) return SSL_TLSEXT_ERR_OK;
  if (offered(in, inlen, "http/1.1", out, outlen)) return SSL_TLSEXT_ERR_OK;
  return SSL_TLSEXT_ERR_NOACK;
}

int offer_h2_tag;  // its address marks "h2 enabled" in the callback argument

}  // namespace

void configure_alpn(SSL_CTX* ctx, bool offer_h2) {
  SSL_CTX_set_alpn_select_cb(ctx, &select_protocol, offer_h2 ? &offer_h2_tag : nullptr);
}

bool negotiated_h2(const SSL* ssl) {
  const unsigned char* proto = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl, &proto, &len);
  return len == 2 && std::memcmp(proto, "h2", 2) == 0;
}

}  // namespace gh::http
