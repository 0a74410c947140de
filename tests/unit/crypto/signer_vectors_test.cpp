// Every SDK-HMAC-SHA256 vector of the reference (tests/data/signing-vectors.json): the canonical
// request, the signature, and that changing any signed part changes the signature.
#include <gtest/gtest.h>

#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "crypto/digest.hpp"
#include "crypto/sdk_signer.hpp"

using namespace gh::crypto;
namespace json = boost::json;

namespace {
json::object load_vectors() {
  std::ifstream in(GATEHOUSE_SOURCE_DIR "/tests/data/signing-vectors.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str()).as_object();
}

struct Case {
  std::string method, target, body, authorization, expected_canonical;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string key, secret, date;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  auto doc = load_vectors();  // keep the document alive while iterating
  for (auto& v : doc.at("vectors").as_array()) {
    auto& o = v.as_object();
    Case c;
    c.method = json::value_to<std::string>(o.at("method"));
    c.target = json::value_to<std::string>(o.at("target"));
    c.body = json::value_to<std::string>(o.at("body"));
    c.authorization = json::value_to<std::string>(o.at("authorization"));
    c.expected_canonical = json::value_to<std::string>(o.at("canonical_request"));
    c.key = json::value_to<std::string>(o.at("key"));
    c.secret = json::value_to<std::string>(o.at("secret"));
    for (auto& [k, val] : o.at("headers").as_object()) {
      c.headers.emplace_back(std::string(k), json::value_to<std::string>(val));
      if (k == "X-Sdk-Date") c.date = json::value_to<std::string>(val);
    }
    out.push_back(c);
  }
  return out;
}

HeaderLookup lookup_in(const std::vector<std::pair<std::string, std::string>>& headers) {
  return [&headers](std::string_view name) {
    HeaderValues out;
    for (auto& [k, v] : headers) {
      std::string lower = k, wanted(name);
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      for (auto& ch : wanted) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower == wanted) out.push_back(v);
    }
    return out;
  };
}

std::string signature_of(const Case& c, const SdkAuthorization& auth) {
  auto hash = sha256_hex(c.body);
  CanonicalInput in{c.method, c.target, auth.signed_names(), lookup_in(c.headers), hash};
  return sdk_signature(c.secret, string_to_sign(c.date, canonical_request(in)));
}
}  // namespace

TEST(SignerVectors, CanonicalRequestAndSignatureMatch) {
  auto all = cases();
  ASSERT_GE(all.size(), 6u);
  for (auto& c : all) {
    SCOPED_TRACE(c.target);
    auto auth = parse_sdk_authorization(c.authorization);
    ASSERT_TRUE(auth);
    EXPECT_EQ(auth->access, c.key);
    auto hash = sha256_hex(c.body);
    CanonicalInput in{c.method, c.target, auth->signed_names(), lookup_in(c.headers), hash};
    EXPECT_EQ(canonical_request(in), c.expected_canonical);
    EXPECT_EQ(signature_of(c, *auth), auth->signature);
  }
}

TEST(SignerVectors, AnySignedChangeBreaksTheSignature) {
  for (auto c : cases()) {
    SCOPED_TRACE(c.target);
    auto auth = *parse_sdk_authorization(c.authorization);
    auto tampered = c;
    tampered.method = c.method == "GET" ? "POST" : "GET";
    EXPECT_NE(signature_of(tampered, auth), auth.signature);
    tampered = c;
    tampered.target = "/x" + c.target;
    EXPECT_NE(signature_of(tampered, auth), auth.signature);
    tampered = c;
    tampered.body += " ";
    EXPECT_NE(signature_of(tampered, auth), auth.signature);
    for (auto& [k, v] : tampered.headers) {
      auto t2 = c;
      std::string lower = k;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (!auth.signs(lower)) continue;
      for (auto& [k2, v2] : t2.headers)
        if (k2 == k) v2 += "0";
      if (lower == "x-sdk-date") t2.date += "0";
      EXPECT_NE(signature_of(t2, auth), auth.signature) << k;
    }
    if (c.target.find('=') != std::string::npos) {
      tampered = c;
      tampered.target = c.target + "0";
      EXPECT_NE(signature_of(tampered, auth), auth.signature);
    }
  }
}

TEST(SignerVectors, ClientSigningReproducesVectorsThatSignAllHeaders) {
  int reproduced = 0;
  for (auto& c : cases()) {
    auto auth = *parse_sdk_authorization(c.authorization);
    if (auth.signed_headers.size() != c.headers.size()) continue;  // vector left headers unsigned
    ClientSignInput in{c.method, c.target, c.body, c.key, c.secret, c.headers};
    EXPECT_EQ(sign_request(in), c.authorization);
    ++reproduced;
  }
  EXPECT_GE(reproduced, 3);
}

TEST(SignerVectors, QueryEncoding) {
  auto doc = load_vectors();
  auto& v = doc.at("query_encoding_vector").as_object();
  std::string raw;
  for (auto& p : v.at("params").as_array()) {
    if (!raw.empty()) raw += '&';
    raw += sdk_escape(json::value_to<std::string>(p.as_array()[0])) + "=" +
           sdk_escape(json::value_to<std::string>(p.as_array()[1]));
  }
  EXPECT_EQ(canonical_query(raw), json::value_to<std::string>(v.at("canonical")));
}

