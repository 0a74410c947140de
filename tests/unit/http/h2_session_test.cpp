#include "http/h2_session.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <random>

#include "h2_test_client.hpp"

namespace gh::http {
namespace {

using test::ClientResponse;
using test::Fields;
using test::H2Client;

// What the handler saw, copied out of the views.
struct Seen {
  std::string method, target, authority, body;
  int version = 0;
  Fields headers;
};

Response status_response(int status) {
  Response r{static_cast<bhttp::status>(status), 11};
  r.set(bhttp::field::content_type, "application/json");
  r.body() = "{\"status\":" + std::to_string(status) + "}";
  return r;
}

class H2SessionTest : public ::testing::Test {
 protected:
  H2SessionTest() {
    options.error_renderer = [](ProtocolError e) {
      switch (e) {
        case ProtocolError::kBodyTooLarge:
          return status_response(413);
        case ProtocolError::kHeadersTooLarge:
          return status_response(494);
        case ProtocolError::kUriTooLong:
          return status_response(414);
        case ProtocolError::kInternal:
          return status_response(500);
        default:
          return status_response(400);
      }
    };
    handler = [this](Exchange& ex) {
      const RequestView& r = ex.request();
      Seen s{std::string(r.method),
             std::string(r.target),
             std::string(r.authority),
             std::string(r.body),
             r.version,
             {}};
      for (const auto& h : r.headers) s.headers.emplace_back(h.name, h.value);
      seen.push_back(std::move(s));
      if (throw_in_handler) throw std::runtime_error("handler bug");
      if (defer)
        deferred.push_back(&ex);
      else
        answer(ex);
    };
  }

  void make_session() {
    session = std::make_unique<H2Session>(options, handler, RequestContext{}, &H2SessionTest::ready,
                                          this);
  }
  // Requests complete (and reach the handler) in the order their last frame arrives, not the
  // order they were opened: look them up by target.
  const Seen& seen_for(std::string_view target) const {
    for (const auto& s : seen)
      if (s.target == target) return s;
    throw std::runtime_error("not seen: " + std::string(target));
  }
  Exchange& deferred_for(std::string_view target) const {
    for (auto* ex : deferred)
      if (ex->request().target == target) return *ex;
    throw std::runtime_error("not deferred: " + std::string(target));
  }

  static void ready(void* self) { ++static_cast<H2SessionTest*>(self)->ready_calls; }

  // Answers with the method, target and body size, and fields the session must normalise.
  static void answer(Exchange& ex, int status = 200) {
    const RequestView& r = ex.request();
    std::string body =
        std::string(r.method) + " " + std::string(r.target) + " " + std::to_string(r.body.size());
    HeaderView headers[] = {{"Content-Type", "text/plain"},
                            {"Connection", "keep-alive"},
                            {"X-Echo", "  padded\t"},
                            {"Content-Length", "999"}};
    ex.respond(ResponseView{status, headers, body});
  }

  // The session goes on serving: a new request is answered at once.
  void expect_still_serving(H2Client& c) {
    defer = false;
    auto next = c.request("GET", "/next");
    pump(c);
    EXPECT_EQ(c.responses[next].status, 200);
  }

  // Moves bytes both ways until neither side has anything to say (bounded).
  void pump(H2Client& c, int rounds = 2000) {
    for (int i = 0; i < rounds; ++i) {
      std::string up = c.take();
      if (!up.empty()) session->feed(up);
      bool down = false;
      for (int j = 0; j < 1000; ++j) {
        std::string chunk;
        if (session->drain_output(chunk) == 0) break;
        down = true;
        c.give(chunk);
      }
      if (up.empty() && !down) return;
    }
    ADD_FAILURE() << "pump did not settle";
  }

