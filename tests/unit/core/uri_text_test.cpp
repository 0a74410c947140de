#include "core/uri_text.hpp"

#include <gtest/gtest.h>

#include "core/ascii.hpp"

namespace gh::core {
namespace {

using Segments = std::vector<std::string_view>;
using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(UriText, SplitPathGivesTheSegmentsBetweenSlashes) {
  EXPECT_EQ(split_path("/a/b"), (Segments{"a", "b"}));
  EXPECT_EQ(split_path("/a/b/"), (Segments{"a", "b", ""}));
  EXPECT_EQ(split_path("/"), (Segments{""}));
  EXPECT_EQ(split_path("//x"), (Segments{"", "x"}));
  EXPECT_TRUE(split_path("").empty());
  EXPECT_TRUE(split_path("a/b").empty());
}

TEST(UriText, SplitPathSegmentsAreViewsIntoThePath) {
  std::string_view path = "/v2/p1/apigw";
  auto segs = split_path(path);
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[1].data(), path.data() + 4);
}

TEST(UriText, PercentDecodeKeepsMalformedEscapesAndPlus) {
  EXPECT_EQ(percent_decode("a%20b%2fc%2F"), "a b/c/");
  EXPECT_EQ(percent_decode("x+y"), "x+y");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%00"), std::string(1, '\0'));
}

TEST(UriText, ParseQueryDecodesInArrivalOrderAndSkipsEmptyParts) {
  EXPECT_EQ(parse_query("a=1&b&=x&a=%41"), (Pairs{{"a", "1"}, {"b", ""}, {"", "x"}, {"a", "A"}}));
  EXPECT_EQ(parse_query("&&c=%3D=&"), (Pairs{{"c", "=="}}));
  EXPECT_TRUE(parse_query("").empty());
}

TEST(Ascii, HexValueOfEitherCase) {
  EXPECT_EQ(hex_value('0'), 0);
  EXPECT_EQ(hex_value('9'), 9);
  EXPECT_EQ(hex_value('a'), 10);
  EXPECT_EQ(hex_value('F'), 15);
  EXPECT_EQ(hex_value('g'), -1);
  EXPECT_EQ(hex_value('/'), -1);
  EXPECT_EQ(hex_value('\0'), -1);
}

}  // namespace
}  // namespace gh::core
