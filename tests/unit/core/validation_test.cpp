#include "core/validation.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace gh::core::rules;

TEST(Validation, HexId) {
  EXPECT_TRUE(is_hex_id("9ed8b7fe84224de681e7d7a5587e76dc"));
  EXPECT_FALSE(is_hex_id("9ed8b7fe-8422-4de6-81e7-d7a5587e76dc"));
  EXPECT_FALSE(is_hex_id("9ed8b7fe84224de681e7d7a5587e76d"));
  EXPECT_FALSE(is_hex_id("9ed8b7fe84224de681e7d7a5587e76dg"));
}

TEST(Validation, AppName) {
  EXPECT_TRUE(is_app_name("app_demo"));
  EXPECT_TRUE(is_app_name("abc"));
  EXPECT_TRUE(is_app_name("应用_1"));  // CJK start, 4 code points
  EXPECT_TRUE(is_app_name(std::string(64, 'a')));
  EXPECT_FALSE(is_app_name(std::string(65, 'a')));
  EXPECT_FALSE(is_app_name("ab"));
  EXPECT_FALSE(is_app_name("1abc"));
  EXPECT_FALSE(is_app_name("_abc"));
  EXPECT_FALSE(is_app_name("ab-c"));
  EXPECT_FALSE(is_app_name("ab c"));
  EXPECT_FALSE(is_app_name("abc\xF0\x9F\x98\x80"));  // emoji
  EXPECT_FALSE(is_app_name("ab\xC3"));               // truncated UTF-8
  EXPECT_FALSE(is_app_name("ab\xC0\xAF"));           // overlong
}

TEST(Validation, Remark) {
  EXPECT_TRUE(is_remark(""));
  EXPECT_TRUE(is_remark(std::string(255, 'x')));
  EXPECT_FALSE(is_remark(std::string(256, 'x')));
  EXPECT_TRUE(is_remark("备注"));
  EXPECT_FALSE(is_remark("\xFF"));
  EXPECT_FALSE(is_remark("\xED\xA0\x80"));  // UTF-16 surrogate encoded
}

TEST(Validation, AppKeyAndSecret) {
  EXPECT_TRUE(is_app_key("abcd1234"));
  EXPECT_TRUE(is_app_key("a" + std::string(199, '-')));
  EXPECT_FALSE(is_app_key("a" + std::string(200, '-')));
  EXPECT_FALSE(is_app_key("abc1234"));
  EXPECT_FALSE(is_app_key("-abcd1234"));
  EXPECT_FALSE(is_app_key("abcd1234!"));
  EXPECT_TRUE(is_app_secret("Secret_-!@#$%"));
  EXPECT_FALSE(is_app_secret("!Secret123"));
  EXPECT_FALSE(is_app_secret(std::string(129, 'a')));
  EXPECT_FALSE(is_app_secret("short"));
}

TEST(Validation, AppCode) {
  const std::string seed =
      "GjOD3g80AABuuFeEJpVQADBlAjBh3UzC7W+gr4VJBB5BtJ4fdVOQoSvoji3gFxUDb5pWBz9wUcw9+8/"
      "bFZ1B/4pq29wCMQC0pQWX6zTndljDEl99As1pw+WntAU9xcq+ffagoH6zDpKUvdxV6Ezj8LcCcPZN6BU=";
  EXPECT_TRUE(is_app_code(seed));
  EXPECT_TRUE(is_app_code("fdc8d90a30174460a91ddacfa54d6f04c92e523a85cc4a1894f87cb13b6f572a"));
  EXPECT_TRUE(is_app_code("+" + std::string(63, 'a')));
  EXPECT_TRUE(is_app_code("/" + std::string(179, '=')));
  EXPECT_FALSE(is_app_code(std::string(63, 'a')));
  EXPECT_FALSE(is_app_code(std::string(181, 'a')));
  EXPECT_FALSE(is_app_code("_" + std::string(63, 'a')));
  EXPECT_FALSE(is_app_code("=" + std::string(63, 'a')));
  EXPECT_FALSE(is_app_code(std::string(63, 'a') + "~"));
  EXPECT_FALSE(is_app_code(std::string(63, 'a') + " "));
  // After the first character: letters, digits and +_!@#$%/=- only, every other byte refused.
  const std::string allowed = "+_!@#$%/=-";
  for (int b = 0; b < 256; ++b) {
    char c = static_cast<char>(b);
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    bool expected = alnum || allowed.find(c) != std::string::npos;
    EXPECT_EQ(is_app_code("a" + std::string(1, c) + std::string(62, 'a')), expected) << b;
  }
}

