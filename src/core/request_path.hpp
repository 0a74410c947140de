#pragma once
// The normal form of a request path, decided once before routing (docs/compatibility.md, "Request
// paths"). What the router matches, what authorization sees and what the backend receives is this
// normal form, so that no backend can read a path the gateway did not authorize.
//
// Rules (RFC 3986 §6.2.2 and §5.2.4, with Envoy's merge_slashes):
//  - the path starts with '/'; bytes below 0x21, DEL, '\' and '#' are refused;
//  - percent-encodings must be two hex digits; unreserved characters (ALPHA DIGIT - . _ ~) are
//    decoded, every other encoding is kept with upper-case hex; "%00" is refused, and so are an
//    encoded '/' ("%2F") and '\' ("%5C"): a segment never holds a separator in any spelling;
//  - empty segments are merged ("//" → "/"), a trailing '/' is kept;
//  - "." segments are removed and ".." removes the segment before it; climbing above "/" is
//    refused; so is a dot segment with a ';' parameter ("..;x"), which some servers read as "..".
#include <optional>
#include <string>
#include <string_view>

namespace gh::core {

// The normal form of `path` (the request-target before any '?'), or nullopt when it is refused.
// A path already in normal form is returned as itself (a view of `path`, nothing allocated);
// otherwise the result is a view of `scratch`, which the call overwrites.
std::optional<std::string_view> normalize_request_path(std::string_view path, std::string& scratch);

}  // namespace gh::core
