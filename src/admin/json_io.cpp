#include "admin/json_io.hpp"

#include <charconv>

#include "core/errors.hpp"
#include "core/validation.hpp"

namespace gh::admin {
namespace errors = core::errors;

namespace {

// Fields of free text, which may hold line breaks and tabs (never other control characters).
bool is_free_text_field(std::string_view name) {
  return name == "remark" || name == "description" || name == "result_content";
}

// The first field (by name; an array's elements count as its own) holding a string with a
// control character, or nullopt. Names themselves are checked too.
std::optional<std::string> field_with_control_characters(const json::value& v,
                                                         std::string_view name) {
  switch (v.kind()) {
    case json::kind::string:
      if (!core::rules::is_clean_text(v.get_string(), is_free_text_field(name)))
        return std::string(name);
      return std::nullopt;
    case json::kind::array:
      for (const auto& e : v.get_array())
        if (auto bad = field_with_control_characters(e, name)) return bad;
      return std::nullopt;
    case json::kind::object:
      for (const auto& [key, value] : v.get_object()) {
        if (!core::rules::is_clean_text(key)) return std::string("body");
        if (auto bad = field_with_control_characters(value, key)) return bad;
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace

core::Result<json::object> body_object(const AdminRequest& req, bool empty_ok) {
  const auto& body = req.raw.body();
  bool blank = body.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank) {
    if (empty_ok) return json::object{};
    return errors::parameters_missing();
  }
  json::parse_options opts;
  opts.max_depth = 32;
  std::error_code ec;
  json::value v = json::parse(body, ec, {}, opts);
  if (ec) {
    auto e = errors::parameter_error();
    e.message = "Parameter error. The request body is not valid JSON.";
    return e;
  }
  if (!v.is_object()) {
    auto e = errors::parameter_error();
    e.message = "Parameter error. The request body must be a JSON object.";
    return e;
  }
  // Input hygiene for every dialect at once: no stored string carries a control character.
  if (auto bad = field_with_control_characters(v, "body")) return errors::invalid_param(*bad);
  return std::move(v.as_object());
}

core::Result<std::optional<std::string>> opt_string(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (!v || v->is_null()) return std::optional<std::string>{};
  if (!v->is_string()) return errors::invalid_param(name);
  return std::optional<std::string>{std::string(v->as_string())};
}

const json::object* sub_object(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

core::Result<std::optional<std::int64_t>> query_int(const AdminRequest& req,
                                                    std::string_view name) {
  auto raw = req.query_value(name);
  if (!raw || raw->empty()) return std::optional<std::int64_t>{};
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), v);
  if (ec != std::errc() || p != raw->data() + raw->size()) return errors::invalid_param(name);
  return std::optional<std::int64_t>{v};
}

core::Result<core::Page> page_from_query(const AdminRequest& req, std::int64_t default_limit,
                                         std::int64_t max_limit) {
  auto offset = query_int(req, "offset");
  if (!offset) return offset.error();
  auto limit = query_int(req, "limit");
  if (!limit) return limit.error();
  core::Page p;
  p.offset = std::max<std::int64_t>(0, offset->value_or(0));
  p.limit = limit->value_or(default_limit);
  if (p.limit <= 0) p.limit = default_limit;
  if (p.limit > max_limit) p.limit = max_limit;
  return p;
}

http::Response json_response(const AdminRequest& req, unsigned status, const json::value& body) {
  http::Response res{static_cast<http::bhttp::status>(status), req.raw.version()};
  res.set(http::bhttp::field::content_type, "application/json;charset=UTF-8");
  res.set("X-Request-Id", req.request_id);
  res.body() = json::serialize(body);
  res.prepare_payload();
  return res;
}

http::Response empty_response(const AdminRequest& req, unsigned status) {
  http::Response res{static_cast<http::bhttp::status>(status), req.raw.version()};
  res.set("X-Request-Id", req.request_id);
  res.prepare_payload();
  return res;
}

}  // namespace gh::admin
