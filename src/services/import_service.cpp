#include "services/import_service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <exception>
#include <future>
#include <istream>
#include <map>
#include <set>
#include <thread>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/validation.hpp"
#include "crypto/random.hpp"
#include "services/app_service.hpp"
#include "services/audit.hpp"
#include "services/traffic_internal.hpp"
#include "services/traffic_service.hpp"

namespace gh::services {
namespace errors = core::errors;
namespace json = boost::json;
using core::Result;

namespace {

core::Error bad(std::string_view field, std::string_view why) {
  auto e = errors::invalid_param(field);
  e.message = fmt::format("{}: {}", field, why);
  return e;
}

// Reads an optional string member; a present non-string is an error.
core::Status read_string(const json::object& o, std::string_view key, std::string_view field,
                         std::optional<std::string>& out) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return core::ok_status();
  if (!v->is_string()) return bad(field, "must be a string");
  out = std::string(v->as_string());
  return core::ok_status();
}

std::string describe(const core::Error& e) {
  return fmt::format("{}: {}", e.code, e.message);
}

}  // namespace

Result<ImportRecord> parse_import_line(std::string_view text, std::size_t line) {
  ImportRecord rec;
  rec.line = line;
  boost::system::error_code ec;
  auto doc = json::parse(text, ec);
  if (ec) return bad("line", "not valid JSON (" + ec.message() + ")");
  if (!doc.is_object()) return bad("line", "must be a JSON object");
  const auto& top = doc.as_object();
  for (auto& kv : top) {
    std::string_view k(kv.key().data(), kv.key().size());
    if (k != "app" && k != "app_codes" && k != "authorizations" && k != "source")
      return bad(k, "unknown member");
  }
  auto* app = top.if_contains("app");
  if (!app || !app->is_object()) return bad("app", "must be an object");
  const auto& a = app->as_object();
  static const std::set<std::string, std::less<>> known{
      "id", "name", "remark", "app_key", "app_secret", "instance_id", "project_id"};
  for (auto& kv : a) {
    std::string_view k(kv.key().data(), kv.key().size());
    if (!known.count(k)) return bad(fmt::format("app.{}", k), "unknown member");
  }
  for (auto [key, field] : {std::pair{"id", &rec.id},
                            {"name", &rec.name},
                            {"remark", &rec.remark},
                            {"app_key", &rec.app_key},
                            {"app_secret", &rec.app_secret},
                            {"instance_id", &rec.instance_id},
                            {"project_id", &rec.project_id}})
    if (auto s = read_string(a, key, fmt::format("app.{}", key), *field); !s) return s.error();
  if (!rec.name) return bad("app.name", "required");
  if (auto* s = top.if_contains("source"); s && !s->is_null()) {
    if (!s->is_string()) return bad("source", "must be a string");
    auto v = s->as_string();
    if (v != "huawei" && v != "kong" && v != "apisix") return bad("source", "huawei|kong|apisix");
  }
  if (auto* codes = top.if_contains("app_codes"); codes && !codes->is_null()) {
    if (!codes->is_array()) return bad("app_codes", "must be an array of strings");
    for (auto& c : codes->as_array()) {
      if (!c.is_string()) return bad("app_codes", "must be an array of strings");
      rec.codes.emplace_back(c.as_string());
    }
  }
  if (auto* auths = top.if_contains("authorizations"); auths && !auths->is_null()) {
    if (!auths->is_array()) return bad("authorizations", "must be an array");
    for (auto& x : auths->as_array()) {
      auto* o = x.if_object();
      auto* api = o ? o->if_contains("api_id") : nullptr;
      auto* env = o ? o->if_contains("env_id") : nullptr;
      if (!api || !env || !api->is_string() || !env->is_string())
        return bad("authorizations", "each must be {\"api_id\": …, \"env_id\": …}");
      rec.auths.emplace_back(std::string(api->as_string()), std::string(env->as_string()));
    }
  }
  return rec;
}

