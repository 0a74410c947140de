#include "gateway/routes.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>

#include "gateway/app_ordinals.hpp"
#include "gateway/metrics.hpp"

namespace gh::gateway {
namespace {

bool is_param(std::string_view seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool is_ip_or_localhost(std::string_view host) {
  if (host == "localhost") return true;
  if (host.empty()) return true;         // no Host header at all (HTTP/1.0): treat as a direct call
  if (host.front() == '[') return true;  // IPv6 literal
  // dotted quad: digits and dots only
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// Rank inside patterned routes: lower sorts first.
auto precedence_key(const RouteTarget* t) {
  int kind = t->prefix ? 1 : 0;
  // parameterised: more literal segments first, then more segments; prefix: longest first.
  int a = t->prefix ? -static_cast<int>(t->segments.size()) : -t->literal_segments;
  int b = t->prefix ? -t->literal_segments : -static_cast<int>(t->segments.size());
  int any = t->spec.req_method == "ANY" ? 1 : 0;
  return std::make_tuple(kind, a, b, any);
}

// Matches pattern segments against path segments. For a prefix route the pattern may cover only
// the first segments of the path (segment boundary), and a pattern "/" covers everything.
bool match_segments(const RouteTarget& t, const std::vector<std::string_view>& path,
                    PathParams& params) {
  const auto& pat = t.segments;
  bool root_prefix = t.prefix && pat.size() == 1 && pat[0].empty();
  if (root_prefix) return true;
  if (t.prefix ? path.size() < pat.size() : path.size() != pat.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < pat.size(); ++i) {
    if (is_param(pat[i])) {
      if (path[i].empty()) return false;
      params.emplace_back(std::string_view(pat[i]).substr(1, pat[i].size() - 2), path[i]);
    } else if (pat[i] != path[i]) {
      // A prefix pattern ending in "/" ("" last segment) matches any continuation.
      if (!(t.prefix && i + 1 == pat.size() && pat[i].empty())) return false;
    }
  }
  return true;
}

}  // namespace

std::string substitute_variables(std::string_view text,
                                 const std::vector<std::pair<std::string, std::string>>& vars) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '#') {
      auto end = text.find('#', i + 1);
      if (end != std::string_view::npos) {
        auto name = text.substr(i + 1, end - i - 1);
        auto it = std::find_if(vars.begin(), vars.end(), [&](auto& v) { return v.first == name; });
        if (it != vars.end()) {
          out += it->second;
          i = end + 1;
          continue;
        }
      }
    }
    out += text[i++];
  }
  return out;
}

Backend parse_backend(std::string_view url_domain, bool tls) {
  Backend b;
  b.tls = tls;
  b.port = tls ? 443 : 80;
  b.host_header = std::string(url_domain);
  std::string_view host = url_domain, port;
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    if (close != std::string_view::npos) {
      if (close + 1 < host.size() && host[close + 1] == ':') port = host.substr(close + 2);
      host = host.substr(1, close - 1);
    }
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  unsigned p = 0;
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec == std::errc() && end == port.data() + port.size() && p > 0 && p < 65536)
      b.port = static_cast<std::uint16_t>(p);
  }
  b.host = std::string(host);
  b.pool_key = (tls ? "tls:" : "") + b.host + ":" + std::to_string(b.port);
  return b;
}

void RouteTable::add(const RouteTarget* t) {
  bool exact = !t->prefix && t->literal_segments == static_cast<int>(t->segments.size());
  if (exact) {
    exact_[t->spec.req_uri].push_back(t);
  } else {
    patterned_.push_back(t);
  }
}

void RouteTable::finish() {
  for (auto& [path, targets] : exact_)
    std::stable_sort(targets.begin(), targets.end(), [](auto* a, auto* b) {
      return (a->spec.req_method == "ANY") < (b->spec.req_method == "ANY");
    });
  std::stable_sort(patterned_.begin(), patterned_.end(),
                   [](auto* a, auto* b) { return precedence_key(a) < precedence_key(b); });
}

RouteMatch RouteTable::match(std::string_view method, std::string_view path) const {
  RouteMatch m;
  if (auto it = exact_.find(path); it != exact_.end()) {
    m.path_matched = true;
    for (auto* t : it->second)
      if (t->method_matches(method)) {
        m.target = t;
        return m;
      }
  }
  if (patterned_.empty()) return m;
  auto segments = split_path(path);
  for (auto* t : patterned_) {
    if (!match_segments(*t, segments, m.params)) continue;
    m.path_matched = true;
    if (t->method_matches(method)) {
      m.target = t;
      return m;
    }
  }
  m.params.clear();
  return m;
}

