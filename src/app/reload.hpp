#pragma once
// SIGHUP: the settings that change without a restart (docs/operations.md, "Reload").
#include <string>
#include <vector>

#include "app/config.hpp"
#include "gateway/access_log.hpp"
#include "gateway/client_address.hpp"
#include "http/server.hpp"

namespace gh::app {

// The flags whose value differs between `running` and `next` and that only a restart applies.
std::vector<std::string> settings_needing_restart(const ServeConfig& running,
                                                  const ServeConfig& next);

// Applies `next` to the running node: the log level, the trusted proxies (swapped whole in
// `trusted`, when given), and the TLS certificate and key of `tls_server` (when there is one),
// re-read from their files even when the paths did not change, so that a renewed pair in place is
// picked up by the next handshakes. Logs what it applied and which changed settings need a
// restart; a pair that cannot be loaded, or a proxy list that does not parse, is logged and the
// one in force stays. The access log switches to next.access_log (path, "-" or "off"; a path that
// cannot be opened is logged and the current target stays). `running` becomes the settings in
// force.
void apply_reload(ServeConfig& running, const ServeConfig& next, http::Server* tls_server,
                  gateway::AccessLog* access_log = nullptr,
                  gateway::TrustedProxies* trusted = nullptr);

}  // namespace gh::app