namespace {

// An AppCode of a line, sealed and digested before the write transaction (crypto::Sealer work
// needs no store, so worker threads do it for the whole batch).
struct PreparedCode {
  std::string id;
  store::Tx::SealedCode sealed;
};
using PreparedCodes = std::vector<PreparedCode>;  // aligned with ImportRecord::codes

std::vector<PreparedCodes> prepare_codes(const crypto::Sealer& sealer,
                                         const std::vector<ImportRecord>& batch) {
  std::vector<PreparedCodes> out(batch.size());
  std::size_t total = 0;
  for (const auto& rec : batch) total += rec.codes.size();
  unsigned n = total < 2000 ? 1 : std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  // A failure in a worker (OpenSSL, memory) is rethrown here, as it would be without threads.
  std::vector<std::exception_ptr> failed(n);
  auto work = [&](unsigned part) {
    try {
      for (std::size_t i = batch.size() * part / n; i < batch.size() * (part + 1) / n; ++i)
        for (const auto& v : batch[i].codes) {
          auto id = crypto::new_id();
          auto sealed = store::Tx::seal_app_code(sealer, id, v);
          out[i].push_back({std::move(id), std::move(sealed)});
        }
    } catch (...) {
      failed[part] = std::current_exception();
    }
  };
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < n; ++t) workers.emplace_back(work, t);
  work(0);
  for (auto& w : workers) w.join();
  for (auto& e : failed)
    if (e) std::rethrow_exception(e);
  return out;
}

struct LineResult {
  bool created = false, updated = false;
  std::int64_t codes_added = 0, auths_added = 0;
  std::vector<std::string> skipped_auths;  // messages
};

// State of one batch transaction: instances resolved and app counts per instance.
class BatchImporter {
 public:
  // `insert_checks_new_codes`: a new app's AppCodes are not looked up before they are inserted;
  // one that is taken makes the insert fail on UNIQUE(instance_id, digest), which fails the
  // whole transaction (import_lines then redoes the batch with every check).
  BatchImporter(store::Tx& tx, const Caller& c, const ImportOptions& opt, const Limits& limits,
                bool insert_checks_new_codes)
      : tx_(tx),
        c_(c),
        opt_(opt),
        limits_(limits),
        insert_checks_new_codes_(insert_checks_new_codes) {}

