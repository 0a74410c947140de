#include "gateway/authenticate.hpp"

#include <algorithm>
#include <cstdlib>

#include "crypto/digest.hpp"
#include "crypto/sdk_signer.hpp"

namespace gh::gateway {
namespace dp = core::dataplane;
namespace {

AppAuthResult by_signature(const http::RequestView& req, std::string_view authorization,
                           const InstanceCredentials* credentials, const AppAuthSettings& settings,
                           const SecondsClock& clock) {
  auto auth = crypto::parse_sdk_authorization(authorization);
  if (!auth) return dp::signature_malformed("invalid authorization header");
  bool date_signed = auth->signs("x-sdk-date");
  const std::string_view* date = req.find("x-sdk-date");
  if (!date_signed || !date || req.count("x-sdk-date") != 1)
    return dp::signature_malformed("x-sdk-date must be present and signed");
  auto when = crypto::parse_sdk_date(*date);
  if (!when) return dp::signature_malformed("x-sdk-date is malformed");
  std::int64_t now = clock();
  if (std::llabs(now - *when) > settings.max_skew_seconds)
    return dp::signature_expired(*date, crypto::format_sdk_date(now));
  const CodeEntry* app = credentials ? credentials->keys.find(auth->access) : nullptr;
  if (!app) return dp::app_key_not_found(auth->access);

  // The declared body hash if there is exactly one; else the body's (the empty body's is fixed).
  static const std::string kEmptyBodyHash = crypto::sha256_hex("");
  const std::string_view* declared = req.find("x-sdk-content-sha256");
  std::string body_hash;
  std::string_view payload_hash;
  if (declared && req.count("x-sdk-content-sha256") == 1)
    payload_hash = *declared;
  else if (req.body.empty())
    payload_hash = kEmptyBodyHash;
  else
    payload_hash = body_hash = crypto::sha256_hex(req.body);
  crypto::CanonicalInput in{req.method, req.target, auth->signed_names(),
                            [&](std::string_view n) { return header_values(req, n); },
                            payload_hash};
  // Per-thread buffers: a signed request builds its canonical text without allocating.
  thread_local std::string canonical, to_sign;
  canonical.clear();
  to_sign.clear();
  crypto::append_canonical_request(canonical, in);
  crypto::append_string_to_sign(to_sign, *date, canonical);
  if (!crypto::sdk_signature_matches(app->app->secret(), to_sign, auth->signature))
    return dp::signature_mismatch(canonical);
  return AuthenticatedApp{app->app, app->id_key};
}

AppAuthResult by_app_code(const http::RequestView& req, const InstanceCredentials* credentials,
                          bool tls, const crypto::KeyedDigest& digest,
                          const AppAuthSettings& settings) {
  const std::string_view* code = nullptr;
  for (const auto& h : req.headers) {
    if (!http::iequals_ascii(h.name, "x-apig-appcode")) continue;
    if (code) return dp::app_code_duplicated();
    code = &h.value;
  }
  if (!code) return dp::app_auth_missing();
  if (!tls && !settings.simple_auth_over_http) return dp::app_code_needs_https();
  std::string_view value = *code;
  if (value.empty() || value.size() > 512 || !credentials) return dp::app_code_not_found();
  Digest key{digest.compute(value)};
  const CodeEntry* entry = credentials->codes.find(key);
  if (!entry) return dp::app_code_not_found();
  return AuthenticatedApp{entry->app, entry->id_key};
}

}  // namespace

crypto::HeaderValues header_values(const http::RequestView& req, std::string_view name) {
  crypto::HeaderValues out;
  for (const auto& h : req.headers)
    if (http::iequals_ascii(h.name, name)) out.push_back(h.value);
  return out;
}

AppAuthResult authenticate_app(const http::RequestView& req, const RouteTarget& target,
                               const InstanceCredentials* credentials, bool tls,
                               const crypto::KeyedDigest& digest, const AppAuthSettings& settings,
                               const SecondsClock& now_seconds) {
  if (const auto* authorization = req.find("authorization")) {
    std::string_view value = *authorization;
    if (http::istarts_with_ascii(value, crypto::kSdkAlgorithm)) {
      if (req.count("authorization") > 1)
        return dp::signature_malformed("more than one authorization header");
      return by_signature(req, value, credentials, settings, now_seconds);
    }
  }
  if (target.spec.app_code_auth_type != "HEADER") return dp::app_auth_missing();
  return by_app_code(req, credentials, tls, digest, settings);
}

}  // namespace gh::gateway
