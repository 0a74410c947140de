#include "http/h1_parser.hpp"

#include <gtest/gtest.h>

#include <random>

namespace gh::http::h1 {
namespace {

ParseStatus parse(std::string_view s, RequestHead& h, HeadLimits l = {}) {
  return parse_request_head(s, l, h);
}

TEST(H1Parser, ParsesARequestHeadInPlace) {
  std::string raw =
      "POST /a/b?x=1 HTTP/1.1\r\nHost: api.example.com\r\nX-Apig-AppCode:  abc \r\n"
      "Content-Length: 4\r\n\r\nbodyGET";
  RequestHead h;
  ASSERT_EQ(parse(raw, h), ParseStatus::kComplete);
  EXPECT_EQ(h.method, "POST");
  EXPECT_EQ(h.target, "/a/b?x=1");
  EXPECT_EQ(h.version, 11);
  EXPECT_EQ(h.host, "api.example.com");
  ASSERT_EQ(h.headers.size(), 3u);
  EXPECT_EQ(h.headers[1].name, "X-Apig-AppCode");
  EXPECT_EQ(h.headers[1].value, "abc");  // optional whitespace trimmed
  EXPECT_TRUE(h.has_content_length);
  EXPECT_EQ(h.content_length, 4u);
  EXPECT_EQ(raw.substr(h.head_size, 4), "body");
  EXPECT_TRUE(h.keep_alive);
  // Zero copy: views point into the buffer.
  EXPECT_GE(h.method.data(), raw.data());
  EXPECT_LT(h.headers[2].value.data(), raw.data() + raw.size());
}

TEST(H1Parser, EveryPrefixIsIncompleteUntilTheBlankLine) {
  std::string raw = "GET / HTTP/1.1\r\nHost: h\r\nA: b\r\n\r\n";
  RequestHead h;
  for (std::size_t n = 0; n < raw.size(); ++n)
    EXPECT_EQ(parse(std::string_view(raw).substr(0, n), h), ParseStatus::kIncomplete) << n;
  EXPECT_EQ(parse(raw, h), ParseStatus::kComplete);
  EXPECT_EQ(h.head_size, raw.size());
}

TEST(H1Parser, ConnectionManagement) {
  RequestHead h;
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive, close\r\n\r\n", h),
            ParseStatus::kComplete);
  EXPECT_FALSE(h.keep_alive);
  ASSERT_EQ(parse("GET / HTTP/1.0\r\n\r\n", h), ParseStatus::kComplete);
  EXPECT_FALSE(h.keep_alive);
  ASSERT_EQ(parse("GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n", h), ParseStatus::kComplete);
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(h.version, 10);
  ASSERT_EQ(
      parse("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", h),
      ParseStatus::kComplete);
  EXPECT_TRUE(h.expect_continue);
}

// Inputs two parsers could frame differently are refused (request smuggling).
TEST(H1Parser, RefusesAmbiguousFraming) {
  const char* bad[] = {
      "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
      "chunked\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ,\r\n\r\n",
      "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET / HTTP/1.1\r\nHost : x\r\n\r\n",                    // space before the colon
      "GET / HTTP/1.1\r\nHost: h\r\nA: b\r\n folded\r\n\r\n",  // obsolete line folding
      "GET / HTTP/1.1\nHost: x\r\n\r\n",                       // bare LF
      "GET / HTTP/1.1\r\nHost: x\nA: b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nA: b\x01\r\n\r\n",
      "GET / HTTP/1.1\r\n\r\n",  // HTTP/1.1 without Host
      "GET / HTTP/1.1\r\nX-Host: h\r\n\r\n",
      "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET / HTTP/2.0\r\nHost: h\r\n\r\n",
      "G(T / HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nno-colon\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\n: empty-name\r\n\r\n",
  };
  for (const char* raw : bad) {
    RequestHead h;
    EXPECT_EQ(parse(raw, h), ParseStatus::kError) << raw;
    EXPECT_EQ(h.error, HeadError::kBadRequest) << raw;
  }
  RequestHead h;
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n", h),
            ParseStatus::kComplete);
  EXPECT_TRUE(h.chunked);
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n", h), ParseStatus::kComplete);  // empty: allowed
  ASSERT_EQ(parse("GET / HTTP/1.0\r\n\r\n", h), ParseStatus::kComplete);  // 1.0: Host optional
}

