#include "store/group_commit.hpp"

#include <vector>

namespace gh::store {

struct GroupCommitter::Member {
  explicit Member(const std::function<bool(SqlSession&)>& f) : fn(&f) {}
  const std::function<bool(SqlSession&)>* fn;
  std::condition_variable wake;  // done, or the queue may need a leader
  bool done = false;
  std::exception_ptr error;
};

void GroupCommitter::run(const std::function<bool(SqlSession&)>& fn) {
  Member me(fn);
  std::unique_lock lock(mu_);
  queue_.push_back(&me);
  while (!me.done) {
    if (leading_) {
      me.wake.wait(lock);
      continue;
    }
    leading_ = true;
    std::vector<Member*> batch;
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    run_batch(batch);
    lock.lock();
    leading_ = false;
    ++batches_;
    members_ += batch.size();
    for (auto* m : batch) {
      m->done = true;
      if (m != &me) m->wake.notify_one();
    }
    if (!queue_.empty()) queue_.front()->wake.notify_one();  // the next batch needs a leader
  }
  lock.unlock();
  if (me.error) std::rethrow_exception(me.error);
}

std::size_t GroupCommitter::batches() const {
  std::lock_guard lock(mu_);
  return batches_;
}
std::size_t GroupCommitter::members() const {
  std::lock_guard lock(mu_);
  return members_;
}

std::size_t GroupCommitter::waiting() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

namespace {
// A failure after which the transaction cannot go on for the other members either.
bool whole_batch_failure(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const SqlError& s) {
    return s.kind == SqlError::Kind::kBusy || s.kind == SqlError::Kind::kUnavailable;
  } catch (...) {
    return false;
  }
}
}  // namespace

void GroupCommitter::run_batch(const std::vector<Member*>& batch) {
  if (batch.size() == 1) {
    try {
      backend_.single(*batch[0]->fn);
    } catch (...) {
      batch[0]->error = std::current_exception();
    }
    return;
  }
  if (try_batch(batch)) return;
  // The transaction went with one member's failure: each member again, alone.
  for (auto* m : batch) {
    m->error = nullptr;
    try {
      backend_.single(*m->fn);
    } catch (...) {
      m->error = std::current_exception();
    }
  }
}

// One transaction for the whole batch: true when every member has its outcome (committed, rolled
// back alone, or the COMMIT's error), false when the batch must be run member by member.
bool GroupCommitter::try_batch(const std::vector<Member*>& batch) {
  std::unique_ptr<BatchTx> tx;
  try {
    tx = backend_.open();
  } catch (...) {
    for (auto* m : batch) m->error = std::current_exception();
    return true;
  }
  std::vector<Member*> kept;
  for (auto* m : batch) {
    try {
      tx->begin_member();
      bool keep = (*m->fn)(tx->session());
      tx->end_member(keep);
      if (keep) kept.push_back(m);
    } catch (...) {
      m->error = std::current_exception();
      if (!tx->abort_member() || whole_batch_failure(m->error)) {
        tx->rollback();
        return false;
      }
    }
  }
  try {
    tx->commit();
  } catch (...) {
    auto e = std::current_exception();
    tx->rollback();
    if (whole_batch_failure(e)) {
      try {
        std::rethrow_exception(e);
      } catch (const SqlError& s) {
        // A lost connection during COMMIT: the outcome is unknown, so nothing is run again.
        if (s.kind == SqlError::Kind::kBusy) return false;
      }
    }
    for (auto* m : kept) m->error = e;
  }
  return true;
}

}  // namespace gh::store
