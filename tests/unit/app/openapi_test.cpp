// docs/openapi.json documents exactly the management API: every route the admin router registers
// (all dialects) appears in it with its method, and it documents nothing else besides the node's
// own endpoints. The document served is the file in the repository.
#include "admin/openapi.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "app/control_plane.hpp"
#include "crypto/random.hpp"
#include "crypto/sealer.hpp"

namespace gh {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("gh-openapi-" + crypto::random_hex(6)));
    std::filesystem::create_directories(dir_);
    cfg_.data_dir = dir_.string();
    auto store = store::Store::open(dir_.string() + "/gatehouse.db",
                                    crypto::Sealer(crypto::random_bytes(32)), {});
    control_ = std::make_unique<app::ControlPlane>(
        cfg_, std::move(store), snapshots_, [] { return std::string(); },
        [] { return http::LoopbackTarget{}; });
  }
  void TearDown() override {
    control_.reset();
    std::filesystem::remove_all(dir_);
  }

  // "GET /v3/users/{user_id}" for every route of the admin router.
  std::set<std::string> routed() const {
    std::set<std::string> out;
    for (const auto& r : control_->api.router().routes()) {
      std::string path;
      for (const auto& seg : r.segments) path += "/" + seg;
      out.insert(std::string(http::bhttp::to_string(r.method)) + " " + path);
    }
    return out;
  }

  std::filesystem::path dir_;
  app::ServeConfig cfg_;
  gateway::SnapshotHolder snapshots_;
  std::unique_ptr<app::ControlPlane> control_;
};

const std::set<std::string> kMethods = {"get",   "put",  "post",    "delete",
                                        "patch", "head", "options", "trace"};
// Served by the node itself, outside the router (app/health.hpp, admin/openapi.hpp).
const std::set<std::string> kNodeEndpoints = {"GET /health", "GET /ready", "GET /openapi.json"};

TEST_F(OpenApiTest, DocumentsEveryRouteAndNothingElse) {
  auto doc = boost::json::parse(admin::openapi_document()).as_object();
  EXPECT_EQ(doc.at("openapi").as_string(), "3.1.0");
  std::set<std::string> documented;
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& [method, op] : item.as_object())
      if (kMethods.count(std::string(method)))
        documented.insert(upper(std::string(method)) + " " + std::string(path));

  auto routes = routed();
  ASSERT_GT(routes.size(), 100u);  // every dialect registered
  for (const auto& r : routes)
    EXPECT_TRUE(documented.count(r)) << "not in docs/openapi.json: " << r;
  for (const auto& d : documented)
    EXPECT_TRUE(routes.count(d) || kNodeEndpoints.count(d))
        << "docs/openapi.json documents a route the router does not have: " << d;
  for (const auto& n : kNodeEndpoints) EXPECT_TRUE(documented.count(n)) << n;
}

TEST_F(OpenApiTest, ServedDocumentIsTheRepositoryFile) {
  EXPECT_EQ(std::string(admin::openapi_document()),
            read_text(std::string(GATEHOUSE_SOURCE_DIR) + "/docs/openapi.json"));
}

TEST_F(OpenApiTest, OperationIdsAreUniqueAndRoutesDeclareTheirPathParameters) {
  auto doc = boost::json::parse(admin::openapi_document()).as_object();
  std::set<std::string> ids;
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& [method, op] : item.as_object()) {
      auto id = std::string(op.as_object().at("operationId").as_string());
      EXPECT_TRUE(ids.insert(id).second) << "duplicate operationId " << id;
      std::set<std::string> declared;
      if (auto* params = op.as_object().if_contains("parameters"))
        for (const auto& p : params->as_array())
          if (p.as_object().at("in").as_string() == "path")
            declared.insert(std::string(p.as_object().at("name").as_string()));
      std::string p(path);
      for (auto open = p.find('{'); open != std::string::npos; open = p.find('{', open + 1)) {
        auto name = p.substr(open + 1, p.find('}', open) - open - 1);
        EXPECT_TRUE(declared.count(name)) << method << " " << p << ": {" << name << "}";
      }
    }
}

}  // namespace
}  // namespace gh