std::span<const GroupRoutes* const> RouteConfig::groups_for_host(std::string_view host) const {
  // Strip the port (but not the inside of an IPv6 literal).
  if (auto colon = host.rfind(':'); colon != std::string_view::npos &&
                                    host.find(']') == std::string_view::npos &&
                                    host.find(':') == colon)
    host = host.substr(0, colon);
  else if (!host.empty() && host.front() == '[')
    host = host.substr(0, host.find(']') + 1);
  char folded[256];  // DNS names are at most 253 characters
  if (host.size() <= sizeof folded) {
    for (std::size_t i = 0; i < host.size(); ++i)
      folded[i] = host[i] >= 'A' && host[i] <= 'Z' ? static_cast<char>(host[i] | 0x20) : host[i];
    auto it = by_host.find(std::string_view(folded, host.size()));
    if (it != by_host.end()) return {&it->second, 1};
  }
  if (is_ip_or_localhost(host)) return default_groups;
  return {};
}

std::string_view RouteConfig::env_id(std::string_view instance_id, std::string_view stage) const {
  for (const auto& inst : instances) {
    if (inst.instance_id != instance_id) continue;
    auto it = inst.id_by_name.find(stage);
    return it == inst.id_by_name.end() ? std::string_view() : std::string_view(it->second);
  }
  return {};
}

// (api id, env id) of a published route, as views into the RouteInputs being built from.
struct ApiEnv {
  std::string_view api_id, env_id;
  bool operator==(const ApiEnv&) const = default;
};
struct ApiEnvHash {
  std::size_t operator()(const ApiEnv& k) const {
    std::hash<std::string_view> h;
    return h(k.api_id) * 31 + h(k.env_id);
  }
};

// Throttling policies onto the targets they are bound to, app quotas by app
// (docs/compatibility.md#throttling-dataplane, #app-quotas).
static void attach_policies(
    const RouteInputs& in, RouteConfig& cfg,
    const boost::unordered_flat_map<ApiEnv, RouteTarget*, ApiEnvHash>& target_by_api_env) {
  boost::unordered_flat_map<std::string_view, ThrottleLimits*> by_id;
  for (const auto& t : in.throttles) {
    auto p = std::make_unique<ThrottleLimits>();
    p->id = t.id;
    p->api = t.api_call_limits;
    p->user = t.user_call_limits;
    p->app = t.app_call_limits;
    p->ip = t.ip_call_limits;
    p->window = {std::max<std::int64_t>(1, t.time_interval * unit_ms(t.time_unit)), 0, true};
    p->period = period_text(t.time_interval, t.time_unit);
    p->shared = t.type == 2;
    p->key = hash_text(t.id.data(), t.id.size());
    by_id[t.id] = p.get();
    cfg.throttles.push_back(std::move(p));
  }
  for (const auto& s : in.throttle_specials) {
    auto it = by_id.find(s.throttle_id);
    if (it == by_id.end()) continue;
    if (s.object_type == "APP")
      it->second->app_specials[app_ordinals::of(s.object_id)] = s.call_limits;
    else
      it->second->user_specials[s.object_id] = s.call_limits;
  }
  for (const auto& b : in.throttle_bindings) {
    auto p = by_id.find(b.throttle_id);
    auto t = target_by_api_env.find(ApiEnv{b.api_id, b.env_id});
    if (p == by_id.end() || t == target_by_api_env.end()) continue;
    t->second->throttle = {p->second, throttle_base(*p->second, b.api_id, b.env_id)};
  }
  boost::unordered_flat_map<std::string_view, const core::AppQuota*> quotas;
  for (const auto& q : in.app_quotas) quotas[q.id] = &q;
  for (const auto& b : in.app_quota_bindings) {
    auto it = quotas.find(b.quota_id);
    if (it == quotas.end()) continue;
    const auto& q = *it->second;
    QuotaLimits l;
    l.limit = q.call_limits;
    l.window = {std::max<std::int64_t>(1, q.time_interval * unit_ms(q.time_unit)),
                q.reset_time_set ? q.reset_time : q.create_time / 1'000'000, false};
    l.key =
        mix_key(hash_text(q.id.data(), q.id.size()), hash_text(b.app_id.data(), b.app_id.size()));
    cfg.quota_by_app[app_ordinals::of(b.app_id)] = l;
  }
}

