#pragma once
// A zero-copy HTTP/1.x message-head parser for the gateway's fast path (requests from clients,
// responses from backends), plus an incremental chunked-body decoder.
//
// The parser never allocates beyond the header vector it fills (whose capacity is reused) and
// never copies: every string_view points into the caller's buffer. It is strict where leniency
// would let two parsers disagree about message boundaries (request smuggling): CRLF line ends,
// no whitespace before a header colon, no obsolete line folding, one Content-Length field with
// one value, a request's Transfer-Encoding exactly "chunked" and never with Content-Length, and
// a Host field in every HTTP/1.1 request. Both listeners (gateway and management) parse with it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/exchange.hpp"

namespace gh::http::h1 {

enum class ParseStatus { kComplete, kIncomplete, kError };

enum class HeadError {
  kNone,
  kBadRequest,       // malformed → 400
  kUriTooLong,       // request line over its limit → 414
  kHeadersTooLarge,  // a header line, or all of them, over the limit → 494
  kNotImplemented,   // a request's Transfer-Encoding other than "chunked" → 501
};

struct HeadLimits {
  std::size_t start_line = 32 * 1024;      // request line / status line, without CRLF
  std::size_t header_line = 32 * 1024;     // one "name: value", without CRLF
  std::size_t headers_total = 128 * 1024;  // all header lines with their CRLFs
  std::size_t max_headers = 256;
};

// What both message kinds share.
struct MessageHead {
  int version = 11;  // 10 or 11
  std::vector<HeaderView> headers;
  std::size_t head_size = 0;  // bytes of the head including the blank line
  bool has_content_length = false;
  std::uint64_t content_length = 0;
  bool chunked = false;
  bool keep_alive = true;  // from the version and Connection tokens
  bool expect_continue = false;
  HeadError error = HeadError::kNone;  // set when a parse returns kError
};

struct RequestHead : MessageHead {
  std::string_view method, target, host;
};

struct ResponseHead : MessageHead {
  int status = 0;
};

// Parses the head at the start of `buffer`. kIncomplete: need more bytes (limits are already
// checked against what is there, so an overlong head fails before it completes).
ParseStatus parse_request_head(std::string_view buffer, const HeadLimits& limits, RequestHead& out);
ParseStatus parse_response_head(std::string_view buffer, const HeadLimits& limits,
                                ResponseHead& out);

// Decodes a chunked body incrementally: feed() the bytes that follow the head, as they arrive.
// Chunk data is appended to `body`; extensions and trailers are read and discarded.
class ChunkedDecoder {
 public:
  void reset() { *this = ChunkedDecoder{}; }
  // Consumes a prefix of `in` (sets `consumed`). kComplete once the last chunk and trailers were
  // read; kError on malformed framing or when the body would exceed `body_limit`
  // (`over_limit` tells which).
  ParseStatus feed(std::string_view in, std::size_t& consumed, std::string& body,
                   std::size_t body_limit);
  bool over_limit() const { return over_limit_; }

 private:
  enum class State { kSize, kSizeLf, kExtension, kData, kDataCr, kDataLf, kTrailer, kTrailerLf };
  State state_ = State::kSize;
  std::uint64_t remaining_ = 0;  // of the current chunk
  int size_digits_ = 0;
  std::size_t line_length_ = 0;  // of the current extension/trailer line
  bool trailer_empty_line_ = true;
  bool over_limit_ = false;
};

}  // namespace gh::http::h1