  ServerOptions options;
  ExchangeHandler handler;
  std::unique_ptr<H2Session> session;
  std::vector<Seen> seen;
  std::vector<Exchange*> deferred;
  bool defer = false;
  bool throw_in_handler = false;
  int ready_calls = 0;
};

TEST_F(H2SessionTest, GetReachesTheHandlerWithItsViewsAndTheAnswerIsNormalised) {
  make_session();
  H2Client c;
  auto id = c.request("GET", "/a/b?x=1", {{"x-one", "1"}, {"accept", "*/*"}, {"x-one", "again"}});
  pump(c);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/a/b?x=1");
  EXPECT_EQ(seen[0].authority, "example.com");
  EXPECT_EQ(seen[0].version, 20);
  EXPECT_EQ(seen[0].body, "");
  EXPECT_EQ(seen[0].headers, (Fields{{"x-one", "1"}, {"accept", "*/*"}, {"x-one", "again"}}));
  const ClientResponse& r = c.responses[id];
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.close_error, 0u);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "GET /a/b?x=1 0");
  EXPECT_EQ(r.header("content-type"), "text/plain");
  EXPECT_EQ(r.header("x-echo"), "padded");
  EXPECT_EQ(r.header("content-length"), "14");  // the session's, not the handler's 999
  EXPECT_EQ(r.header("connection"), std::nullopt);
  EXPECT_EQ(session->awaiting_answers(), 0u);
  EXPECT_EQ(ready_calls, 0);  // answered inside feed(): the owner drains anyway
}

TEST_F(H2SessionTest, PostBodiesArriveWholeWithAndWithoutContentLength) {
  make_session();
  H2Client c;
  std::string big(300 * 1000, 'x');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  auto with = c.request("POST", "/up", {{"content-type", "text/plain"}}, big);
  auto without = c.request("PUT", "/up2", {}, std::string("small body"), "example.com", false);
  pump(c);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen_for("/up").method, "POST");
  EXPECT_TRUE(seen_for("/up").body == big);  // (EXPECT_EQ would print 300 kB on failure)
  EXPECT_EQ(seen_for("/up").headers, (Fields{{"content-length", std::to_string(big.size())},
                                             {"content-type", "text/plain"}}));
  EXPECT_EQ(seen_for("/up2").method, "PUT");
  EXPECT_EQ(seen_for("/up2").body, "small body");
  EXPECT_EQ(c.responses[with].body, "POST /up 300000");
  EXPECT_EQ(c.responses[without].body, "PUT /up2 10");
}

TEST_F(H2SessionTest, AnswerGivenAfterFeedReturnedIsDeliveredAndSignalled) {
  defer = true;
  make_session();
  H2Client c;
  auto id = c.request("GET", "/later");
  pump(c);
  ASSERT_EQ(deferred.size(), 1u);
  EXPECT_EQ(session->awaiting_answers(), 1u);
  EXPECT_EQ(c.responses[id].status, 0);
  EXPECT_EQ(deferred[0]->request().target, "/later");  // views still valid
  answer(*deferred[0], 201);
  EXPECT_EQ(ready_calls, 1);
  EXPECT_EQ(session->awaiting_answers(), 0u);
  pump(c);
  EXPECT_EQ(c.responses[id].status, 201);
  EXPECT_EQ(c.responses[id].body, "GET /later 0");
  EXPECT_TRUE(c.responses[id].closed);
}

TEST_F(H2SessionTest, ConcurrentStreamsAnsweredOutOfOrder) {
  defer = true;
  make_session();
  H2Client c;
  std::vector<std::int32_t> ids;
  for (int i = 0; i < 6; ++i)
    ids.push_back(
        c.request(i % 2 ? "POST" : "GET", "/s" + std::to_string(i), {},
                  i % 2 ? std::optional<std::string>(std::string(i * 1000, 'b')) : std::nullopt));
  pump(c);
  ASSERT_EQ(deferred.size(), 6u);
  for (int i = 5; i >= 0; i -= 2) answer(deferred_for("/s" + std::to_string(i)));  // odd, backwards
  pump(c);
  for (int i = 0; i < 6; ++i) {
    bool answered = i % 2 == 1;
    EXPECT_EQ(c.responses[ids[i]].status, answered ? 200 : 0) << i;
  }
  for (int i = 4; i >= 0; i -= 2) answer(deferred_for("/s" + std::to_string(i)));
  pump(c);
  for (int i = 0; i < 6; ++i) {
    std::string expected = std::string(i % 2 ? "POST" : "GET") + " /s" + std::to_string(i) + " " +
                           std::to_string(i % 2 ? i * 1000 : 0);
    EXPECT_EQ(c.responses[ids[i]].body, expected);
    EXPECT_TRUE(c.responses[ids[i]].closed);
  }
  EXPECT_EQ(ready_calls, 6);
}

