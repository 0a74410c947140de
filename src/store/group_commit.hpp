#pragma once
// Group commit: concurrent write transactions of one process share one durable commit (one fsync).
//
// Every SqlBackend::transact(kWrite) call becomes a member of a batch. The first caller that finds
// no batch running leads: it opens one backend transaction, runs the callbacks of every member
// queued by then (its own first, up to kMaxBatch) one after another, each inside a savepoint of its
// own, and commits once; the other members wait and return (or throw) when the batch has
// committed. Callers that arrive while a batch commits queue up and form the next batch, so under
// concurrent load a batch holds about as many writes as arrived during one commit; a lone writer
// runs its own transaction on its own thread, with no hand-off and one savepoint more.
//
// Per member:
//  - fn returning true keeps its work (RELEASE of its savepoint); false rolls it back alone;
//  - fn throwing (a rule's SqlError such as kUnique, or any exception) rolls back its savepoint
//    only: the member gets the exception, the others of the batch are not affected;
//  - no member returns before the batch's COMMIT came back: an acknowledged write is durable.
// Per batch:
//  - a failure that takes the whole transaction with it (the backend says the transaction is no
//    longer usable, or kBusy/kUnavailable: deadlock, serialisation failure, lost connection) rolls
//    the batch back and runs each member again in a transaction of its own (fn may run more than
//    once: SqlBackend's contract), where the backend's retry rules apply as before batching;
//  - a failed COMMIT: every kept member gets the error (outcome unknown on a lost connection).
// Uniqueness and limits hold as before: the members of a batch run one after another in one
// transaction and see each other's rows, and batches serialise on the backend's locks.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>

#include "store/sql.hpp"

namespace gh::store {

// One backend transaction opened for a batch (by the backend; throws SqlError).
class BatchTx {
 public:
  virtual ~BatchTx() = default;
  virtual SqlSession& session() = 0;
  virtual void begin_member() = 0;  // SAVEPOINT
  // RELEASE (keep) or ROLLBACK TO the savepoint. Throws the failure that fn swallowed (PostgreSQL:
  // a statement failed, so the transaction is aborted) when keep is true.
  virtual void end_member(bool keep) = 0;
  // Rolls back the member after fn threw; returns false when the transaction itself is gone.
  virtual bool abort_member() noexcept = 0;
  virtual void commit() = 0;             // durable when it returns
  virtual void rollback() noexcept = 0;  // the whole batch
};

class GroupCommitter {
 public:
  static constexpr std::size_t kMaxBatch = 64;
  // Opens a batch transaction. `single` runs one member alone, with the backend's own retries.
  struct Backend {
    std::function<std::unique_ptr<BatchTx>()> open;
    std::function<void(const std::function<bool(SqlSession&)>& fn)> single;
  };
  explicit GroupCommitter(Backend backend) : backend_(std::move(backend)) {}

  // Runs fn as a member of a batch (see above). Throws what fn threw, or the batch's SqlError.
  void run(const std::function<bool(SqlSession&)>& fn);

  // Batches committed and members in them since start (tests, diagnostics).
  std::size_t batches() const;
  std::size_t members() const;
  std::size_t waiting() const;  // members queued for the next batch

 private:
  struct Member;
  void run_batch(const std::vector<Member*>& batch);
  bool try_batch(const std::vector<Member*>& batch);

  Backend backend_;
  mutable std::mutex mu_;
  std::deque<Member*> queue_;
  bool leading_ = false;
  std::size_t batches_ = 0, members_ = 0;
};

}  // namespace gh::store
