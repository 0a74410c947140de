#pragma once
// Writer: the one path of every management write (apps, AppCodes, ModelArts, traffic, IAM).
//
//   return writer_.in_instance(c, s, {s.project_id, "group.create", "group", "", name},
//                              [&](Write& w) -> Result<Group> { … w.audit.target_id = g.id; … });
//
// One store transaction does, in this order: the scope check (write permission on the project;
// for in_instance also the instance: exists, in the project, of the path's kind), the instance
// lock, the body (rules and rows; changes via Tx::record_change), then the audit record of the
// success. The recorded changes are written last, at commit (store/tx.hpp: lock order instance →
// app → change log). After the commit the listener is called (the gateway applies the changes as a
// delta) when the write recorded a change, or after every commit with Notify::kOnCommit (IAM: the
// token cache).
//
// Audit: a successful write has exactly one record, written inside its transaction, so the record
// exists exactly when the change does. A refused write (scope, validation, conflict, or a rule that
// fails after rows were touched) is rolled back and then recorded with its error code in a small
// transaction of its own: the refusal is worth an audit line, the rolled-back rows are not there.
// The body may complete its success record (`w.audit`, e.g. the id it created); a refusal is
// recorded as the call described it (AuditRecord given to the Writer).
#include <optional>
#include <type_traits>
#include <utility>

#include "core/error.hpp"
#include "core/errors.hpp"
#include "services/audit.hpp"
#include "services/caller.hpp"
#include "services/scope.hpp"
#include "store/store.hpp"

namespace gh::services {

// What a write's body works with.
struct Write {
  store::Tx& tx;
  AuditRecord& audit;  // the success record; the body may fill in target_id and detail
  const core::Instance* instance = nullptr;  // in_instance: the checked and locked instance
};

class Writer {
 public:
  enum class Notify { kOnChange, kOnCommit };
  Writer(store::Store& store, const ChangeListener& listener, Notify when = Notify::kOnChange)
      : store_(store), listener_(listener), when_(when) {}
  // It refers to its owner's listener: a copied owner would call the original's.
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // A write in one instance: write permission on s.project_id, the instance, its lock, the body.
  template <class F>
  auto in_instance(const Caller& c, const InstanceScope& s, AuditRecord rec, F&& body,
                   core::Error on_unique = core::errors::system_error()) {
    return run(
        c, std::move(rec),
        [&](store::Tx& tx) -> core::Result<core::Instance> {
          auto inst = load_scoped_instance(tx, c, s, true);
          if (inst) tx.lock_instance(s.instance_id);
          return inst;
        },
        std::forward<F>(body), std::move(on_unique));
  }

  // A write in a project whose instance the body finds (ModelArts addresses apps by project):
  // write permission on project_id, then the body, which locks the instance it writes in
  // (lock_instance) before anything else.
  template <class F>
  auto in_project(const Caller& c, const std::string& project_id, AuditRecord rec, F&& body,
                  core::Error on_unique = core::errors::system_error()) {
    return run(
        c, std::move(rec),
        [&](store::Tx&) -> core::Result<std::optional<core::Instance>> {
          if (auto p = require_project_write(c, project_id); !p) return p.error();
          return std::optional<core::Instance>{};
        },
        std::forward<F>(body), std::move(on_unique));
  }

  // A write whose permission rule the body checks first (IAM: domain administrators, or a user on
  // their own access keys).
  template <class F>
  auto checked_by_body(const Caller& c, AuditRecord rec, F&& body,
                       core::Error on_unique = core::errors::system_error()) {
    return run(
        c, std::move(rec),
        [](store::Tx&) -> core::Result<std::optional<core::Instance>> {
          return std::optional<core::Instance>{};
        },
        std::forward<F>(body), std::move(on_unique));
  }

 private:
  template <class Scope, class F>
  auto run(const Caller& c, AuditRecord rec, Scope&& scope, F&& body, core::Error on_unique) {
    using R = std::invoke_result_t<F, Write&>;  // a core::Result<T>
    AuditRecord done;
    bool changed = false;
    auto r = store_.write(
        [&](store::Tx& tx) -> R {
          done = rec;
          auto inst = scope(tx);
          if (!inst) return inst.error();
          Write w{tx, done, instance_ptr(*inst)};
          R out = body(w);
          if (!out) return out;
          changed = tx.has_pending_changes();
          audit_in(tx, c, std::move(done));
          return out;
        },
        std::move(on_unique));
    if (!r)
      audit(store_, c, std::move(rec), &r.error());
    else if (changed || when_ == Notify::kOnCommit)
      notify();
    return r;
  }
  static const core::Instance* instance_ptr(const core::Instance& i) { return &i; }
  static const core::Instance* instance_ptr(const std::optional<core::Instance>& i) {
    return i ? &*i : nullptr;
  }
  void notify() const {
    if (listener_) listener_();
  }

  store::Store& store_;
  const ChangeListener& listener_;
  Notify when_;
};

}  // namespace gh::services
