#include "app/iam_check.hpp"

namespace gh::app {
namespace dp = core::dataplane;

gateway::IamCheck make_iam_check(services::IamService& iam) {
  return [&iam](const http::RequestView& r, std::string_view project_id,
                const gateway::AccountAcls& accounts,
                std::string* account) -> std::optional<dp::Failure> {
    auto authz = gateway::header_values(r, "authorization");
    std::optional<core::Result<services::Caller>> caller;
    if (authz.size() == 1 && authz[0].rfind("SDK-HMAC-SHA256", 0) == 0) {
      auto projects = gateway::header_values(r, "x-project-id");
      services::SignedCall call{r.method, r.target, r.body, authz[0],
                                [&](std::string_view n) { return gateway::header_values(r, n); }};
      caller.emplace(iam.verify_signature(call, projects.size() == 1 ? projects[0] : project_id));
    } else {
      auto tokens = gateway::header_values(r, "x-auth-token");
      if (tokens.empty()) return dp::iam_failure("x-auth-token not found");
      if (tokens.size() > 1) return dp::iam_failure("more than one x-auth-token");
      caller.emplace(iam.verify_token(tokens[0]));
    }
    if (!*caller) return dp::iam_failure(caller->error().message);
    const auto& c = caller->value();
    if (!c.domain_admin && (c.project_id != project_id || c.roles.empty()))
      return dp::iam_forbidden();
    // docs/compatibility.md#acl-dataplane: the account ACLs, after authentication.
    if ((accounts.by_name && !accounts.by_name->allows(c.domain_name)) ||
        (accounts.by_id && !accounts.by_id->allows(c.domain_id)))
      return dp::account_not_permitted();
    if (account) *account = c.domain_id;
    return std::nullopt;
  };
}

}  // namespace gh::app
