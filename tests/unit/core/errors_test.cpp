#include "core/errors.hpp"

#include <gtest/gtest.h>

using namespace gh::core;

TEST(Errors, CatalogueMatchesReference) {
  auto e = errors::app_not_found("9ed8b7fe84224de681e7d7a5587e76dc");
  EXPECT_EQ(e.http_status, 404);
  EXPECT_EQ(e.code, "APIG.3004");
  EXPECT_EQ(e.message, "App 9ed8b7fe84224de681e7d7a5587e76dc does not exist");
  e = errors::forbidden_param_value("app_id");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.code, "APIG.2012");
  EXPECT_EQ(e.message,
            "Invalid parameter value,parameterName:app_id. Please refer to the support "
            "documentation");
  EXPECT_EQ(errors::too_many_app_codes().code, "APIG.3131");
  EXPECT_EQ(errors::too_many_app_codes().http_status, 403);
  EXPECT_EQ(errors::no_permission().http_status, 403);
  EXPECT_EQ(errors::token_invalid().message, "Incorrect token or token resolution failed");
  EXPECT_EQ(errors::instance_not_found("x").message, "The instance does not exist;id:x");
  EXPECT_EQ(errors::app_code_not_found().code, "APIG.3082");
  EXPECT_EQ(errors::app_code_exists().code, "APIG.2012");
  EXPECT_EQ(errors::app_code_exists().kind, ErrorKind::kConflict);
  EXPECT_EQ(errors::modelarts_not_creator().code, "ModelArts.0203");
}

TEST(Result, HoldsValueOrError) {
  Result<int> ok = 3;
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 3);
  Result<int> bad = errors::system_error();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "APIG.9999");
}
