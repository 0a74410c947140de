#include "http/h1_parser.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace gh::http::h1 {
namespace {

// Character classes by table: one load per byte on the hot path.
struct CharClasses {
  bool tchar[256] = {};        // RFC 9110 token characters
  bool field_value[256] = {};  // VCHAR, obs-text, SP, HTAB
  constexpr CharClasses() {
    for (int c = '0'; c <= '9'; ++c) tchar[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) tchar[c] = tchar[c - 32] = true;
    for (unsigned char c : std::string_view("!#$%&'*+-.^_`|~")) tchar[c] = true;
    for (int c = 0; c < 256; ++c) field_value[c] = c >= 0x20 && c != 0x7f;
    field_value[static_cast<unsigned char>('\t')] = true;
  }
};
constexpr CharClasses kClasses;

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!kClasses.tchar[c]) return false;
  return true;
}

// Eight bytes at a time while none of them is a control character (< 0x20) or DEL (bit tricks:
// "has a byte less than n" and "has a zero byte", exact for any word); the word holding one (a tab
// is allowed) and the tail go byte by byte, branch-free over the bytes.
bool is_field_value(std::string_view s) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const char* p = s.data();
  std::size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    std::uint64_t del = w ^ (kOnes * 0x7f);
    if (((w - kOnes * 0x20) & ~w & kHigh) | ((del - kOnes) & ~del & kHigh)) break;
  }
  bool ok = true;
  for (; n > 0; ++p, --n) ok &= kClasses.field_value[static_cast<unsigned char>(*p)];
  return ok;
}

ParseStatus fail(MessageHead& out, HeadError e) {
  out.error = e;
  return ParseStatus::kError;
}

bool parse_version(std::string_view v, int& version) {
  if (v == "HTTP/1.1") {
    version = 11;
    return true;
  }
  if (v == "HTTP/1.0") {
    version = 10;
    return true;
  }
  return false;
}

bool parse_decimal(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  std::uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  out = n;
  return true;
}

enum class Kind { kRequest, kResponse };

