#pragma once
// SDK-HMAC-SHA256 (docs/compatibility.md#signature, #g8): canonicalisation, signing and
// verification, as the official Huawei SDKs and the APIG app SDK compute it. Pure functions; no
// clock, no store.
#include <boost/container/small_vector.hpp>
#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/uri_text.hpp"

namespace gh::crypto {

inline constexpr std::string_view kSdkAlgorithm = "SDK-HMAC-SHA256";
inline constexpr std::string_view kEmptyBodySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// The parts of an Authorization header, as views into it: valid while the header's text is. No
// allocation for up to eight signed headers (a request path parses one per signed request).
struct SdkAuthorization {
  std::string_view access;  // AppKey / AK
  // Names in the order the client listed them, in the client's case: compare them ignoring case
  // (signs()); the canonical request lower-cases them.
  boost::container::small_vector<std::string_view, 8> signed_headers;
  std::string_view signature;  // hex as sent, either case

  // Whether `lower_name` is among the signed headers.
  bool signs(std::string_view lower_name) const;
  std::span<const std::string_view> signed_names() const {
    return {signed_headers.data(), signed_headers.size()};
  }
};

// Parses "SDK-HMAC-SHA256 Access=…, SignedHeaders=a;b, Signature=…" tolerating extra spaces.
// nullopt if the scheme differs or a part is missing/empty. The result points into `header`.
std::optional<SdkAuthorization> parse_sdk_authorization(std::string_view header);
// Refused at compile time: the result would point into a temporary string.
template <class S>
requires std::same_as<S, std::string> std::optional<SdkAuthorization> parse_sdk_authorization(
    S&& header)
= delete;

// "YYYYMMDDTHHMMSSZ" → seconds since the epoch; nullopt if malformed.
std::optional<std::int64_t> parse_sdk_date(std::string_view value);
std::string format_sdk_date(std::int64_t epoch_seconds);

// Percent-decode the path, split on '/', re-encode each segment (unreserved kept, %XX upper-case),
// join, and append '/' unless it already ends with one.
std::string canonical_uri(std::string_view raw_path);
void append_canonical_uri(std::string& out, std::string_view raw_path);
// Decode names and values ('+' is not a space), sort by name then value, re-encode, join with '&'.
std::string canonical_query(std::string_view raw_query);
// One decoder for routing and signature canonicalisation (core/uri_text.hpp).
using core::percent_decode;
// Encode one component the SDK way (RFC 3986 unreserved kept, UTF-8 bytes %XX upper-case).
std::string sdk_escape(std::string_view decoded);

// A header's values in arrival order; inline for up to two (no allocation in the common case).
using HeaderValues = boost::container::small_vector<std::string_view, 2>;
// Looks up all values of a header by name, ignoring case, in arrival order.
using HeaderLookup = std::function<HeaderValues(std::string_view name)>;

struct CanonicalInput {
  std::string_view method;  // as received; upper-cased by the canonicaliser
  std::string_view target;  // raw request-target: path[?query]
  std::span<const std::string_view> signed_headers;  // names from the Authorization, any case
  HeaderLookup headers;
  std::string_view payload_hash;  // X-Sdk-Content-Sha256 value, or lower-hex SHA-256 of the body
};

std::string canonical_request(const CanonicalInput& in);
std::string string_to_sign(std::string_view sdk_date, std::string_view canonical_request);
// The same, appended to `out` (a caller's reused buffer: no allocation once it is large enough).
void append_canonical_request(std::string& out, const CanonicalInput& in);
void append_string_to_sign(std::string& out, std::string_view sdk_date,
                           std::string_view canonical_request);
// lower-hex HMAC-SHA256(secret, string_to_sign)
std::string sdk_signature(std::string_view secret, std::string_view string_to_sign);
// Whether `signature` (hex, either case) is sdk_signature(secret, string_to_sign), compared in
// constant time; no hex string is built.
bool sdk_signature_matches(std::string_view secret, std::string_view string_to_sign,
                           std::string_view signature);

// Client side, for tests, benchmarks and tools: signs the given headers (all of them, names
// lower-cased and sorted) and returns the Authorization header value.
struct ClientSignInput {
  std::string method, target, body, key, secret;
  std::vector<std::pair<std::string, std::string>> headers;  // must include X-Sdk-Date
};
std::string sign_request(const ClientSignInput& in);

}  // namespace gh::crypto
