#include "gateway/credentials.hpp"

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstring>

#include "crypto/digest.hpp"

namespace gh::gateway {
namespace {

// Editors of one instance's indexes, created on first use.
struct InstanceEdit {
  decltype(InstanceCredentials{}.codes.edit()) codes;
  decltype(InstanceCredentials{}.keys.edit()) keys;
  explicit InstanceEdit(const InstanceCredentials& base)
      : codes(base.codes.edit()), keys(base.keys.edit()) {}
};

}  // namespace

std::optional<Digest> digest_from_hex(std::string_view hex) {
  auto raw = crypto::hex_decode(hex);
  if (!raw || raw->size() != 32) return std::nullopt;
  Digest d;
  std::memcpy(d.bytes.data(), raw->data(), 32);
  return d;
}

Credentials apply_app_changes(const Credentials& base, const std::vector<std::string>& changed_ids,
                              std::vector<AppRecord> current) {
  auto apps = base.apps.edit();
  std::vector<std::pair<std::string, std::unique_ptr<InstanceEdit>>> edits;
  auto edit_of = [&](const std::string& instance_id) -> InstanceEdit& {
    for (auto& [id, e] : edits)
      if (id == instance_id) return *e;
    static const InstanceCredentials empty;
    const auto* existing = base.instance(instance_id);
    edits.emplace_back(instance_id, std::make_unique<InstanceEdit>(existing ? *existing : empty));
    return *edits.back().second;
  };

  // 1. Drop the old entries of every changed app (its codes and key point at the old entry).
  for (const auto& id : changed_ids) {
    const auto* old = base.apps.find(id);
    if (!old) continue;
    const AppEntry& entry = **old;
    auto& e = edit_of(entry.instance_id);
    for (const auto& d : entry.codes) e.codes.erase(d);  // values are unique per instance
    e.keys.erase(entry.app_key);
    apps.erase(id);
  }
  // 2. Insert the current records.
  for (auto& rec : current) {
    auto entry = std::make_shared<AppEntry>(AppEntry{std::move(rec.id), std::move(rec.instance_id),
                                                     std::move(rec.app_key), std::move(rec.secret),
                                                     std::move(rec.codes)});
    auto& e = edit_of(entry->instance_id);
    for (const auto& d : entry->codes) e.codes.put(d, entry.get());
    e.keys.put(entry->app_key, entry.get());
    std::string id = entry->id;
    apps.put(std::move(id), std::move(entry));
  }

  Credentials out;
  out.apps = std::move(apps).commit();
  out.by_instance = base.by_instance;
  for (auto& [id, e] : edits) {
    InstanceCredentials next{std::move(e->codes).commit(), std::move(e->keys).commit()};
    bool replaced = false;
    for (auto& [k, v] : out.by_instance)
      if (k == id) {
        v = std::move(next);
        replaced = true;
      }
    if (!replaced) out.by_instance.emplace_back(id, std::move(next));
  }
  return out;
}

}  // namespace gh::gateway