// Parses header lines starting at `pos` up to and including the blank line. Framing headers
// (Content-Length, Transfer-Encoding, Connection, Expect, and Host for requests) are interpreted.
ParseStatus parse_fields(std::string_view buf, std::size_t pos, const HeadLimits& limits, Kind kind,
                         MessageHead& out, std::string_view* host) {
  const std::size_t fields_start = pos;
  bool has_transfer_encoding = false, te_chunked_last = false, te_other = false;
  bool te_chunked_twice = false;
  bool connection_close = false, connection_keep_alive = false;
  int host_count = 0;
  for (;;) {
    auto nl = buf.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (buf.size() - pos > limits.header_line + 1) return fail(out, HeadError::kHeadersTooLarge);
      if (buf.size() - fields_start > limits.headers_total + 2)
        return fail(out, HeadError::kHeadersTooLarge);
      return ParseStatus::kIncomplete;
    }
    if (nl == pos || buf[nl - 1] != '\r') return fail(out, HeadError::kBadRequest);
    std::string_view line = buf.substr(pos, nl - 1 - pos);
    pos = nl + 1;
    if (line.empty()) break;
    if (line.size() > limits.header_line) return fail(out, HeadError::kHeadersTooLarge);
    if (pos - fields_start > limits.headers_total) return fail(out, HeadError::kHeadersTooLarge);
    if (out.headers.size() >= limits.max_headers) return fail(out, HeadError::kHeadersTooLarge);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return fail(out, HeadError::kBadRequest);
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim_ows(line.substr(colon + 1));
    if (!is_token(name) || !is_field_value(value)) return fail(out, HeadError::kBadRequest);
    out.headers.push_back({name, value});

    // Framing and connection management.
    switch (name.size()) {
      case 14:
        if (iequals_ascii(name, "content-length")) {
          std::uint64_t n = 0;
          // One Content-Length field, one decimal value: repeats, even identical ones, are
          // refused (two parsers must never disagree about where a body ends).
          if (!parse_decimal(value, n) || out.has_content_length)
            return fail(out, HeadError::kBadRequest);
          out.has_content_length = true;
          out.content_length = n;
        }
        break;
      case 17:
        if (iequals_ascii(name, "transfer-encoding")) {
          has_transfer_encoding = true;
          for_each_list_element(value, [&](std::string_view t) {
            bool chunked = iequals_ascii(t, "chunked");
            if (!chunked) te_other = true;
            if (chunked && te_chunked_last) te_chunked_twice = true;
            te_chunked_last = chunked;
          });
        }
        break;
      case 10:
        if (iequals_ascii(name, "connection"))
          for_each_list_element(value, [&](std::string_view t) {
            if (iequals_ascii(t, "close")) connection_close = true;
            if (iequals_ascii(t, "keep-alive")) connection_keep_alive = true;
          });
        break;
      case 6:
        if (iequals_ascii(name, "expect") && iequals_ascii(value, "100-continue"))
          out.expect_continue = true;
        break;
      case 4:
        if (host && iequals_ascii(name, "host")) {
          if (++host_count > 1) return fail(out, HeadError::kBadRequest);
          *host = value;
        }
        break;
      default:
        break;
    }
  }
  // HTTP/1.1 requests name their authority (RFC 9112 §3.2).
  if (host && host_count == 0 && out.version == 11) return fail(out, HeadError::kBadRequest);
  out.head_size = pos;
  out.keep_alive = out.version == 11 ? !connection_close : connection_keep_alive;
  if (has_transfer_encoding) {
    if (kind == Kind::kRequest) {
      // Exactly "chunked" is understood (other codings: 501); chunked twice, with a
      // Content-Length, or in an HTTP/1.0 request the framing is ambiguous (smuggling): 400.
      if (te_other) return fail(out, HeadError::kNotImplemented);
      if (!te_chunked_last || te_chunked_twice || out.has_content_length || out.version == 10)
        return fail(out, HeadError::kBadRequest);
      out.chunked = true;
    } else {
      // A response: chunked last means chunked framing; anything else is delimited by close.
      out.chunked = te_chunked_last;
      out.has_content_length = false;
      if (!te_chunked_last) out.keep_alive = false;
    }
  }
  return ParseStatus::kComplete;
}

void reset(MessageHead& out) {
  out.version = 11;
  out.headers.clear();
  out.head_size = 0;
  out.has_content_length = false;
  out.content_length = 0;
  out.chunked = false;
  out.keep_alive = true;
  out.expect_continue = false;
  out.error = HeadError::kNone;
}

}  // namespace

ParseStatus parse_request_head(std::string_view buf, const HeadLimits& limits, RequestHead& out) {
  reset(out);
  out.method = out.target = out.host = {};
  // Tolerate empty lines before the request line (RFC 9112 §2.2).
  std::size_t start = 0;
  while (start + 1 < buf.size() && buf[start] == '\r' && buf[start + 1] == '\n') start += 2;
  auto nl = buf.find('\n', start);
  if (nl == std::string_view::npos) {
    if (buf.size() - start > limits.start_line + 1) return fail(out, HeadError::kUriTooLong);
    return ParseStatus::kIncomplete;
  }
  if (nl == start || buf[nl - 1] != '\r') return fail(out, HeadError::kBadRequest);
  std::string_view line = buf.substr(start, nl - 1 - start);
  if (line.size() > limits.start_line) return fail(out, HeadError::kUriTooLong);
  auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return fail(out, HeadError::kBadRequest);
  auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return fail(out, HeadError::kBadRequest);
  out.method = line.substr(0, sp1);
  out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (!is_token(out.method) || out.target.empty()) return fail(out, HeadError::kBadRequest);
  for (unsigned char c : out.target)
    if (c <= 0x20 || c == 0x7f) return fail(out, HeadError::kBadRequest);
  if (!parse_version(line.substr(sp2 + 1), out.version)) return fail(out, HeadError::kBadRequest);
  return parse_fields(buf, nl + 1, limits, Kind::kRequest, out, &out.host);
}

