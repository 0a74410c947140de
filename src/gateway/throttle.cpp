#include "gateway/throttle.hpp"

namespace gh::gateway {

std::string_view dim_name(ThrottleDim d) {
  switch (d) {
    case ThrottleDim::kApi:
      return "api";
    case ThrottleDim::kUser:
      return "user";
    case ThrottleDim::kApp:
      return "app";
    case ThrottleDim::kIp:
      return "ip";
  }
  return "api";
}

std::int64_t unit_ms(std::string_view unit) {
  if (unit == "SECOND") return 1000;
  if (unit == "MINUTE") return 60'000;
  if (unit == "HOUR") return 3'600'000;
  if (unit == "DAY") return 86'400'000;
  return 0;
}

std::string period_text(std::int64_t interval, std::string_view unit) {
  std::string u(unit);
  for (auto& c : u)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return std::to_string(interval) + " " + u;
}

std::uint64_t throttle_base(const ThrottleLimits& policy, std::string_view api_id,
                            std::string_view env_id) {
  if (policy.shared) return mix_key(policy.key, 0);
  return mix_key(mix_key(policy.key, hash_text(api_id.data(), api_id.size())),
                 hash_text(env_id.data(), env_id.size()));
}

core::dataplane::Failure ThrottleResult::failure() const {
  const auto& d = dims[count - 1];
  return core::dataplane::throttled(dim_name(d.dim), d.admission.limit,
                                    policy ? std::string_view(policy->period) : "");
}

ThrottleResult throttle_check(CounterTable& table, const ThrottleBinding& binding,
                              const ThrottleSubject& who, std::int64_t now_ms) {
  ThrottleResult r;
  const ThrottleLimits& p = *binding.policy;
  r.policy = &p;
  std::uint64_t keys[4];
  auto check = [&](ThrottleDim d, std::int64_t limit, std::uint64_t subject) {
    keys[r.count] = mix_key(mix_key(binding.base, static_cast<std::uint64_t>(d) + 1), subject);
    auto a = table.acquire(keys[r.count], limit, p.window, now_ms);
    r.dims[r.count++] = {d, a};
    if (a.admitted) return true;
    r.admitted = false;
    for (int i = 0; i + 1 < r.count; ++i) table.release(keys[i], p.window, now_ms);
    return false;
  };
  if (p.api > 0 && !check(ThrottleDim::kApi, p.api, 0)) return r;
  if (!who.account.empty()) {
    std::int64_t limit = p.user;
    if (!p.user_specials.empty())
      if (auto it = p.user_specials.find(who.account); it != p.user_specials.end())
        limit = it->second;
    if (limit > 0 &&
        !check(ThrottleDim::kUser, limit, hash_text(who.account.data(), who.account.size())))
      return r;
  }
  if (who.app) {
    std::int64_t limit = p.app;
    if (!p.app_specials.empty())
      if (auto it = p.app_specials.find(*who.app); it != p.app_specials.end()) limit = it->second;
    if (limit > 0 && !check(ThrottleDim::kApp, limit,
                            who.app_subject ? who.app_subject : std::uint64_t{*who.app} + 1))
      return r;
  }
  if (p.ip > 0)
    check(ThrottleDim::kIp, p.ip, hash_text(who.client_ip.data(), who.client_ip.size()));
  return r;
}

}  // namespace gh::gateway
