// Fuzzes the HTTP/1 head parsers and the chunked decoder (src/http/h1_parser.*).
//
// Input: one control byte, then the bytes a peer sends. Control bits 0-1 pick the mode (request
// head, response head, chunked body), bit 2 tiny limits (so every limit's edge is reachable),
// bits 3-7 the piece size the bytes are split into for the incremental checks.
// Checks beyond "no crash, no sanitizer report":
// - every view the head parser returns points into the input;
// - a complete head is never complete, nor an error, on a shorter prefix (a reader that receives
//   it in pieces sees what one that receives it whole sees);
// - the chunked decoder gives the same outcome, body and end fed whole or piece by piece.
#include "http/h1_parser.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {
using namespace gh::http::h1;

void require(bool condition) {
  if (!condition) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

HeadLimits limits_for(std::uint8_t control) {
  if (!(control & 4)) return HeadLimits{};
  return HeadLimits{.start_line = 24, .header_line = 16, .headers_total = 48, .max_headers = 3};
}

template <class Head, class Parse>
void check_head(std::string_view data, const HeadLimits& limits, Parse parse) {
  Head head;
  ParseStatus whole = parse(data, limits, head);
  if (whole != ParseStatus::kComplete) return;
  require(head.head_size > 0 && head.head_size <= data.size());
  for (const auto& h : head.headers) require(inside(h.name, data) && inside(h.value, data));
  // Cuts where a reader most plausibly stops: inside and after each line end, and the last bytes
  // (at most 64 of them, so that a long head stays cheap).
  std::string_view complete = data.substr(0, head.head_size);
  int checked = 0;
  for (std::size_t cut = complete.size(); cut-- > 0 && checked < 64;) {
    bool line_edge =
        complete[cut] == '\n' || complete[cut] == '\r' || (cut > 0 && complete[cut - 1] == '\n');
    if (!line_edge && cut + 4 < complete.size()) continue;
    ++checked;
    Head partial;
    require(parse(complete.substr(0, cut), limits, partial) == ParseStatus::kIncomplete);
  }
}

struct Decoded {
  ParseStatus status = ParseStatus::kIncomplete;
  std::string body;
  std::size_t end = 0;  // offset just past the body when complete
  bool over_limit = false;
};

Decoded decode(std::string_view data, std::size_t piece, std::size_t body_limit) {
  ChunkedDecoder decoder;
  Decoded d;
  std::size_t offset = 0;
  while (offset < data.size()) {
    std::string_view in = data.substr(offset, piece);
    std::size_t consumed = 0;
    d.status = decoder.feed(in, consumed, d.body, body_limit);
    require(consumed <= in.size());
    require(d.body.size() <= body_limit);
    if (d.status != ParseStatus::kIncomplete) {
      d.end = offset + consumed;
      d.over_limit = decoder.over_limit();
      return d;
    }
    require(consumed == in.size());
    offset += in.size();
  }
  return d;
}

void check_chunked(std::string_view data, std::uint8_t control) {
  std::size_t body_limit = (control & 4) ? 64 : 1 << 20;
  Decoded whole = decode(data, data.size() + 1, body_limit);
  Decoded pieces = decode(data, (control >> 3) + 1, body_limit);
  require(whole.status == pieces.status);
  require(whole.over_limit == pieces.over_limit);
  if (whole.status == ParseStatus::kComplete) {
    require(whole.body == pieces.body);
    require(whole.end == pieces.end);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  std::uint8_t control = bytes[0];
  // libFuzzer's buffer ends exactly at the input's end: ASan reports any read past it.
  std::string_view data(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  HeadLimits limits = limits_for(control);
  switch (control & 3) {
    case 0:
      check_head<RequestHead>(data, limits,
                              [](auto b, auto& l, auto& h) { return parse_request_head(b, l, h); });
      break;
    case 1:
      check_head<ResponseHead>(
          data, limits, [](auto b, auto& l, auto& h) { return parse_response_head(b, l, h); });
      break;
    default:
      check_chunked(data, control);
      break;
  }
  return 0;
}
