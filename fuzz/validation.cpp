// Fuzzes the wire contract's value rules (src/core/validation.*): AppCode, app, API and traffic
// names. The whole input is the value.
// Checks beyond "no crash, no sanitizer report": utf8_length agrees with an independent decoder
// (the well-formed byte sequences of Unicode 15 table 3-7), to_valid_utf8 gives valid text and
// leaves valid text alone, and every accepted value has the length its rule documents.
#include "core/validation.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {
using namespace gh::core::rules;

void require(bool condition) {
  if (!condition) std::abort();
}

// Code points in well-formed UTF-8, or -1: table 3-7 row by row.
long reference_utf8_length(std::string_view s) {
  long n = 0;
  std::size_t i = 0;
  auto in = [&](std::size_t k, unsigned lo, unsigned hi) {
    if (i + k >= s.size()) return false;
    auto b = static_cast<unsigned char>(s[i + k]);
    return b >= lo && b <= hi;
  };
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    if (b <= 0x7F)
      len = 1;
    else if (b >= 0xC2 && b <= 0xDF)
      len = in(1, 0x80, 0xBF) ? 2 : 0;
    else if (b == 0xE0)
      len = in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
    else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF)
      len = in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
    else if (b == 0xED)
      len = in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
    else if (b == 0xF0)
      len = in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    else if (b >= 0xF1 && b <= 0xF3)
      len = in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    else if (b == 0xF4)
      len = in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    if (len == 0) return -1;
    i += len;
    ++n;
  }
  return n;
}

bool between(long n, long lo, long hi) {
  return n >= lo && n <= hi;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view s(reinterpret_cast<const char*>(bytes), size);
  long chars = utf8_length(s);
  require(chars == reference_utf8_length(s));
  long n = static_cast<long>(s.size());
  std::string valid = to_valid_utf8(std::string(s));
  require(utf8_length(valid) >= 0 && (chars < 0 || valid == s));

  if (is_hex_id(s)) require(n == 32);
  if (is_app_name(s)) require(between(chars, 3, 64));
  if (is_remark(s)) require(between(chars, 0, 255));
  if (is_remark(s, 3)) require(between(chars, 0, 3));
  if (is_app_key(s)) require(between(n, 8, 200));
  if (is_app_secret(s)) require(between(n, 8, 128));
  if (is_app_code(s)) require(between(n, 64, 180));
  if (is_roma_key(s)) require(between(n, 8, 64));
  if (is_roma_secret(s)) require(between(n, 8, 64));
  if (is_group_name(s)) require(between(chars, 3, 255));
  if (is_api_name(s)) require(between(chars, 3, 255));
  if (is_env_name(s)) require(between(n, 3, 64));
  if (is_env_variable_name(s)) require(between(n, 3, 32));
  if (is_env_variable_value(s)) require(between(n, 1, 255));
  if (is_param_name(s)) require(between(n, 1, 32));
  if (is_url_domain(s)) require(between(n, 1, 255));

  bool route = is_req_uri(s);
  bool backend = is_req_uri(s, true);
  if (route) require(backend && between(n, 1, 512) && s[0] == '/');
  auto params = path_params(s);
  if (route) {
    // Each parameter is a whole "{name}" / "{name+}" segment.
    std::size_t braces = 0;
    for (char c : s) braces += c == '{';
    require(params.size() == braces);
    for (const auto& p : params) require(is_param_name(p));
  }
  return 0;
}
