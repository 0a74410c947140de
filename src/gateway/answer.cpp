// The pipeline's answers: Answer::send (the completion point), the data-plane error body, and
// request ids (gateway/answer.hpp, gateway/gateway.hpp).
#include "gateway/answer.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "crypto/random.hpp"

namespace gh::gateway {
using namespace std::literals;
namespace dp = core::dataplane;
using http::HeaderView;

namespace {

// Milliseconds with three decimals, e.g. "1.250", into `buf`.
std::string_view millis(Clock::duration d, char (&buf)[32]) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  char* p = std::to_chars(buf, buf + 20, us / 1000).ptr;
  *p++ = '.';
  auto frac = us % 1000;
  *p++ = static_cast<char>('0' + frac / 100);
  *p++ = static_cast<char>('0' + frac / 10 % 10);
  *p++ = static_cast<char>('0' + frac % 10);
  return {buf, static_cast<std::size_t>(p - buf)};
}

// The length of the prefix of `s` that JSON takes as it is (no '"', '\\' or control character):
// eight bytes at a time ("has a zero byte" / "has a byte less than n" bit tricks), then bytewise.
std::size_t plain_prefix(std::string_view s) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    std::uint64_t quote = w ^ (kOnes * '"'), backslash = w ^ (kOnes * '\\');
    if (((w - kOnes * 0x20) & ~w & kHigh) | ((quote - kOnes) & ~quote & kHigh) |
        ((backslash - kOnes) & ~backslash & kHigh))
      break;
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) break;
  }
  return i;
}

// `s` as a JSON string; runs of characters that need no escape are appended at once.
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  while (!s.empty()) {
    std::size_t run = plain_prefix(s);
    out.append(s.data(), run);
    if (run == s.size()) break;
    char c = s[run];
    s.remove_prefix(run + 1);
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
      case '\\':
        out.push_back('\\');
        out.push_back(c);
        break;
      case '\n':
        out.append("\\n"sv);
        break;
      case '\r':
        out.append("\\r"sv);
        break;
      case '\t':
        out.append("\\t"sv);
        break;
      default:
        out.append("\\u00"sv);
        out.push_back(kHex[u >> 4]);
        out.push_back(kHex[u & 15]);
    }
  }
  out.push_back('"');
}

// Huawei's debug headers of throttling: X-Apig-RateLimit-<dim>: remain:N,limit:N,time:T unit
// for each dimension counted (docs/compatibility.md#throttling-dataplane).
void append_rate_limit_headers(const ThrottleResult& r, std::string (&text)[4],
                               std::vector<HeaderView>& out) {
  static constexpr std::string_view kNames[4] = {"X-Apig-RateLimit-api", "X-Apig-RateLimit-user",
                                                 "X-Apig-RateLimit-app", "X-Apig-RateLimit-ip"};
  for (int i = 0; i < r.count; ++i) {
    const auto& d = r.dims[i];
    auto& t = text[i];
    t.assign("remain:");
    t.append(std::to_string(d.admission.remaining));
    t.append(",limit:"sv);
    t.append(std::to_string(d.admission.limit));
    t.append(",time:"sv);
    t.append(r.policy->period);
    out.push_back({kNames[static_cast<int>(d.dim)], t});
  }
}

}  // namespace

void Gateway::Answer::send(int status, std::span<const HeaderView> fields, std::string_view body,
                           std::optional<Clock::duration> upstream,
                           std::string_view error_number) const {
  thread_local std::vector<HeaderView> all;
  all.assign(fields.begin(), fields.end());
  all.push_back({"X-Request-Id", request_id});
  thread_local std::string rate_text[4];
  if (debug && throttle) append_rate_limit_headers(*throttle, rate_text, all);
  char total[32], up[32];
  if (debug || observer) {
    auto elapsed = Clock::now() - started;
    if (debug) {
      all.push_back({"X-Apig-Latency", millis(elapsed, total)});
      if (upstream) all.push_back({"X-Apig-Upstream-Latency", millis(*upstream, up)});
    }
    if (observer)
      observer->record(*this, status, body.size(), ns(elapsed), upstream ? ns(*upstream) : -1,
                       error_number);
  }
  exchange.respond({status, all, body});
}

namespace {

// The error body of a fixed failure up to its request id's value, built once for the last such
// failure a thread answered with (refusals come in runs: a bad AppCode is refused again and again).
struct FixedBodyPrefix {
  std::string_view text, number;  // a fixed text is static storage: its address names it
  bool roma = false;
  std::string bytes;  // {"error_code":"APIG.0303","error_msg":"…","request_id":"

  bool holds(const Failure& f, bool r) const {
    std::string_view t = f.message;
    return t.data() == text.data() && t.size() == text.size() && f.number == number && r == roma;
  }
};

}  // namespace

void Gateway::Answer::fail(const Failure& f, std::span<const HeaderView> extra,
                           std::optional<Clock::duration> upstream) const {
  thread_local std::string body;
  thread_local FixedBodyPrefix fixed;
  body.clear();
  if (f.message.is_fixed() && plain_prefix(request_id) == request_id.size()) {
    if (!fixed.holds(f, roma)) {
      fixed.text = f.message;
      fixed.number = f.number;
      fixed.roma = roma;
      fixed.bytes.clear();
      append_error_body(fixed.bytes, dp::error_code(f, roma), f.message, {});
      fixed.bytes.resize(fixed.bytes.size() - 2);  // the empty id's closing quote and brace
    }
    body.append(fixed.bytes);
    body.append(request_id);
    body.append("\"}"sv);
  } else {
    append_error_body(body, dp::error_code(f, roma), f.message, request_id);
  }
  thread_local std::vector<HeaderView> fields;
  fields.assign(1, {"Content-Type", "application/json"});
  fields.insert(fields.end(), extra.begin(), extra.end());
  send(f.status, fields, body, upstream, f.number);
}

void next_request_id(char (&out)[32]) {
  thread_local std::string prefix = crypto::random_hex(8);
  thread_local std::uint64_t counter = 0;
  static constexpr char kHex[] = "0123456789abcdef";
  std::copy(prefix.begin(), prefix.begin() + 16, out);
  std::uint64_t n = ++counter;
  for (int i = 31; i >= 16; --i, n >>= 4) out[i] = kHex[n & 15];
}

std::string next_request_id() {
  char id[32];
  next_request_id(id);
  return std::string(id, sizeof id);
}

std::string error_body(std::string_view code, std::string_view message,
                       std::string_view request_id) {
  std::string out;
  out.reserve(64 + message.size() + request_id.size());
  append_error_body(out, code, message, request_id);
  return out;
}

void append_error_body(std::string& out, std::string_view code, std::string_view message,
                       std::string_view request_id) {
  out.append("{\"error_code\":"sv);
  append_json_string(out, code);
  out.append(",\"error_msg\":"sv);
  append_json_string(out, message);
  out.append(",\"request_id\":"sv);
  append_json_string(out, request_id);
  out.push_back('}');
}

http::Response error_response(unsigned version, int status, std::string_view code,
                              std::string_view message, std::string_view request_id) {
  http::Response res{static_cast<http::bhttp::status>(status), version};
  res.set(http::bhttp::field::content_type, "application/json");
  res.set("X-Request-Id", request_id);
  res.body() = error_body(code, message, request_id);
  res.prepare_payload();
  return res;
}

}  // namespace gh::gateway
