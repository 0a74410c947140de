#pragma once
// The server log's format (--log-format): "text" (spdlog's default lines) or "json", one object
// per line: {"time":"2026-12-07T08:00:00.123Z","level":"info","thread":1234,"message":"…"}, the
// message JSON-escaped.
#include <string>

namespace gh::app {

// Applies `format` ("text" or "json") to the default logger; throws std::invalid_argument for
// another value.
void set_log_format(const std::string& format);

}  // namespace gh::app
