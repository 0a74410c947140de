#pragma once
#include "app/config.hpp"

namespace gh::app {
// Runs Gatehouse until SIGTERM/SIGINT. Returns the process exit code.
int serve(const ServeConfig& cfg);
}  // namespace gh::app
