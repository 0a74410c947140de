#include "crypto/sdk_signer.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "core/ascii.hpp"
#include "core/uri_text.hpp"
#include "crypto/digest.hpp"

namespace gh::crypto {
namespace {

using core::ascii_lower;
using core::ascii_upper;
using core::iequals_ascii;
using core::trim_ows;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = ascii_lower(c);
  return out;
}

void append_lower(std::string& out, std::string_view s) {
  for (char c : s) out += ascii_lower(c);
}

// Days from 1970-01-01 to year-month-day of the proleptic Gregorian calendar (month 1–12; a day
// past the month's end counts on into the next month, as timegm does).
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  std::int64_t year_of_era = y - era * 400;
  std::int64_t day_of_year = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

// Appends the canonical header lines to `out`: one "name:value\n" line per value. Repeated
// headers give one line each, values sorted (the Go SDK's rule; the Python SDK cannot send
// duplicates).
void append_canonical_headers(std::string& out, std::span<const std::string_view> names,
                              const HeaderLookup& headers) {
  for (auto name : names) {
    auto values = headers(name);
    if (values.size() == 1) {  // the common case: no sorting, no copy
      append_lower(out, name);
      out += ':';
      out += trim_ows(values[0]);
      out += '\n';
      continue;
    }
    HeaderValues trimmed;
    for (auto v : values) trimmed.push_back(trim_ows(v));
    std::sort(trimmed.begin(), trimmed.end());
    if (trimmed.empty()) trimmed.emplace_back();
    for (auto v : trimmed) {
      append_lower(out, name);
      out += ':';
      out += v;
      out += '\n';
    }
  }
}

std::string join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

}  // namespace

std::string sdk_escape(std::string_view decoded) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(decoded.size());
  for (unsigned char c : decoded) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Characters the SDK's escaping leaves as they are (and '/', which separates segments).
bool plain_path(std::string_view p) {
  for (unsigned char c : p)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/'))
      return false;
  return true;
}

void append_canonical_uri(std::string& out, std::string_view raw_path) {
  std::size_t begin = out.size();
  if (plain_path(raw_path)) {  // nothing to decode or escape
    out += raw_path;
  } else {
    std::string decoded = percent_decode(raw_path);
    std::size_t start = 0;
    for (std::size_t i = 0; i <= decoded.size(); ++i) {
      if (i != decoded.size() && decoded[i] != '/') continue;
      if (start > 0) out += '/';
      out += sdk_escape(std::string_view(decoded).substr(start, i - start));
      start = i + 1;
    }
  }
  if (out.size() == begin || out.back() != '/') out += '/';
}

std::string canonical_uri(std::string_view raw_path) {
  std::string out;
  append_canonical_uri(out, raw_path);
  return out;
}

std::string canonical_query(std::string_view raw_query) {
  auto params = core::parse_query(raw_query);
  std::sort(params.begin(), params.end());
  std::string out;
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i) out += '&';
    out += sdk_escape(params[i].first);
    out += '=';
    out += sdk_escape(params[i].second);
  }
  return out;
}

bool SdkAuthorization::signs(std::string_view lower_name) const {
  return std::any_of(signed_headers.begin(), signed_headers.end(),
                     [&](std::string_view n) { return iequals_ascii(n, lower_name); });
}

std::optional<SdkAuthorization> parse_sdk_authorization(std::string_view header) {
  header = trim_ows(header);
  if (header.substr(0, kSdkAlgorithm.size()) != kSdkAlgorithm) return std::nullopt;
  header.remove_prefix(kSdkAlgorithm.size());
  if (header.empty() || (header.front() != ' ' && header.front() != '\t')) return std::nullopt;
  SdkAuthorization auth;
  bool have_headers = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= header.size(); ++i) {
    if (i != header.size() && header[i] != ',') continue;
    auto part = trim_ows(header.substr(start, i - start));
    start = i + 1;
    auto eq = part.find('=');
    if (eq == part.npos) return std::nullopt;
    auto key = trim_ows(part.substr(0, eq));
    auto value = trim_ows(part.substr(eq + 1));
    if (key == "Access") {
      auth.access = value;
    } else if (key == "SignedHeaders") {
      have_headers = true;
      std::size_t s = 0;
      for (std::size_t j = 0; j <= value.size(); ++j)
        if (j == value.size() || value[j] == ';') {
          auto name = trim_ows(value.substr(s, j - s));
          if (name.empty()) return std::nullopt;
          auth.signed_headers.push_back(name);
          s = j + 1;
        }
    } else if (key == "Signature") {
      auth.signature = value;
    } else {
      return std::nullopt;
    }
  }
  if (auth.access.empty() || auth.signature.empty() || !have_headers) return std::nullopt;
  return auth;
}

