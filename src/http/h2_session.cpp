#include "http/h2_session.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <new>
#include <optional>

#include "http/h1_connection.hpp"  // detail::render_protocol_error

namespace gh::http {
namespace h2_detail {

// A slice of a stream's arena (offsets stay valid while the arena grows).
struct Slice {
  std::uint32_t off = 0, len = 0;
};
struct FieldSlices {
  Slice name, value;
};

// One request stream. Pooled per session: reset() keeps the capacity of its buffers so that a
// busy connection allocates nothing of its own per request.
class H2Stream final : public Exchange {
 public:
  H2Stream(H2Session* session, const RequestContext& ctx) : session_(session), ctx_(ctx) {}

  const RequestView& request() const override { return view_; }
  const RequestContext& context() const override { return ctx_; }
  void respond(const ResponseView& response) override {
    if (!awaiting_) return;  // answered already: the contract is exactly once
    awaiting_ = false;
    if (!session_) {  // the session is gone; nothing to send, only the storage to free
      delete this;
      return;
    }
    session_->on_respond(*this, response);
  }

  Slice store(std::string_view bytes) {
    Slice s{static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint32_t>(bytes.size())};
    arena_.append(bytes);
    return s;
  }
  std::string_view at(Slice s) const { return std::string_view(arena_).substr(s.off, s.len); }

  void reset() {
    id_ = 0;
    open_ = awaiting_ = rejected_ = head_ = has_authority_ = dispatched_ = false;
    limit_error_.reset();
    header_bytes_ = 0;
    charged_ = 0;
    content_length_.reset();
    method_ = path_ = authority_ = Slice{};
    view_ = RequestView{};
    fields_.clear();
    views_.clear();
    nva_.clear();
    resp_sent_ = 0;
    trim(arena_);
    trim(body_);
    trim(resp_arena_);
    trim(resp_body_);
  }

  // Keeps a buffer's capacity for the next request unless it grew unusually large.
  static void trim(std::string& s) {
    if (s.capacity() > 64 * 1024)
      std::string().swap(s);
    else
      s.clear();
  }

  H2Session* session_;  // null once the session is destroyed (detached, awaiting respond())
  RequestContext ctx_;
  H2Stream* prev_ = nullptr;  // the session's list of live streams
  H2Stream* next_ = nullptr;
  std::int32_t id_ = 0;
  H2Session::Clock::time_point opened_{};  // for the request timeout
  bool dispatched_ = false;                // the request arrived whole and went to the handler
  bool open_ = false;                      // nghttp2 still knows the stream
  bool awaiting_ = false;                  // handed to the handler, respond() not called yet
  bool rejected_ = false;  // answered by the session itself (a limit); further input ignored
  bool head_ = false;      // a HEAD request: the answer carries no body
  bool has_authority_ = false;
  std::optional<ProtocolError> limit_error_;  // a limit hit while the headers arrived
  std::size_t header_bytes_ = 0;
  std::size_t charged_ = 0;  // body bytes counted against the session's budget
  std::optional<std::uint64_t> content_length_;
  Slice method_, path_, authority_;
  std::string arena_;  // request pseudo-headers, header names and values
  std::vector<FieldSlices> fields_;
  std::vector<HeaderView> views_;
  std::string body_;
  RequestView view_;
  std::string resp_arena_;  // the answer's :status, names and values (nva_ points into it)
  std::vector<nghttp2_nv> nva_;
  std::string resp_body_;
  std::size_t resp_sent_ = 0;
};

namespace {

constexpr std::size_t kPoolLimit = 32;
// Exchanges still with the handler (their streams possibly reset by the client) beyond which new
// streams are refused, so a client cannot pile up work by opening and resetting streams.
constexpr std::size_t kMaxAwaiting = 4 * H2Session::kMaxConcurrentStreams;

// Fields an answer may not carry over HTTP/2: pseudo-headers the handler has no business setting,
// connection-specific ones, and Content-Length (the session frames the body itself).
bool hop_by_hop_or_framing(std::string_view name) {
  if (name.empty() || name.front() == ':') return true;
  return is_hop_by_hop(name) || iequals_ascii(name, "content-length");
}

nghttp2_nv make_nv(const char* name, std::size_t name_len, const char* value,
                   std::size_t value_len) {
  // NO_COPY: the strings live in the stream (or are static) until the stream is released.
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name)),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value)), name_len, value_len,
                    NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
}

