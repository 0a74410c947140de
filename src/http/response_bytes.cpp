// The bytes of HTTP/1.x answers: a handler's Beast response, an exchange's ResponseView (the
// fast path: one append per piece, Content-Length and Connection written here), and the answers
// to protocol errors (the server's renderer if set, else a bare status line). Declared in
// server.hpp (status_of) and h1_connection.hpp (detail::).
#include <charconv>
#include <string>
#include <string_view>

#include "http/h1_connection.hpp"
#include "http/server.hpp"

namespace gh::http {
using namespace std::literals;

int status_of(ProtocolError e) {
  switch (e) {
    case ProtocolError::kBadRequest:
      return 400;
    case ProtocolError::kUriTooLong:
      return 414;
    case ProtocolError::kHeadersTooLarge:
      return 494;
    case ProtocolError::kBodyTooLarge:
      return 413;
    case ProtocolError::kRequestTimeout:
      return 408;
    case ProtocolError::kNotImplemented:
      return 501;
    case ProtocolError::kInternal:
      break;
  }
  return 500;
}

namespace detail {

void serialize_response(const Response& res, std::string& out) {
  out.clear();
  auto reason = res.reason();
  out.append(res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  out.append(std::to_string(res.result_int()));
  out.push_back(' ');
  out.append(reason.data(), reason.size());
  out.append("\r\n"sv);
  for (const auto& f : res) {
    auto name = f.name_string();
    auto value = f.value();
    out.append(name.data(), name.size());
    out.append(": "sv);
    out.append(value.data(), value.size());
    out.append("\r\n"sv);
  }
  // A handler that did not frame its body still gets a correctly framed answer.
  int status = res.result_int();
  bool bodiless = status < 200 || status == 204 || status == 304;
  if (!bodiless && res.find(http::bhttp::field::content_length) == res.end() &&
      res.find(http::bhttp::field::transfer_encoding) == res.end()) {
    out.append("Content-Length: "sv);
    out.append(std::to_string(res.body().size()));
    out.append("\r\n"sv);
  }
  out.append("\r\n"sv);
  if (!bodiless) out.append(res.body());
}

Response render_protocol_error(const ServerOptions& o, ProtocolError e, unsigned version,
                               std::string_view target) {
  Response res;
  if (o.target_error_renderer || o.error_renderer) {
    try {
      res = o.target_error_renderer ? o.target_error_renderer(e, target) : o.error_renderer(e);
    } catch (...) {
      res = Response{};
    }
  }
  if (res.result_int() == 200) {  // no renderer, or it failed: a bare status line
    res.result(status_of(e));
    res.body().clear();
  }
  res.version(version);
  res.prepare_payload();
  return res;
}

std::string protocol_error_bytes(const ServerOptions& o, ProtocolError e, std::string_view target) {
  auto res = render_protocol_error(o, e, 11, target);
  res.keep_alive(false);
  std::string out;
  serialize_response(res, out);
  return out;
}

void append_response(const ResponseView& r, int version, bool keep_alive, bool head_only,
                     std::string& out) {
  char digits[24];
  auto status = static_cast<unsigned>(r.status);
  auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  out.append(digits, std::to_chars(digits, digits + sizeof digits, status).ptr);
  out.push_back(' ');
  out.append(reason.data(), reason.size());
  out.append("\r\n"sv);
  for (const auto& h : r.headers) {
    out.append(h.name);
    out.append(": "sv);
    out.append(h.value);
    out.append("\r\n"sv);
  }
  bool bodiless = status < 200 || status == 204 || status == 304;
  if (!bodiless) {
    out.append("Content-Length: "sv);
    out.append(digits, std::to_chars(digits, digits + sizeof digits, r.body.size()).ptr);
    out.append("\r\n"sv);
  }
  if (!keep_alive)
    out.append("Connection: close\r\n"sv);
  else if (version == 10)
    out.append("Connection: keep-alive\r\n"sv);
  out.append("\r\n"sv);
  if (!bodiless && !head_only) out.append(r.body);
}

}  // namespace detail

}  // namespace gh::http