ParseStatus parse_response_head(std::string_view buf, const HeadLimits& limits, ResponseHead& out) {
  reset(out);
  out.status = 0;
  auto nl = buf.find('\n');
  if (nl == std::string_view::npos) {
    if (buf.size() > limits.start_line + 1) return fail(out, HeadError::kBadRequest);
    return ParseStatus::kIncomplete;
  }
  if (nl == 0 || buf[nl - 1] != '\r') return fail(out, HeadError::kBadRequest);
  std::string_view line = buf.substr(0, nl - 1);
  if (line.size() < 12 || line.size() > limits.start_line || line[8] != ' ')
    return fail(out, HeadError::kBadRequest);
  if (!parse_version(line.substr(0, 8), out.version)) return fail(out, HeadError::kBadRequest);
  int status = 0;
  for (int i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return fail(out, HeadError::kBadRequest);
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100 || (line.size() > 12 && line[12] != ' '))
    return fail(out, HeadError::kBadRequest);
  out.status = status;
  return parse_fields(buf, nl + 1, limits, Kind::kResponse, out, nullptr);
}

ParseStatus ChunkedDecoder::feed(std::string_view in, std::size_t& consumed, std::string& body,
                                 std::size_t body_limit) {
  constexpr std::size_t kMaxLine = 8 * 1024;  // chunk extensions, trailer lines
  std::size_t i = 0;
  auto error = [&] {
    consumed = i;
    return ParseStatus::kError;
  };
  while (i < in.size()) {
    char c = in[i];
    switch (state_) {
      case State::kSize: {
        int digit = (c >= '0' && c <= '9')   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
        if (digit >= 0) {
          if (++size_digits_ > 15) return error();
          remaining_ = remaining_ * 16 + static_cast<unsigned>(digit);
          ++i;
          break;
        }
        if (size_digits_ == 0) return error();
        if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == ';' || c == ' ' || c == '\t') {
          state_ = State::kExtension;
          line_length_ = 0;
        } else {
          return error();
        }
        ++i;
        break;
      }
      case State::kExtension:
        if (c == '\r')
          state_ = State::kSizeLf;
        else if (c == '\n' || ++line_length_ > kMaxLine)
          return error();
        ++i;
        break;
      case State::kSizeLf:
        if (c != '\n') return error();
        ++i;
        size_digits_ = 0;
        if (remaining_ == 0) {
          state_ = State::kTrailer;
          trailer_empty_line_ = true;
          line_length_ = 0;
        } else {
          if (body.size() + remaining_ > body_limit) {
            over_limit_ = true;
            return error();
          }
          state_ = State::kData;
        }
        break;
      case State::kData: {
        std::size_t n = static_cast<std::size_t>(
            std::min<std::uint64_t>(remaining_, static_cast<std::uint64_t>(in.size() - i)));
        body.append(in.data() + i, n);
        i += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        if (c != '\r') return error();
        state_ = State::kDataLf;
        ++i;
        break;
      case State::kDataLf:
        if (c != '\n') return error();
        state_ = State::kSize;
        ++i;
        break;
      case State::kTrailer:
        if (c == '\r') {
          state_ = State::kTrailerLf;
        } else {
          if (c == '\n' || ++line_length_ > kMaxLine) return error();
          trailer_empty_line_ = false;
        }
        ++i;
        break;
      case State::kTrailerLf:
        if (c != '\n') return error();
        ++i;
        if (trailer_empty_line_) {
          consumed = i;
          return ParseStatus::kComplete;
        }
        trailer_empty_line_ = true;
        line_length_ = 0;
        state_ = State::kTrailer;
        break;
    }
  }
  consumed = i;
  return ParseStatus::kIncomplete;
}

}  // namespace gh::http::h1
