// The JSON input of the traffic routes: the API definition of POST/PUT /apis and string lists.
#include <charconv>

#include "admin/traffic_routes.hpp"
#include "core/errors.hpp"

namespace gh::admin::traffic {
using core::Result;
namespace errors = core::errors;

namespace {
// ---- JSON field readers: wrong JSON types are APIG.2011 on the field's name.
Result<std::string> str_field(const json::object& o, std::string_view name, std::string_view param,
                              std::string fallback) {
  auto v = opt_string(o, name);
  if (!v) return errors::invalid_param(param);
  return v->value_or(std::move(fallback));
}
Result<int> int_field(const json::object& o, std::string_view name, std::string_view param,
                      int fallback) {
  auto* v = o.if_contains(name);
  if (!v || v->is_null()) return fallback;
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->as_int64();
  } else if (v->is_uint64() && v->as_uint64() < (1u << 31)) {
    n = static_cast<std::int64_t>(v->as_uint64());
  } else if (v->is_string()) {  // some clients send numbers as strings (e.g. retry_count)
    auto s = v->as_string();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p != s.data() + s.size()) return errors::invalid_param(param);
  } else {
    return errors::invalid_param(param);
  }
  if (n < -(1LL << 31) || n > (1LL << 31) - 1) return errors::invalid_param(param);
  return static_cast<int>(n);
}
Result<const json::array*> array_field(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (!v || v->is_null()) return static_cast<const json::array*>(nullptr);
  if (!v->is_array()) return errors::invalid_param(name);
  return &v->as_array();
}
}  // namespace

Result<std::vector<std::string>> string_list(const json::object& o, std::string_view name) {
  auto arr = array_field(o, name);
  if (!arr) return arr.error();
  std::vector<std::string> out;
  if (*arr)
    for (auto& e : **arr) {
      if (!e.is_string()) return errors::invalid_param(name);
      out.emplace_back(e.as_string());
    }
  return out;
}

namespace {
// A field of a JSON object and where it goes; absent or null → `fallback`.
struct Str {
  std::string_view name, fallback;
  std::string* to;
};
struct Int {
  std::string_view name;
  int fallback;
  int* to;
};
core::Status read_one(const json::object& o, std::string_view prefix, const Str& f) {
  auto v = str_field(o, f.name, std::string(prefix).append(f.name), std::string(f.fallback));
  if (!v) return v.error();
  *f.to = std::move(*v);
  return core::ok_status();
}
core::Status read_one(const json::object& o, std::string_view prefix, const Int& f) {
  auto v = int_field(o, f.name, std::string(prefix).append(f.name), f.fallback);
  if (!v) return v.error();
  *f.to = *v;
  return core::ok_status();
}
// Reads the fields in order: the first of a wrong JSON type is APIG.2011 naming prefix + its name.
template <class... F>
core::Status read_fields(const json::object& o, std::string_view prefix, const F&... fields) {
  core::Status st = core::ok_status();
  (void)((st = read_one(o, prefix, fields), st.ok()) && ...);
  return st;
}
// The object field `name` (nullptr when absent or null); another JSON type is APIG.2011.
Result<const json::object*> object_field(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (!v || v->is_null()) return static_cast<const json::object*>(nullptr);
  if (!v->is_object()) return errors::invalid_param(name);
  return &v->as_object();
}
// Each element of the array field `name`, an object, read by `read` (Result<T>(const object&)).
template <class T, class Read>
core::Status read_list(const json::object& o, std::string_view name, std::vector<T>& out,
                       Read&& read) {
  auto arr = array_field(o, name);
  if (!arr) return arr.error();
  if (*arr)
    for (auto& e : **arr) {
      if (!e.is_object()) return errors::invalid_param(name);
      auto item = read(e.as_object());
      if (!item) return item.error();
      out.push_back(std::move(*item));
    }
  return core::ok_status();
}
}  // namespace

// Parses the API definition of POST/PUT /apis (docs/compatibility.md#api-definition). Values are
// checked by the service.
Result<core::ApiSpec> api_input(const json::object& b) {
  core::ApiSpec a;
  if (auto st = read_fields(b, "", Str{"name", "", &a.name}, Int{"type", 1, &a.type},
                            Str{"group_id", "", &a.group_id},
                            Str{"req_protocol", "HTTPS", &a.req_protocol},
                            Str{"req_method", "", &a.req_method}, Str{"req_uri", "", &a.req_uri},
                            Str{"match_mode", "NORMAL", &a.match_mode},
                            Str{"auth_type", "NONE", &a.auth_type}, Str{"remark", "", &a.remark});
      !st)
    return st.error();
  auto opt = object_field(b, "auth_opt");
  if (!opt) return opt.error();
  if (*opt)
    if (auto st = read_fields(**opt, "auth_opt.",
                              Str{"app_code_auth_type", "DISABLE", &a.app_code_auth_type});
        !st)
      return st.error();
  if (auto st = read_fields(b, "", Str{"backend_type", "HTTP", &a.backend_type}); !st)
    return st.error();
  auto backend = object_field(b, "backend_api");
  if (!backend) return backend.error();
  if (*backend) {
    auto& be = a.backend;
    if (auto st = read_fields(**backend, "backend_api.", Str{"url_domain", "", &be.url_domain},
                              Str{"req_protocol", "HTTP", &be.req_protocol},
                              Str{"req_method", "", &be.req_method},
                              Str{"req_uri", "", &be.req_uri}, Int{"timeout", 5000, &be.timeout_ms},
                              Int{"retry_count", -1, &be.retry_count});
        !st)
      return st.error();
  } else if (a.backend_type == "HTTP") {
    return errors::invalid_param("backend_api");
  }
  auto mock = object_field(b, "mock_info");
  if (!mock) return mock.error();
  if (*mock)
    if (auto st = read_fields(**mock, "mock_info.", Str{"result_content", "", &a.mock_result}); !st)
      return st.error();
  if (auto st = read_list(
          b, "req_params", a.req_params,
          [](const json::object& o) -> Result<core::ReqParam> {
            core::ReqParam p;
            auto read = read_fields(
                o, "req_params.", Str{"name", "", &p.name}, Str{"type", "STRING", &p.type},
                Str{"location", "", &p.location}, Str{"default_value", "", &p.default_value});
            if (read)
              read = read_fields(o, "req_params.",
                                 Int{"required", p.location == "PATH" ? 1 : 2, &p.required});
            if (!read) return read.error();
            return p;
          });
      !st)
    return st.error();
  if (auto st = read_list(b, "backend_params", a.backend_params,
                          [](const json::object& o) -> Result<core::BackendParam> {
                            core::BackendParam p;
                            auto read = read_fields(
                                o, "backend_params.", Str{"origin", "", &p.origin},
                                Str{"name", "", &p.name}, Str{"location", "", &p.location},
                                Str{"value", "", &p.value});
                            if (!read) return read.error();
                            return p;
                          });
      !st)
    return st.error();
  return a;
}

}  // namespace gh::admin::traffic
