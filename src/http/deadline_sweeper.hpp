#pragma once
// Coarse timeouts for many connections on one event loop, without a timer operation per request.
//
// Arming an asio timer per request costs a timer-queue update and often a timerfd syscall; a
// gateway does that twice per request (client and backend). Instead each connection keeps a
// `Deadline` (a time point and what to do when it passes) linked into its loop's sweeper, and one
// periodic timer per loop checks them every `resolution`. Re-arming a deadline is a plain store.
//
// Single-threaded: a sweeper and its deadlines are used only from their loop's thread. A Deadline
// unlinks itself when destroyed. on_expire must not destroy other deadlines synchronously (close a
// socket, set a flag; completions run later through the loop).
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>
#include <chrono>
#include <memory>

namespace gh::http {

using SweepClock = std::chrono::steady_clock;
class DeadlineSweeper;

class Deadline : public boost::intrusive::list_base_hook<
                     boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
 public:
  using Callback = void (*)(Deadline&);
  Deadline(Callback on_expire, void* owner) : on_expire_(on_expire), owner_(owner) {}
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // Arming starts the sweeper's periodic check if it had stopped (nothing was armed).
  inline void arm(SweepClock::time_point at);
  void arm_in(SweepClock::duration d) { arm(SweepClock::now() + d); }
  void disarm() { at_ = SweepClock::time_point::max(); }
  bool armed() const { return at_ != SweepClock::time_point::max(); }
  void* owner() const { return owner_; }

 private:
  friend class DeadlineSweeper;
  Callback on_expire_;
  void* owner_;
  DeadlineSweeper* sweeper_ = nullptr;
  SweepClock::time_point at_ = SweepClock::time_point::max();
};

class DeadlineSweeper : public std::enable_shared_from_this<DeadlineSweeper> {
 public:
  DeadlineSweeper(boost::asio::io_context& io, SweepClock::duration resolution)
      : timer_(io), resolution_(resolution) {}
  ~DeadlineSweeper() {
    for (auto& d : deadlines_) d.sweeper_ = nullptr;
    deadlines_.clear();
  }

  // Links `d`. The periodic check runs while some linked deadline is armed (an idle server does
  // not wake up).
  void add(Deadline& d) {
    d.sweeper_ = this;
    deadlines_.push_back(d);
    if (d.armed()) ensure_ticking();
  }
  // Runs every expired deadline's callback now (disarming it first). Returns how many are still
  // armed afterwards.
  std::size_t sweep(SweepClock::time_point now) {
    std::size_t armed = 0;
    for (auto& d : deadlines_) {
      if (d.at_ <= now) {
        d.disarm();
        d.on_expire_(d);
      }
      armed += d.armed() ? 1 : 0;  // on_expire may re-arm
    }
    return armed;
  }
  void ensure_ticking() {
    if (!ticking_) tick();
  }
  // Stops the periodic check (server shutdown).
  void stop() {
    stopped_ = true;
    timer_.cancel();
  }
  std::size_t size() const { return deadlines_.size(); }
  // Linked deadlines that are not armed: on an HTTP/1.1 connection, a request being handled.
  std::size_t disarmed() const {
    std::size_t n = 0;
    for (const auto& d : deadlines_) n += d.armed() ? 0 : 1;
    return n;
  }
  // Calls f(owner) for every linked deadline (e.g. to close all connections on shutdown).
  template <class F>
  void for_each_owner(F&& f) {
    for (auto& d : deadlines_) f(d.owner());
  }

 private:
  void tick() {
    if (stopped_) return;
    ticking_ = true;
    timer_.expires_after(resolution_);
    timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec) return;
      self->ticking_ = false;
      if (self->sweep(SweepClock::now()) > 0) self->tick();
    });
  }

  using List = boost::intrusive::list<Deadline, boost::intrusive::constant_time_size<false>>;
  List deadlines_;
  boost::asio::steady_timer timer_;
  SweepClock::duration resolution_;
  bool ticking_ = false;
  bool stopped_ = false;
};

inline void Deadline::arm(SweepClock::time_point at) {
  at_ = at;
  if (sweeper_) sweeper_->ensure_ticking();
}

}  // namespace gh::http
