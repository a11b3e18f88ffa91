#include "core/json_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <limits>

namespace nimbus {
namespace {

TEST(JsonWriter, WritesNestedValuesWithCommas) {
  std::string out;
  JsonWriter w(out);
  w.beginObject().field("a", 1).key("b").beginArray().string("x").null().boolean(true).endArray();
  w.key("c").beginObject().endObject().endObject();
  EXPECT_EQ(out, R"({"a":1,"b":["x",null,true],"c":{}})");
}

TEST(JsonWriter, WritesTheShortestNumberThatReadsBack) {
  std::string out;
  JsonWriter w(out);
  w.beginArray().number(0.1).number(0.5).number(1.0).number(1e21).number(-2.5e-7);
  w.number(std::numeric_limits<double>::quiet_NaN()).endArray();
  EXPECT_EQ(out, "[0.1,0.5,1,1e+21,-2.5e-07,null]");
}

TEST(JsonWriter, EscapesControlCharactersAndQuotes) {
  std::string out;
  appendJsonString(out, std::string("a\"b\\c\n\x01", 7));
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
}

TEST(JsonWriter, ReplacesInvalidUtf8SoTheOutputParses) {
  std::string out;
  appendJsonString(out, "ok \xC3\xA9 bad \xFF\xC3");
  simdjson::dom::parser parser;
  auto doc = parser.parse(out);
  ASSERT_FALSE(doc.error());
  EXPECT_EQ(std::string_view(doc.get_string().value()), "ok \xC3\xA9 bad \xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace nimbus
