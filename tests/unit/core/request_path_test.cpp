#include "core/request_path.hpp"

#include <gtest/gtest.h>

namespace gh::core {
namespace {

std::optional<std::string> normal(std::string_view path) {
  std::string scratch;
  auto r = normalize_request_path(path, scratch);
  if (!r) return std::nullopt;
  return std::string(*r);
}

TEST(RequestPath, NormalPathsComeBackAsThemselvesWithoutACopy) {
  for (std::string_view p :
       {"/", "/open", "/open/", "/a/b.c/d..e/.f", "/v1/x;y=1", "/a..;b", "/a%20b/%E4%B8%AD"}) {
    std::string scratch;
    auto r = normalize_request_path(p, scratch);
    ASSERT_TRUE(r) << p;
    EXPECT_EQ(*r, p);
    EXPECT_EQ(r->data(), p.data()) << p << " was copied";
    EXPECT_TRUE(scratch.empty());
  }
}

TEST(RequestPath, DotSegmentsAreResolved) {
  EXPECT_EQ(normal("/open/../priv"), "/priv");
  EXPECT_EQ(normal("/open/./priv"), "/open/priv");
  EXPECT_EQ(normal("/a/b/../../c"), "/c");
  EXPECT_EQ(normal("/a/."), "/a/");
  EXPECT_EQ(normal("/a/.."), "/");
  EXPECT_EQ(normal("/."), "/");
  EXPECT_EQ(normal("/./"), "/");
  EXPECT_EQ(normal("/a/./"), "/a/");
}

TEST(RequestPath, EncodedDotsAreDotsAndUnreservedEncodingsAreDecoded) {
  EXPECT_EQ(normal("/open/%2e%2e/priv"), "/priv");
  EXPECT_EQ(normal("/open/%2E%2E/priv"), "/priv");
  EXPECT_EQ(normal("/open/.%2e/priv"), "/priv");
  EXPECT_EQ(normal("/open/%2e/priv"), "/open/priv");
  EXPECT_EQ(normal("/%61%62c%7E%2D%5f"), "/abc~-_");
}

TEST(RequestPath, OtherEncodingsAreKeptInUpperCase) {
  EXPECT_EQ(normal("/a%20b"), "/a%20b");
  EXPECT_EQ(normal("/a%3fb/%e4%b8%ad"), "/a%3Fb/%E4%B8%AD");
  EXPECT_EQ(normal("/q%25"), "/q%25");  // an encoded '%' stays encoded: never decoded twice
  EXPECT_EQ(normal("/q%252e%252e/x"), "/q%252e%252e/x");
}

TEST(RequestPath, SlashesAreMerged) {
  EXPECT_EQ(normal("//open"), "/open");
  EXPECT_EQ(normal("/open//priv"), "/open/priv");
  EXPECT_EQ(normal("/open///"), "/open/");
  EXPECT_EQ(normal("//"), "/");
}

TEST(RequestPath, ClimbingAboveTheRootIsRefused) {
  EXPECT_EQ(normal("/.."), std::nullopt);
  EXPECT_EQ(normal("/../priv"), std::nullopt);
  EXPECT_EQ(normal("/a/../../priv"), std::nullopt);
  EXPECT_EQ(normal("/%2e%2e/priv"), std::nullopt);
}

TEST(RequestPath, EncodedSeparatorsNulAndBadEncodingsAreRefused) {
  for (std::string_view p :
       {"/open/..%2fpriv", "/open/..%2Fpriv", "/open%2f..%2fpriv", "/open/..%5cpriv",
        "/open/..%5Cpriv", "/a%00b", "/a%", "/a%4", "/a%zz", "/a%4g", "/a%%41"})
    EXPECT_EQ(normal(p), std::nullopt) << p;
}

TEST(RequestPath, ForbiddenBytesAreRefused) {
  using namespace std::string_view_literals;
  for (std::string_view p :
       {"/a\\..\\priv"sv, "/a b"sv, "/a\tb"sv, "/a\0b"sv, "/a#b"sv, "/a\x7f"sv, "/a\r\nb"sv})
    EXPECT_EQ(normal(p), std::nullopt) << p;
}

TEST(RequestPath, DotSegmentsWithParametersAreRefused) {
  EXPECT_EQ(normal("/open/..;/priv"), std::nullopt);
  EXPECT_EQ(normal("/open/.;x/priv"), std::nullopt);
  EXPECT_EQ(normal("/open/%2e%2e;x/priv"), std::nullopt);
  EXPECT_EQ(normal("/open/..a;x/priv"), "/open/..a;x/priv");
}

TEST(RequestPath, OnlyOriginFormIsAccepted) {
  EXPECT_EQ(normal(""), std::nullopt);
  EXPECT_EQ(normal("*"), std::nullopt);
  EXPECT_EQ(normal("open"), std::nullopt);
  EXPECT_EQ(normal("http://h/open"), std::nullopt);
}

TEST(RequestPath, TheNormalFormIsAFixedPoint) {
  for (std::string_view p : {"/open/%2e%2e/priv", "//a/./b/../c/", "/a%3fb/%e4%b8%ad", "/x/%7e"}) {
    auto once = normal(p);
    ASSERT_TRUE(once) << p;
    std::string scratch;
    auto again = normalize_request_path(*once, scratch);
    ASSERT_TRUE(again) << p;
    EXPECT_EQ(*again, *once) << p;
    EXPECT_EQ(again->data(), once->data()) << p << ": the normal form was rewritten again";
  }
}

}  // namespace
}  // namespace gh::core
