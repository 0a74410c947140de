#pragma once
// Text of request targets, shared by the management router, the gateway's route table and the
// SDK-HMAC-SHA256 canonicaliser: one splitter of paths, one percent-decoder, one query parser.
// Routing and signature checks must read a target the same way, so each rule has this one home.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gh::core {

// "/a/b/" → {"a", "b", ""}: the segments between slashes, views into `path`. A path that does not
// start with '/' has no segments (empty result).
std::vector<std::string_view> split_path(std::string_view path);

// Percent-decodes ('+' stays '+'); malformed escapes ("%zz", a trailing "%") are kept literally.
std::string percent_decode(std::string_view s);

// "a=1&b&=x&a=%41" → {{"a","1"},{"b",""},{"","x"},{"a","A"}}: names and values percent-decoded,
// in arrival order, empty parts ("&&") skipped; a part without '=' has an empty value.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

}  // namespace gh::core
