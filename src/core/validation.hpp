#pragma once
// Value rules of the wire contract (docs/compatibility.md#app-rules, #appcode-rules). Pure
// functions, no I/O.
#include <string>
#include <string_view>
#include <vector>

namespace gh::core::rules {

// 32 lowercase-or-uppercase hex characters (Huawei ids); lookups accept other shapes and just miss.
bool is_hex_id(std::string_view s);
// App name: 3–64 characters (counted as Unicode code points); letters, digits, '_' and CJK;
// starts with a letter or a CJK character. Throttling policy names follow the same rule, app quota
// names too with at most 255 (docs/compatibility.md#throttle-rules, #app-quotas).
bool is_app_name(std::string_view s, long max_chars = 64);
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
// ---- traffic side (docs/compatibility.md#traffic-endpoints, #api-definition)
// API group / API name: 3–255 code points; letters, digits, CJK and _-.()/: ; starts with a letter,
// digit or CJK character.
bool is_group_name(std::string_view s);
bool is_api_name(std::string_view s);
// Environment name: 3–64 chars [A-Za-z0-9_], first a letter.
bool is_env_name(std::string_view s);
// Environment variable name: 3–32 chars [A-Za-z0-9_-], first a letter (case-sensitive).
bool is_env_variable_name(std::string_view s);
// Environment variable value: 1–255 chars [A-Za-z0-9_-/.:].
bool is_env_variable_value(std::string_view s);
// Request/backend parameter name: 1–32 chars [A-Za-z0-9._-], first a letter.
bool is_param_name(std::string_view s);
// Request path: starts with '/', at most 512 chars; each segment is either "{name}" / "{name+}"
// (a parameter, name per is_param_name) or literal characters [A-Za-z0-9-_.*%~]. With
// `env_vars`, literal segments may also hold "#variable#" references (backend paths).
bool is_req_uri(std::string_view s, bool env_vars = false);
// The names of the "{name}" / "{name+}" segments of a path (without braces and '+').
std::vector<std::string> path_params(std::string_view uri);
// Backend address host[:port], at most 255 chars; host letters, digits, '.', '-', '_'; port
// 1–65535. "#variable#" references are allowed in place of (parts of) the host or port.
bool is_url_domain(std::string_view s);

// Text free of control characters: no C0 control (U+0000–U+001F) and no DEL (U+007F). With
// `line_breaks`, TAB, LF and CR are allowed (free text: remarks, descriptions, mock bodies).
// Every string a management call stores passes this check (docs/compatibility.md).
bool is_clean_text(std::string_view s, bool line_breaks = false);

// Valid UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF); returns code point count or -1.
long utf8_length(std::string_view s);
// `s` when it is valid UTF-8; otherwise a copy with each byte that does not start a valid code
// point replaced by U+FFFD. For text that echoes client bytes into a JSON answer (RFC 8259: JSON
// text is UTF-8).
std::string to_valid_utf8(std::string s);

}  // namespace gh::core::rules
