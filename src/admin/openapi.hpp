#pragma once
// The management API's OpenAPI 3.1 document: docs/openapi.json, embedded at build time and
// served at GET /openapi.json (with or without a store, no authentication: it holds no data). Its
// paths and methods are exactly the admin router's routes plus the node's probes (/health,
// /ready) and /openapi.json itself (tests/unit/app/openapi_test.cpp checks both ways).
#include <optional>
#include <string_view>

#include "http/server.hpp"

namespace gh::admin {

std::string_view openapi_document();

// The document for GET /openapi.json (query ignored); nullopt for any other request.
std::optional<http::Response> openapi_reply(const http::Request& req);

}  // namespace gh::admin
