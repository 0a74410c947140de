#pragma once
// Authentication on the data plane: docs/compatibility.md#pipeline step 5, #signature, and the
// decisions #g2–g4, #g8, #g11.
//
//   APP:  a request with "Authorization: SDK-HMAC-SHA256 …" is judged by its signature alone (#g4);
//         otherwise, when the API allows simple authentication, by its X-Apig-AppCode (exactly one
//         header, HTTPS only unless allowed by a setting). The AppCode is looked up by its keyed
//         digest; nothing is compared in clear.
//   IAM:  X-Auth-Token, or an AK/SK signature of the management IAM, checked by an IamCheck the
//         application provides (the data plane does not depend on the services layer).
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "core/dataplane_errors.hpp"
#include "crypto/keyed_digest.hpp"
#include "crypto/sdk_signer.hpp"
#include "gateway/routes.hpp"
#include "gateway/snapshot.hpp"
#include "http/exchange.hpp"

namespace gh::gateway {

using Failure = core::dataplane::Failure;

struct AppAuthSettings {
  bool simple_auth_over_http = false;  // docs/compatibility.md#g3: allow X-Apig-AppCode without TLS
  std::int64_t max_skew_seconds = 15 * 60;
};

// The app a request authenticated as (with its id prepared for the authorization check), or why
// it did not.
struct AuthenticatedApp {
  const AppEntry* app = nullptr;
  AppIdSet::Key id_key;
  const AppEntry* operator->() const { return app; }
};
using AppAuthResult = std::variant<AuthenticatedApp, Failure>;

// The current time in seconds since the epoch. Called only to check a signature's X-Sdk-Date: an
// AppCode request reads no clock.
using SecondsClock = std::function<std::int64_t()>;

AppAuthResult authenticate_app(const http::RequestView& req, const RouteTarget& target,
                               const InstanceCredentials* credentials, bool tls,
                               const crypto::KeyedDigest& digest, const AppAuthSettings& settings,
                               const SecondsClock& now_seconds);

// Verifies an IAM credential on a request for an API of `project_id`, then the caller's account
// (domain name and id) against the API's account ACLs. Returns nullopt when accepted (and sets
// `account`, when given, to the caller's account (domain) id: the subject of throttling's user
// limit), else the failure (0301 bad credential, 0302 not allowed in that project, 0306 refused by
// an account ACL: docs/compatibility.md#acl-dataplane).
using IamCheck =
    std::function<std::optional<Failure>(const http::RequestView& req, std::string_view project_id,
                                         const AccountAcls& accounts, std::string* account)>;

// All values of a header (case-insensitive name), in arrival order.
crypto::HeaderValues header_values(const http::RequestView& req, std::string_view name);

}  // namespace gh::gateway
