#pragma once
#include <functional>

#include "app/config.hpp"

namespace gh::app {
// Runs Gatehouse until SIGTERM/SIGINT; returns the process exit code (app/exit_codes.hpp) or
// throws StartupError. On SIGHUP, `reread` (when given) reads the settings again and the live
// ones are applied (app/reload.hpp); a reread that throws is logged and changes nothing.
int serve(const ServeConfig& cfg, std::function<ServeConfig()> reread = {});
}  // namespace gh::app