TEST_F(H2SessionTest, StreamResetBeforeTheAnswerIsDroppedSafely) {
  defer = true;
  make_session();
  H2Client c;
  auto id = c.request("POST", "/gone", {}, std::string("payload"));
  pump(c);
  ASSERT_EQ(deferred.size(), 1u);
  c.reset(id);
  pump(c);
  EXPECT_TRUE(c.responses[id].closed);
  EXPECT_EQ(session->awaiting_answers(), 1u);
  EXPECT_EQ(deferred[0]->request().body, "payload");  // storage kept for the handler
  answer(*deferred[0]);
  EXPECT_EQ(session->awaiting_answers(), 0u);
  pump(c);
  EXPECT_EQ(c.responses[id].status, 0);
  expect_still_serving(c);
}

TEST_F(H2SessionTest, AnswerAfterTheSessionIsDestroyedIsSafe) {
  defer = true;
  make_session();
  H2Client c;
  c.request("POST", "/orphan", {{"x-a", "b"}}, std::string("data"));
  c.request("GET", "/orphan2");
  pump(c);
  ASSERT_EQ(deferred.size(), 2u);
  session.reset();
  Exchange& post = deferred_for("/orphan");
  EXPECT_EQ(post.request().body, "data");
  ASSERT_EQ(post.request().headers.size(), 2u);
  EXPECT_EQ(post.request().headers[1].value, "b");
  Exchange& get = deferred_for("/orphan2");
  EXPECT_EQ(get.request().method, "GET");
  answer(post);
  answer(get);
  EXPECT_EQ(ready_calls, 0);
}

TEST_F(H2SessionTest, OversizedHeadersAndPathAreAnsweredWithoutTheHandler) {
  options.header_limit = 200;
  options.headers_total_limit = 1000;
  options.request_line_limit = 100;
  make_session();
  H2Client c;
  auto one_big = c.request("GET", "/h", {{"x-big", std::string(300, 'v')}});
  Fields many;
  for (int i = 0; i < 20; ++i) many.emplace_back("x-h" + std::to_string(i), std::string(90, 'v'));
  auto too_many = c.request("GET", "/h", many);
  auto long_path = c.request("GET", "/" + std::string(200, 'p'));
  auto fine = c.request("GET", "/ok", {{"x-small", std::string(150, 'v')}});
  pump(c);
  EXPECT_EQ(c.responses[one_big].status, 494);
  EXPECT_EQ(c.responses[too_many].status, 494);
  EXPECT_EQ(c.responses[long_path].status, 414);
  EXPECT_EQ(c.responses[one_big].header("content-type"), "application/json");
  EXPECT_EQ(c.responses[one_big].body, "{\"status\":494}");
  EXPECT_EQ(c.responses[fine].status, 200);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/ok");
}

TEST_F(H2SessionTest, OversizedBodiesAreAnswered413WithoutTheHandler) {
  options.body_limit = 1000;
  make_session();
  H2Client c;
  auto declared = c.request("POST", "/big", {}, std::string(5000, 'x'));
  auto undeclared = c.request("POST", "/big2", {}, std::string(5000, 'y'), "example.com", false);
  auto at_limit = c.request("POST", "/fits", {}, std::string(1000, 'z'));
  pump(c);
  EXPECT_EQ(c.responses[declared].status, 413);
  EXPECT_EQ(c.responses[undeclared].status, 413);
  EXPECT_TRUE(c.responses[declared].closed);
  EXPECT_TRUE(c.responses[undeclared].closed);
  EXPECT_EQ(c.responses[at_limit].status, 200);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/fits");
  EXPECT_FALSE(c.goaway);  // the connection stays usable
  auto next = c.request("GET", "/next");
  pump(c);
  EXPECT_EQ(c.responses[next].status, 200);
}

