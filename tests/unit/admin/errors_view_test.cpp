#include "admin/errors_view.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"

using namespace gh;

namespace {
boost::json::object body_of(const http::Response& r) {
  return boost::json::parse(r.body()).as_object();
}
}  // namespace

TEST(ErrorsView, EachDialectHasItsShape) {
  auto e = core::errors::body_too_large();
  auto apig = admin::render_error(admin::Dialect::kApig, e, "rid", 11);
  EXPECT_EQ(apig.result_int(), 413u);
  EXPECT_EQ(body_of(apig).at("error_code").as_string(), "APIG.2000");
  EXPECT_EQ(apig["X-Request-Id"], "rid");

  auto iam = admin::render_error(admin::Dialect::kIam, e, "rid", 11);
  EXPECT_EQ(iam.result_int(), 413u);
  auto inner = body_of(iam).at("error").as_object();
  EXPECT_EQ(inner.at("code").as_int64(), 413);
  EXPECT_EQ(inner.at("title").as_string(), "Request Entity Too Large");

  auto ma = admin::render_error(admin::Dialect::kModelArts, e, "rid", 11);
  EXPECT_EQ(ma.result_int(), 413u);  // protocol-level statuses survive the translation
  EXPECT_EQ(body_of(ma).at("error_code").as_string(), "ModelArts.0104");
  EXPECT_EQ(body_of(ma).at("request_id").as_string(), "rid");
}

TEST(ErrorsView, ModelArtsTranslationKeepsRuleStatuses) {
  EXPECT_EQ(admin::to_modelarts(core::errors::method_not_allowed()).http_status, 405);
  EXPECT_EQ(admin::to_modelarts(core::errors::headers_too_large()).http_status, 494);
  // Rule failures map onto ModelArts' documented 400 / 403 / 404.
  EXPECT_EQ(admin::to_modelarts(core::errors::app_name_exists()).http_status, 400);
  EXPECT_EQ(admin::to_modelarts(core::errors::too_many_app_codes()).http_status, 400);
  EXPECT_EQ(admin::to_modelarts(core::errors::no_permission()).code, "ModelArts.0203");
  EXPECT_EQ(admin::to_modelarts(core::errors::app_not_found("x")).code, "ModelArts.0202");
}

// fuzz/admin_api: "The instance does not exist;id:<path segment>" echoed invalid UTF-8 from the
// path, so the answer was not JSON (strict clients refuse it). Every dialect's body parses now.
TEST(ErrorsView, MessagesEchoingInvalidUtf8StayJson) {
  auto e = core::errors::instance_not_found("{instance_id\xAD}");
  for (auto d : {admin::Dialect::kApig, admin::Dialect::kIam, admin::Dialect::kModelArts}) {
    auto r = admin::render_error(d, e, "rid", 11);
    boost::system::error_code ec;
    boost::json::parse(r.body(), ec);
    EXPECT_FALSE(ec) << r.body();
    EXPECT_NE(r.body().find("{instance_id\xEF\xBF\xBD}"), std::string::npos) << r.body();
  }
}
