#pragma once
// Value rules of the wire contract (reference §A.2, §A.3). Pure functions, no I/O.
#include <string_view>

namespace gh::core::rules {

// 32 lowercase-or-uppercase hex characters (Huawei ids); lookups accept other shapes and just miss.
bool is_hex_id(std::string_view s);
// App name: 3–64 characters (counted as Unicode code points); letters, digits, '_' and CJK;
// starts with a letter or a CJK character.
bool is_app_name(std::string_view s);
// ModelArts app_name follows the same rule.
// Remark: at most `max_chars` code points of valid UTF-8.
bool is_remark(std::string_view s, std::size_t max_chars = 255);
// app_key: 8–200 chars [A-Za-z0-9_-], first a letter or digit.
bool is_app_key(std::string_view s);
// app_secret: 8–128 chars, letters, digits and _-!@#$%, first a letter or digit.
bool is_app_secret(std::string_view s);
// Custom AppCode: 64–180 chars, [A-Za-z0-9+_!@#$%/=-], first a letter, digit, '+' or '/'.
bool is_app_code(std::string_view s);
// ROMA integration app key: 8–64 letters, digits and -_@. ; secret: 8–64 letters, digits,
// !@#$%+=./-
bool is_roma_key(std::string_view s);
bool is_roma_secret(std::string_view s);
// Valid UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF); returns code point count or -1.
long utf8_length(std::string_view s);

}  // namespace gh::core::rules