// A protocol-error answer rendered by ServerOptions, as fields the session can submit.
std::vector<HeaderView> fields_of(const Response& r) {
  std::vector<HeaderView> fields;
  for (const auto& f : r)
    fields.push_back(
        {{f.name_string().data(), f.name_string().size()}, {f.value().data(), f.value().size()}});
  return fields;
}

H2Stream* stream_of(nghttp2_session* ng, std::int32_t id) {
  return static_cast<H2Stream*>(nghttp2_session_get_stream_user_data(ng, id));
}

}  // namespace

// nghttp2 callbacks. None of them lets an exception escape.
struct Callbacks {
  static H2Session& self(void* user) { return *static_cast<H2Session*>(user); }

  static ssize_t send(nghttp2_session*, const uint8_t* data, size_t length, int, void* user) {
    std::string& out = *self(user).out_;
    if (!out.empty() && out.size() + length > H2Session::kMaxOutputBatch)
      return NGHTTP2_ERR_WOULDBLOCK;
    try {
      out.append(reinterpret_cast<const char*>(data), length);
    } catch (...) {
      return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    return static_cast<ssize_t>(length);
  }

  // DATA frames are copied straight from the stream's answer into the output (NO_COPY).
  static int send_data(nghttp2_session*, nghttp2_frame* frame, const uint8_t* framehd,
                       size_t length, nghttp2_data_source* source, void* user) {
    std::string& out = *self(user).out_;
    auto& s = *static_cast<H2Stream*>(source->ptr);
    std::size_t padlen = frame->data.padlen;
    if (!out.empty() && out.size() + 9 + padlen + length > H2Session::kMaxOutputBatch)
      return NGHTTP2_ERR_WOULDBLOCK;
    try {
      out.append(reinterpret_cast<const char*>(framehd), 9);
      if (padlen > 0) out.push_back(static_cast<char>(padlen - 1));
      out.append(s.resp_body_, s.resp_sent_, length);
      if (padlen > 1) out.append(padlen - 1, '\0');
    } catch (...) {
      return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    s.resp_sent_ += length;
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, int32_t, uint8_t*, size_t length, uint32_t* data_flags,
                           nghttp2_data_source* source, void*) {
    auto& s = *static_cast<H2Stream*>(source->ptr);
    std::size_t left = s.resp_body_.size() - s.resp_sent_;
    std::size_t n = std::min(length, left);
    *data_flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    if (n == left) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  static int begin_headers(nghttp2_session* ng, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    H2Session& s = self(user);
    if (s.awaiting_ >= kMaxAwaiting) {
      nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_REFUSED_STREAM);
      return 0;
    }
    try {
      s.acquire_stream(frame->hd.stream_id);
    } catch (...) {
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // RST_STREAM(INTERNAL_ERROR)
    }
    return 0;
  }

  static int header(nghttp2_session* ng, const nghttp2_frame* frame, const uint8_t* name_p,
                    size_t name_len, const uint8_t* value_p, size_t value_len, uint8_t,
                    void* user) {
    // Trailers (HEADERS after DATA) are not passed on.
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    H2Stream* st = stream_of(ng, frame->hd.stream_id);
    if (!st || st->limit_error_ || st->rejected_) return 0;
    const ServerOptions& o = self(user).options_;
    std::string_view name(reinterpret_cast<const char*>(name_p), name_len);
    std::string_view value(reinterpret_cast<const char*>(value_p), value_len);
    try {
      if (!name.empty() && name.front() == ':') {
        if (name == ":path") {
          if (value.size() > o.request_line_limit) {
            st->limit_error_ = ProtocolError::kUriTooLong;
            return 0;
          }
          st->path_ = st->store(value);
        } else if (name == ":method") {
          st->method_ = st->store(value);
          st->head_ = value == "HEAD";
        } else if (name == ":authority") {
          st->authority_ = st->store(value);
          st->has_authority_ = true;
        }
        return 0;  // :scheme and :protocol are not part of the view
      }
      // Counted like HTTP/1 header lines ("name: value\r\n").
      std::size_t line = name.size() + 2 + value.size();
      st->header_bytes_ += line + 2;
      if (line > o.header_limit || st->header_bytes_ > o.headers_total_limit) {
        st->limit_error_ = ProtocolError::kHeadersTooLarge;
        return 0;
      }
      if (name == "content-length") {
        std::uint64_t n = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec == std::errc{} && end == value.data() + value.size()) st->content_length_ = n;
      }
      if (st->fields_.empty()) st->fields_.reserve(16);
      st->fields_.push_back(FieldSlices{st->store(name), st->store(value)});
    } catch (...) {
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    return 0;
  }

  static int data_chunk(nghttp2_session* ng, uint8_t, int32_t stream_id, const uint8_t* data,
                        size_t len, void* user) {
    H2Stream* st = stream_of(ng, stream_id);
    if (!st || st->rejected_) return 0;  // flow control is still credited by nghttp2
    H2Session& s = self(user);
    if (st->body_.size() + len > s.options_.body_limit) {
      s.reject(*st, ProtocolError::kBodyTooLarge);
      return 0;
    }
    if (!s.charge(*st, st->body_.size() + len)) {
      s.refuse(*st);
      return 0;
    }
    try {
      st->body_.append(reinterpret_cast<const char*>(data), len);
    } catch (...) {
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    return 0;
  }

  static int frame_recv(nghttp2_session* ng, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    H2Stream* st = stream_of(ng, frame->hd.stream_id);
    if (!st) return 0;
    H2Session& s = self(user);
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      if (st->limit_error_) {
        s.reject(*st, *st->limit_error_);
        return 0;
      }
      if (st->content_length_) {
        if (*st->content_length_ > s.options_.body_limit) {
          s.reject(*st, ProtocolError::kBodyTooLarge);
          return 0;
        }
        if (!s.charge(*st, static_cast<std::size_t>(*st->content_length_))) {
          s.refuse(*st);
          return 0;
        }
        try {
          st->body_.reserve(static_cast<std::size_t>(*st->content_length_));
        } catch (...) {
          return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        }
      }
    }
    if (st->rejected_ || !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) return 0;
    try {
      s.dispatch(*st);
    } catch (...) {
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    return 0;
  }

  static int frame_send(nghttp2_session* ng, const nghttp2_frame* frame, void*) {
    // A limit answer went out while the client is still sending: end its side of the stream too.
    if ((frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) ||
        !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
      return 0;
    H2Stream* st = stream_of(ng, frame->hd.stream_id);
    if (st && st->rejected_ && nghttp2_session_get_stream_remote_close(ng, st->id_) == 0)
      nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, st->id_, NGHTTP2_NO_ERROR);
    return 0;
  }

  static int stream_close(nghttp2_session* ng, int32_t stream_id, uint32_t, void* user) {
    H2Stream* st = stream_of(ng, stream_id);
    if (!st) return 0;
    st->open_ = false;
    if (!st->awaiting_) self(user).release_stream(st);
    return 0;
  }
};

}  // namespace h2_detail

using h2_detail::Callbacks;
using h2_detail::fields_of;
using h2_detail::H2Stream;
using h2_detail::hop_by_hop_or_framing;
using h2_detail::kPoolLimit;
using h2_detail::make_nv;
using h2_detail::Slice;

H2Session::H2Session(const ServerOptions& options, const ExchangeHandler& handler,
                     RequestContext ctx, OutputReady output_ready, void* owner)
    : options_(options),
      handler_(handler),
      ctx_(std::move(ctx)),
      output_ready_(output_ready),
      owner_(owner) {
  nghttp2_session_callbacks* cbs = nullptr;
  if (nghttp2_session_callbacks_new(&cbs) != 0) throw std::bad_alloc();
  nghttp2_session_callbacks_set_send_callback(cbs, &Callbacks::send);
  nghttp2_session_callbacks_set_send_data_callback(cbs, &Callbacks::send_data);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, &Callbacks::begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cbs, &Callbacks::header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &Callbacks::data_chunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &Callbacks::frame_recv);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs, &Callbacks::frame_send);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &Callbacks::stream_close);
  nghttp2_option* opt = nullptr;
  if (nghttp2_option_new(&opt) != 0) {
    nghttp2_session_callbacks_del(cbs);
    throw std::bad_alloc();
  }
  int rv = nghttp2_session_server_new2(&ng_, cbs, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0) throw std::bad_alloc();

  std::size_t header_list =
      std::min<std::size_t>(options_.request_line_limit + options_.headers_total_limit + 1024,
                            std::numeric_limits<std::uint32_t>::max());
  nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, kMaxConcurrentStreams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<std::uint32_t>(kStreamWindow)},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<std::uint32_t>(header_list)},
      {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
  };
  nghttp2_submit_settings(ng_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  nghttp2_session_set_local_window_size(ng_, NGHTTP2_FLAG_NONE, 0, kConnectionWindow);
}