std::optional<std::int64_t> parse_sdk_date(std::string_view v) {
  if (v.size() != 16 || v[8] != 'T' || v[15] != 'Z') return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len) -> int {
    int n = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (v[i] < '0' || v[i] > '9') return -1;
      n = n * 10 + (v[i] - '0');
    }
    return n;
  };
  int year = num(0, 4), month = num(4, 2), day = num(6, 2);
  int hour = num(9, 2), minute = num(11, 2), second = num(13, 2);
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60)
    return std::nullopt;
  return days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}

std::string format_sdk_date(std::int64_t epoch_seconds) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

void append_canonical_request(std::string& out, const CanonicalInput& in) {
  auto q = in.target.find('?');
  for (char c : in.method) out += ascii_upper(c);
  out += '\n';
  append_canonical_uri(out, in.target.substr(0, q));
  out += '\n';
  if (q != std::string_view::npos) out += canonical_query(in.target.substr(q + 1));
  out += '\n';
  append_canonical_headers(out, in.signed_headers, in.headers);
  out += '\n';
  for (std::size_t i = 0; i < in.signed_headers.size(); ++i) {
    if (i) out += ';';
    append_lower(out, in.signed_headers[i]);
  }
  out += '\n';
  out += in.payload_hash;
}

std::string canonical_request(const CanonicalInput& in) {
  std::string out;
  out.reserve(256);
  append_canonical_request(out, in);
  return out;
}

void append_string_to_sign(std::string& out, std::string_view sdk_date,
                           std::string_view canonical) {
  out += kSdkAlgorithm;
  out += '\n';
  out += sdk_date;
  out += '\n';
  append_hex(out, sha256_bytes(canonical));
}

std::string string_to_sign(std::string_view sdk_date, std::string_view canonical) {
  std::string out;
  out.reserve(kSdkAlgorithm.size() + sdk_date.size() + 66);
  append_string_to_sign(out, sdk_date, canonical);
  return out;
}

std::string sdk_signature(std::string_view secret, std::string_view sts) {
  return hmac_sha256_hex(secret, sts);
}

bool sdk_signature_matches(std::string_view secret, std::string_view sts,
                           std::string_view signature) {
  return hex_equals_constant_time(signature, hmac_sha256_bytes(secret, sts));
}

std::string sign_request(const ClientSignInput& in) {
  std::vector<std::string> names;
  std::string date, content_sha;
  for (auto& [k, v] : in.headers) {
    auto name = lower(k);
    if (name == "x-sdk-date") date = v;
    if (name == "x-sdk-content-sha256") content_sha = v;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  HeaderLookup lookup = [&](std::string_view name) {
    HeaderValues out;
    for (auto& [k, v] : in.headers)
      if (iequals_ascii(k, name)) out.push_back(v);
    return out;
  };
  std::string body_hash = content_sha.empty() ? sha256_hex(in.body) : content_sha;
  std::vector<std::string_view> name_views(names.begin(), names.end());
  CanonicalInput ci{in.method, in.target, name_views, lookup, body_hash};
  auto sig = sdk_signature(in.secret, string_to_sign(date, canonical_request(ci)));
  return std::string(kSdkAlgorithm) + " Access=" + in.key + ", SignedHeaders=" + join(names, ';') +
         ", Signature=" + sig;
}

}  // namespace gh::crypto