TEST(Signer, CanonicalUriEdges) {
  EXPECT_EQ(canonical_uri(""), "/");
  EXPECT_EQ(canonical_uri("/"), "/");
  EXPECT_EQ(canonical_uri("/app1"), "/app1/");
  EXPECT_EQ(canonical_uri("/a%2Fb"), "/a/b/");            // decoded, then split
  EXPECT_EQ(canonical_uri("/bad%zz%"), "/bad%25zz%25/");  // malformed escapes kept literally
  EXPECT_EQ(canonical_query("a"), "a=");
  EXPECT_EQ(canonical_query("b=1&&a=2"), "a=2&b=1");
  EXPECT_EQ(canonical_query("a=x+y"), "a=x%2By");  // '+' is not a space
}

TEST(Signer, AuthorizationParsing) {
  auto a = parse_sdk_authorization(
      "SDK-HMAC-SHA256   Access=AK ,  SignedHeaders=Host;X-Sdk-Date ,Signature=ABCDEF");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->access, "AK");
  // Views of the header as sent: names keep their case, signs() ignores it.
  EXPECT_EQ(std::vector<std::string_view>(a->signed_headers.begin(), a->signed_headers.end()),
            (std::vector<std::string_view>{"Host", "X-Sdk-Date"}));
  EXPECT_TRUE(a->signs("x-sdk-date"));
  EXPECT_TRUE(a->signs("host"));
  EXPECT_FALSE(a->signs("content-type"));
  EXPECT_EQ(a->signature, "ABCDEF");
  for (auto bad :
       {"", "SDK-HMAC-SHA256", "SDK-HMAC-SHA256 Access=AK", "Bearer x",
        "SDK-HMAC-SHA256Access=AK, SignedHeaders=a, Signature=b",
        "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;;b, Signature=b",
        "SDK-HMAC-SHA256 Access=, SignedHeaders=a, Signature=b",
        "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a, Signature=b, Extra=1", "SDK-HMAC-SHA256 ,,,,"})
    EXPECT_FALSE(parse_sdk_authorization(bad)) << bad;
}

TEST(Signer, SignedHeaderNamesCanonicaliseInLowerCaseWhateverTheirCase) {
  std::vector<std::pair<std::string, std::string>> headers{{"Host", "example.com"},
                                                           {"X-Sdk-Date", "20200608T023900Z"},
                                                           {"X-Extra", " b "},
                                                           {"x-extra", "a"}};
  auto lower = *parse_sdk_authorization(
      "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-extra;x-sdk-date, Signature=00");
  auto mixed = *parse_sdk_authorization(
      "SDK-HMAC-SHA256 Access=AK, SignedHeaders=Host;X-EXTRA;X-Sdk-Date, Signature=00");
  CanonicalInput a{"get", "/p?b=2&a=1", lower.signed_names(), lookup_in(headers), "h"};
  CanonicalInput b{"get", "/p?b=2&a=1", mixed.signed_names(), lookup_in(headers), "h"};
  std::string expected =
      "GET\n/p/\na=1&b=2\nhost:example.com\nx-extra:a\nx-extra:b\n"
      "x-sdk-date:20200608T023900Z\n\nhost;x-extra;x-sdk-date\nh";
  EXPECT_EQ(canonical_request(a), expected);
  EXPECT_EQ(canonical_request(b), expected);
}

TEST(Signer, ManySignedHeadersParse) {
  std::string names;
  for (int i = 0; i < 20; ++i) names += (i ? ";h" : "h") + std::to_string(i);
  std::string header = "SDK-HMAC-SHA256 Access=AK, SignedHeaders=" + names + ", Signature=00";
  auto a = parse_sdk_authorization(header);  // the result points into `header`
  ASSERT_TRUE(a);
  ASSERT_EQ(a->signed_headers.size(), 20u);
  EXPECT_EQ(a->signed_headers[19], "h19");
  EXPECT_TRUE(a->signs("h7"));
}

TEST(Signer, SdkDates) {
  EXPECT_EQ(parse_sdk_date("20200608T023900Z"), 1591583940);
  EXPECT_EQ(format_sdk_date(1591583940), "20200608T023900Z");
  for (auto bad : {"", "20200608T023900", "2020-06-08T02:39:00Z", "20201308T023900Z",
                   "20200608T253900Z", "2020060xT023900Z"})
    EXPECT_FALSE(parse_sdk_date(bad)) << bad;
}

// The calendar arithmetic agrees with timegm on every day of 1900–2400 (leap rules, days past a
// month's end, a leap second) at a few times of day.
TEST(Signer, SdkDatesAgreeWithTimegm) {
  for (int year = 1900; year <= 2400; ++year)
    for (int month = 1; month <= 12; ++month)
      for (int day = 1; day <= 31; ++day)
        for (auto [h, m, sec] : {std::array{0, 0, 0}, std::array{23, 59, 60}, {12, 34, 56}}) {
          char text[32];
          std::snprintf(text, sizeof text, "%04d%02d%02dT%02d%02d%02dZ", year, month, day, h, m,
                        sec);
          std::tm tm{};
          tm.tm_year = year - 1900;
          tm.tm_mon = month - 1;
          tm.tm_mday = day;
          tm.tm_hour = h;
          tm.tm_min = m;
          tm.tm_sec = sec;
          ASSERT_EQ(parse_sdk_date(text), static_cast<std::int64_t>(timegm(&tm))) << text;
        }
}
