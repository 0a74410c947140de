// IamService, authentication: password hashing, bootstrap, password login and tokens, and the
// verification of management calls (X-Auth-Token, SDK-HMAC-SHA256 AK/SK).
#include <fmt/format.h>

#include <charconv>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "services/iam_service.hpp"

namespace gh::services {
namespace errors = core::errors;
using core::Result;

namespace {
constexpr int kPbkdf2Iterations = 100'000;
constexpr std::int64_t kSkewSeconds = 15 * 60;
constexpr std::string_view kTokenPrefix = "gh1.";
const char* kWrongCredentials = "The username or password is wrong.";

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

std::int64_t to_int(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return (ec == std::errc() && p == s.data() + s.size()) ? v : -1;
}
}  // namespace

std::string hash_password(std::string_view password) {
  std::string salt = crypto::random_bytes(16);
  return fmt::format("pbkdf2-sha256${}${}${}", kPbkdf2Iterations, crypto::hex_encode(salt),
                     crypto::hex_encode(crypto::pbkdf2_sha256(password, salt, kPbkdf2Iterations)));
}

bool check_password(std::string_view password, std::string_view stored) {
  auto parts = split(stored, '$');
  if (parts.size() != 4 || parts[0] != "pbkdf2-sha256") return false;
  auto iterations = to_int(parts[1]);
  auto salt = crypto::hex_decode(parts[2]);
  auto expected = crypto::hex_decode(parts[3]);
  if (iterations <= 0 || iterations > 10'000'000 || !salt || !expected) return false;
  return crypto::constant_time_equal(
      crypto::pbkdf2_sha256(password, *salt, static_cast<int>(iterations)), *expected);
}

IamService::IamService(store::Store& store, Limits limits)
    : store_(store),
      limits_(limits),
      token_key_(store.sealer().derive_key("iam-token")),
      invalidate_tokens_([this] { tokens_.invalidate(); }),
      writer_(store_, invalidate_tokens_, Writer::Notify::kOnCommit) {}

BootstrapInfo IamService::bootstrap(const std::string& admin_password) {
  auto r = store_.write([&](store::Tx& tx) -> Result<BootstrapInfo> {
    BootstrapInfo info;
    tx.lock_name("bootstrap");  // nodes starting together on one PostgreSQL store: one bootstraps
    if (auto done = tx.setting("bootstrap")) {
      auto parts = split(*done, '|');
      if (parts.size() != 5) return errors::system_error();
      info = {std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
              std::string(parts[3]), std::string(parts[4]), false};
      return info;
    }
    auto now = core::now_nanos();
    core::Domain domain{crypto::new_id(), "default"};
    tx.insert_domain(domain);
    core::User admin;
    admin.id = crypto::new_id();
    admin.name = "admin";
    admin.domain_id = domain.id;
    admin.password_hash = hash_password(admin_password);
    admin.domain_admin = true;
    admin.created = admin.password_changed = now;
    tx.insert_user(admin);
    core::Project project{crypto::new_id(), "default", domain.id, "Default project"};
    tx.insert_project(project);
    tx.grant_role(project.id, admin.id, core::kRoleAdmin);
    core::Instance apig{crypto::new_id(), project.id, "apig-default", core::InstanceKind::kApig,
                        now};
    core::Instance roma{crypto::new_id(), project.id, "roma-default", core::InstanceKind::kRoma,
                        now + 1};
    tx.insert_instance(apig);
    tx.insert_instance(roma);
    info = {domain.id, project.id, admin.id, apig.id, roma.id, true};
    tx.put_setting("bootstrap", fmt::format("{}|{}|{}|{}|{}", domain.id, project.id, admin.id,
                                            apig.id, roma.id));
    return info;
  });
  if (!r) throw std::runtime_error("bootstrap failed: " + r.error().message);
  return r.value();
}

Result<core::Domain> IamService::domain(const std::string& id) {
  return store_.read([&](store::Tx& tx) -> Result<core::Domain> {
    auto d = tx.domain_by_id(id);
    if (!d) return errors::iam_not_found("Could not find domain: " + id);
    return *d;
  });
}

Result<IssuedToken> IamService::login(const PasswordLogin& in) {
  struct Found {
    core::User user;
    core::Domain domain;
    store::UserSecurity sec;
  };
  auto found = store_.read([&](store::Tx& tx) -> Result<Found> {
    std::optional<core::Domain> d;
    if (!in.domain_id.empty())
      d = tx.domain_by_id(in.domain_id);
    else if (!in.domain_name.empty())
      d = tx.domain_by_name(in.domain_name);
    std::optional<core::User> u;
    if (!in.user_id.empty())
      u = tx.user_by_id(in.user_id);
    else if (d)
      u = tx.user_by_name(d->id, in.user_name);
    if (u && !d) d = tx.domain_by_id(u->domain_id);
    if (!u || !d || u->domain_id != d->id) return errors::iam_unauthorized(kWrongCredentials);
    return Found{*u, *d, tx.user_security(u->id)};
  });
  if (!found) {
    check_password(in.password, hash_password("timing-equaliser"));  // same cost as a real check
    return found.error();
  }
  auto now = core::now_nanos();
  auto& user = found->user;
  if (found->sec.locked_until > now) return errors::iam_locked();
  if (!user.enabled || !check_password(in.password, user.password_hash)) {
    // One atomic update: read and written in two transactions, concurrent failures were lost.
    (void)store_.write([&](store::Tx& tx) -> core::Status {
      tx.record_failed_login(user.id, limits_.login_failures_before_lock,
                             now + limits_.login_lock_seconds * 1'000'000'000);
      return core::ok_status();
    });
    return errors::iam_unauthorized(kWrongCredentials);
  }
  if (found->sec.failed_logins != 0) {
    (void)store_.write([&](store::Tx& tx) -> core::Status {
      tx.clear_failed_logins(user.id);
      return core::ok_status();
    });
  }

  return store_.read([&](store::Tx& tx) -> Result<IssuedToken> {
    IssuedToken t;
    t.user = user;
    t.domain = found->domain;
    if (!in.project_id.empty() || !in.project_name.empty()) {
      std::optional<core::Project> p;
      if (!in.project_id.empty()) {
        p = tx.project_by_id(in.project_id);
      } else {
        std::string dom = in.project_domain_id;
        if (dom.empty() && !in.project_domain_name.empty())
          if (auto d = tx.domain_by_name(in.project_domain_name)) dom = d->id;
        if (dom.empty()) dom = user.domain_id;
        auto ps = tx.projects(dom, in.project_name);
        if (!ps.empty()) p = ps[0];
      }
      if (!p || p->domain_id != user.domain_id)
        return errors::iam_unauthorized("Could not find the project in the scope of the user.");
      t.roles = user.domain_admin ? std::vector<std::string>{core::kRoleAdmin}
                                  : tx.roles_of(p->id, user.id);
      if (t.roles.empty())
        return errors::iam_unauthorized("The user has no roles on the requested project.");
      t.project = *p;
    } else if (!in.scope_domain_id.empty() || !in.scope_domain_name.empty()) {
      bool match = in.scope_domain_id.empty() ? in.scope_domain_name == found->domain.name
                                              : in.scope_domain_id == found->domain.id;
      if (!match)
        return errors::iam_unauthorized("The user has no access to the requested domain.");
    }
    t.issued = core::now_nanos();
    t.expires = t.issued + limits_.token_lifetime_seconds * 1'000'000'000;
    std::string payload = fmt::format("{}|{}|{}|{}|{}", user.id, t.project ? t.project->id : "",
                                      t.issued, t.expires, crypto::random_hex(8));
    t.token = sign_token(payload);
    return t;
  });
}

std::string IamService::sign_token(const std::string& payload) const {
  return std::string(kTokenPrefix) + crypto::base64url_encode(payload) + "." +
         crypto::base64url_encode(crypto::hmac_sha256(token_key_, payload));
}

Result<Caller> IamService::caller_for(store::Tx& tx, const core::User& u,
                                      const std::string& project_id) {
  Caller c;
  c.user_id = u.id;
  c.user_name = u.name;
  c.domain_id = u.domain_id;
  c.domain_admin = u.domain_admin;
  if (auto d = tx.domain_by_id(u.domain_id)) c.domain_name = d->name;
  c.project_id = project_id;
  if (!project_id.empty()) {
    auto p = tx.project_by_id(project_id);
    if (!p || p->domain_id != u.domain_id) {
      c.project_id = "!" + project_id;  // a foreign project: never matches a path
      c.domain_admin = false;
    } else {
      c.roles = tx.roles_of(project_id, u.id);
    }
  }
  return c;
}

Result<Caller> IamService::verify_token(std::string_view token) {
  if (token.empty()) return errors::token_missing();
  if (token.size() > 4096 || token.substr(0, kTokenPrefix.size()) != kTokenPrefix)
    return errors::token_invalid();
  auto parts = split(token.substr(kTokenPrefix.size()), '.');
  if (parts.size() != 2) return errors::token_invalid();
  auto payload = crypto::base64url_decode(parts[0]);
  auto mac = crypto::base64url_decode(parts[1]);
  if (!payload || !mac ||
      !crypto::constant_time_equal(*mac, crypto::hmac_sha256(token_key_, *payload)))
    return errors::token_invalid();
  auto fields = split(*payload, '|');
  if (fields.size() != 5) return errors::token_invalid();
  auto issued = to_int(fields[2]), expires = to_int(fields[3]);
  if (issued < 0 || expires < 0) return errors::token_invalid();
  auto now = core::now_nanos();
  if (now >= expires) return errors::token_expired();
  if (auto cached = tokens_.find(token, now)) return *cached;
  auto generation = tokens_.generation();
  auto r = store_.read([&](store::Tx& tx) -> Result<Caller> {
    auto u = tx.user_by_id(std::string(fields[0]));
    // A deleted or disabled user, or a password changed since issue, voids the token.
    if (!u || !u->enabled || u->password_changed > issued) return errors::token_invalid();
    auto c = caller_for(tx, *u, std::string(fields[1]));
    if (c) c->via = "token";
    return c;
  });
  if (r) tokens_.put(token, *r, generation, now, expires);
  return r;
}

Result<Caller> IamService::verify_signature(const SignedCall& call,
                                            std::string_view project_header) {
  auto auth = crypto::parse_sdk_authorization(call.authorization);
  if (!auth) return errors::aksk_failure("the Authorization header is malformed");
  bool date_signed = auth->signs("x-sdk-date");
  auto dates = call.headers("x-sdk-date");
  if (!date_signed || dates.size() != 1)
    return errors::aksk_failure("x-sdk-date must be present and signed");
  auto when = crypto::parse_sdk_date(dates[0]);
  if (!when) return errors::aksk_failure("x-sdk-date is malformed");
  auto now = core::now_nanos() / 1'000'000'000;
  if (std::llabs(now - *when) > kSkewSeconds)
    return errors::aksk_failure(fmt::format("signature expired, signature time:{},server time:{}",
                                            dates[0], crypto::format_sdk_date(now)));
  return store_.read([&](store::Tx& tx) -> Result<Caller> {
    auto key = tx.access_key(std::string(auth->access));
    if (!key || key->status != "active") return errors::aksk_failure("access key not found");
    auto content = call.headers("x-sdk-content-sha256");
    std::string body_hash =
        content.size() == 1 ? std::string(content[0]) : crypto::sha256_hex(call.body);
    crypto::CanonicalInput in{call.method, call.target, auth->signed_names(), call.headers,
                              body_hash};
    if (!crypto::sdk_signature_matches(
            key->secret, crypto::string_to_sign(dates[0], crypto::canonical_request(in)),
            auth->signature))
      return errors::aksk_failure("verify aksk signature fail");
    auto u = tx.user_by_id(key->user_id);
    if (!u || !u->enabled) return errors::aksk_failure("access key not found");
    auto c = caller_for(tx, *u, std::string(project_header));
    if (c) c->via = "aksk";
    return c;
  });
}

}  // namespace gh::services
