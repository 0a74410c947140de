#include "gateway/authenticate.hpp"

#include <gtest/gtest.h>

#include "crypto/digest.hpp"
#include "crypto/sdk_signer.hpp"
#include "gateway/credentials.hpp"

namespace gh::gateway {
namespace {

// A vector computed from docs/compatibility.md#signature, APIG app SDK style (every header signed).
constexpr const char* kKey = "apigateway_sdk_demo_key";
constexpr const char* kSecret = "apigateway_sdk_demo_secret";
constexpr const char* kDate = "20180330T123600Z";
constexpr const char* kSignature =
    "f4f4d606b265c769d550cbdb2ae36af7e29925684b9c27f007265c631178e064";

class AuthenticateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    creds_ = apply_app_changes(Credentials{}, {},
                               {{"app1", "inst", kKey, kSecret, {Digest{kd_.compute(code_)}}}});
    target_.spec.auth_type = "APP";
    target_.spec.app_code_auth_type = "HEADER";
    now_ = *crypto::parse_sdk_date(kDate);
  }
  http::Request signed_request(std::string signature = kSignature) {
    http::Request r{http::bhttp::verb::post, "/app1?b=2&a=1", 11};
    r.set("Host", "30030113-3657-4fb6-a7ef-90764239b038.apigw.exampleRegion.com");
    r.set("Content-Type", "application/json");
    r.set("x-stage", "RELEASE");
    r.set("X-Sdk-Date", kDate);
    r.set("Authorization",
          std::string("SDK-HMAC-SHA256 Access=") + kKey +
              ", SignedHeaders=content-type;host;x-sdk-date;x-stage, Signature=" + signature);
    r.body() = "{\"a\":1}";
    return r;
  }
  // The data plane sees requests as views (http/exchange.hpp); build one over a Beast request.
  AppAuthResult run(const http::Request& r, bool tls = true, std::int64_t skew = 0) {
    return run_with_clock(r, tls, [&] { return now_ + skew; });
  }
  AppAuthResult run_with_clock(const http::Request& r, bool tls, const SecondsClock& clock) {
    std::vector<http::HeaderView> headers;
    for (const auto& f : r)
      headers.push_back(
          {{f.name_string().data(), f.name_string().size()}, {f.value().data(), f.value().size()}});
    http::RequestView view;
    view.method = {r.method_string().data(), r.method_string().size()};
    view.target = {r.target().data(), r.target().size()};
    view.headers = headers;
    view.body = r.body();
    return authenticate_app(view, target_, creds_.instance("inst"), tls, kd_, settings_, clock);
  }
  static std::string message(const AppAuthResult& r) {
    auto* f = std::get_if<Failure>(&r);
    return f ? f->message : "ok";
  }

  crypto::KeyedDigest kd_{"pepper"};
  std::string code_ = std::string(64, 'c');
  Credentials creds_;
  RouteTarget target_;
  AppAuthSettings settings_;
  std::int64_t now_ = 0;
};

TEST_F(AuthenticateTest, SignatureVectorIsAccepted) {
  auto r = run(signed_request());
  ASSERT_TRUE(std::holds_alternative<AuthenticatedApp>(r)) << message(r);
  EXPECT_EQ(std::get<AuthenticatedApp>(r)->id(), "app1");
}

TEST_F(AuthenticateTest, TamperedStaleOrUnknownSignaturesAreRefused) {
  auto body = signed_request();
  body.body() = "{\"a\":2}";
  EXPECT_NE(message(run(body)).find("verify signature fail, canonicalRequest:POST|/app1/|"),
            std::string::npos);
  auto query = signed_request();
  query.target("/app1?b=3&a=1");
  EXPECT_NE(message(run(query)).find("verify signature fail"), std::string::npos);
  auto header = signed_request();
  header.set("x-stage", "TEST");
  EXPECT_NE(message(run(header)).find("verify signature fail"), std::string::npos);
  EXPECT_NE(message(run(signed_request(), true, 16 * 60)).find("signature expired"),
            std::string::npos);
  auto unknown = signed_request();
  unknown.set("Authorization",
              "SDK-HMAC-SHA256 Access=nobody, SignedHeaders=x-sdk-date, Signature=00");
  EXPECT_EQ(message(run(unknown)),
            "Incorrect app authentication information: app not found, appkey nobody");
  auto unsigned_date = signed_request();
  unsigned_date.set("Authorization", std::string("SDK-HMAC-SHA256 Access=") + kKey +
                                         ", SignedHeaders=host, Signature=00");
  EXPECT_EQ(std::get<Failure>(run(unsigned_date)).status, 401);
}

