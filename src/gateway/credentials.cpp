#include "gateway/credentials.hpp"

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstring>

#include "core/background.hpp"
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
  auto bytes = crypto::hex_decode32(hex);
  if (!bytes) return std::nullopt;
  return Digest{*bytes};
}

Credentials build_credentials(std::vector<std::shared_ptr<const AppEntry>> apps, unsigned threads) {
  std::vector<std::string_view> ids;
  ids.reserve(apps.size());
  for (const auto& app : apps) ids.push_back(app->id());
  auto keys = AppIdSet::keys_of(ids);
  return build_credentials(std::move(apps), keys, threads);
}

Credentials build_credentials(std::vector<std::shared_ptr<const AppEntry>> apps,
                              const std::vector<AppIdSet::Key>& id_keys, unsigned threads) {
  using CodeIndex = decltype(InstanceCredentials{}.codes);
  using KeyIndex = decltype(InstanceCredentials{}.keys);
  using AppIndex = decltype(Credentials{}.apps);
  struct Entries {
    std::string_view instance_id;
    std::vector<std::pair<const Digest*, CodeEntry>> codes;  // into the entries
    std::vector<std::pair<std::string_view, CodeEntry>> keys;
  };
  std::size_t total_codes = 0;
  for (const auto& app : apps) total_codes += app->codes().size();
  std::vector<Entries> per_instance;  // instances are few
  std::vector<std::pair<std::string_view, std::shared_ptr<const AppEntry>>> by_id;
  by_id.reserve(apps.size());
  Entries* last = nullptr;
  for (std::size_t i = 0; i < apps.size(); ++i) {
    auto& app = apps[i];
    if (!last || last->instance_id != app->instance_id()) {
      last = nullptr;
      for (auto& e : per_instance)
        if (e.instance_id == app->instance_id()) last = &e;
      if (!last) {
        last = &per_instance.emplace_back(Entries{app->instance_id(), {}, {}});
        // Sized for the whole store once (a store has few instances; the vectors are transient).
        last->codes.reserve(total_codes);
        last->keys.reserve(apps.size());
      }
    }
    auto id_key = id_keys[i];
    for (const auto& d : app->codes()) last->codes.emplace_back(&d, CodeEntry{app.get(), id_key});
    last->keys.emplace_back(app->app_key(), CodeEntry{app.get(), id_key});
    std::string_view id = app->id();  // a view into the entry it keys
    by_id.emplace_back(id, std::move(app));
  }
  Credentials out;
  for (auto& e : per_instance) {
    auto codes = CodeIndex::build(std::move(e.codes), threads);
    auto keys = KeyIndex::build(std::move(e.keys), threads);
    out.by_instance.emplace_back(std::string(e.instance_id),
                                 InstanceCredentials{std::move(codes), std::move(keys)});
  }
  out.apps = AppIndex::build(std::move(by_id), threads);
  return out;
}

Credentials apply_app_changes(const Credentials& base, const std::vector<std::string>& changed_ids,
                              std::vector<AppRecord> current) {
  // Each edit() copies a shard table: a step of its own for a background caller.
  auto apps = base.apps.edit();
  core::yield_to_foreground();
  std::vector<std::pair<std::string, std::unique_ptr<InstanceEdit>>> edits;
  auto edit_of = [&](const std::string& instance_id) -> InstanceEdit& {
    for (auto& [id, e] : edits)
      if (id == instance_id) return *e;
    static const InstanceCredentials empty;
    const auto* existing = base.instance(instance_id);
    edits.emplace_back(instance_id, std::make_unique<InstanceEdit>(existing ? *existing : empty));
    core::yield_to_foreground();
    return *edits.back().second;
  };

  // 1. Drop the old entries of every changed app (its codes and key point at the old entry).
  for (const auto& id : changed_ids) {
    const auto* old = base.apps.find(id);
    if (!old) continue;
    const AppEntry& entry = **old;
    auto& e = edit_of(entry.instance_id());
    for (const auto& d : entry.codes()) e.codes.erase(d);  // values are unique per instance
    e.keys.erase(entry.app_key());
    apps.erase(id);
  }
  // 2. Insert the current records.
  for (auto& rec : current) {
    auto entry = std::make_shared<const AppEntry>(rec.id, rec.instance_id, rec.app_key, rec.secret,
                                                  rec.codes);
    auto& e = edit_of(entry->instance_id());
    auto id_key = AppIdSet::key_of(entry->id());
    for (const auto& d : entry->codes()) e.codes.put(d, CodeEntry{entry.get(), id_key});
    e.keys.put(entry->app_key(), CodeEntry{entry.get(), id_key});
    std::string_view id = entry->id();  // a view into the entry it keys
    apps.put(id, std::move(entry));
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
