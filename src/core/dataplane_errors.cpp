#include "core/dataplane_errors.hpp"

#include <fmt/format.h>

namespace gh::core::dataplane {
namespace {
constexpr std::string_view kAppAuth = "Incorrect app authentication information: ";
Failure app_auth(std::string_view detail) {
  return {401, "0303", fmt::format("{}{}", kAppAuth, detail)};
}
// A fixed AppCode failure, its text built once (copies of it then allocate nothing).
Failure fixed_app_auth(const std::string& text) {
  return {401, "0303", FailureText::fixed(text)};
}
}  // namespace

Failure api_not_published() {
  return {404, "0101", "The API does not exist or has not been published in the environment."};
}
Failure invalid_request_path() {
  return {400, "2000", "Parameter error. The request path is not valid."};
}
Failure api_method_mismatch() {
  return {404, "0101", "The API does not exist."};
}
Failure protocol_not_supported(std::string_view protocols) {
  return {400, "0607", fmt::format("The following protocol is supported: {{{}}}", protocols)};
}

// The fixed failures are built once: rejecting a request is on the hot path.
Failure app_auth_missing() {
  static const std::string text = fmt::format("{}{}", kAppAuth, "authorization not found");
  return fixed_app_auth(text);
}
Failure app_code_not_found() {
  static const std::string text = fmt::format("{}{}", kAppAuth, "app code not found");
  return fixed_app_auth(text);
}
Failure app_code_duplicated() {
  static const std::string text = fmt::format("{}{}", kAppAuth, "more than one app code");
  return fixed_app_auth(text);
}
Failure app_code_needs_https() {
  static const std::string text =
      fmt::format("{}{}", kAppAuth, "simple authentication requires HTTPS");
  return fixed_app_auth(text);
}
Failure signature_malformed(std::string_view detail) {
  return app_auth(detail);
}
Failure app_key_not_found(std::string_view app_key) {
  return app_auth(fmt::format("app not found, appkey {}", app_key));
}
Failure signature_expired(std::string_view sdk_date, std::string_view server_time) {
  return app_auth(
      fmt::format("signature expired, signature time:{},server time:{}", sdk_date, server_time));
}
Failure signature_mismatch(std::string_view canonical_request) {
  std::string shown(canonical_request);
  for (auto& c : shown)
    if (c == '\n') c = '|';
  return app_auth(fmt::format("verify signature fail, canonicalRequest:{}", shown));
}
Failure app_not_authorized() {
  return {403, "0304", "The app is not authorized to access the API."};
}

Failure account_not_permitted() {
  return {403, "0306", "API access denied."};
}
Failure unknown_client_ip() {
  return {403, "0401", "Unknown client IP address."};
}
Failure ip_not_permitted() {
  return {403, "0402", "The IP address is not authorized to access the API."};
}
Failure app_ip_not_trusted() {
  return {403, "0405", "The app is not accessed from a trusted IP address."};
}

Failure iam_failure(std::string_view detail) {
  return {401, "0301", fmt::format("Incorrect IAM authentication information: {}", detail)};
}
Failure iam_forbidden() {
  return {403, "0302", "The IAM user is not authorized to access the API."};
}

Failure throttled(std::string_view dimension, std::int64_t limit, std::string_view period) {
  return {429, "0308",
          fmt::format("The throttling threshold has been reached: policy {} over "
                      "ratelimit,limit:{},time:{}",
                      dimension, limit, period)};
}
Failure app_quota_used_up() {
  static const Failure f{405, "0501", "The app quota has been used up."};
  return f;
}

Failure backend_unavailable() {
  return {502, "0201", "Backend unavailable."};
}
Failure backend_timeout() {
  return {504, "0201", "Backend timeout."};
}
Failure internal_error() {
  return {500, "0601", "Internal server error."};
}

std::string error_code(const Failure& f, bool roma) {
  std::string code(roma ? "APIC." : "APIG.");  // fits the small-string buffer: no allocation
  code += f.number;
  return code;
}

}  // namespace gh::core::dataplane
