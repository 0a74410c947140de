#pragma once
// Typed operations inside one store transaction, one interface per aggregate, all over the one
// connection of the transaction (TxBase):
//   IamTx        settings, domains, projects, users, roles, access keys     (tx_iam.cpp)
//   AppsTx       instances, apps, AppCodes                                   (tx_apps.cpp)
//   TrafficTx    groups, environments, variables, APIs, publications,
//                authorizations, and their part of the data plane's snapshot  (tx_traffic.cpp)
//   DataPlaneTx  whole-store reads that load the gateway                     (tx_dataplane.cpp)
//   JournalTx    audit trail and change log                                  (tx_journal.cpp)
//   AclsTx       access-control policies, their bindings, app ACLs            (tx_acls.cpp)
// Tx is all of them, plus the few operations that span two (tx.cpp). Code that needs one
// aggregate may take its interface (e.g. `store::AppsTx&`). Secrets are sealed on the way in and
// opened on the way out (aad binds each sealed value to its row); secret values are found by keyed
// digest only. A Tx never outlives the Store::read/write call that created it. Write locks and
// their order: store/tx_base.hpp.
#include "store/tx_acls.hpp"
#include "store/tx_apps.hpp"
#include "store/tx_base.hpp"
#include "store/tx_dataplane.hpp"
#include "store/tx_governance.hpp"
#include "store/tx_iam.hpp"
#include "store/tx_journal.hpp"
#include "store/tx_traffic.hpp"

namespace gh::store {

class Tx final : public IamTx,
                 public AppsTx,
                 public TrafficTx,
                 public DataPlaneTx,
                 public GovernanceTx,
                 public JournalTx,
                 public AclsTx {
 public:
  Tx(SqlSession& s, const crypto::Sealer& sealer)
      : TxBase(s, sealer),
        IamTx(s, sealer),
        AppsTx(s, sealer),
        TrafficTx(s, sealer),
        DataPlaneTx(s, sealer),
        GovernanceTx(s, sealer),
        JournalTx(s, sealer),
        AclsTx(s, sealer) {}

  // An instance with its DEFAULT group (AppsTx::insert_instance_row, then
  // TrafficTx::ensure_default_group).
  void insert_instance(const core::Instance& i);
  // ensure_default_group for every instance of the store (stores from before schema 2); returns
  // how many groups it created.
  int ensure_default_groups();
};

}  // namespace gh::store
