// Fuzzes the management API's request handling, JSON bodies first: every dialect's routes
// (AdminApi::handle, src/admin/*) over the real services and a SQLite store in a scratch
// directory (tmpfs when there is one), as the bootstrap admin.
//
// Input: a request line "METHOD target", a newline, then the body. In the target and the body,
// {project_id}, {instance_id}, {roma_instance_id}, {domain_id}, {user_id}, {app_id} and {group_id}
// stand for the ids the bootstrap and the harness made (seeds cannot know them). A leading '-'
// sends the request without a token. The store keeps what earlier inputs created (bounded by small
// service limits), so sequences of requests are explored too. Checks beyond "no crash, no sanitizer
// report": no request ends in 500 (an unhandled exception or a store error: a bug), and every
// answer's body is empty or JSON (but the console's static files and plain-text errors).
#include "admin/admin_api.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace {
using namespace gh;

void require(bool condition) {
  if (!condition) std::abort();
}

std::string scratch_dir() {
  std::filesystem::path base =
      std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
  auto dir = base / ("gatehouse-fuzz-admin-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

struct ControlPlane {
  std::string dir = scratch_dir();
  std::unique_ptr<store::Store> store =
      store::Store::open(dir + "/gatehouse.db", crypto::Sealer(std::string(32, 'm')));
  services::Limits limits = [] {
    services::Limits l;
    l.max_apps_per_instance = 20;
    l.modelarts_apps_per_user = 3;
    return l;
  }();
  services::IamService iam{*store, limits};
  services::AppService apps{*store, limits};
  services::ModelArtsService modelarts{apps};
  services::TrafficService traffic{*store, [] {
                                     services::TrafficSettings t;
                                     t.max_groups = 10;
                                     t.max_apis_per_group = 20;
                                     return t;
                                   }()};
  admin::AdminApi api{{iam, apps, modelarts, traffic, *store, "default",
                       [] { return std::string("http://127.0.0.1:1"); }}};
  services::BootstrapInfo boot = iam.bootstrap("fuzz-admin-password-1");
  std::string token = [this] {
    services::PasswordLogin in;
    in.user_name = "admin";
    in.password = "fuzz-admin-password-1";
    in.domain_name = "default";
    in.project_id = boot.project_id;
    auto issued = iam.login(in);
    require(issued.ok());
    return issued->token;
  }();

  // An app and an API group made through the API, so that seeds can name them.
  std::string app_id = created("/apps", R"({"name":"fuzz_app","remark":"seed"})");
  std::string group_id = created("/api-groups", R"({"name":"fuzz_group","remark":"seed"})");

  ~ControlPlane() {
    store.reset();
    std::filesystem::remove_all(dir);
  }

  // POSTs `body` to the APIG instance's `collection`; the new object's id.
  std::string created(std::string_view collection, std::string_view body) {
    http::Request req{http::bhttp::verb::post,
                      "/v2/" + boot.project_id + "/apigw/instances/" + boot.apig_instance_id +
                          std::string(collection),
                      11};
    req.set("X-Auth-Token", token);
    req.body() = body;
    req.prepare_payload();
    auto res = api.handle(req, http::RequestContext{});
    require(res.result_int() == 201 || res.result_int() == 200);
    return std::string(boost::json::parse(res.body()).at("id").as_string());
  }

  std::string with_ids(std::string text) const {
    const std::pair<std::string_view, const std::string*> ids[] = {
        {"{project_id}", &boot.project_id},
        {"{instance_id}", &boot.apig_instance_id},
        {"{roma_instance_id}", &boot.roma_instance_id},
        {"{domain_id}", &boot.domain_id},
        {"{user_id}", &boot.admin_user_id},
        {"{app_id}", &app_id},
        {"{group_id}", &group_id}};
    for (auto [name, value] : ids)
      for (auto at = text.find(name); at != std::string::npos; at = text.find(name, at))
        text.replace(at, name.size(), *value);
    return text;
  }
};

ControlPlane& control_plane() {
  static ControlPlane* cp = [] {
    spdlog::set_level(spdlog::level::off);
    return new ControlPlane;
  }();
  return *cp;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  control_plane();
  std::atexit([] { delete &control_plane(); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  ControlPlane& cp = control_plane();
  std::string_view input(reinterpret_cast<const char*>(bytes), size);
  auto nl = input.find('\n');
  std::string_view line = input.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  bool anonymous = !line.empty() && line.front() == '-';
  if (anonymous) line.remove_prefix(1);
  auto space = line.find(' ');
  if (space == std::string_view::npos) return 0;
  auto verb = http::bhttp::string_to_verb(line.substr(0, space));
  if (verb == http::bhttp::verb::unknown) return 0;
  std::string target = cp.with_ids(std::string(line.substr(space + 1)));
  if (target.empty() || target.front() != '/') return 0;

  http::Request req{verb, target, 11};
  req.set(http::bhttp::field::host, "127.0.0.1");
  req.set(http::bhttp::field::content_type, "application/json");
  if (!anonymous) req.set("X-Auth-Token", cp.token);
  req.body() = cp.with_ids(std::string(body));
  // Beast refuses to frame some requests (a TRACE with a body): no client can send one, and the
  // HTTP parser's own target (h1_parser) covers such bytes on the wire.
  try {
    req.prepare_payload();
  } catch (const std::invalid_argument&) {
    return 0;
  }
  http::RequestContext ctx;
  ctx.remote_ip = "127.0.0.1";
  http::Response res = cp.api.handle(req, ctx);

  // The console's files and its plain-text 404/405 (admin/console_static.cpp) are not JSON by
  // design; every management answer is. The console is known by the path, whatever the query.
  std::string_view path = std::string_view(target).substr(0, target.find('?'));
  bool console = path == "/console" || path.rfind("/console/", 0) == 0;
  boost::system::error_code ec;
  if (!console && !res.body().empty()) boost::json::parse(res.body(), ec);
  if (res.result_int() == 500 || ec) {
    std::fprintf(stderr, "admin_api: %s %s answered %u: %s\n",
                 std::string(req.method_string()).c_str(), target.c_str(), res.result_int(),
                 res.body().c_str());
    std::abort();
  }
  return 0;
}
