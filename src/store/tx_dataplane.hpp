#pragma once
// Whole-store reads that load the gateway (tx_dataplane.cpp): instances, apps and AppCode digests,
// never AppCode values. The traffic part of a snapshot is TrafficTx's.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "store/tx_base.hpp"

namespace gh::store {

// An AppCode as the data plane indexes it: the keyed digest of its value, never the value.
struct CodeDigest {
  std::string app_id, digest_hex;
};

class DataPlaneTx : public virtual TxBase {
 public:
  std::vector<core::Instance> all_instances();  // oldest first
  std::vector<CodeDigest> code_digests_of_instance(const std::string& instance_id);
  std::vector<std::string> code_digests_of_app(const std::string& app_id);  // hex
  // Whole-store scans for the gateway's start, streamed (no row is materialised), in no
  // particular order. Apps come with the AppSecret still sealed: open it with
  // AppsTx::open_app_secret (any thread). Codes come as (app id, keyed digest in hex).
  void for_each_gateway_app(
      const std::function<void(std::string_view id, std::string_view instance_id,
                               std::string_view app_key, std::string_view secret_sealed)>& fn);
  std::int64_t count_all_app_codes();
  // About how many AppCodes the store holds, for sizing a buffer before for_each_code_digest, and
  // never a scan: on SQLite the largest rowid of app_codes (at least the count), on PostgreSQL
  // the planner's estimate (0 before the table was first analyzed).
  std::int64_t app_code_count_estimate();
  void for_each_code_digest(
      const std::function<void(std::string_view app_id, std::string_view digest_hex)>& fn);

 protected:
  DataPlaneTx(SqlSession& s, const crypto::Sealer& sealer) : TxBase(s, sealer) {}
  ~DataPlaneTx() = default;
};

}  // namespace gh::store