TEST_F(H2SessionTest, BufferedBodiesPerSessionAreBoundedByRefusingStreams) {
  options.body_limit = 5 << 20;  // budget: 4 × body_limit = 20 MiB
  defer = true;
  make_session();
  H2Client c;
  std::vector<std::int32_t> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(c.request("POST", "/b" + std::to_string(i), {}, std::string(5 << 20, 'q')));
  pump(c);
  ASSERT_EQ(deferred.size(), 4u);  // the fifth would exceed the budget
  int refused = 0;
  for (auto id : ids)
    if (c.responses[id].closed && c.responses[id].close_error == NGHTTP2_REFUSED_STREAM) ++refused;
  EXPECT_EQ(refused, 1);
  for (auto* ex : deferred) answer(*ex);
  deferred.clear();
  pump(c);
  // Answered streams give their share back.
  auto again = c.request("POST", "/again", {}, std::string(5 << 20, 'r'));
  pump(c);
  ASSERT_EQ(deferred.size(), 1u);
  answer(*deferred[0]);
  pump(c);
  EXPECT_EQ(c.responses[again].status, 200);
  EXPECT_EQ(c.responses[again].body, "POST /again 5242880");
}

// A client trickling a request (headers without END_STREAM, or part of a body) cannot hold the
// stream: request_timeout after it opened, the stream is reset and its buffer freed; complete
// requests, and requests already with the handler, are left alone.
TEST_F(H2SessionTest, RequestsStillArrivingAfterTheRequestTimeoutAreReset) {
  options.request_timeout = std::chrono::milliseconds(30'000);
  defer = true;
  make_session();
  H2Client c;
  auto opened = H2Session::Clock::now();
  auto stalled = c.request("POST", "/slow", {}, std::string(1000, 's'), "example.com", true, 100);
  auto handled = c.request("GET", "/handled");
  pump(c);
  ASSERT_EQ(seen.size(), 1u);  // only the complete request reached the handler
  auto deadline = session->next_request_deadline();
  ASSERT_TRUE(deadline.has_value());
  EXPECT_GE(*deadline, opened + options.request_timeout);
  EXPECT_LE(*deadline, H2Session::Clock::now() + options.request_timeout);

  EXPECT_EQ(session->expire_slow_requests(*deadline - std::chrono::milliseconds(1)), 0u);
  EXPECT_EQ(session->expire_slow_requests(*deadline), 1u);
  pump(c);
  EXPECT_TRUE(c.responses[stalled].closed);
  EXPECT_EQ(c.responses[stalled].close_error, static_cast<std::uint32_t>(NGHTTP2_CANCEL));
  EXPECT_FALSE(session->next_request_deadline().has_value());
  EXPECT_EQ(session->expire_slow_requests(*deadline + std::chrono::hours(1)), 0u);

  // The request with the handler is answered as usual, and the session goes on.
  answer(deferred_for("/handled"));
  deferred.clear();
  pump(c);
  EXPECT_EQ(c.responses[handled].status, 200);
  expect_still_serving(c);
  EXPECT_FALSE(c.goaway);
}

TEST_F(H2SessionTest, NotHttp2AtAllEndsWithGoaway) {
  make_session();
  EXPECT_FALSE(session->feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string out;
  session->drain_output(out);
  auto frames = test::split_frames(out);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back().type, NGHTTP2_GOAWAY);
  ASSERT_GE(frames.back().payload.size(), 8u);
  EXPECT_EQ(static_cast<unsigned char>(frames.back().payload[7]), NGHTTP2_PROTOCOL_ERROR);
  EXPECT_TRUE(session->done());
  EXPECT_TRUE(seen.empty());
}

TEST_F(H2SessionTest, ProtocolViolationAfterThePrefaceEndsWithGoaway) {
  make_session();
  H2Client c;
  c.request("GET", "/first");
  pump(c);
  ASSERT_EQ(seen.size(), 1u);
  // A DATA frame on stream 0 is a connection error.
  const char bad_frame[] = {0, 0, 4, 0 /*DATA*/, 0, 0, 0, 0, 0, 'j', 'u', 'n', 'k'};
  session->feed(std::string_view(bad_frame, sizeof bad_frame));
  std::string out;
  session->drain_output(out);
  c.give(out);
  EXPECT_TRUE(c.goaway);
  EXPECT_EQ(c.goaway_error, static_cast<std::uint32_t>(NGHTTP2_PROTOCOL_ERROR));
  EXPECT_TRUE(session->done());
}

TEST_F(H2SessionTest, RandomGarbageNeverCrashes) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 200; ++round) {
    make_session();
    H2Client c;
    c.request("POST", "/x", {}, std::string("abc"));
    std::string bytes = c.take();
    // Keep the preface most of the time, then corrupt some bytes and append noise.
    std::size_t keep = round % 4 == 0 ? 0 : 24;
    for (std::size_t i = keep; i < bytes.size(); ++i)
      if (rng() % 8 == 0) bytes[i] = static_cast<char>(rng());
    for (int i = 0; i < 64; ++i) bytes.push_back(static_cast<char>(rng()));
    session->feed(bytes);
    std::string out;
    for (int i = 0; i < 100 && session->drain_output(out) > 0; ++i) out.clear();
    if (!session->done()) {
      session->terminate(NGHTTP2_NO_ERROR);
      out.clear();
      session->drain_output(out);
      EXPECT_TRUE(session->done());
    }
  }
}

