#include <gtest/gtest.h>

#include "http/h1_connection.hpp"

namespace gh::http {
namespace {

TEST(SerializeResponseTest, StatusFieldsAndFramedBody) {
  Response res{bhttp::status::not_found, 11};
  res.set(bhttp::field::content_type, "application/json");
  res.set("X-Request-Id", "abc");
  res.body() = "{}";
  res.prepare_payload();
  std::string out;
  detail::serialize_response(res, out);
  EXPECT_EQ(out,
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nX-Request-Id: abc\r\n"
            "Content-Length: 2\r\n\r\n{}");
}

TEST(SerializeResponseTest, UnframedBodyGetsALengthAndBodilessStatusesNoBody) {
  Response res{bhttp::status::ok, 11};
  res.body() = "hello";
  std::string out;
  detail::serialize_response(res, out);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
  Response empty{bhttp::status::no_content, 10};
  empty.keep_alive(false);
  detail::serialize_response(empty, out);
  EXPECT_EQ(out.rfind("HTTP/1.0 204 No Content\r\n", 0), 0u);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

}  // namespace
}  // namespace gh::http