H2Session::~H2Session() {
  nghttp2_session_del(ng_);  // runs no callbacks
  for (H2Stream* s = live_; s;) {
    H2Stream* next = s->next_;
    if (s->dispatched_ && in_progress_) --*in_progress_;  // nobody is left to answer to
    if (s->awaiting_) {  // the handler still holds it: respond() will free it
      s->session_ = nullptr;
      s->open_ = false;
      s->prev_ = s->next_ = nullptr;
    } else {
      delete s;
    }
    s = next;
  }
  for (H2Stream* s : pool_) delete s;
}

bool H2Session::feed(std::string_view bytes) {
  in_feed_ = true;
  ssize_t rv =
      nghttp2_session_mem_recv(ng_, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  in_feed_ = false;
  if (rv >= 0) return true;
  // Not a valid HTTP/2 client (bad preface), a flood, or a failed callback: end the session.
  std::uint32_t code = rv == NGHTTP2_ERR_FLOODED            ? NGHTTP2_ENHANCE_YOUR_CALM
                       : rv == NGHTTP2_ERR_CALLBACK_FAILURE ? NGHTTP2_INTERNAL_ERROR
                                                            : NGHTTP2_PROTOCOL_ERROR;
  nghttp2_session_terminate_session(ng_, code);
  return false;
}

std::size_t H2Session::drain_output(std::string& out) {
  std::size_t before = out.size();
  out_ = &out;
  int rv = nghttp2_session_send(ng_);
  out_ = nullptr;
  if (rv != 0) broken_ = true;  // out of memory in a callback: nothing sensible left to send
  return out.size() - before;
}

bool H2Session::wants_read() const {
  return !broken_ && nghttp2_session_want_read(ng_) != 0;
}

bool H2Session::wants_write() const {
  return !broken_ && nghttp2_session_want_write(ng_) != 0;
}

void H2Session::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  nghttp2_submit_goaway(ng_, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(ng_),
                        NGHTTP2_NO_ERROR, nullptr, 0);
}