// A transfer coding other than "chunked" is not understood: 501, whatever else comes with it.
TEST(H1Parser, UnknownTransferCodingsAreNotImplemented) {
  const char* codings[] = {"gzip",     "chunked, gzip",     "xchunked",
                           "identity", "chunked, identity", "gzip, chunked"};
  for (const char* te : codings) {
    RequestHead h;
    std::string raw =
        std::string("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ") + te + "\r\n\r\n";
    EXPECT_EQ(parse(raw, h), ParseStatus::kError) << te;
    EXPECT_EQ(h.error, HeadError::kNotImplemented) << te;
  }
  RequestHead h;
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                  "Transfer-Encoding: identity\r\n\r\n",
                  h),
            ParseStatus::kError);
  EXPECT_EQ(h.error, HeadError::kNotImplemented);
}

TEST(H1Parser, LimitsGiveTheirOwnErrors) {
  HeadLimits l;
  l.start_line = 32;
  l.header_line = 40;
  l.headers_total = 100;
  RequestHead h;
  std::string long_target = "GET /" + std::string(40, 'a') + " HTTP/1.1\r\n\r\n";
  EXPECT_EQ(parse(long_target, h, l), ParseStatus::kError);
  EXPECT_EQ(h.error, HeadError::kUriTooLong);
  // Still incomplete but already over the limit: fails without waiting for the line end.
  EXPECT_EQ(parse(long_target.substr(0, 38), h, l), ParseStatus::kError);
  EXPECT_EQ(h.error, HeadError::kUriTooLong);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nA: " + std::string(50, 'x') + "\r\n\r\n", h, l),
            ParseStatus::kError);
  EXPECT_EQ(h.error, HeadError::kHeadersTooLarge);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 10; ++i) many += "Header-" + std::to_string(i) + ": value\r\n";
  EXPECT_EQ(parse(many + "\r\n", h, l), ParseStatus::kError);
  EXPECT_EQ(h.error, HeadError::kHeadersTooLarge);
  EXPECT_EQ(parse(many, h, l), ParseStatus::kError);  // before the head even completes
}

TEST(H1Parser, ParsesResponses) {
  ResponseHead h;
  HeadLimits l;
  std::string raw = "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-A: 1\r\n\r\nok";
  ASSERT_EQ(parse_response_head(raw, l, h), ParseStatus::kComplete);
  EXPECT_EQ(h.status, 201);
  EXPECT_EQ(h.content_length, 2u);
  ASSERT_EQ(parse_response_head("HTTP/1.1 200\r\n\r\n", l, h), ParseStatus::kComplete);
  EXPECT_EQ(h.status, 200);
  ASSERT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
                                "Content-Length: 3\r\n\r\n",
                                l, h),
            ParseStatus::kComplete);
  EXPECT_FALSE(h.chunked);
  EXPECT_FALSE(h.has_content_length);  // close-delimited
  EXPECT_FALSE(h.keep_alive);
  EXPECT_EQ(parse_response_head("HTTP/1.1 2x0 OK\r\n\r\n", l, h), ParseStatus::kError);
  EXPECT_EQ(parse_response_head("ICY 200 OK\r\n\r\n", l, h), ParseStatus::kError);
}

TEST(ChunkedDecoder, DecodesAcrossArbitrarySplits) {
  std::string raw =
      "4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: v\r\n\r\nX";
  std::string expected = "Wikipedia in\r\n\r\nchunks.";
  for (std::size_t split = 0; split < raw.size(); ++split) {
    ChunkedDecoder d;
    std::string body;
    std::size_t used1 = 0, used2 = 0;
    auto first = d.feed(std::string_view(raw).substr(0, split), used1, body, 1000);
    ASSERT_NE(first, ParseStatus::kError);
    if (first == ParseStatus::kComplete) continue;  // cannot happen before the end
    ASSERT_EQ(used1, split);
    ASSERT_EQ(d.feed(std::string_view(raw).substr(split), used2, body, 1000),
              ParseStatus::kComplete);
    EXPECT_EQ(body, expected);
    EXPECT_EQ(split + used2, raw.size() - 1);  // "X" belongs to the next message
  }
}