namespace {
// The address set of stored entries; a set that no longer parses (a rule changed since it was
// stored) keeps what parses, entry by entry, and is logged by nobody: the store refused it once.
core::IpSet address_set(const std::vector<std::string>& entries) {
  try {
    return core::IpSet::from_entries(entries, entries.size() + 1);
  } catch (const std::invalid_argument&) {
    std::vector<std::string> good;
    for (const auto& e : entries) try {
        (void)core::parse_ip_entry(e);
        good.push_back(e);
      } catch (const std::invalid_argument&) {
      }
    return core::IpSet::from_entries(good, good.size() + 1);
  }
}

// docs/compatibility.md#acl-dataplane: IP ACLs onto their (API, environment) targets, app ACLs
// by app ordinal, and DOMAIN / DOMAIN_ID ACLs for the IAM check.
template <class TargetMap>
void attach_acls(const RouteInputs& in, RouteConfig& cfg, const TargetMap& target_by_api_env) {
  boost::unordered_flat_map<std::string_view, const AddressAcl*> by_acl;
  boost::unordered_flat_map<std::string_view, const AccountAcl*> by_account_acl;
  for (const auto& a : in.acls) {
    if (a.entity_type != "IP") {
      auto acl = std::make_unique<AccountAcl>();
      acl->values = core::acl::split_value(a.acl_value);
      std::sort(acl->values.begin(), acl->values.end());
      acl->permit = a.acl_type == "PERMIT";
      by_account_acl[a.id] = acl.get();
      cfg.account_acls.push_back(std::move(acl));
      continue;
    }
    auto acl = std::make_unique<AddressAcl>();
    acl->set = address_set(core::acl::split_value(a.acl_value));
    acl->permit = a.acl_type == "PERMIT";
    by_acl[a.id] = acl.get();
    cfg.address_acls.push_back(std::move(acl));
  }
  for (const auto& b : in.acl_bindings) {
    auto acl = by_acl.find(std::string_view(b.acl_id));
    auto t = target_by_api_env.find(ApiEnv{b.api_id, b.env_id});
    if (t == target_by_api_env.end()) continue;
    if (acl != by_acl.end()) t->second->ip_acl = acl->second;
    auto account = by_account_acl.find(std::string_view(b.acl_id));
    if (account == by_account_acl.end()) continue;
    (b.entity_type == "DOMAIN_ID" ? t->second->account_acls.by_id
                                  : t->second->account_acls.by_name) = account->second;
  }
  for (const auto& a : in.app_acls) {
    auto acl = std::make_unique<AddressAcl>();
    acl->set = address_set(a.values);
    acl->permit = a.acl_type == "PERMIT";
    cfg.app_acls[AppIdSet::key_of(a.app_id).ordinal] = acl.get();
    cfg.address_acls.push_back(std::move(acl));
  }
}
}  // namespace