  // Checks every rule of the line, then applies it; a failed check writes nothing.
  Result<LineResult> apply(const ImportRecord& rec, const PreparedCodes& prepared) {
    auto inst = instance_of(rec);
    if (!inst) return inst.error();
    if (rec.project_id && !opt_.remap_instances && *rec.project_id != inst->project_id)
      return bad("app.project_id", "is not the project of the app's instance");
    AppInput in;
    in.name = rec.name;
    in.remark = rec.remark;
    in.app_key = rec.app_key;
    in.app_secret = rec.app_secret;
    if (auto v = check_app_input(in, true); !v) return v.error();
    std::vector<std::size_t> codes;  // indexes into rec.codes, each value once
    for (std::size_t j = 0; j < rec.codes.size(); ++j) {
      const auto& v = rec.codes[j];
      if (!core::rules::is_app_code(v)) return errors::invalid_param("app_codes");
      if (std::none_of(codes.begin(), codes.end(),
                       [&](std::size_t k) { return rec.codes[k] == v; }))
        codes.push_back(j);
    }

    // Match the app: by id, else by (instance, name).
    std::optional<core::App> app;
    if (rec.id) {
      if (!plausible_id(*rec.id)) return bad("app.id", "not a valid id");
      app = tx_.app_by_id(*rec.id);
      if (app && app->instance_id != inst->id)
        return bad("app.id", "belongs to an app of another instance");
    } else {
      app = tx_.app_by_name(inst->id, *rec.name);
    }
    const std::string except = app ? app->id : "";
    // Matched by name, the name is the matched app's or free: only an id match can clash.
    if (rec.id && tx_.app_name_taken(inst->id, *rec.name, except)) return errors::app_name_exists();
    if (rec.app_key && tx_.app_key_taken(inst->id, *rec.app_key, except))
      return errors::app_key_exists();
    auto& count = app_count(inst->id);
    if (!app && count >= limits_.max_apps_per_instance) return errors::too_many_apps();

    std::vector<std::size_t> new_codes;
    for (auto j : codes) {
      const auto& digest = prepared[j].sealed.digest_hex;
      if (app && tx_.app_has_code_digest(app->id, digest)) continue;
      bool checked_by_insert = !app && insert_checks_new_codes_;
      if (!checked_by_insert && tx_.app_code_digest_taken(inst->id, digest))
        return errors::app_code_exists();
      new_codes.push_back(j);
    }
    std::int64_t have = app ? tx_.count_app_codes(app->id) : 0;
    if (have + static_cast<std::int64_t>(new_codes.size()) > kMaxAppCodesPerApp)
      return errors::too_many_app_codes();

    // Authorizations: an unknown API or environment, or one not online there, is skipped.
    LineResult out;
    InstanceScope scope{inst->project_id, inst->id, core::InstanceKind::kApig};
    std::vector<std::pair<core::ApiSpec, std::string>> auths;
    for (auto& [api_id, env_id] : rec.auths) {
      const auto& env = env_of(scope, env_id);
      const auto& api = api_of(inst->id, api_id);
      if (!env)
        out.skipped_auths.push_back(describe(env.error()));
      else if (!api)
        out.skipped_auths.push_back(describe(errors::api_not_found(api_id)));
      else
        auths.emplace_back(*api, env->id);
    }

    // ---- apply
    auto now = core::now_nanos();
    if (!app) {
      core::App a;
      a.id = rec.id ? *rec.id : crypto::new_id();
      a.instance_id = inst->id;
      a.project_id = inst->project_id;
      a.name = *rec.name;
      a.remark = rec.remark.value_or("");
      a.app_key = rec.app_key.value_or(crypto::random_hex(16));
      a.app_secret = rec.app_secret.value_or(crypto::random_hex(16));
      if (!rec.app_key && tx_.app_key_taken(inst->id, a.app_key, ""))
        return errors::app_key_exists();
      a.owner_user_id = c_.user_id;
      a.register_time = a.update_time = now;
      tx_.insert_app(a);
      ++count;
      app = std::move(a);
      out.created = true;
    } else if (app->name != *rec.name || (rec.remark && app->remark != *rec.remark) ||
               (rec.app_key && app->app_key != *rec.app_key) ||
               (rec.app_secret && app->app_secret != *rec.app_secret)) {
      app->name = *rec.name;
      if (rec.remark) app->remark = *rec.remark;
      if (rec.app_key) app->app_key = *rec.app_key;
      if (rec.app_secret) app->app_secret = *rec.app_secret;
      app->update_time = now;
      tx_.update_app(*app);
      out.updated = true;
    }
    for (auto j : new_codes) {
      core::AppCode code{prepared[j].id, app->id, inst->id, rec.codes[j], now};
      tx_.insert_sealed_app_code(code, prepared[j].sealed);
      ++out.codes_added;
    }
    for (auto& [api, env_id] : auths) {
      bool published = is_online(api.id, env_id);
      auto auth = authorize_in(tx_, api, *app, env_id, published, now);
      if (auth)
        ++out.auths_added;
      else if (auth.error().code != errors::app_auth_exists().code)
        out.skipped_auths.push_back(
            fmt::format("api {} env {}: {}", api.id, env_id, describe(auth.error())));
    }
    if (out.created || out.updated || out.codes_added > 0)
      tx_.record_change(inst->id, "app", app->id, out.created ? "create" : "update");
    return out;
  }

 private:
  Result<core::Instance> instance_of(const ImportRecord& rec) {
    const std::string& id =
        rec.instance_id && !opt_.remap_instances ? *rec.instance_id : opt_.default_instance_id;
    auto it = instances_.find(id);
    if (it == instances_.end()) {
      InstanceScope s{opt_.project_id, id, core::InstanceKind::kApig};
      it = instances_.emplace(id, load_scoped_instance(tx_, c_, s, true)).first;
      if (it->second) tx_.lock_instance(id);
    }
    return it->second;
  }
  // Environments and APIs do not change within the batch (the transaction holds the write lock).
  const Result<core::Environment>& env_of(const InstanceScope& scope, const std::string& id) {
    auto key = scope.instance_id + "/" + id;
    auto it = envs_.find(key);
    if (it == envs_.end()) it = envs_.emplace(key, load_env(tx_, scope, id)).first;
    return it->second;
  }
  const std::optional<core::ApiSpec>& api_of(const std::string& instance_id,
                                             const std::string& id) {
    auto key = instance_id + "/" + id;
    auto it = apis_.find(key);
    if (it == apis_.end())
      it = apis_.emplace(key, plausible_id(id) ? tx_.api(instance_id, id) : std::nullopt).first;
    return it->second;
  }
  bool is_online(const std::string& api_id, const std::string& env_id) {
    auto key = api_id + "/" + env_id;
    auto it = online_.find(key);
    if (it == online_.end())
      it = online_.emplace(key, tx_.online_publication(api_id, env_id).has_value()).first;
    return it->second;
  }
  std::int64_t& app_count(const std::string& instance_id) {
    auto it = counts_.find(instance_id);
    if (it == counts_.end()) it = counts_.emplace(instance_id, tx_.count_apps(instance_id)).first;
    return it->second;
  }

