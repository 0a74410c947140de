#pragma once
// Reading request bodies and query strings, and writing JSON responses. Every malformed input maps
// to a catalogue error (never an exception escaping to the event loop).
#include <boost/json.hpp>
#include <optional>
#include <string>

#include "admin/router.hpp"
#include "core/error.hpp"
#include "core/model.hpp"

namespace gh::admin {

namespace json = boost::json;

// Parses the body as a JSON object. Empty body → `empty_ok` ? {} : APIG.2001; not JSON, invalid
// UTF-8, too deep, or not an object → APIG.2000; a string (or a name) with a control character
// (core::rules::is_clean_text; free-text fields may hold line breaks) → APIG.2011 naming it.
core::Result<json::object> body_object(const AdminRequest& req, bool empty_ok);

// Optional string field: absent or null → nullopt; present but not a string → APIG.2011 for name.
core::Result<std::optional<std::string>> opt_string(const json::object& o, std::string_view name);
// Same, nested one level: o[outer][name].
const json::object* sub_object(const json::object& o, std::string_view name);

// offset/limit as the APIG dialects define them: offset <0 → 0; limit <=0 → 20, >500 → 500;
// non-numeric → APIG.2011 for that name.
core::Result<core::Page> page_from_query(const AdminRequest& req, std::int64_t default_limit = 20,
                                         std::int64_t max_limit = 500);
core::Result<std::optional<std::int64_t>> query_int(const AdminRequest& req, std::string_view name);

http::Response json_response(const AdminRequest& req, unsigned status, const json::value& body);
http::Response empty_response(const AdminRequest& req, unsigned status);

}  // namespace gh::admin
