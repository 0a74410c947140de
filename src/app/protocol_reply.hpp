#pragma once
// The answer to a request a gateway listener refuses itself (malformed, too large, too slow):
// the data plane's error shape (gateway::error_response) with the status and code Huawei's
// gateway uses for it.
#include "http/server.hpp"

namespace gh::app {

http::Response protocol_error(http::ProtocolError e);

}  // namespace gh::app