  store::Tx& tx_;
  const Caller& c_;
  const ImportOptions& opt_;
  const Limits& limits_;
  const bool insert_checks_new_codes_;
  std::map<std::string, Result<core::Instance>> instances_;
  std::map<std::string, std::int64_t> counts_;
  std::map<std::string, Result<core::Environment>> envs_;
  std::map<std::string, std::optional<core::ApiSpec>> apis_;
  std::map<std::string, bool> online_;  // "api/env" → published there
};

}  // namespace

Result<ImportSummary> ImportService::import_lines(
    const Caller& c, std::istream& in, const ImportOptions& given,
    const std::function<void(const ImportProblem&)>& on_problem) {
  ImportOptions opt = given;
  if (opt.batch == 0) opt.batch = 1;
  // Resolve the default instance once: the project's first APIG instance.
  if (opt.default_instance_id.empty()) {
    auto first = store_.read([&](store::Tx& tx) -> Result<std::string> {
      if (auto p = require_project_write(c, opt.project_id); !p) return p.error();
      for (auto& i : tx.instances(opt.project_id))
        if (i.kind == core::InstanceKind::kApig) return i.id;
      return errors::instance_not_found("(no APIG instance in the project)");
    });
    if (!first) return first.error();
    opt.default_instance_id = *first;
  } else {
    auto inst = store_.read([&](store::Tx& tx) {
      return load_scoped_instance(
          tx, c, {opt.project_id, opt.default_instance_id, core::InstanceKind::kApig}, true);
    });
    if (!inst) return inst.error();
  }

  ImportSummary sum;
  auto report = [&](ImportProblem p) {
    if (p.line_rejected) ++sum.lines_rejected;
    if (on_problem) on_problem(p);
    sum.problems.push_back(std::move(p));
  };
  // Reading, parsing, sealing and digesting the next batch (read_batch, on another thread) overlaps
  // the write transaction of the current one: the two take about as long each.
  struct Batch {
    std::vector<ImportRecord> records;
    std::vector<ImportProblem> unparsed;  // lines of this batch that are not valid records
    std::vector<PreparedCodes> prepared;  // aligned with records
    bool eof = false;
  };
  std::size_t line_no = 0;
  auto read_batch = [&, text = std::string()]() mutable {
    Batch b;
    while (b.records.size() + b.unparsed.size() < opt.batch) {
      if (!std::getline(in, text)) {
        b.eof = true;
        break;
      }
      ++line_no;
      if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto rec = parse_import_line(text, line_no);
      if (!rec)
        b.unparsed.push_back({line_no, true, describe(rec.error())});
      else
        b.records.push_back(std::move(*rec));
    }
    b.prepared = prepare_codes(store_.sealer(), b.records);
    return b;
  };
  // The reader owns `in` and line_no while it runs; this thread waits for it before the next.
  auto ahead = std::async(std::launch::async, read_batch);
  for (bool eof = false; !eof;) {
    Batch current = ahead.get();
    eof = current.eof;
    if (!eof) ahead = std::async(std::launch::async, read_batch);
    const auto& batch = current.records;
    auto& unparsed = current.unparsed;
    auto report_in_order = [&](std::vector<ImportProblem> ps) {
      ps.insert(ps.end(), unparsed.begin(), unparsed.end());
      unparsed.clear();
      std::stable_sort(ps.begin(), ps.end(), [](const ImportProblem& a, const ImportProblem& b) {
        return a.line < b.line;
      });
      for (auto& p : ps) report(std::move(p));
    };
    if (batch.empty()) {
      report_in_order({});
      continue;
    }
    const auto& prepared = current.prepared;
    ImportSummary part;  // this batch's counts, merged once it committed
    std::vector<ImportProblem> problems;
    // First without looking up a new app's AppCodes (a tenth of the writing thread's work): a
    // taken one fails the transaction on the UNIQUE index, and the batch is written again with
    // every check, which then names the line.
    bool insert_checks_new_codes = true;
    auto write_batch = [&](store::Tx& tx) -> core::Status {
      part = {};
      problems.clear();
      tx.use_bulk_cache();
      BatchImporter importer(tx, c, opt, limits_, insert_checks_new_codes);
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& rec = batch[i];
        auto done = importer.apply(rec, prepared[i]);
        if (!done) {
          problems.push_back({rec.line, true, describe(done.error())});
          continue;
        }
        part.apps_created += done->created;
        part.apps_updated += done->updated;
        part.apps_unchanged += !done->created && !done->updated;
        part.codes_added += done->codes_added;
        part.auths_added += done->auths_added;
        for (auto& m : done->skipped_auths) {
          ++part.auths_skipped;
          problems.push_back({rec.line, false, "authorization skipped: " + m});
        }
      }
      if (part.apps_created || part.apps_updated || part.codes_added || part.auths_added)
        audit_in(tx, c,
                 {opt.project_id, "app.import", "app", "",
                  fmt::format("lines {}-{}: apps created={} updated={} codes added={} "
                              "authorizations added={} rejected={}",
                              batch.front().line, batch.back().line, part.apps_created,
                              part.apps_updated, part.codes_added, part.auths_added,
                              problems.size() - static_cast<std::size_t>(part.auths_skipped))});
      return core::ok_status();
    };
    auto r = store_.write(write_batch, errors::app_code_exists());
    if (!r && r.error().code == errors::app_code_exists().code) {
      insert_checks_new_codes = false;
      r = store_.write(write_batch);
    }
    if (!r) return r.error();
    sum.apps_created += part.apps_created;
    sum.apps_updated += part.apps_updated;
    sum.apps_unchanged += part.apps_unchanged;
    sum.codes_added += part.codes_added;
    sum.auths_added += part.auths_added;
    sum.auths_skipped += part.auths_skipped;
    report_in_order(std::move(problems));
  }
  return sum;
}

