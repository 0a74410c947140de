// Fuzzes the SDK-HMAC-SHA256 Authorization parser and the canonicaliser (src/crypto/sdk_signer.*).
//
// Input: text lines. Line 1 is the Authorization value, line 2 the request-target, line 3 the
// method, line 4 an X-Sdk-Date value, every further line a "name: value" request header.
// Checks beyond "no crash, no sanitizer report":
// - a parsed Authorization points into the header it was parsed from, with no empty part;
// - percent_decode(sdk_escape(x)) == x, and sdk_escape leaves only unreserved bytes and %XX;
// - canonical_uri ends with '/'; a parsed date survives format_sdk_date and parsing back;
// - a signature computed over the canonical request matches, one changed character does not.
#include "crypto/sdk_signer.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/ascii.hpp"

namespace {
using namespace gh::crypto;

void require(bool condition) {
  if (!condition) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

bool unreserved(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

void check_escape(std::string_view raw) {
  std::string escaped = sdk_escape(raw);
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    unsigned char c = escaped[i];
    if (c == '%') {
      require(i + 2 < escaped.size());
      i += 2;
    } else {
      require(unreserved(c));
    }
  }
  require(percent_decode(escaped) == raw);
}

struct Field {
  std::string_view name, value;
};

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    auto nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(bytes), size);
  auto lines = split_lines(text);
  auto line = [&](std::size_t i) { return i < lines.size() ? lines[i] : std::string_view(); };
  std::string_view authorization = line(0), target = line(1), method = line(2), date = line(3);
  std::vector<Field> headers;
  for (std::size_t i = 4; i < lines.size(); ++i) {
    auto colon = lines[i].find(':');
    if (colon == std::string_view::npos) continue;
    headers.push_back({lines[i].substr(0, colon), lines[i].substr(colon + 1)});
  }

  auto auth = parse_sdk_authorization(authorization);
  std::vector<std::string_view> signed_names;
  if (auth) {
    require(!auth->access.empty() && !auth->signature.empty());
    require(inside(auth->access, authorization) && inside(auth->signature, authorization));
    for (auto name : auth->signed_names()) {
      require(!name.empty() && inside(name, authorization));
      require(auth->signs(name));
    }
    signed_names.assign(auth->signed_names().begin(), auth->signed_names().end());
  }

  check_escape(target);
  check_escape(date);
  std::string uri = canonical_uri(target.substr(0, target.find('?')));
  require(!uri.empty() && uri.back() == '/');
  if (auto q = target.find('?'); q != std::string_view::npos) canonical_query(target.substr(q + 1));

  if (auto when = parse_sdk_date(date)) {
    auto again = parse_sdk_date(format_sdk_date(*when));
    require(again && *again == *when);
  }

  HeaderLookup lookup = [&](std::string_view name) {
    HeaderValues values;
    for (const auto& h : headers)
      if (gh::core::iequals_ascii(h.name, name)) values.push_back(h.value);
    return values;
  };
  CanonicalInput input{method, target, signed_names, lookup, kEmptyBodySha256};
  std::string canonical = canonical_request(input);
  std::string appended = "prefix";
  append_canonical_request(appended, input);
  require(appended == "prefix" + canonical);
  std::string to_sign = string_to_sign(date, canonical);
  std::string signature = sdk_signature("secret", to_sign);
  require(sdk_signature_matches("secret", to_sign, signature));
  signature[0] = signature[0] == '0' ? '1' : '0';
  require(!sdk_signature_matches("secret", to_sign, signature));
  if (auth) sdk_signature_matches("secret", to_sign, auth->signature);
  return 0;
}
