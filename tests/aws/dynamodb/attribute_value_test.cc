#include "aws/dynamodb/attribute_value.h"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace nimbus::aws::dynamodb {
namespace {

Result<AttributeValue> parse(std::string_view json) {
  static simdjson::dom::parser parser;
  return readAttributeValue(parser.parse(json.data(), json.size()).value());
}

std::string roundTrip(std::string_view itemJson) {
  auto item = itemFromJson(itemJson);
  return item ? itemToJson(*item) : "error: " + item.error().message;
}

TEST(AttributeValue, RoundTripsEveryType) {
  EXPECT_EQ(
      roundTrip(R"({"s":{"S":"x"},"n":{"N":"1.50"},"b":{"B":"AAE="},"t":{"BOOL":true},)"
                R"("z":{"NULL":true},"l":{"L":[{"S":"a"},{"N":"2"}]},"m":{"M":{"k":{"S":"v"}}},)"
                R"("ss":{"SS":["a","b"]},"ns":{"NS":["1","2.0"]},"bs":{"BS":["AQ=="]}})"),
      R"({"b":{"B":"AAE="},"bs":{"BS":["AQ=="]},"l":{"L":[{"S":"a"},{"N":"2"}]},)"
      R"("m":{"M":{"k":{"S":"v"}}},"n":{"N":"1.5"},"ns":{"NS":["1","2"]},"s":{"S":"x"},)"
      R"("ss":{"SS":["a","b"]},"t":{"BOOL":true},"z":{"NULL":true}})");
}

TEST(AttributeValue, RefusesMalformedValuesWithDynamoDbsMessages) {
  EXPECT_EQ(parse("{}").error().message,
            "Supplied AttributeValue is empty, must contain exactly one of the supported "
            "datatypes");
  EXPECT_EQ(parse(R"({"S":"a","N":"1"})").error().message,
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
            "the supported datatypes");
  EXPECT_EQ(parse(R"({"SS":[]})").error().message,
            "One or more parameter values were invalid: An string set  may not be empty");
  EXPECT_EQ(parse(R"({"NS":["1","1.0"]})").error().message,
            "One or more parameter values were invalid: Input collection [1, 1.0] contains "
            "duplicates.");
  EXPECT_EQ(parse(R"({"NULL":false})").error().code, "ValidationException");
  EXPECT_EQ(parse(R"({"S":5})").error().code, "SerializationException");
  EXPECT_EQ(parse(R"({"N":"x"})").error().code, "ValidationException");
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += R"({"L":[)";
  deep += R"({"S":"x"})";
  for (int i = 0; i < 40; ++i) deep += "]}";
  EXPECT_EQ(parse(deep).error().code, "ValidationException");
}

TEST(AttributeValue, SetsAreEqualInAnyOrderAndNumbersNumerically) {
  EXPECT_EQ(*parse(R"({"SS":["a","b"]})"), *parse(R"({"SS":["b","a"]})"));
  EXPECT_EQ(*parse(R"({"N":"1.0"})"), *parse(R"({"N":"1"})"));
  EXPECT_FALSE(*parse(R"({"S":"1"})") == *parse(R"({"N":"1"})"));
}

TEST(AttributeValue, OrdersKeysAsDynamoDb) {
  EXPECT_TRUE(compareScalars(*parse(R"({"N":"-2"})"), *parse(R"({"N":"1"})")) < 0);
  EXPECT_TRUE(compareScalars(*parse(R"({"N":"9"})"), *parse(R"({"N":"10"})")) < 0);
  // Strings and binaries compare by unsigned bytes: 0xC3 ("é"'s first byte) after "z".
  EXPECT_TRUE(compareScalars(*parse(R"({"S":"z"})"), *parse(R"({"S":"é"})")) < 0);
  EXPECT_TRUE(compareScalars(*parse(R"({"B":"fw=="})"), *parse(R"({"B":"gA=="})")) < 0);
}

TEST(AttributeValue, SizesAsDynamoDbCountsThem) {
  auto item = itemFromJson(R"({"ab":{"S":"xyz"},"n":{"N":"123"}})");
  ASSERT_TRUE(item);
  // "ab" + "xyz" = 5; "n" + 3 digits = 1 + (2 + 1) = 4.
  EXPECT_EQ(itemSize(*item), 9u);
}

}  // namespace
}  // namespace nimbus::aws::dynamodb