Result<std::int64_t> export_lines(store::Store& store, const Caller& c, const ExportOptions& opt,
                                  std::ostream& out) {
  return store.read([&](store::Tx& tx) -> Result<std::int64_t> {
    std::int64_t n = 0;
    bool found = opt.instance_id.empty();
    for (auto& inst : tx.all_instances()) {
      if (inst.kind != core::InstanceKind::kApig) continue;
      if (!opt.instance_id.empty() && inst.id != opt.instance_id) continue;
      if (!opt.project_id.empty() && inst.project_id != opt.project_id) continue;
      // A domain administrator exports every project of their domain; others their own.
      Caller scoped = c;
      if (opt.project_id.empty() && c.domain_admin) {
        auto p = tx.project_by_id(inst.project_id);
        if (!p || p->domain_id != c.domain_id) continue;
        scoped.project_id = inst.project_id;
      }
      if (auto ok = require_project_read(scoped, inst.project_id); !ok) return ok.error();
      found = true;
      std::map<std::string, json::array> auths;
      for (auto& a : tx.app_auths(inst.id))
        auths[a.app_id].push_back(json::object{{"api_id", a.api_id}, {"env_id", a.env_id}});
      for (auto& app : tx.apps_of_instance(inst.id)) {
        if (app.app_type != "apig") continue;
        json::array codes;
        for (auto& code : tx.all_app_codes(app.id)) codes.emplace_back(code.value);
        json::object line{{"app", json::object{{"id", app.id},
                                               {"name", app.name},
                                               {"remark", app.remark},
                                               {"app_key", app.app_key},
                                               {"app_secret", app.app_secret},
                                               {"instance_id", app.instance_id},
                                               {"project_id", app.project_id}}},
                          {"app_codes", std::move(codes)},
                          {"authorizations", std::move(auths[app.id])}};
        out << json::serialize(line) << '\n';
        ++n;
      }
    }
    if (!found) return errors::instance_not_found(opt.instance_id);
    return n;
  });
}

}  // namespace gh::services