TEST_F(H2SessionTest, HandlerExceptionIsAnswered500) {
  throw_in_handler = true;
  make_session();
  H2Client c;
  auto id = c.request("GET", "/boom");
  pump(c);
  EXPECT_EQ(c.responses[id].status, 500);
  EXPECT_EQ(session->awaiting_answers(), 0u);
}

TEST_F(H2SessionTest, HostStandsInForAuthorityAndCookieCrumbsAreJoined) {
  make_session();
  H2Client c;
  c.request("GET", "/h",
            {{"host", "backend.example:8443"},
             {"cookie", "a=1"},
             {"x-mid", "m"},
             {"cookie", "b=2"},
             {"cookie", "c=3"}},
            std::nullopt, "");
  pump(c);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].authority, "backend.example:8443");
  EXPECT_EQ(
      seen[0].headers,
      (Fields{{"host", "backend.example:8443"}, {"cookie", "a=1; b=2; c=3"}, {"x-mid", "m"}}));
}

TEST_F(H2SessionTest, HeadAndNoContentAnswersCarryNoBody) {
  make_session();
  H2Client c;
  auto head = c.request("HEAD", "/h");
  pump(c);
  EXPECT_EQ(c.responses[head].status, 200);
  EXPECT_EQ(c.responses[head].body, "");
  EXPECT_EQ(c.responses[head].header("content-length"), std::nullopt);
  EXPECT_TRUE(c.responses[head].closed);

  handler = [](Exchange& ex) { ex.respond(ResponseView{204, {}, "ignored"}); };
  make_session();
  H2Client c2;
  auto none = c2.request("DELETE", "/x");
  pump(c2);
  EXPECT_EQ(c2.responses[none].status, 204);
  EXPECT_EQ(c2.responses[none].body, "");
  EXPECT_TRUE(c2.responses[none].closed);
}

