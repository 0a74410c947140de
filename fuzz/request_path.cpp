// Fuzzes the request-path normalizer (src/core/request_path.hpp). The whole input is the path.
// Checks beyond "no crash, no sanitizer report": a normal form starts with '/', holds no empty,
// "." or ".." segment (but a trailing '/'), no encoded separator and no lower-case or unreserved
// encoding, is never longer than its input, and is a fixed point returned in place.
#include "core/request_path.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

bool is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void check_normal_form(std::string_view p) {
  require(!p.empty() && p.front() == '/');
  std::size_t start = 1;
  for (std::size_t i = 1; i <= p.size(); ++i) {
    if (i < p.size() && p[i] != '/') continue;
    std::string_view segment = p.substr(start, i - start);
    require(segment != "." && segment != "..");
    require(!segment.empty() || i == p.size());  // only the last segment may be empty
    start = i + 1;
  }
  for (std::size_t i = 0; i < p.size(); ++i) {
    auto c = static_cast<unsigned char>(p[i]);
    require(c > 0x20 && c != 0x7f && c != '\\' && c != '#');
    if (c != '%') continue;
    require(i + 2 < p.size());
    auto hex = [](char h) {
      return h >= '0' && h <= '9' ? h - '0' : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
    };
    int hi = hex(p[i + 1]), lo = hex(p[i + 2]);
    require(hi >= 0 && lo >= 0);
    auto v = static_cast<unsigned char>(hi * 16 + lo);
    require(v != 0 && v != '/' && v != '\\' && !is_unreserved(v));
    i += 2;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view path(reinterpret_cast<const char*>(bytes), size);
  std::string scratch;
  auto normal = gh::core::normalize_request_path(path, scratch);
  if (!normal) return 0;
  require(normal->size() <= path.size());
  check_normal_form(*normal);
  std::string copy(*normal), again_scratch;
  auto again = gh::core::normalize_request_path(copy, again_scratch);
  require(again && *again == copy && again->data() == copy.data());
  return 0;
}
