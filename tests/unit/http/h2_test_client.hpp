#pragma once
// An in-memory HTTP/2 client on nghttp2 for tests: submit requests, take() the bytes to send,
// give() the bytes received; responses, resets and GOAWAY are recorded per stream.
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gh::http::test {

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool closed = false;
  std::uint32_t close_error = 0;

  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [n, v] : headers)
      if (n == name) return v;
    return std::nullopt;
  }
};

using Fields = std::vector<std::pair<std::string, std::string>>;

class H2Client {
 public:
  H2Client() {
    nghttp2_session_callbacks* cbs = nullptr;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_header_callback(cbs, &H2Client::on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &H2Client::on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &H2Client::on_close);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &H2Client::on_frame);
    if (nghttp2_session_client_new(&ng_, cbs, this) != 0) throw std::runtime_error("client");
    nghttp2_session_callbacks_del(cbs);
    nghttp2_submit_settings(ng_, NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~H2Client() { nghttp2_session_del(ng_); }
  H2Client(const H2Client&) = delete;
  H2Client& operator=(const H2Client&) = delete;

  // Pseudo-headers first (":authority" omitted when `authority` is empty), then `fields`.
  // With a body, content-length is sent when `with_length`.
  // `stall_at`: the upload stops (deferred, never resumed) after that many body bytes.
  std::int32_t request(const std::string& method, const std::string& path, Fields fields = {},
                       std::optional<std::string> body = std::nullopt,
                       const std::string& authority = "example.com", bool with_length = true,
                       std::size_t stall_at = std::string::npos) {
    Fields all{{":method", method}, {":scheme", "https"}, {":path", path}};
    if (!authority.empty()) all.emplace_back(":authority", authority);
    if (body && with_length) all.emplace_back("content-length", std::to_string(body->size()));
    for (auto& f : fields) all.push_back(std::move(f));
    std::vector<nghttp2_nv> nva;
    for (auto& [n, v] : all)
      nva.push_back({reinterpret_cast<uint8_t*>(n.data()), reinterpret_cast<uint8_t*>(v.data()),
                     n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
    std::int32_t id;
    if (body) {
      uploads_.push_back(Upload{std::move(*body), 0, stall_at});
      nghttp2_data_provider provider;
      provider.source.ptr = &uploads_.back();
      provider.read_callback = &H2Client::read_upload;
      id = nghttp2_submit_request(ng_, nullptr, nva.data(), nva.size(), &provider, nullptr);
    } else {
      id = nghttp2_submit_request(ng_, nullptr, nva.data(), nva.size(), nullptr, nullptr);
    }
    if (id < 0) throw std::runtime_error("submit_request");
    responses[id];
    return id;
  }

  void reset(std::int32_t id) {
    nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
  }

  std::string take() {
    std::string out;
    for (;;) {
      const uint8_t* data = nullptr;
      ssize_t n = nghttp2_session_mem_send(ng_, &data);
      if (n <= 0) break;
      out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
    return out;
  }

  // Returns false when nghttp2 rejected the input.
  bool give(std::string_view in) {
    return nghttp2_session_mem_recv(ng_, reinterpret_cast<const uint8_t*>(in.data()), in.size()) ==
           static_cast<ssize_t>(in.size());
  }

  std::map<std::int32_t, ClientResponse> responses;
  bool goaway = false;
  std::uint32_t goaway_error = 0;
  std::int32_t goaway_last_stream = -1;

 private:
  struct Upload {
    std::string data;
    std::size_t sent;
    std::size_t stall_at;
  };

  static H2Client& self(void* user) { return *static_cast<H2Client*>(user); }

  static ssize_t read_upload(nghttp2_session*, int32_t, uint8_t* buf, size_t length,
                             uint32_t* flags, nghttp2_data_source* source, void*) {
    auto& u = *static_cast<Upload*>(source->ptr);
    if (u.sent >= u.stall_at) return NGHTTP2_ERR_DEFERRED;
    std::size_t n = std::min({length, u.data.size() - u.sent, u.stall_at - u.sent});
    std::copy_n(u.data.data() + u.sent, n, buf);
    u.sent += n;
    if (u.sent == u.data.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                       size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    auto& r = self(user).responses[frame->hd.stream_id];
    std::string n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":status")
      r.status = std::stoi(v);
    else
      r.headers.emplace_back(std::move(n), std::move(v));
    return 0;
  }
  static int on_data(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len,
                     void* user) {
    self(user).responses[id].body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }
  static int on_close(nghttp2_session*, int32_t id, uint32_t error, void* user) {
    auto& r = self(user).responses[id];
    r.closed = true;
    r.close_error = error;
    return 0;
  }
  static int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      self(user).goaway = true;
      self(user).goaway_error = frame->goaway.error_code;
      self(user).goaway_last_stream = frame->goaway.last_stream_id;
    }
    return 0;
  }

  nghttp2_session* ng_ = nullptr;
  std::deque<Upload> uploads_;  // stable addresses for the data providers
};

// Frames in raw server output: {type, flags, stream id, payload}.
struct RawFrame {
  std::uint8_t type, flags;
  std::uint32_t stream;
  std::string payload;
};
inline std::vector<RawFrame> split_frames(std::string_view bytes) {
  std::vector<RawFrame> frames;
  while (bytes.size() >= 9) {
    auto b = [&](std::size_t i) {
      return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]));
    };
    std::uint32_t len = (b(0) << 16) | (b(1) << 8) | b(2);
    if (bytes.size() < 9 + len) break;
    std::uint32_t stream = ((b(5) << 24) | (b(6) << 16) | (b(7) << 8) | b(8)) & 0x7fffffffu;
    frames.push_back({static_cast<std::uint8_t>(b(3)), static_cast<std::uint8_t>(b(4)), stream,
                      std::string(bytes.substr(9, len))});
    bytes.remove_prefix(9 + len);
  }
  return frames;
}

}  // namespace gh::http::test
