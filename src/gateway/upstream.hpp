#pragma once
// The client side of the proxy: one UpstreamPool per event loop, touched only from that loop's
// thread (no locks). Connections to a backend are kept alive and reused; a reused connection that
// turns out to be closed is replaced once without counting as a retry.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gateway/routes.hpp"
#include "http/server.hpp"

namespace gh::gateway {

struct UpstreamOutcome {
  enum class Kind { kOk, kConnectFailed, kTimeout, kFailed };
  Kind kind = Kind::kFailed;
  http::Response response;  // valid for kOk
};

struct UpstreamCall {
  std::shared_ptr<http::Request> request;   // origin-form target, Host set
  std::chrono::milliseconds timeout{5000};  // per attempt: connect + send + receive
  int retries = 0;                          // further attempts after a transport failure
  std::size_t response_body_limit = 64 * 1024 * 1024;
};

class UpstreamPool {
 public:
  explicit UpstreamPool(boost::asio::io_context& io, std::size_t max_idle_per_backend = 256);
  ~UpstreamPool();
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  // Calls `done` exactly once, on this pool's loop.
  void send(const Backend& backend, UpstreamCall call, std::function<void(UpstreamOutcome)> done);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace gh::gateway