TEST_F(H2SessionTest, LargeAnswersFlowThroughFlowControlInBoundedBatches) {
  std::string large(3 * 1024 * 1024 + 17, 'L');
  handler = [&large](Exchange& ex) { ex.respond(ResponseView{200, {}, large}); };
  make_session();
  H2Client c;  // default 64 KiB windows: the answer needs many WINDOW_UPDATEs
  auto id = c.request("GET", "/large");
  std::size_t largest_batch = 0;
  for (int i = 0; i < 5000 && !c.responses[id].closed; ++i) {
    std::string up = c.take();
    if (!up.empty()) session->feed(up);
    std::string chunk;
    session->drain_output(chunk);
    largest_batch = std::max(largest_batch, chunk.size());
    c.give(chunk);
  }
  EXPECT_TRUE(c.responses[id].closed);
  EXPECT_EQ(c.responses[id].body.size(), large.size());
  EXPECT_TRUE(c.responses[id].body == large);
  EXPECT_LE(largest_batch, H2Session::kMaxOutputBatch);
}

TEST_F(H2SessionTest, GracefulShutdownLetsOpenStreamsFinish) {
  defer = true;
  make_session();
  H2Client c;
  auto id = c.request("GET", "/slow");
  pump(c);
  ASSERT_EQ(deferred.size(), 1u);
  session->shutdown();
  pump(c);
  EXPECT_TRUE(c.goaway);
  EXPECT_EQ(c.goaway_error, static_cast<std::uint32_t>(NGHTTP2_NO_ERROR));
  EXPECT_EQ(c.goaway_last_stream, id);
  EXPECT_FALSE(session->done());
  answer(*deferred[0]);
  pump(c);
  EXPECT_EQ(c.responses[id].status, 200);
  EXPECT_TRUE(session->done());
}

TEST_F(H2SessionTest, RequestsInProgressAreCountedUntilTheirStreamIsDone) {
  defer = true;
  make_session();
  std::size_t in_progress = 0;
  session->count_in_progress(&in_progress);
  H2Client c;
  auto slow = c.request("GET", "/slow");
  auto reset = c.request("POST", "/reset", {}, std::string("x"));
  auto orphan = c.request("GET", "/orphan");
  c.request("POST", "/half", {}, std::string(100, 'b'), "example.com", true, /*stall_at=*/10);
  pump(c);
  ASSERT_EQ(deferred.size(), 3u);
  EXPECT_EQ(in_progress, 3u);  // the request still arriving is not in progress yet
  session->shutdown();
  answer(deferred_for("/slow"));
  EXPECT_EQ(in_progress, 3u);  // answered, not yet handed out
  pump(c);
  EXPECT_EQ(c.responses[slow].status, 200);
  EXPECT_EQ(in_progress, 2u);
  // The client gives up on one: it stays in progress while the handler holds it.
  c.reset(reset);
  pump(c);
  EXPECT_EQ(in_progress, 2u);
  answer(deferred_for("/reset"));
  EXPECT_EQ(in_progress, 1u);
  Exchange& orphan_exchange = deferred_for("/orphan");
  session.reset();  // the connection is gone: nobody is left to answer to
  EXPECT_EQ(in_progress, 0u);
  answer(orphan_exchange);
  EXPECT_EQ(in_progress, 0u);
  (void)orphan;
}

TEST_F(H2SessionTest, PooledStreamsStartClean) {
  make_session();
  H2Client c;
  for (int i = 0; i < 50; ++i) {
    Fields f;
    if (i % 2) f.emplace_back("x-odd", std::to_string(i));
    c.request(i % 3 ? "GET" : "POST", "/p" + std::to_string(i), f,
              i % 3 ? std::nullopt : std::optional<std::string>(std::to_string(i)));
    pump(c);
  }
  ASSERT_EQ(seen.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(seen[i].target, "/p" + std::to_string(i));
    EXPECT_EQ(seen[i].headers.size(), (i % 2 ? 1u : 0u) + (i % 3 ? 0u : 1u)) << i;
    EXPECT_EQ(seen[i].body, i % 3 ? "" : std::to_string(i));
  }
}

}  // namespace
}  // namespace gh::http
