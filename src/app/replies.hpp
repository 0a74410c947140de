#pragma once
#include "http/exchange.hpp"
#include "http/server.hpp"

namespace gh::app {

// The gateway's answer to a request the HTTP layer refused before routing (malformed, too large,
// too slow): APIG's error shape with the status the error maps to (400 APIG.2000, 408/413/414/
// 494/501 APIG.0201, 500 APIG.9999) and a fresh request id.
http::Response gateway_protocol_error(http::ProtocolError e);

// A management call's answer while the node has no store (serving its snapshot file): 503 with
// the catalogue's store-unavailable error in APIG's shape and a fresh request id.
http::Response store_unavailable_reply(unsigned version);

}  // namespace gh::app