TEST(ChunkedDecoder, RefusesBadFramingAndOversizedBodies) {
  for (const char* raw : {"x\r\n", "4\r\nabcdX\r\n", "4\nabcd\r\n", "ffffffffffffffff0\r\n", "\r\n",
                          "4\r\nabcd\r\n0\r\nbad\nline\r\n\r\n"}) {
    ChunkedDecoder d;
    std::string body;
    std::size_t used = 0;
    EXPECT_EQ(d.feed(raw, used, body, 1000), ParseStatus::kError) << raw;
  }
  ChunkedDecoder d;
  std::string body;
  std::size_t used = 0;
  EXPECT_EQ(d.feed("10\r\n0123456789abcdef\r\n0\r\n\r\n", used, body, 15), ParseStatus::kError);
  EXPECT_TRUE(d.over_limit());
}

// Robustness: random mutations of valid messages never crash, never read outside the buffer and
// never report views outside it; a complete parse is stable under re-parsing (a fuzzing loop with
// a fixed seed, so a failure reproduces; build with GATEHOUSE_SANITIZE for memory checking).
TEST(H1Parser, SurvivesRandomMutations) {
  const std::string seeds[] = {
      "GET /a?b=c HTTP/1.1\r\nHost: h\r\nX-Apig-AppCode: code\r\nConnection: close\r\n\r\n",
      "POST / HTTP/1.0\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc",
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
  };
  std::mt19937 rng(20261123);
  HeadLimits l;
  l.start_line = 64;
  l.header_line = 64;
  l.headers_total = 256;
  l.max_headers = 8;
  for (int i = 0; i < 200000; ++i) {
    std::string s = seeds[rng() % 3];
    int edits = 1 + rng() % 4;
    for (int e = 0; e < edits; ++e) {
      std::size_t pos = rng() % (s.size() + 1);
      switch (rng() % 4) {
        case 0:
          if (pos < s.size()) s[pos] = static_cast<char>(rng() % 256);
          break;
        case 1:
          s.insert(pos, 1, "\r\n: \t,;0aZ"[rng() % 10]);
          break;
        case 2:
          if (pos < s.size()) s.erase(pos, 1 + rng() % 3);
          break;
        case 3:
          s.insert(pos, s.substr(rng() % s.size(), rng() % 16));
          break;
      }
    }
    auto inside = [&](std::string_view v) {
      return v.empty() || (v.data() >= s.data() && v.data() + v.size() <= s.data() + s.size());
    };
    RequestHead rq;
    if (parse_request_head(s, l, rq) == ParseStatus::kComplete) {
      ASSERT_LE(rq.head_size, s.size());
      ASSERT_TRUE(inside(rq.method) && inside(rq.target) && inside(rq.host));
      for (const auto& h : rq.headers) ASSERT_TRUE(inside(h.name) && inside(h.value));
      RequestHead again;
      ASSERT_EQ(parse_request_head(std::string_view(s).substr(0, rq.head_size), l, again),
                ParseStatus::kComplete);
      ASSERT_EQ(again.headers.size(), rq.headers.size());
    }
    ResponseHead rs;
    if (parse_response_head(s, l, rs) == ParseStatus::kComplete) {
      ASSERT_LE(rs.head_size, s.size());
      ASSERT_GE(rs.status, 100);
    }
    ChunkedDecoder d;
    std::string body;
    std::size_t used = 0;
    d.feed(s, used, body, 1 << 20);
    ASSERT_LE(used, s.size());
    ASSERT_LE(body.size(), s.size());
  }
}

}  // namespace
}  // namespace gh::http::h1
