#pragma once
// Lenient readers of stored JSON (published API definitions, snapshot files): a member that is
// missing or of another type reads as the fallback. The writers of those texts are this program,
// so a wrong type means an older or damaged file, which callers detect by their own checks (a
// format version, required ids), not by exceptions from here.
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace gh::store::json_fields {

inline std::string str(const boost::json::object& o, std::string_view key,
                       std::string fallback = {}) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : fallback;
}

inline std::int64_t num(const boost::json::object& o, std::string_view key,
                        std::int64_t fallback = 0) {
  auto* v = o.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : fallback;
}

// The array member `key`, or an empty array.
inline const boost::json::array& arr(const boost::json::object& o, std::string_view key) {
  static const boost::json::array empty;
  auto* v = o.if_contains(key);
  return v && v->is_array() ? v->as_array() : empty;
}

}  // namespace gh::store::json_fields
