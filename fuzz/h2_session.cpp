// Fuzzes the HTTP/2 server session (src/http/h2_session.*) with arbitrary bytes from a client.
//
// Input: one control byte, then the client's bytes. Control bit 0: do not prepend the connection
// preface (by default it is, so that mutations explore frames rather than the preface); bit 1:
// tiny limits (body, headers, path), so that every limit's answer is reachable; bits 2-7: the
// piece size the bytes are fed in. Exchanges are answered in turn at once, after the next piece,
// or only after the session was destroyed (which the session's contract allows); every third
// handler call throws when bit 1 is set.
// Checks beyond "no crash, no sanitizer report": every view of a request is readable until its
// answer, also after the session is gone; drain_output() honours kMaxOutputBatch.
#include "http/h2_session.hpp"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {
using namespace gh::http;

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

void require(bool condition) {
  if (!condition) std::abort();
}

// Reads every byte a request's views point at (ASan checks that they are still alive).
std::size_t touch(const RequestView& r) {
  std::size_t sum = 0;
  auto add = [&](std::string_view s) {
    for (char c : s) sum += static_cast<unsigned char>(c);
  };
  add(r.method);
  add(r.target);
  add(r.authority);
  add(r.body);
  for (const auto& h : r.headers) {
    add(h.name);
    add(h.value);
  }
  return sum;
}

void answer(Exchange& ex) {
  const RequestView& r = ex.request();
  std::string body = std::to_string(touch(r)) + " " + std::string(r.target);
  HeaderView headers[] = {{"content-type", "text/plain"}, {"connection", "close"}};
  ex.respond(ResponseView{200, headers, body});
}

Response rendered(ProtocolError e) {
  Response r{bhttp::status::bad_request, 11};
  r.body() = "{\"error\":" + std::to_string(static_cast<int>(e)) + "}";
  return r;
}

struct Harness {
  ServerOptions options;
  ExchangeHandler handler;
  std::vector<Exchange*> later;
  int calls = 0;
  bool throwing = false;

  explicit Harness(bool tiny) {
    options.error_renderer = rendered;
    if (tiny) {
      options.body_limit = 64;
      options.header_limit = 48;
      options.headers_total_limit = 96;
      options.request_line_limit = 32;
    }
    throwing = tiny;
    handler = [this](Exchange& ex) {
      ++calls;
      touch(ex.request());
      if (throwing && calls % 3 == 0) throw std::runtime_error("handler bug");
      if (calls % 2 == 0)
        answer(ex);
      else
        later.push_back(&ex);
    };
  }
  void answer_later() {
    for (auto* ex : later) answer(*ex);
    later.clear();
  }
};

void drain(H2Session& session) {
  for (int i = 0; i < 64; ++i) {
    std::string out;
    std::size_t n = session.drain_output(out);
    require(n == out.size());
    require(out.size() < H2Session::kMaxOutputBatch + (1 << 20));  // one frame may overshoot
    if (n == 0) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  std::uint8_t control = bytes[0];
  std::string_view data(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  std::size_t piece = (static_cast<std::size_t>(control >> 2) + 1) * 9;

  Harness h(control & 2);
  auto session = std::make_unique<H2Session>(h.options, h.handler, RequestContext{});
  bool alive = true;
  if (!(control & 1)) alive = session->feed(kPreface);
  for (std::size_t offset = 0; alive && offset < data.size(); offset += piece) {
    alive = session->feed(data.substr(offset, piece));
    drain(*session);
    h.answer_later();  // answers arriving between reads (a proxied call)
    drain(*session);
  }
  // A request left pending (the handler's last deferred answer stays open until after the
  // session is destroyed).
  Exchange* orphan = nullptr;
  if (!h.later.empty()) {
    orphan = h.later.back();
    h.later.pop_back();
  }
  h.answer_later();
  session->expire_slow_requests(H2Session::Clock::now() + std::chrono::hours(1));
  session->next_request_deadline();
  session->shutdown();
  drain(*session);
  session.reset();
  if (orphan) answer(*orphan);
  return 0;
}
