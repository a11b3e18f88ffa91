#include "gateway/http_text.h"

#include <gtest/gtest.h>

namespace nimbus::gateway::detail {
namespace {

std::string decode(std::string_view in, bool plus) {
  std::string out;
  appendPercentDecoded(out, in, plus);
  return out;
}

TEST(HttpTextTest, SplitTarget) {
  auto p = splitTarget("/a/b?x=1&y=2#frag");
  EXPECT_EQ(p.path, "/a/b");
  EXPECT_EQ(p.query, "x=1&y=2");
  p = splitTarget("/a?");
  EXPECT_EQ(p.path, "/a");
  EXPECT_EQ(p.query, "");
  p = splitTarget("/a?b?c");
  EXPECT_EQ(p.query, "b?c");
}

TEST(HttpTextTest, PercentDecoding) {
  EXPECT_EQ(decode("a%20b%2Fc%e2%82%ac", false), "a b/c\xe2\x82\xac");
  EXPECT_EQ(decode("a+b", false), "a+b");
  EXPECT_EQ(decode("a+b", true), "a b");
  // Malformed escapes are kept, not dropped.
  EXPECT_EQ(decode("100%", false), "100%");
  EXPECT_EQ(decode("%zz%4", false), "%zz%4");
  EXPECT_TRUE(needsDecoding("a%20", false));
  EXPECT_FALSE(needsDecoding("a+b", false));
  EXPECT_TRUE(needsDecoding("a+b", true));
}

TEST(HttpTextTest, QueryParametersAreFormDecoded) {
  std::vector<std::pair<std::string, std::string>> got;
  forEachQueryParameter("a=1&&b=x+y%2Bz&flag&a=2&=v&e%3D=%3D",
                        [&](std::string_view k, std::string_view v) { got.emplace_back(k, v); });
  std::vector<std::pair<std::string, std::string>> want = {{"a", "1"}, {"b", "x y+z"}, {"flag", ""},
                                                           {"a", "2"}, {"", "v"},      {"e=", "="}};
  EXPECT_EQ(got, want);
}

TEST(HttpTextTest, HttpApiTextMediaTypes) {
  for (const char* text :
       {"text/plain", "text/html; charset=utf-8", "TEXT/CSV", "application/json",
        "application/json;charset=UTF-8", "application/xml", "application/javascript"}) {
    EXPECT_TRUE(isHttpApiTextMediaType(text)) << text;
  }
  for (const char* binary :
       {"", "application/octet-stream", "image/png", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/problem+json",
        "text/plain; charset=iso-8859-1", "text"}) {
    EXPECT_FALSE(isHttpApiTextMediaType(binary)) << binary;
  }
}

TEST(HttpTextTest, BinaryMediaTypes) {
  std::vector<std::string> types = {"image/*", "application/octet-stream"};
  EXPECT_TRUE(matchesBinaryMediaTypes("image/png", types));
  EXPECT_TRUE(matchesBinaryMediaTypes("Application/Octet-Stream; x=1", types));
  EXPECT_FALSE(matchesBinaryMediaTypes("application/json", types));
  EXPECT_FALSE(matchesBinaryMediaTypes("", types));
  EXPECT_FALSE(matchesBinaryMediaTypes("imagex/png", types));
  EXPECT_TRUE(matchesBinaryMediaTypes("application/json", {"*/*"}));
  EXPECT_FALSE(matchesBinaryMediaTypes("image/png", {}));
}

TEST(HttpTextTest, FirstAcceptedMediaType) {
  EXPECT_EQ(firstAcceptedMediaType("image/png, */*;q=0.8"), "image/png");
  EXPECT_EQ(firstAcceptedMediaType("text/html;q=0.9,image/png"), "text/html");
  EXPECT_EQ(firstAcceptedMediaType(""), "");
}

TEST(HttpTextTest, MediaTypeParameter) {
  EXPECT_EQ(mediaTypeParameter("text/plain; charset=\"utf-8\"", "Charset"), "utf-8");
  EXPECT_EQ(mediaTypeParameter("text/plain; a=b ; charset=x", "charset"), "x");
  EXPECT_EQ(mediaTypeParameter("text/plain", "charset"), "");
}

}  // namespace
}  // namespace nimbus::gateway::detail
