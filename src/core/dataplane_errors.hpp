#pragma once
// The data-plane error catalogue (docs/compatibility.md#pipeline and #g2–g4, #g6). A failure
// carries the number only ("0303"); the prefix is the gateway kind's: APIG for API Gateway
// instances, APIC for ROMA Connect (docs/compatibility.md#roma). Change wording here and nowhere
// else.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gh::core::dataplane {

// A failure's message: a fixed text of the catalogue (a view of static storage: copying a
// failure then allocates nothing, which keeps refusals cheap) or one built with details (owned).
class FailureText {
 public:
  FailureText() = default;
  FailureText(std::string built) : owned_(std::move(built)) {}  // NOLINT: implicit by design
  template <std::size_t N>
  FailureText(const char (&literal)[N]) : fixed_(literal, N - 1), is_fixed_(true) {}  // NOLINT
  // `text` must outlive every copy (static storage).
  static FailureText fixed(std::string_view text) {
    FailureText t;
    t.fixed_ = text;
    t.is_fixed_ = true;
    return t;
  }
  std::string_view view() const { return is_fixed_ ? fixed_ : std::string_view(owned_); }
  bool is_fixed() const { return is_fixed_; }  // static storage: its address names its content
  operator std::string_view() const { return view(); }  // NOLINT
  std::string str() const { return std::string(view()); }

 private:
  std::string owned_;
  std::string_view fixed_;
  bool is_fixed_ = false;
};

struct Failure {
  int status = 500;
  std::string_view number;  // "0101"
  FailureText message;
};

Failure api_not_published();     // 404 0101 (no API for this path in this group/environment)
Failure api_method_mismatch();   // 404 0101 (the path exists, the method does not)
Failure invalid_request_path();  // 400 2000 (refused by core/request_path.hpp)
Failure protocol_not_supported(std::string_view protocols);  // 400 0607, protocols e.g. "HTTPS"

// docs/compatibility.md#g2 and #g3:
Failure app_auth_missing();      // 401 0303 neither AppCode nor signature (#g2)
Failure app_code_not_found();    // 401 0303 unknown, deleted or malformed AppCode (#g2)
Failure app_code_duplicated();   // 401 0303 two X-Apig-AppCode headers (#g2)
Failure app_code_needs_https();  // 401 0303 AppCode over plain HTTP (#g3)
Failure signature_malformed(std::string_view detail);                                // 401 0303
Failure app_key_not_found(std::string_view app_key);                                 // 401 0303
Failure signature_expired(std::string_view sdk_date, std::string_view server_time);  // 401 0303
Failure signature_mismatch(std::string_view canonical_request);  // 401 0303 ("\n" shown as "|")
Failure app_not_authorized();                                    // 403 0304
// Access control (docs/compatibility.md#acl-dataplane)
Failure account_not_permitted();  // 403 0306 an account (DOMAIN/DOMAIN_ID) ACL refuses the caller
Failure unknown_client_ip();      // 403 0401 the client address does not parse
Failure ip_not_permitted();       // 403 0402 the API's IP ACL refuses the client address
Failure app_ip_not_trusted();     // 403 0405 the app's ACL refuses the client address

Failure iam_failure(std::string_view detail);  // 401 0301
Failure iam_forbidden();                       // 403 0302

// docs/compatibility.md#throttling: `dimension` is api, user, app or ip; `period` e.g. "1 minute".
Failure throttled(std::string_view dimension, std::int64_t limit,
                  std::string_view period);  // 429 0308
Failure app_quota_used_up();                 // 405 0501 (docs/compatibility.md#app-quotas)

Failure backend_unavailable();  // 502 0201
Failure backend_timeout();      // 504 0201
Failure internal_error();       // 500 0601

// "APIG.0303" / "APIC.0303".
std::string error_code(const Failure& f, bool roma);

}  // namespace gh::core::dataplane
