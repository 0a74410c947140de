#include "gateway/snapshot_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "gateway/credentials.hpp"
#include "store/json_fields.hpp"
#include "store/spec_json.hpp"

namespace gh::gateway {
namespace json = boost::json;
namespace {

constexpr int kFormat = 1;

core::Error failure(std::string message) {
  core::Error e;
  e.kind = core::ErrorKind::kInternal;
  e.http_status = 500;
  e.code = "APIG.9999";
  e.message = std::move(message);
  return e;
}

std::string hex_of(const Digest& d) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (unsigned char b : d.bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

std::string secret_aad(std::string_view app_id) {
  return "snapshot-app:" + std::string(app_id);
}

using store::json_fields::arr;
using store::json_fields::num;
using store::json_fields::str;

// Throttling policies, specials, bindings, app quotas and their bindings: a node restarted while
// the store is down keeps enforcing them.
void policies_to_json(const RouteInputs& in, json::object& out) {
  json::array throttles, specials, bindings, quotas, quota_bindings;
  for (const auto& t : in.throttles)
    throttles.push_back(json::object{{"id", t.id},
                                     {"instance_id", t.instance_id},
                                     {"name", t.name},
                                     {"api", t.api_call_limits},
                                     {"user", t.user_call_limits},
                                     {"app", t.app_call_limits},
                                     {"ip", t.ip_call_limits},
                                     {"time_interval", t.time_interval},
                                     {"time_unit", t.time_unit},
                                     {"type", t.type}});
  for (const auto& x : in.throttle_specials)
    specials.push_back(json::object{{"id", x.id},
                                    {"throttle_id", x.throttle_id},
                                    {"object_type", x.object_type},
                                    {"object_id", x.object_id},
                                    {"call_limits", x.call_limits}});
  for (const auto& b : in.throttle_bindings)
    bindings.push_back(json::object{
        {"id", b.id}, {"throttle_id", b.throttle_id}, {"api_id", b.api_id}, {"env_id", b.env_id}});
  for (const auto& q : in.app_quotas)
    quotas.push_back(json::object{{"id", q.id},
                                  {"instance_id", q.instance_id},
                                  {"call_limits", q.call_limits},
                                  {"time_interval", q.time_interval},
                                  {"time_unit", q.time_unit},
                                  {"reset_time", q.reset_time},
                                  {"reset_time_set", q.reset_time_set},
                                  {"create_time", q.create_time}});
  for (const auto& b : in.app_quota_bindings)
    quota_bindings.push_back(json::object{{"app_id", b.app_id}, {"quota_id", b.quota_id}});
  out["throttles"] = std::move(throttles);
  out["throttle_specials"] = std::move(specials);
  out["throttle_bindings"] = std::move(bindings);
  out["app_quotas"] = std::move(quotas);
  out["app_quota_bindings"] = std::move(quota_bindings);
}

void policies_from_json(const json::object& o, RouteInputs& in) {
  for (const auto& v : arr(o, "throttles")) {
    const auto& t = v.as_object();
    core::Throttle x;
    x.id = str(t, "id");
    x.instance_id = str(t, "instance_id");
    x.name = str(t, "name");
    x.api_call_limits = num(t, "api");
    x.user_call_limits = num(t, "user");
    x.app_call_limits = num(t, "app");
    x.ip_call_limits = num(t, "ip");
    x.time_interval = num(t, "time_interval");
    x.time_unit = str(t, "time_unit");
    x.type = static_cast<int>(num(t, "type"));
    in.throttles.push_back(std::move(x));
  }
  for (const auto& v : arr(o, "throttle_specials")) {
    const auto& t = v.as_object();
    core::ThrottleSpecial x;
    x.id = str(t, "id");
    x.throttle_id = str(t, "throttle_id");
    x.object_type = str(t, "object_type");
    x.object_id = str(t, "object_id");
    x.call_limits = num(t, "call_limits");
    in.throttle_specials.push_back(std::move(x));
  }
  for (const auto& v : arr(o, "throttle_bindings")) {
    const auto& t = v.as_object();
    core::ThrottleBinding x;
    x.id = str(t, "id");
    x.throttle_id = str(t, "throttle_id");
    x.api_id = str(t, "api_id");
    x.env_id = str(t, "env_id");
    in.throttle_bindings.push_back(std::move(x));
  }
  for (const auto& v : arr(o, "app_quotas")) {
    const auto& t = v.as_object();
    core::AppQuota x;
    x.id = str(t, "id");
    x.instance_id = str(t, "instance_id");
    x.call_limits = num(t, "call_limits");
    x.time_interval = num(t, "time_interval");
    x.time_unit = str(t, "time_unit");
    x.reset_time = num(t, "reset_time");
    auto* set = t.if_contains("reset_time_set");
    x.reset_time_set = set && set->is_bool() && set->as_bool();
    x.create_time = num(t, "create_time");
    in.app_quotas.push_back(std::move(x));
  }
  for (const auto& v : arr(o, "app_quota_bindings")) {
    const auto& t = v.as_object();
    in.app_quota_bindings.push_back({str(t, "app_id"), str(t, "quota_id"), "", 0});
  }
}

json::object routes_to_json(const RouteInputs& in) {
  json::array instances, groups, envs, vars, published, auths;
  for (const auto& i : in.instances)
    instances.push_back(json::object{{"id", i.id}, {"project_id", i.project_id}, {"roma", i.roma}});
  for (const auto& g : in.groups)
    groups.push_back(json::object{{"id", g.id},
                                  {"instance_id", g.instance_id},
                                  {"name", g.name},
                                  {"remark", g.remark},
                                  {"is_default", g.is_default},
                                  {"register_time", g.register_time},
                                  {"update_time", g.update_time}});
  for (const auto& e : in.envs)
    envs.push_back(json::object{{"id", e.id},
                                {"instance_id", e.instance_id},
                                {"name", e.name},
                                {"remark", e.remark},
                                {"create_time", e.create_time}});
  for (const auto& v : in.env_variables)
    vars.push_back(json::object{{"id", v.id},
                                {"instance_id", v.instance_id},
                                {"group_id", v.group_id},
                                {"env_id", v.env_id},
                                {"name", v.name},
                                {"value", v.value}});
  for (const auto& p : in.published)
    published.push_back(json::object{{"env_id", p.env_id}, {"spec", store::spec_to_json(p.spec)}});
  for (const auto& a : in.auths)
    auths.push_back(json::object{{"id", a.id},
                                 {"instance_id", a.instance_id},
                                 {"api_id", a.api_id},
                                 {"app_id", a.app_id},
                                 {"env_id", a.env_id},
                                 {"auth_time", a.auth_time}});
  // Access control (docs/compatibility.md#acl-dataplane): a node restarted during a store
  // outage keeps enforcing it.
  json::array acls, acl_bindings, app_acls;
  for (const auto& a : in.acls)
    acls.push_back(json::object{{"id", a.id},
                                {"instance_id", a.instance_id},
                                {"name", a.name},
                                {"acl_type", a.acl_type},
                                {"entity_type", a.entity_type},
                                {"acl_value", a.acl_value},
                                {"update_time", a.update_time}});
  for (const auto& b : in.acl_bindings)
    acl_bindings.push_back(json::object{{"id", b.id},
                                        {"instance_id", b.instance_id},
                                        {"acl_id", b.acl_id},
                                        {"api_id", b.api_id},
                                        {"env_id", b.env_id},
                                        {"entity_type", b.entity_type},
                                        {"publish_id", b.publish_id},
                                        {"create_time", b.create_time}});
  for (const auto& a : in.app_acls) {
    json::array values;
    for (const auto& v : a.values) values.push_back(json::value(v));
    app_acls.push_back(json::object{{"app_id", a.app_id},
                                    {"instance_id", a.instance_id},
                                    {"acl_type", a.acl_type},
                                    {"values", std::move(values)},
                                    {"update_time", a.update_time}});
  }
  json::object out{{"instances", std::move(instances)}, {"groups", std::move(groups)},
                   {"envs", std::move(envs)},           {"env_variables", std::move(vars)},
                   {"published", std::move(published)}, {"auths", std::move(auths)},
                   {"acls", std::move(acls)},           {"acl_bindings", std::move(acl_bindings)},
                   {"app_acls", std::move(app_acls)}};
  policies_to_json(in, out);
  return out;
}

core::Result<RouteInputs> routes_from_json(const json::object& o) {
  // Every element read below is an object: anything else is a malformed file (refused, not
  // thrown by as_object()).
  for (std::string_view k : {"instances", "groups", "envs", "env_variables", "published", "auths",
                             "throttles", "throttle_specials", "throttle_bindings", "app_quotas",
                             "app_quota_bindings", "acls", "acl_bindings", "app_acls"})
    for (const auto& v : arr(o, k))
      if (!v.is_object()) return failure("snapshot file: malformed " + std::string(k));
  RouteInputs in;
  for (const auto& v : arr(o, "instances")) {
    const auto& i = v.as_object();
    auto* roma = i.if_contains("roma");
    in.instances.push_back(
        {str(i, "id"), str(i, "project_id"), roma && roma->is_bool() && roma->as_bool()});
  }
  for (const auto& v : arr(o, "groups")) {
    const auto& g = v.as_object();
    core::ApiGroup x;
    x.id = str(g, "id");
    x.instance_id = str(g, "instance_id");
    x.name = str(g, "name");
    x.remark = str(g, "remark");
    auto* d = g.if_contains("is_default");
    x.is_default = d && d->is_bool() && d->as_bool();
    x.register_time = num(g, "register_time");
    x.update_time = num(g, "update_time");
    in.groups.push_back(std::move(x));
  }
  for (const auto& v : arr(o, "envs")) {
    const auto& e = v.as_object();
    core::Environment x;
    x.id = str(e, "id");
    x.instance_id = str(e, "instance_id");
    x.name = str(e, "name");
    x.remark = str(e, "remark");
    x.create_time = num(e, "create_time");
    in.envs.push_back(std::move(x));
  }
  for (const auto& v : arr(o, "env_variables")) {
    const auto& e = v.as_object();
    in.env_variables.push_back({str(e, "id"), str(e, "instance_id"), str(e, "group_id"),
                                str(e, "env_id"), str(e, "name"), str(e, "value")});
  }
  for (const auto& v : arr(o, "published")) {
    const auto& p = v.as_object();
    auto spec = store::spec_from_json(str(p, "spec"));
    if (!spec) return failure("snapshot file: an API definition is not readable");
    in.published.push_back(PublishedRoute{std::move(*spec), str(p, "env_id")});
  }
  for (const auto& v : arr(o, "auths")) {
    const auto& a = v.as_object();
    core::AppAuth x;
    x.id = str(a, "id");
    x.instance_id = str(a, "instance_id");
    x.api_id = str(a, "api_id");
    x.app_id = str(a, "app_id");
    x.env_id = str(a, "env_id");
    x.auth_time = num(a, "auth_time");
    in.auths.push_back(std::move(x));
  }
  policies_from_json(o, in);
  // Files written before access control have none of these: nothing to enforce.
  for (const auto& v : arr(o, "acls")) {
    const auto& a = v.as_object();
    in.acls.push_back({str(a, "id"), str(a, "instance_id"), str(a, "name"), str(a, "acl_type"),
                       str(a, "entity_type"), str(a, "acl_value"), num(a, "update_time")});
  }
  for (const auto& v : arr(o, "acl_bindings")) {
    const auto& b = v.as_object();
    in.acl_bindings.push_back({str(b, "id"), str(b, "instance_id"), str(b, "acl_id"),
                               str(b, "api_id"), str(b, "env_id"), str(b, "entity_type"),
                               str(b, "publish_id"), num(b, "create_time")});
  }
  for (const auto& v : arr(o, "app_acls")) {
    const auto& a = v.as_object();
    core::AppAcl x{
        str(a, "app_id"), str(a, "instance_id"), str(a, "acl_type"), {}, num(a, "update_time")};
    for (const auto& e : arr(a, "values"))
      if (e.is_string()) x.values.emplace_back(e.as_string());
    in.app_acls.push_back(std::move(x));
  }
  return in;
}

// Writes what `produce` appends to `path`, atomically and durably, mode 0600. `produce` gets a
// buffer and a flush function (call it whenever the buffer has grown; it empties the buffer), so
// a large snapshot is never held as one string.
core::Result<core::Unit> write_atomically(
    const std::string& path,
    const std::function<void(std::string& buf, const std::function<void()>& flush)>& produce) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return failure("snapshot file: cannot create " + tmp);
  ::fchmod(fd, 0600);
  bool written = true;
  std::string buf;
  auto flush = [&] {
    std::size_t done = 0;
    while (written && done < buf.size()) {
      auto n = ::write(fd, buf.data() + done, buf.size() - done);
      if (n <= 0)
        written = false;
      else
        done += static_cast<std::size_t>(n);
    }
    buf.clear();
  };
  produce(buf, flush);
  flush();
  if (!written) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return failure("snapshot file: write failed");
  }
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return failure("snapshot file: fsync or rename failed");
  }
  auto dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return core::Unit{};
}

}  // namespace