// Which payload hash the canonical request ends with: X-Sdk-Content-Sha256 when sent exactly once,
// else the body's SHA-256 (the empty body's for an empty one); X-Sdk-Date exactly once.
TEST_F(AuthenticateTest, PayloadHashAndDateHeaderRules) {
  auto ends_with = [](const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  };
  auto declared = signed_request("00");
  declared.set("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD");
  EXPECT_TRUE(ends_with(message(run(declared)), "|UNSIGNED-PAYLOAD")) << message(run(declared));
  auto twice = signed_request("00");
  twice.insert("X-Sdk-Content-Sha256", "a");
  twice.insert("X-Sdk-Content-Sha256", "b");
  EXPECT_TRUE(ends_with(message(run(twice)), "|" + crypto::sha256_hex("{\"a\":1}")))
      << message(run(twice));
  auto empty = signed_request("00");
  empty.body().clear();
  EXPECT_TRUE(ends_with(message(run(empty)), "|" + crypto::sha256_hex(""))) << message(run(empty));
  auto two_dates = signed_request();
  two_dates.insert("X-Sdk-Date", kDate);
  EXPECT_EQ(message(run(two_dates)),
            "Incorrect app authentication information: x-sdk-date must be present and signed");
  auto no_date = signed_request();
  no_date.erase("X-Sdk-Date");
  EXPECT_EQ(message(run(no_date)), message(run(two_dates)));
}

TEST_F(AuthenticateTest, AppCodeRules) {
  http::Request r{http::bhttp::verb::get, "/x", 11};
  EXPECT_EQ(message(run(r)), "Incorrect app authentication information: authorization not found");
  r.set("X-Apig-AppCode", code_);
  auto ok = run(r);
  ASSERT_TRUE(std::holds_alternative<AuthenticatedApp>(ok)) << message(ok);
  EXPECT_EQ(message(run(r, false)),
            "Incorrect app authentication information: simple authentication requires HTTPS");
  settings_.simple_auth_over_http = true;
  EXPECT_TRUE(std::holds_alternative<AuthenticatedApp>(run(r, false)));
  r.insert("X-Apig-AppCode", code_);
  EXPECT_EQ(std::get<Failure>(run(r)).number, "0303");  // two headers: never "first one wins"
  http::Request wrong{http::bhttp::verb::get, "/x", 11};
  wrong.set("X-Apig-AppCode", std::string(64, 'd'));
  EXPECT_EQ(message(run(wrong)), "Incorrect app authentication information: app code not found");
  target_.spec.app_code_auth_type = "DISABLE";
  http::Request disabled{http::bhttp::verb::get, "/x", 11};
  disabled.set("X-Apig-AppCode", code_);
  EXPECT_EQ(message(run(disabled)),
            "Incorrect app authentication information: authorization not found");
}

// The clock is read for a signature's date only: an AppCode request costs no clock read.
TEST_F(AuthenticateTest, OnlySignaturesReadTheClock) {
  int reads = 0;
  SecondsClock counting = [&] {
    ++reads;
    return now_;
  };
  http::Request by_code{http::bhttp::verb::get, "/", 11};
  by_code.set("X-Apig-AppCode", code_);
  EXPECT_EQ(message(run_with_clock(by_code, true, counting)), "ok");
  EXPECT_EQ(reads, 0);
  EXPECT_EQ(message(run_with_clock(signed_request(), true, counting)), "ok");
  EXPECT_EQ(reads, 1);
}

TEST_F(AuthenticateTest, SignatureWinsOverAppCode) {
  auto r = signed_request("0000");
  r.set("X-Apig-AppCode", code_);
  EXPECT_NE(message(run(r)).find("verify signature fail"), std::string::npos);
}

}  // namespace
}  // namespace gh::gateway