void H2Session::terminate(std::uint32_t error_code) {
  shut_down_ = true;
  nghttp2_session_terminate_session(ng_, error_code);
}

namespace {
bool still_arriving(const H2Stream& s) {
  return s.open_ && !s.dispatched_ && !s.rejected_;
}
}  // namespace

std::size_t H2Session::expire_slow_requests(Clock::time_point now) {
  std::size_t expired = 0;
  for (H2Stream* s = live_; s; s = s->next_) {
    if (!still_arriving(*s) || now - s->opened_ < options_.request_timeout) continue;
    s->rejected_ = true;  // whatever still arrives for it is ignored
    H2Stream::trim(s->body_);
    uncharge(*s);
    nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, s->id_, NGHTTP2_CANCEL);
    ++expired;
  }
  return expired;
}

std::optional<H2Session::Clock::time_point> H2Session::next_request_deadline() const {
  std::optional<Clock::time_point> next;
  for (const H2Stream* s = live_; s; s = s->next_)
    if (still_arriving(*s) && (!next || s->opened_ + options_.request_timeout < *next))
      next = s->opened_ + options_.request_timeout;
  return next;
}

std::size_t H2Session::queued_frames() const {
  return nghttp2_session_get_outbound_queue_size(ng_);
}

H2Stream* H2Session::acquire_stream(std::int32_t id) {
  H2Stream* s;
  if (!pool_.empty()) {
    s = pool_.back();
    pool_.pop_back();
  } else {
    s = new H2Stream(this, ctx_);
  }
  s->id_ = id;
  s->opened_ = Clock::now();
  s->open_ = true;
  s->prev_ = nullptr;
  s->next_ = live_;
  if (live_) live_->prev_ = s;
  live_ = s;
  nghttp2_session_set_stream_user_data(ng_, id, s);
  return s;
}

