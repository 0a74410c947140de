#pragma once
// Tells systemd (Type=notify units) where the node is: started, reloading, stopping. Without
// NOTIFY_SOCKET in the environment (not started by systemd) every call does nothing.
#include <string>

namespace gh::app {

void notify_ready(const std::string& status);  // READY=1: every listener accepts
void notify_reloading();                       // RELOADING=1: SIGHUP being applied
void notify_stopping();                        // STOPPING=1: draining, then exit

}  // namespace gh::app
