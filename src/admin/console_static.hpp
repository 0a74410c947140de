#pragma once
// Serves the embedded web console under /console/ on the admin listener (docs/console.md).
// Every answer carries the console's security headers: a strict Content-Security-Policy (own
// scripts and styles only, no inline code, no framing), X-Frame-Options: DENY, nosniff and
// Referrer-Policy: no-referrer.
#include <optional>
#include <string_view>

#include "http/server.hpp"

namespace gh::admin {

inline constexpr std::string_view kConsolePrefix = "/console/";
inline constexpr std::string_view kConsoleCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// The answer for a console path ("/console", "/console/", "/console/<file>"), or nullopt when
// `path` is not the console's. GET and HEAD only (others: 405); an unknown file: 404.
std::optional<http::Response> serve_console(const http::Request& req, std::string_view path);

// Content-Type for a file name by its extension (application/octet-stream when unknown).
std::string_view console_content_type(std::string_view file);

}  // namespace gh::admin