void H2Session::release_stream(H2Stream* s) {
  if (s->prev_)
    s->prev_->next_ = s->next_;
  else
    live_ = s->next_;
  if (s->next_) s->next_->prev_ = s->prev_;
  s->prev_ = s->next_ = nullptr;
  uncharge(*s);
  if (s->dispatched_ && in_progress_) --*in_progress_;
  if (pool_.size() >= kPoolLimit) {
    delete s;
    return;
  }
  s->reset();
  try {
    pool_.push_back(s);
  } catch (...) {
    delete s;
  }
}

void H2Session::dispatch(H2Stream& s) {
  s.dispatched_ = true;
  if (in_progress_) ++*in_progress_;
  s.views_.reserve(s.fields_.size());
  std::size_t cookies = 0;
  for (const auto& f : s.fields_) cookies += s.at(f.name) == "cookie" ? 1 : 0;
  // HTTP/2 may split Cookie into several fields; HTTP/1 wants one (RFC 9113 §8.2.3).
  Slice merged_cookie;
  if (cookies > 1) {
    std::size_t need = 0;
    for (const auto& f : s.fields_)
      if (s.at(f.name) == "cookie") need += f.value.len + 2;
    s.arena_.reserve(s.arena_.size() + need);
    merged_cookie.off = static_cast<std::uint32_t>(s.arena_.size());
    for (const auto& f : s.fields_) {
      if (s.at(f.name) != "cookie") continue;
      if (s.arena_.size() > merged_cookie.off) s.arena_.append("; ");
      s.arena_.append(s.arena_, f.value.off, f.value.len);
    }
    merged_cookie.len = static_cast<std::uint32_t>(s.arena_.size() - merged_cookie.off);
  }
  // The arena does not change from here on, so views into it stay valid.
  bool cookie_done = false;
  std::string_view host;
  bool host_seen = false;
  for (const auto& f : s.fields_) {
    std::string_view name = s.at(f.name);
    if (cookies > 1 && name == "cookie") {
      if (cookie_done) continue;
      cookie_done = true;
      s.views_.push_back(HeaderView{name, s.at(merged_cookie)});
      continue;
    }
    if (!host_seen && name == "host") {
      host = s.at(f.value);
      host_seen = true;
    }
    s.views_.push_back(HeaderView{name, s.at(f.value)});
  }
  RequestView& v = s.view_;
  v.method = s.at(s.method_);
  v.target = s.at(s.path_);
  v.version = 20;
  v.authority = s.has_authority_ ? s.at(s.authority_) : host;
  v.headers = std::span<const HeaderView>(s.views_.data(), s.views_.size());
  v.body = s.body_;
  v.keep_alive = true;

  s.awaiting_ = true;
  ++awaiting_;
  try {
    handler_(s);
  } catch (...) {
    if (s.awaiting_) {  // a handler bug: answer 500 as HTTP/1 does
      Response r = detail::render_protocol_error(options_, ProtocolError::kInternal, 20, v.target);
      auto fields = fields_of(r);
      s.respond(ResponseView{static_cast<int>(r.result_int()), fields, r.body()});
    }
  }
}