TEST(Validation, Utf8Length) {
  EXPECT_EQ(utf8_length("abc"), 3);
  EXPECT_EQ(utf8_length("中文"), 2);
  EXPECT_EQ(utf8_length("\xF4\x90\x80\x80"), -1);  // > U+10FFFF
}

TEST(TrafficRules, PathsDomainsAndNames) {
  using namespace gh::core::rules;
  EXPECT_TRUE(is_req_uri("/"));
  EXPECT_TRUE(is_req_uri("/users/{id}/orders"));
  EXPECT_TRUE(is_req_uri("/files/{path+}"));
  EXPECT_TRUE(is_req_uri("/a-b_c.d*%7E"));
  EXPECT_FALSE(is_req_uri("users"));
  EXPECT_FALSE(is_req_uri("/a//b"));
  EXPECT_FALSE(is_req_uri("/a/"));
  EXPECT_FALSE(is_req_uri("/{1bad}"));
  EXPECT_FALSE(is_req_uri("/a?b=c"));
  EXPECT_FALSE(is_req_uri("/" + std::string(512, 'a')));
  EXPECT_FALSE(is_req_uri("/#base#/x"));
  EXPECT_TRUE(is_req_uri("/#base#/x", true));
  EXPECT_EQ(path_params("/a/{x}/b/{rest+}"), (std::vector<std::string>{"x", "rest"}));

  EXPECT_TRUE(is_url_domain("backend.example.com"));
  EXPECT_TRUE(is_url_domain("10.0.0.1:8080"));
  EXPECT_TRUE(is_url_domain("#host#:#port#"));
  EXPECT_FALSE(is_url_domain("host:0"));
  EXPECT_FALSE(is_url_domain("host:65536"));
  EXPECT_FALSE(is_url_domain("http://host"));
  EXPECT_FALSE(is_url_domain(""));

  EXPECT_TRUE(is_env_name("staging_1"));
  EXPECT_FALSE(is_env_name("1staging"));
  EXPECT_FALSE(is_env_name("st"));
  EXPECT_TRUE(is_env_variable_name("backend-host"));
  EXPECT_FALSE(is_env_variable_name("ab"));
  EXPECT_TRUE(is_env_variable_value("/a/b:8080"));
  EXPECT_FALSE(is_env_variable_value("a b"));
  EXPECT_TRUE(is_group_name("分组_api.v1"));
  EXPECT_FALSE(is_group_name("_group"));
}

// fuzz/admin_api found answers that were not JSON: an id echoed from the path kept the client's
// invalid UTF-8 bytes. to_valid_utf8 makes such text valid, and leaves valid text alone.
TEST(Validation, ToValidUtf8ReplacesOnlyWhatIsInvalid) {
  EXPECT_EQ(to_valid_utf8("plain 中文 \xF0\x9F\x98\x80"), "plain 中文 \xF0\x9F\x98\x80");
  EXPECT_EQ(to_valid_utf8("id:{x\xAD}"), "id:{x\xEF\xBF\xBD}");
  EXPECT_EQ(to_valid_utf8("\xE4\xB8"), "\xEF\xBF\xBD\xEF\xBF\xBD");                    // truncated
  EXPECT_EQ(to_valid_utf8("\xED\xA0\x80!"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD!");  // surrogate
  EXPECT_EQ(to_valid_utf8(""), "");
  EXPECT_GE(utf8_length(to_valid_utf8("\xC0\xAF\xF4\x90\x80\x80 ok")), 0);
}