std::shared_ptr<const RouteConfig> build_routes(const RouteInputs& in,
                                                const AuthSource& more_auths) {
  auto cfg = std::make_shared<RouteConfig>();
  cfg->group_domain_suffix = in.group_domain_suffix;

  auto instance_of = [&](const std::string& id) -> const RouteInputs::Instance* {
    for (const auto& i : in.instances)
      if (i.id == id) return &i;
    return nullptr;
  };

  for (const auto& inst : in.instances) {
    InstanceEnvs envs;
    envs.instance_id = inst.id;
    envs.id_by_name.emplace(core::kReleaseEnvName, core::kReleaseEnvId);
    for (const auto& e : in.envs)
      if (e.instance_id == inst.id) envs.id_by_name.insert_or_assign(e.name, e.id);
    cfg->instances.push_back(std::move(envs));
  }

  boost::unordered_flat_map<std::string, GroupRoutes*> group_by_id;
  for (const auto& g : in.groups) {
    auto* inst = instance_of(g.instance_id);
    if (!inst) continue;
    auto routes = std::make_unique<GroupRoutes>();
    routes->group_id = g.id;
    routes->instance_id = g.instance_id;
    routes->roma = inst->roma;
    group_by_id[g.id] = routes.get();
    cfg->by_host[lower(g.id + "." + in.group_domain_suffix)] = routes.get();
    cfg->groups.push_back(std::move(routes));
  }
  // Default groups in instance order.
  for (const auto& inst : in.instances)
    for (const auto& g : in.groups)
      if (g.is_default && g.instance_id == inst.id)
        cfg->default_groups.push_back(group_by_id[g.id]);

  boost::unordered_flat_map<ApiEnv, RouteTarget*, ApiEnvHash> target_by_api_env;
  for (const auto& p : in.published) {
    auto git = group_by_id.find(p.spec.group_id);
    if (git == group_by_id.end()) continue;
    auto t = std::make_unique<RouteTarget>();
    t->instance_id = p.spec.instance_id;
    t->project_id = instance_of(p.spec.instance_id) ? instance_of(p.spec.instance_id)->project_id
                                                    : std::string();
    t->group_id = p.spec.group_id;
    t->env_id = p.env_id;
    t->roma = git->second->roma;
    t->spec = p.spec;
    for (const auto& [name, id] :
         [&]() -> const InstanceEnvs& {
           for (const auto& e : cfg->instances)
             if (e.instance_id == t->instance_id) return e;
           static const InstanceEnvs none;
           return none;
         }()
                      .id_by_name)
      if (id == p.env_id) t->env_name = name;
    t->metric_slot = metric_slots::of(t->group_id, p.spec.id, t->env_name);
    for (auto seg : split_path(p.spec.req_uri)) {
      t->segments.emplace_back(seg);
      if (!is_param(seg)) ++t->literal_segments;
    }
    t->prefix = p.spec.match_mode == "SWA";
    std::vector<std::pair<std::string, std::string>> vars;
    for (const auto& v : in.env_variables)
      if (v.group_id == t->group_id && v.env_id == t->env_id) vars.emplace_back(v.name, v.value);
    t->backend = parse_backend(substitute_variables(p.spec.backend.url_domain, vars),
                               p.spec.backend.req_protocol == "HTTPS");
    t->backend.uri = substitute_variables(p.spec.backend.req_uri, vars);
    target_by_api_env[ApiEnv{p.spec.id, p.env_id}] = t.get();
    git->second->by_env[p.env_id].add(t.get());
    cfg->targets.push_back(std::move(t));
  }
  for (auto& g : cfg->groups)
    for (auto& [env, table] : g->by_env) table.finish();

  auto authorize = [&](std::string_view api_id, std::string_view app_id, std::string_view env_id) {
    auto it = target_by_api_env.find(ApiEnv{api_id, env_id});
    if (it != target_by_api_env.end()) it->second->authorized_apps.insert(app_id);
  };
  for (const auto& a : in.auths) authorize(a.api_id, a.app_id, a.env_id);
  if (more_auths) more_auths(authorize);
  for (auto& t : cfg->targets) t->authorized_apps.seal();
  attach_policies(in, *cfg, target_by_api_env);
  attach_acls(in, *cfg, target_by_api_env);
  return cfg;
}

AppIdSet::Key AppIdSet::key_of(std::string_view id) {
  return Key{app_ordinals::of(id)};
}

std::vector<AppIdSet::Key> AppIdSet::keys_of(std::span<const std::string_view> ids) {
  std::vector<std::uint32_t> ordinals(ids.size());
  app_ordinals::of_each(ids, ordinals);
  std::vector<Key> keys(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) keys[i] = Key{ordinals[i]};
  return keys;
}

void AppIdSet::insert(std::string_view id) {
  auto n = app_ordinals::of(id);
  if (!bits_.empty()) {  // inserting after seal(): grow the bitmap
    if (n / 64 >= bits_.size()) bits_.resize(n / 64 + 1, 0);
    auto& word = bits_[n / 64];
    std::uint64_t bit = std::uint64_t{1} << (n % 64);
    if (!(word & bit)) ++size_;
    word |= bit;
    return;
  }
  if (ordinals_.insert(n).second) ++size_;
}

void AppIdSet::seal() {
  if (ordinals_.empty()) return;
  std::uint32_t top = 0;
  for (auto n : ordinals_) top = std::max(top, n);
  std::size_t words = std::size_t{top} / 64 + 1;
  // A bitmap when it costs at most ~8 bytes per member (the hash set costs ~5).
  if (words > ordinals_.size()) return;
  bits_.assign(words, 0);
  for (auto n : ordinals_) bits_[n / 64] |= std::uint64_t{1} << (n % 64);
  ordinals_ = {};
}

bool AppIdSet::contains(std::string_view id) const {
  auto n = app_ordinals::find(id);
  return n && contains(Key{*n});
}

}  // namespace gh::gateway