core::Result<core::Unit> write_snapshot_file(const std::string& path, const Snapshot& snapshot,
                                             const crypto::Sealer& sealer) {
  if (!snapshot.route_inputs) return failure("snapshot file: the snapshot has no route inputs");
  // The document {"v", "change_seq", "routes", "apps": [...]}, streamed one app at a time.
  return write_atomically(path, [&](std::string& buf, const std::function<void()>& flush) {
    buf += "{\"v\":" + std::to_string(kFormat) +
           ",\"change_seq\":" + std::to_string(snapshot.change_seq) + ",\"routes\":";
    buf += json::serialize(routes_to_json(*snapshot.route_inputs));
    buf += ",\"apps\":[";
    bool first = true;
    snapshot.credentials.apps.for_each([&](std::string_view id, const auto& entry) {
      json::array codes;
      for (const auto& d : entry->codes()) codes.push_back(json::string(hex_of(d)));
      if (!first) buf += ',';
      first = false;
      buf += json::serialize(
          json::object{{"id", id},
                       {"instance_id", entry->instance_id()},
                       {"app_key", entry->app_key()},
                       {"sealed_secret", sealer.seal(entry->secret(), secret_aad(id))},
                       {"code_digests", std::move(codes)}});
      if (buf.size() >= (1u << 20)) flush();
    });
    buf += "]}";
  });
}

