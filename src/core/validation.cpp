#include "core/validation.hpp"

#include <cstdint>

namespace gh::core::rules {
namespace {
bool is_alpha(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(unsigned char c) {
  return is_alpha(c) || is_digit(c);
}
bool is_hex(unsigned char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool in_set(unsigned char c, std::string_view set) {
  return set.find(char(c)) != set.npos;
}

// Decodes one UTF-8 code point at s[i]; returns its value and advances i, or -1 on bad input.
std::int32_t next_code_point(std::string_view s, std::size_t& i) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC2 ? 2 : 0;
  if (len == 0 || b0 > 0xF4 || i + len > s.size()) return -1;
  std::int32_t cp = b0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr std::int32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += len;
  return cp;
}
bool is_han(std::int32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0xF900 && cp <= 0xFAFF);
}
template <class Pred>
bool all_of(std::string_view s, Pred p) {
  for (unsigned char c : s)
    if (!p(c)) return false;
  return true;
}
}  // namespace

long utf8_length(std::string_view s) {
  long n = 0;
  for (std::size_t i = 0; i < s.size(); ++n)
    if (next_code_point(s, i) < 0) return -1;
  return n;
}

bool is_hex_id(std::string_view s) {
  return s.size() == 32 && all_of(s, is_hex);
}

bool is_app_name(std::string_view s) {
  std::size_t i = 0;
  long count = 0;
  while (i < s.size()) {
    std::int32_t cp = next_code_point(s, i);
    if (cp < 0) return false;
    bool letter = cp < 0x80 && is_alpha(static_cast<unsigned char>(cp));
    bool ok = count == 0 ? (letter || is_han(cp))
                         : (letter || is_han(cp) || cp == '_' ||
                            (cp < 0x80 && is_digit(static_cast<unsigned char>(cp))));
    if (!ok) return false;
    ++count;
  }
  return count >= 3 && count <= 64;
}

bool is_remark(std::string_view s, std::size_t max_chars) {
  long n = utf8_length(s);
  return n >= 0 && static_cast<std::size_t>(n) <= max_chars;
}

bool is_app_key(std::string_view s) {
  return s.size() >= 8 && s.size() <= 200 && is_alnum(s[0]) &&
         all_of(s, [](unsigned char c) { return is_alnum(c) || c == '_' || c == '-'; });
}

bool is_app_secret(std::string_view s) {
  return s.size() >= 8 && s.size() <= 128 && is_alnum(s[0]) &&
         all_of(s, [](unsigned char c) { return is_alnum(c) || in_set(c, "_-!@#$%"); });
}

bool is_app_code(std::string_view s) {
  return s.size() >= 64 && s.size() <= 180 && (is_alnum(s[0]) || s[0] == '+' || s[0] == '/') &&
         all_of(s, [](unsigned char c) { return is_alnum(c) || in_set(c, "+_!@#$%/=-"); });
}

bool is_roma_key(std::string_view s) {
  return s.size() >= 8 && s.size() <= 64 &&
         all_of(s, [](unsigned char c) { return is_alnum(c) || in_set(c, "-_@."); });
}

bool is_roma_secret(std::string_view s) {
  return s.size() >= 8 && s.size() <= 64 &&
         all_of(s, [](unsigned char c) { return is_alnum(c) || in_set(c, "!@#$%+=./-"); });
}

}  // namespace gh::core::rules
