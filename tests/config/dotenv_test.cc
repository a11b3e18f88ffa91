#include "config/dotenv.h"

#include <gtest/gtest.h>

namespace nimbus::config {
namespace {

std::map<std::string, std::string> parsedMap(std::string_view text) {
  auto pairs = parseDotenv(text);
  return {pairs.begin(), pairs.end()};
}

TEST(Dotenv, ParsesTheDotenvSyntax) {
  auto values = parsedMap(
      "# a comment\n"
      "\n"
      "PLAIN=value\n"
      "SPACED = spaced value  \n"
      "export EXPORTED=yes\n"
      "INLINE=abc # trailing comment\n"
      "SINGLE='single # not a comment'\n"
      "DOUBLE=\"line1\\nline2\"\n"
      "BACKTICK=`it's \"quoted\"`\n"
      "COLON: colon value\n"
      "EMPTY=\n"
      "MULTI=\"first\n"
      "second\"\n"
      "CRLF=windows\r\n"
      "not an assignment\n"
      "DUP=first\n"
      "DUP=second\n");
  EXPECT_EQ(values["PLAIN"], "value");
  EXPECT_EQ(values["SPACED"], "spaced value");
  EXPECT_EQ(values["EXPORTED"], "yes");
  EXPECT_EQ(values["INLINE"], "abc");
  EXPECT_EQ(values["SINGLE"], "single # not a comment");
  EXPECT_EQ(values["DOUBLE"], "line1\nline2");
  EXPECT_EQ(values["BACKTICK"], "it's \"quoted\"");
  EXPECT_EQ(values["COLON"], "colon value");
  EXPECT_EQ(values["EMPTY"], "");
  EXPECT_EQ(values["MULTI"], "first\nsecond");
  EXPECT_EQ(values["CRLF"], "windows");
  EXPECT_EQ(values["DUP"], "second");
  EXPECT_EQ(values.count("not"), 0u);
}

TEST(Dotenv, SingleQuotesKeepEscapesLiterally) {
  auto values = parsedMap("A='a\\nb'\n");
  EXPECT_EQ(values["A"], "a\\nb");
}

TEST(Dotenv, ExpandsReferencesWithProcessEnvironmentFirst) {
  auto parsed = parseDotenv(
      "HOST=localhost\n"
      "URL=http://${HOST}:$PORT/x\n"
      "WITH_DEFAULT=${MISSING:-fallback}\n"
      "UNKNOWN=[${NOPE}]\n"
      "ESCAPED=\\$HOST\n"
      "OVERRIDDEN=from-file\n"
      "USES_OVERRIDDEN=${OVERRIDDEN}\n");
  auto processEnv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "PORT") return "8080";
    if (name == "OVERRIDDEN") return "from-process";
    return std::nullopt;
  };
  auto values = expandDotenv(parsed, processEnv);
  EXPECT_EQ(values["URL"], "http://localhost:8080/x");
  EXPECT_EQ(values["WITH_DEFAULT"], "fallback");
  EXPECT_EQ(values["UNKNOWN"], "[]");
  EXPECT_EQ(values["ESCAPED"], "$HOST");
  EXPECT_EQ(values["OVERRIDDEN"], "from-process");
  EXPECT_EQ(values["USES_OVERRIDDEN"], "from-process");
}

TEST(Dotenv, SelfReferenceDoesNotHang) {
  auto values = expandDotenv(parseDotenv("A=$A-x\n"),
                             [](const std::string&) { return std::optional<std::string>(); });
  EXPECT_FALSE(values["A"].empty());
}

}  // namespace
}  // namespace nimbus::config