core::Result<std::shared_ptr<Snapshot>> read_snapshot_file(const std::string& path,
                                                           const crypto::Sealer& sealer,
                                                           const std::string& group_domain_suffix) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return failure("snapshot file: " + path + " does not exist");
  std::stringstream buf;
  buf << f.rdbuf();
  auto snap = parse_snapshot(buf.str(), sealer, group_domain_suffix);
  if (!snap) {
    auto e = snap.error();
    e.message += " (" + path + ")";
    return e;
  }
  return snap;
}

core::Result<std::shared_ptr<Snapshot>> parse_snapshot(std::string_view text,
                                                       const crypto::Sealer& sealer,
                                                       const std::string& group_domain_suffix) {
  boost::system::error_code ec;
  auto doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return failure("snapshot file: not valid JSON");
  const auto& o = doc.as_object();
  if (num(o, "v") != kFormat) return failure("snapshot file: unknown format version");
  auto* routes_json = o.if_contains("routes");
  if (!routes_json || !routes_json->is_object()) return failure("snapshot file: no routes");
  auto inputs = routes_from_json(routes_json->as_object());
  if (!inputs) return inputs.error();
  inputs->group_domain_suffix = group_domain_suffix;

  std::vector<AppRecord> records;
  for (const auto& v : arr(o, "apps")) {
    if (!v.is_object()) return failure("snapshot file: malformed app record");
    const auto& a = v.as_object();
    AppRecord r;
    r.id = str(a, "id");
    r.instance_id = str(a, "instance_id");
    r.app_key = str(a, "app_key");
    auto secret = sealer.open(str(a, "sealed_secret"), secret_aad(r.id));
    if (!secret)
      return failure("snapshot file: a sealed secret does not open (another master key?)");
    r.secret = std::move(*secret);
    for (const auto& c : arr(a, "code_digests"))
      if (c.is_string())
        if (auto d = digest_from_hex(c.as_string())) r.codes.push_back(*d);
    records.push_back(std::move(r));
  }
  auto snap = std::make_shared<Snapshot>();
  snap->change_seq = num(o, "change_seq");
  auto shared_inputs = std::make_shared<const RouteInputs>(std::move(*inputs));
  snap->routes = build_routes(*shared_inputs);
  snap->route_inputs = shared_inputs;
  snap->credentials = apply_app_changes(Credentials{}, {}, std::move(records));
  return snap;
}

}  // namespace gh::gateway
