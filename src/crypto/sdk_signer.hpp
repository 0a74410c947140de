#pragma once
// SDK-HMAC-SHA256 (reference §B.4, decisions G8): canonicalisation, signing and verification, as
// the official Huawei SDKs and the APIG app SDK compute it. Pure functions; no clock, no store.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gh::crypto {

inline constexpr std::string_view kSdkAlgorithm = "SDK-HMAC-SHA256";
inline constexpr std::string_view kEmptyBodySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct SdkAuthorization {
  std::string access;                       // AppKey / AK
  std::vector<std::string> signed_headers;  // lowercase, in the order the client listed them
  std::string signature;                    // lowercase hex as sent
};

// Parses "SDK-HMAC-SHA256 Access=…, SignedHeaders=a;b, Signature=…" tolerating extra spaces.
// nullopt if the scheme differs or a part is missing/empty.
std::optional<SdkAuthorization> parse_sdk_authorization(std::string_view header);

// "YYYYMMDDTHHMMSSZ" → seconds since the epoch; nullopt if malformed.
std::optional<std::int64_t> parse_sdk_date(std::string_view value);
std::string format_sdk_date(std::int64_t epoch_seconds);

// Percent-decode the path, split on '/', re-encode each segment (unreserved kept, %XX upper-case),
// join, and append '/' unless it already ends with one.
std::string canonical_uri(std::string_view raw_path);
// Decode names and values ('+' is not a space), sort by name then value, re-encode, join with '&'.
std::string canonical_query(std::string_view raw_query);
// Percent-decodes ('+' stays '+'); malformed escapes ("%zz", a trailing "%") are kept literally.
std::string percent_decode(std::string_view s);
// Encode one component the SDK way (RFC 3986 unreserved kept, UTF-8 bytes %XX upper-case).
std::string sdk_escape(std::string_view decoded);

// Looks up all values of a header by lowercase name, in arrival order.
using HeaderLookup = std::function<std::vector<std::string_view>(std::string_view lower_name)>;

struct CanonicalInput {
  std::string_view method;                         // as received; upper-cased by the canonicaliser
  std::string_view target;                         // raw request-target: path[?query]
  const std::vector<std::string>* signed_headers;  // lowercase names from the Authorization
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