bool H2Session::charge(H2Stream& s, std::size_t bytes) {
  if (bytes <= s.charged_) return true;
  std::size_t extra = bytes - s.charged_;
  std::size_t budget = std::max<std::size_t>(4 * options_.body_limit, 16 << 20);
  if (buffered_ + extra > budget) return false;
  buffered_ += extra;
  s.charged_ = bytes;
  return true;
}

void H2Session::uncharge(H2Stream& s) {
  buffered_ -= s.charged_;
  s.charged_ = 0;
}

void H2Session::refuse(H2Stream& s) {
  s.rejected_ = true;
  H2Stream::trim(s.body_);
  uncharge(s);
  nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, s.id_, NGHTTP2_REFUSED_STREAM);
}

void H2Session::reject(H2Stream& s, ProtocolError e) {
  s.rejected_ = true;
  H2Stream::trim(s.body_);
  uncharge(s);
  try {
    Response r = detail::render_protocol_error(options_, e, 20, s.at(s.path_));
    auto fields = fields_of(r);
    if (submit(s, ResponseView{static_cast<int>(r.result_int()), fields, r.body()})) return;
  } catch (...) {
  }
  nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, s.id_, NGHTTP2_INTERNAL_ERROR);
}

void H2Session::on_respond(H2Stream& s, const ResponseView& response) {
  --awaiting_;
  if (!s.open_) {  // the client reset the stream (or the session ended) meanwhile
    release_stream(&s);
    return;
  }
  bool queued = false;
  try {
    queued = submit(s, response);
  } catch (...) {
  }
  if (!queued) nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, s.id_, NGHTTP2_INTERNAL_ERROR);
  if (!in_feed_ && output_ready_) output_ready_(owner_);
}

bool H2Session::submit(H2Stream& s, const ResponseView& r) {
  int status = (r.status < 100 || r.status > 999) ? 500 : r.status;
  bool no_content = status < 200 || status == 204 || status == 304;
  bool send_body = !no_content && !s.head_ && !r.body.empty();
  bool send_length = !no_content && !s.head_;

  // Everything the header block points at goes into one reserved arena: no reallocation, so the
  // pointers handed to nghttp2 (NO_COPY) stay valid until the stream is released.
  std::size_t need = 3 + 20;
  for (const auto& h : r.headers)
    if (!hop_by_hop_or_framing(h.name)) need += h.name.size() + h.value.size();
  std::string& a = s.resp_arena_;
  a.clear();
  a.reserve(need);
  s.nva_.clear();
  s.nva_.reserve(r.headers.size() + 2);

  char digits[24];
  auto put_number = [&](std::uint64_t n) {
    auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    std::size_t off = a.size();
    a.append(digits, end);
    return std::string_view(a.data() + off, a.size() - off);
  };
  auto status_text = put_number(static_cast<std::uint64_t>(status));
  s.nva_.push_back(make_nv(":status", 7, status_text.data(), status_text.size()));
  for (const auto& h : r.headers) {
    if (hop_by_hop_or_framing(h.name)) continue;
    std::size_t name_off = a.size();
    for (char c : h.name) a.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c);
    std::string_view value = trim_ows(h.value);
    std::size_t value_off = a.size();
    a.append(value);
    s.nva_.push_back(
        make_nv(a.data() + name_off, h.name.size(), a.data() + value_off, value.size()));
  }
  if (send_length) {
    auto length_text = put_number(r.body.size());
    s.nva_.push_back(make_nv("content-length", 14, length_text.data(), length_text.size()));
  }

  int rv;
  if (send_body) {
    s.resp_body_.assign(r.body);
    s.resp_sent_ = 0;
    nghttp2_data_provider provider;
    provider.source.ptr = &s;
    provider.read_callback = &Callbacks::read_body;
    rv = nghttp2_submit_response(ng_, s.id_, s.nva_.data(), s.nva_.size(), &provider);
  } else {
    rv = nghttp2_submit_response(ng_, s.id_, s.nva_.data(), s.nva_.size(), nullptr);
  }
  return rv == 0;
}

}  // namespace gh::http
