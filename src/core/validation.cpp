#include "core/validation.hpp"

#include <cstdint>

namespace gh::core::rules {
namespace {
constexpr bool is_alpha(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
constexpr bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}
constexpr bool is_alnum(unsigned char c) {
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
// Alphanumerics and `extra`, as a table built at compile time: one load per character where
// is_alnum || in_set takes a dozen compares (is_app_code runs on every AppCode of an import).
struct CharClass {
  bool allows[256] = {};
  constexpr explicit CharClass(std::string_view extra) {
    for (int c = 0; c < 256; ++c) allows[c] = is_alnum(static_cast<unsigned char>(c));
    for (char c : extra) allows[static_cast<unsigned char>(c)] = true;
  }
};
constexpr CharClass kAppCodeChars("+_!@#$%/=-");
}  // namespace

long utf8_length(std::string_view s) {
  long n = 0;
  for (std::size_t i = 0; i < s.size(); ++n)
    if (next_code_point(s, i) < 0) return -1;
  return n;
}

std::string to_valid_utf8(std::string s) {
  if (utf8_length(s) >= 0) return s;
  std::string out;
  out.reserve(s.size() + 16);
  for (std::size_t i = 0; i < s.size();) {
    std::size_t start = i;
    if (next_code_point(s, i) >= 0) {
      out.append(s, start, i - start);
    } else {
      out += "\xEF\xBF\xBD";
      i = start + 1;
    }
  }
  return out;
}

bool is_hex_id(std::string_view s) {
  return s.size() == 32 && all_of(s, is_hex);
}

bool is_app_name(std::string_view s, long max_chars) {
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
  return count >= 3 && count <= max_chars;
}

bool is_clean_text(std::string_view s, bool line_breaks) {
  for (unsigned char c : s) {
    if (c >= 0x20 && c != 0x7f) continue;
    if (line_breaks && (c == '\t' || c == '\n' || c == '\r')) continue;
    return false;
  }
  return true;
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
         all_of(s, [](unsigned char c) { return kAppCodeChars.allows[c]; });
}

bool is_roma_key(std::string_view s) {
  return s.size() >= 8 && s.size() <= 64 &&
         all_of(s, [](unsigned char c) { return is_alnum(c) || in_set(c, "-_@."); });
}

bool is_roma_secret(std::string_view s) {
  return s.size() >= 8 && s.size() <= 64 &&
         all_of(s, [](unsigned char c) { return is_alnum(c) || in_set(c, "!@#$%+=./-"); });
}

namespace {
// Name rule shared by API groups and APIs.
bool is_object_name(std::string_view s) {
  std::size_t i = 0;
  long count = 0;
  while (i < s.size()) {
    std::int32_t cp = next_code_point(s, i);
    if (cp < 0) return false;
    bool alnum = cp < 0x80 && is_alnum(static_cast<unsigned char>(cp));
    bool ok = count == 0 ? (alnum || is_han(cp))
                         : (alnum || is_han(cp) ||
                            (cp < 0x80 && in_set(static_cast<unsigned char>(cp), "_-.()/:")));
    if (!ok) return false;
    ++count;
  }
  return count >= 3 && count <= 255;
}
bool is_literal_segment(std::string_view seg, bool env_vars) {
  std::size_t i = 0;
  while (i < seg.size()) {
    unsigned char c = seg[i];
    if (env_vars && c == '#') {
      auto end = seg.find('#', i + 1);
      if (end == seg.npos || !is_env_variable_name(seg.substr(i + 1, end - i - 1))) return false;
      i = end + 1;
      continue;
    }
    if (!(is_alnum(c) || in_set(c, "-_.*%~"))) return false;
    ++i;
  }
  return true;
}
// "{name}" or "{name+}" → name; otherwise "".
std::string_view param_of_segment(std::string_view seg) {
  if (seg.size() < 3 || seg.front() != '{' || seg.back() != '}') return {};
  auto name = seg.substr(1, seg.size() - 2);
  if (!name.empty() && name.back() == '+') name.remove_suffix(1);
  return is_param_name(name) ? name : std::string_view{};
}
template <class F>
void for_each_segment(std::string_view uri, F f) {
  std::size_t start = 1;
  for (std::size_t i = 1; i <= uri.size(); ++i)
    if (i == uri.size() || uri[i] == '/') {
      f(uri.substr(start, i - start));
      start = i + 1;
    }
}
}  // namespace

bool is_group_name(std::string_view s) {
  return is_object_name(s);
}
bool is_api_name(std::string_view s) {
  return is_object_name(s);
}

bool is_env_name(std::string_view s) {
  return s.size() >= 3 && s.size() <= 64 && is_alpha(s[0]) &&
         all_of(s, [](unsigned char c) { return is_alnum(c) || c == '_'; });
}

bool is_env_variable_name(std::string_view s) {
  return s.size() >= 3 && s.size() <= 32 && is_alpha(s[0]) &&
         all_of(s, [](unsigned char c) { return is_alnum(c) || c == '_' || c == '-'; });
}

bool is_env_variable_value(std::string_view s) {
  return !s.empty() && s.size() <= 255 &&
         all_of(s, [](unsigned char c) { return is_alnum(c) || in_set(c, "_-/.:"); });
}

bool is_param_name(std::string_view s) {
  return !s.empty() && s.size() <= 32 && is_alpha(s[0]) &&
         all_of(s, [](unsigned char c) { return is_alnum(c) || in_set(c, "._-"); });
}

bool is_req_uri(std::string_view s, bool env_vars) {
  if (s.empty() || s[0] != '/' || s.size() > 512) return false;
  if (s == "/") return true;
  bool ok = true;
  for_each_segment(s, [&](std::string_view seg) {
    if (seg.empty()) {
      ok = false;  // "//" and a trailing '/' are not routable paths
    } else if (seg.front() == '{') {
      ok = ok && !param_of_segment(seg).empty();
    } else {
      ok = ok && is_literal_segment(seg, env_vars);
    }
  });
  return ok;
}

std::vector<std::string> path_params(std::string_view uri) {
  std::vector<std::string> out;
  if (uri.empty() || uri[0] != '/') return out;
  for_each_segment(uri, [&](std::string_view seg) {
    auto name = param_of_segment(seg);
    if (!name.empty()) out.emplace_back(name);
  });
  return out;
}

bool is_url_domain(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  bool has_vars = s.find('#') != s.npos;
  auto colon = s.rfind(':');
  std::string_view host = s.substr(0, colon);
  if (host.empty()) return false;
  if (!is_literal_segment(host, true)) return false;
  if (!all_of(host, [](unsigned char c) { return is_alnum(c) || in_set(c, ".-_#"); })) return false;
  if (colon == s.npos) return true;
  auto port = s.substr(colon + 1);
  if (has_vars && port.find('#') != port.npos) return is_literal_segment(port, true);
  if (port.empty() || port.size() > 5 || !all_of(port, is_digit)) return false;
  long v = 0;
  for (char c : port) v = v * 10 + (c - '0');
  return v >= 1 && v <= 65535;
}

}  // namespace gh::core::rules
