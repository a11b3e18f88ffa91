// Query and Scan against tables held by a real engine over a SQLite store: DynamoDB's key order
// for N, S and B, key conditions in both directions, Limit and ExclusiveStartKey paging that
// returns every item exactly once, 1 MB pages, filters (Count against ScannedCount), secondary
// indexes and their projections, parallel scan segments, and DynamoDB's error messages.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <future>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "aws/dynamodb/api.h"
#include "core/base64.h"
#include "core/json_writer.h"
#include "service_fixture.h"

namespace nimbus::aws::dynamodb {
namespace {

using Answer = service_test::OperationAnswer;

// The scalar text of attribute `name` of an item ({"N":"12"} -> "12"), "" when absent.
std::string scalar(simdjson::dom::element item, std::string_view name) {
  simdjson::dom::object value;
  if (item[name].get(value) != simdjson::SUCCESS) return "";
  for (auto field : value) {
    std::string_view text;
    if (field.value.get(text) == simdjson::SUCCESS) return std::string(text);
  }
  return "";
}

// Attribute names of an item, sorted.
std::vector<std::string> names(simdjson::dom::element item) {
  std::vector<std::string> out;
  simdjson::dom::object object;
  if (item.get(object) != simdjson::SUCCESS) return out;
  for (auto field : object) out.emplace_back(field.key);
  std::sort(out.begin(), out.end());
  return out;
}

std::string canonicalNumber(std::string_view text) {
  auto d = Decimal::parse(text);
  return d ? d->toString() : "bad number " + std::string(text);
}

class ReadApiTest : public service_test::EngineTest {
 protected:
  ReadApiTest() : EngineTest("nimbus-dynamodb-read-test-") {}

  // Writes the items (DynamoDB JSON each) in one commit, as a write operation would.
  void put(const std::shared_ptr<Table>& table, const std::vector<std::string>& itemsJson) {
    std::vector<ItemChange> changes;
    std::promise<std::string> done;
    {
      std::unique_lock lock(table->mutex);
      for (const auto& json : itemsJson) {
        auto item = itemFromJson(json);
        ASSERT_TRUE(item.ok()) << json;
        ASSERT_TRUE(engine().checkItemKeys(table->definition, *item).ok()) << json;
        auto ptr = std::make_shared<const Item>(std::move(*item));
        EntryKey key = table->keyOf(*ptr);
        changes.push_back({table, key, table->find(key), ptr});
      }
      engine().commit(std::move(changes), [&](std::string e) { done.set_value(std::move(e)); });
    }
    EXPECT_EQ(done.get_future().get(), "");
  }

  Answer query(const std::string& json) { return call(dynamodb::query, json); }
  Answer scan(const std::string& json) { return call(dynamodb::scan, json); }

  // Every page of a read, following LastEvaluatedKey; `request` is the JSON object's members
  // without braces. Returns `attribute` of every item in order, and checks each page's size.
  std::vector<std::string> allPages(Operation operation, const std::string& request,
                                    const std::string& attribute, size_t limit = 0,
                                    int* pages = nullptr) {
    std::vector<std::string> out;
    std::string start;
    for (int page = 0; page < 100000; ++page) {
      std::string json = "{" + request;
      if (limit) json += fmt::format(",\"Limit\":{}", limit);
      if (!start.empty()) json += ",\"ExclusiveStartKey\":" + start;
      json += "}";
      Answer a = call(operation, json);
      EXPECT_TRUE(a.ok()) << a.body;
      if (!a.ok()) break;
      auto items = a.items();
      if (limit) {
        EXPECT_LE(items.size(), limit);
      }
      for (auto item : items) out.push_back(scalar(item, attribute));
      start = a.lastKey();
      if (pages) *pages = page + 1;
      if (start.empty()) break;
    }
    return out;
  }

  // A table with a string partition key `p` and a sort key `c` of `sortType`.
  std::shared_ptr<Table> sortedTable(const std::string& name, const std::string& sortType) {
    return createTable(fmt::format(
        R"({{"TableName":"{}","BillingMode":"PAY_PER_REQUEST",)"
        R"("KeySchema":[{{"AttributeName":"p","KeyType":"HASH"}},{{"AttributeName":"c","KeyType":"RANGE"}}],)"
        R"("AttributeDefinitions":[{{"AttributeName":"p","AttributeType":"S"}},)"
        R"({{"AttributeName":"c","AttributeType":"{}"}}]}})",
        name, sortType));
  }

  // Items p=`p`, c=N for each number (written in random order).
  void putNumbers(const std::shared_ptr<Table>& table, const std::string& p,
                  std::vector<std::string> numbers) {
    std::shuffle(numbers.begin(), numbers.end(), std::mt19937(7));
    std::vector<std::string> items;
    for (const auto& n : numbers) {
      items.push_back(fmt::format(R"({{"p":{{"S":"{}"}},"c":{{"N":"{}"}}}})", p, n));
    }
    put(table, items);
  }
};

std::vector<std::string> range(int from, int to, int step = 1) {
  std::vector<std::string> out;
  for (int i = from; i < to; i += step) out.push_back(std::to_string(i));
  return out;
}

std::vector<std::string> reversed(std::vector<std::string> v) {
  std::reverse(v.begin(), v.end());
  return v;
}

constexpr const char* kQueryP =
    R"("TableName":"tbl","KeyConditionExpression":"p = :p","ExpressionAttributeValues":{":p":{"S":"a"}})";

TEST_F(ReadApiTest, NumberSortKeysOrderNumericallyIncludingNegativesAndDecimals) {
  auto table = sortedTable("tbl", "N");
  // DynamoDB's order for numbers, each exact (38 digits where given).
  std::vector<std::string> numbers = {"-2e10",   "-7.1e2",
                                      "-4.1",    "-0.1",
                                      "-1e-5",   "0",
                                      "2e-5",    "0.15",
                                      "1",       "1.00000000000000000000000001",
                                      "3.14159", "3.1415926535897932384626433832795028841",
                                      "31.4",    "1.4e10"};
  putNumbers(table, "a", numbers);
  std::vector<std::string> expected;
  for (const auto& n : numbers) expected.push_back(canonicalNumber(n));
  EXPECT_EQ(allPages(dynamodb::query, kQueryP, "c"), expected);
  EXPECT_EQ(allPages(dynamodb::query, std::string(kQueryP) + R"(,"ScanIndexForward":false)", "c"),
            reversed(expected));
}

TEST_F(ReadApiTest, StringAndBinarySortKeysOrderByUnsignedBytes) {
  auto strings = sortedTable("tbl", "S");
  std::vector<std::string> values = {"a", "B", "b", "aa", "\xc3\xa4", "~", "Z", "10", "2", "\x7f"};
  std::vector<std::string> items;
  for (const auto& v : values) {
    std::string json;
    appendJsonString(json, v);
    items.push_back(fmt::format(R"({{"p":{{"S":"a"}},"c":{{"S":{}}}}})", json));
  }
  put(strings, items);
  std::vector<std::string> expected = values;
  std::sort(expected.begin(), expected.end());  // std::string compares bytes unsigned.
  EXPECT_EQ(allPages(dynamodb::query, kQueryP, "c"), expected);

  auto binaries = sortedTable("tbin", "B");
  std::vector<std::string> bytes = {
      std::string("\x00", 1),     "\x01",    "\x7f", "\x80", "\xff", std::string("\x80\x00", 2),
      std::string("\x00\x01", 2), "\xfe\xff"};
  items.clear();
  for (const auto& b : bytes) {
    items.push_back(fmt::format(R"({{"p":{{"S":"a"}},"c":{{"B":"{}"}}}})", base64Encode(b)));
  }
  put(binaries, items);
  std::sort(bytes.begin(), bytes.end());
  expected.clear();
  for (const auto& b : bytes) expected.push_back(base64Encode(b));
  EXPECT_EQ(allPages(dynamodb::query,
                     R"("TableName":"tbin","KeyConditionExpression":"p = :p",)"
                     R"("ExpressionAttributeValues":{":p":{"S":"a"}})",
                     "c"),
            expected);
  // begins_with on bytes whose prefix ends in 0xff reaches the end of the partition.
  EXPECT_EQ(
      allPages(dynamodb::query,
               R"x("TableName":"tbin","KeyConditionExpression":"p = :p AND begins_with(c, :b)",)x"
               R"("ExpressionAttributeValues":{":p":{"S":"a"},":b":{"B":"/w=="}})",
               "c"),
      std::vector<std::string>{base64Encode("\xff")});
  EXPECT_EQ(
      allPages(dynamodb::query,
               R"x("TableName":"tbin","KeyConditionExpression":"p = :p AND begins_with(c, :b)",)x"
               R"("ScanIndexForward":false,)"
               R"("ExpressionAttributeValues":{":p":{"S":"a"},":b":{"B":"gA=="}})",
               "c"),
      (std::vector<std::string>{base64Encode(std::string("\x80\x00", 2)), base64Encode("\x80")}));
}

TEST_F(ReadApiTest, SortKeyConditionsInBothDirections) {
  auto table = sortedTable("tbl", "N");
  putNumbers(table, "a", range(0, 20));
  putNumbers(table, "b", range(0, 5));  // Another partition, never read.
  struct Case {
    std::string condition;
    std::vector<std::string> expected;
  };
  std::vector<Case> cases = {
      {"c = :v", {"7"}},
      {"c < :v", range(0, 7)},
      {"c <= :v", range(0, 8)},
      {"c > :v", range(8, 20)},
      {":v < c", range(8, 20)},
      {"c >= :v", range(7, 20)},
      {"c BETWEEN :v AND :w", range(7, 13)},
  };
  for (const auto& [condition, expected] : cases) {
    for (bool forward : {true, false}) {
      for (size_t limit : {0, 1, 3, 100}) {
        std::string request =
            fmt::format(R"("TableName":"tbl","KeyConditionExpression":"p = :p AND {}",)"
                        R"("ScanIndexForward":{},)"
                        R"("ExpressionAttributeValues":{{":p":{{"S":"a"}},":v":{{"N":"7"}}{}}})",
                        condition, forward,
                        condition.find(":w") != std::string::npos ? R"(,":w":{"N":"12"})" : "");
        EXPECT_EQ(allPages(dynamodb::query, request, "c", limit),
                  forward ? expected : reversed(expected))
            << condition << (forward ? " forward" : " reverse") << " limit " << limit;
      }
    }
  }
  auto strings = sortedTable("str", "S");
  put(strings, {R"({"p":{"S":"a"},"c":{"S":"ab"}})", R"({"p":{"S":"a"},"c":{"S":"abc"}})",
                R"({"p":{"S":"a"},"c":{"S":"abd"}})", R"({"p":{"S":"a"},"c":{"S":"ac"}})",
                R"({"p":{"S":"a"},"c":{"S":"a"}})"});
  for (bool forward : {true, false}) {
    std::vector<std::string> expected = {"ab", "abc", "abd"};
    EXPECT_EQ(allPages(dynamodb::query,
                       fmt::format(
                           R"("TableName":"str","ScanIndexForward":{},)"
                           R"x("KeyConditionExpression":"p = :p AND begins_with(c, :b)",)x"
                           R"("ExpressionAttributeValues":{{":p":{{"S":"a"}},":b":{{"S":"ab"}}}})",
                           forward),
                       "c", 1),
              forward ? expected : reversed(expected));
  }
}

TEST_F(ReadApiTest, LimitPagesReturnEveryItemOnceAndLastEvaluatedKeyWhenFull) {
  auto table = sortedTable("tbl", "N");
  putNumbers(table, "a", range(0, 20));
  for (size_t limit : {1, 2, 3, 7, 10, 17, 20, 100}) {
    int pages = 0;
    EXPECT_EQ(allPages(dynamodb::query, kQueryP, "c", limit, &pages), range(0, 20));
    // A page that reaches its Limit has a LastEvaluatedKey even when nothing follows (then the
    // next page is empty), as DynamoDB answers.
    EXPECT_EQ(pages, static_cast<int>(20 / limit + 1)) << limit;
  }
  Answer a = query(std::string("{") + kQueryP + R"(,"Limit":5})");
  EXPECT_EQ(a.number("Count"), 5);
  EXPECT_EQ(a.number("ScannedCount"), 5);
  EXPECT_EQ(a.lastKey(), R"({"c":{"N":"4"},"p":{"S":"a"}})");
}

TEST_F(ReadApiTest, ExclusiveStartKeyNeedNotBeAnExistingItem) {
  auto table = sortedTable("tbl", "N");
  putNumbers(table, "a", range(0, 40, 2));
  for (int start : {-3, 0, 8, 17, 34, 80}) {
    std::vector<std::string> expected;
    for (int n = 0; n < 40 && expected.size() < 5; n += 2) {
      if (n > start) expected.push_back(std::to_string(n));
    }
    Answer a = query(
        fmt::format(R"({{{},"Limit":5,"ExclusiveStartKey":{{"p":{{"S":"a"}},"c":{{"N":"{}"}}}}}})",
                    kQueryP, start));
    ASSERT_TRUE(a.ok()) << a.body;
    std::vector<std::string> got;
    for (auto item : a.items()) got.push_back(scalar(item, "c"));
    EXPECT_EQ(got, expected) << start;
  }
}

TEST_F(ReadApiTest, PagesStopAtOneMegabyteRead) {
  auto table = sortedTable("tbl", "N");
  const std::string filler(10000, 'x');
  std::vector<std::string> items;
  for (int i = 0; i < 250; ++i) {
    items.push_back(
        fmt::format(R"({{"p":{{"S":"a"}},"c":{{"N":"{}"}},"s":{{"S":"{}"}}}})", i, filler));
  }
  put(table, items);
  for (bool forward : {true, false}) {
    Answer a = query(fmt::format(R"({{{},"ScanIndexForward":{}}})", kQueryP, forward));
    ASSERT_TRUE(a.ok());
    // The page holds the item whose size reaches 1 MB, and stops there.
    size_t bytes = 0, lastSize = 0;
    for (auto item : a.items()) {
      auto parsed = itemFromJson(simdjson::minify(item));
      ASSERT_TRUE(parsed.ok());
      lastSize = itemSize(*parsed);
      bytes += lastSize;
    }
    EXPECT_GE(bytes, 1024u * 1024u);
    EXPECT_LT(bytes - lastSize, 1024u * 1024u);
    EXPECT_NE(a.lastKey(), "");
    std::vector<std::string> expected = range(0, 250);
    int pages = 0;
    EXPECT_EQ(
        allPages(dynamodb::query, fmt::format(R"({},"ScanIndexForward":{})", kQueryP, forward), "c",
                 0, &pages),
        forward ? expected : reversed(expected));
    EXPECT_EQ(pages, 3);
  }
  // Scan pages by the same measure; a filter that keeps nothing still reads 1 MB a page.
  Answer a = scan(R"({"TableName":"tbl","FilterExpression":"s = :v",)"
                  R"("ExpressionAttributeValues":{":v":{"S":"y"}}})");
  ASSERT_TRUE(a.ok()) << a.body;
  EXPECT_EQ(a.number("Count"), 0);
  EXPECT_GT(a.number("ScannedCount"), 100);
  EXPECT_LT(a.number("ScannedCount"), 250);
  EXPECT_NE(a.lastKey(), "");
  EXPECT_EQ(allPages(dynamodb::scan, R"("TableName":"tbl")", "c").size(), 250u);
}

TEST_F(ReadApiTest, FiltersCountAfterLimitAndScannedCountBefore) {
  auto table = sortedTable("tbl", "N");
  std::vector<std::string> items;
  for (int i = 0; i < 10; ++i) {
    items.push_back(
        fmt::format(R"({{"p":{{"S":"a"}},"c":{{"N":"{}"}},"even":{{"BOOL":{}}}}})", i, i % 2 == 0));
  }
  put(table, items);
  const std::string filtered =
      R"("TableName":"tbl","KeyConditionExpression":"p = :p","FilterExpression":"even = :t",)"
      R"("ExpressionAttributeValues":{":p":{"S":"a"},":t":{"BOOL":true}})";
  Answer a = query("{" + filtered + R"(,"Limit":5})");
  ASSERT_TRUE(a.ok()) << a.body;
  EXPECT_EQ(a.number("Count"), 3);  // 0, 2, 4 of the five read.
  EXPECT_EQ(a.number("ScannedCount"), 5);
  EXPECT_EQ(a.lastKey(), R"({"c":{"N":"4"},"p":{"S":"a"}})");
  EXPECT_EQ(allPages(dynamodb::query, filtered, "c", 3), range(0, 10, 2));

  a = query("{" + filtered + R"(,"Select":"COUNT"})");
  EXPECT_EQ(a.number("Count"), 5);
  EXPECT_EQ(a.number("ScannedCount"), 10);
  EXPECT_FALSE(a.has("Items"));

  a = scan(R"({"TableName":"tbl","FilterExpression":"even = :f","ProjectionExpression":"c",)"
           R"("ExpressionAttributeValues":{":f":{"BOOL":false}}})");
  EXPECT_EQ(a.number("Count"), 5);
  EXPECT_EQ(a.number("ScannedCount"), 10);
  for (auto item : a.items()) EXPECT_EQ(names(item), std::vector<std::string>{"c"});

  // Query filters may not name the key.
  a = query(R"({"TableName":"tbl","KeyConditionExpression":"p = :p","FilterExpression":"c > :n",)"
            R"("ExpressionAttributeValues":{":p":{"S":"a"},":n":{"N":"1"}}})");
  EXPECT_EQ(a.message(),
            "Filter Expression can only contain non-primary key attributes: Primary key "
            "attribute: c");
}

class IndexReadTest : public ReadApiTest {
 protected:
  void SetUp() override {
    ReadApiTest::SetUp();
    table_ = createTable(R"({"TableName":"tbl","BillingMode":"PAY_PER_REQUEST",
      "KeySchema":[{"AttributeName":"p","KeyType":"HASH"},{"AttributeName":"c","KeyType":"RANGE"}],
      "AttributeDefinitions":[{"AttributeName":"p","AttributeType":"S"},
        {"AttributeName":"c","AttributeType":"N"},{"AttributeName":"color","AttributeType":"S"},
        {"AttributeName":"weight","AttributeType":"N"},{"AttributeName":"rank","AttributeType":"N"}],
      "GlobalSecondaryIndexes":[
        {"IndexName":"keys","KeySchema":[{"AttributeName":"color","KeyType":"HASH"},
          {"AttributeName":"weight","KeyType":"RANGE"}],"Projection":{"ProjectionType":"KEYS_ONLY"}},
        {"IndexName":"include","KeySchema":[{"AttributeName":"color","KeyType":"HASH"}],
          "Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["name"]}},
        {"IndexName":"all","KeySchema":[{"AttributeName":"color","KeyType":"HASH"}],
          "Projection":{"ProjectionType":"ALL"}}],
      "LocalSecondaryIndexes":[
        {"IndexName":"byRank","KeySchema":[{"AttributeName":"p","KeyType":"HASH"},
          {"AttributeName":"rank","KeyType":"RANGE"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}]})");
    std::vector<std::string> items;
    // Twelve red items of weights 0..5 (two of each), in two partitions; four blue; two without a
    // colour (not in the global indexes).
    for (int i = 0; i < 12; ++i) {
      items.push_back(fmt::format(
          R"({{"p":{{"S":"{}"}},"c":{{"N":"{}"}},"color":{{"S":"red"}},"weight":{{"N":"{}"}},)"
          R"("rank":{{"N":"{}"}},"name":{{"S":"n{}"}},"extra":{{"S":"e{}"}}}})",
          i % 2 ? "x" : "y", i, i / 2, 100 - i, i, i));
    }
    for (int i = 12; i < 16; ++i) {
      items.push_back(fmt::format(
          R"({{"p":{{"S":"x"}},"c":{{"N":"{}"}},"color":{{"S":"blue"}},"weight":{{"N":"1"}},)"
          R"("rank":{{"N":"{}"}}}})",
          i, 100 - i));
    }
    items.push_back(R"({"p":{"S":"x"},"c":{"N":"20"},"rank":{"N":"1"}})");
    items.push_back(R"({"p":{"S":"y"},"c":{"N":"21"}})");
    put(table_, items);
  }

  std::shared_ptr<Table> table_;
};

constexpr const char* kRed =
    R"("TableName":"tbl","KeyConditionExpression":"color = :c","ExpressionAttributeValues":{":c":{"S":"red"}})";

TEST_F(IndexReadTest, GlobalIndexQueriesReturnTheIndexProjection) {
  Answer a = query(std::string(R"({"IndexName":"keys",)") + kRed + "}");
  ASSERT_TRUE(a.ok()) << a.body;
  EXPECT_EQ(a.number("Count"), 12);
  std::vector<std::string> weights;
  for (auto item : a.items()) {
    EXPECT_EQ(names(item), (std::vector<std::string>{"c", "color", "p", "weight"}));
    weights.push_back(scalar(item, "weight"));
  }
  EXPECT_TRUE(std::is_sorted(weights.begin(), weights.end()));

  a = query(std::string(R"({"IndexName":"include",)") + kRed + "}");
  for (auto item : a.items()) {
    EXPECT_EQ(names(item), (std::vector<std::string>{"c", "color", "name", "p"}));
  }
  a = query(std::string(R"({"IndexName":"all",)") + kRed + "}");
  EXPECT_EQ(a.number("Count"), 12);
  for (auto item : a.items()) EXPECT_EQ(names(item).size(), 7u);

  // Filters see what the index holds.
  a = query(std::string(R"x({"IndexName":"keys","FilterExpression":"attribute_exists(extra)",)x") +
            kRed + "}");
  EXPECT_EQ(a.number("Count"), 0);
  EXPECT_EQ(a.number("ScannedCount"), 12);

  // Sort conditions on the index's sort key.
  a = query(R"({"TableName":"tbl","IndexName":"keys","ScanIndexForward":false,)"
            R"("KeyConditionExpression":"color = :c AND weight BETWEEN :a AND :b",)"
            R"("ExpressionAttributeValues":{":c":{"S":"red"},":a":{"N":"2"},":b":{"N":"3"}}})");
  std::vector<std::string> got;
  for (auto item : a.items()) got.push_back(scalar(item, "weight"));
  EXPECT_EQ(got, (std::vector<std::string>{"3", "3", "2", "2"}));
}

TEST_F(IndexReadTest, IndexPagesCarryTableAndIndexKeysAndVisitEveryItemOnce) {
  // Several items share each index key, so paging relies on the table key in LastEvaluatedKey.
  for (bool forward : {true, false}) {
    for (size_t limit : {1, 2, 5}) {
      std::string request =
          fmt::format(R"("IndexName":"keys","ScanIndexForward":{},{})", forward, kRed);
      auto cs = allPages(dynamodb::query, request, "c", limit);
      EXPECT_EQ(std::set<std::string>(cs.begin(), cs.end()).size(), 12u);
      EXPECT_EQ(cs.size(), 12u);
    }
  }
  Answer a = query(std::string(R"({"IndexName":"keys","Limit":1,)") + kRed + "}");
  EXPECT_EQ(names(a.json["LastEvaluatedKey"].value()),
            (std::vector<std::string>{"c", "color", "p", "weight"}));
  a = query(
      R"({"TableName":"tbl","IndexName":"byRank","Limit":1,"KeyConditionExpression":"p = :p",)"
      R"("ExpressionAttributeValues":{":p":{"S":"x"}}})");
  EXPECT_EQ(names(a.json["LastEvaluatedKey"].value()),
            (std::vector<std::string>{"c", "p", "rank"}));
  // Scans of an index read only the items it holds.
  EXPECT_EQ(allPages(dynamodb::scan, R"("TableName":"tbl","IndexName":"keys")", "c", 3).size(),
            16u);
  EXPECT_EQ(allPages(dynamodb::scan, R"("TableName":"tbl","IndexName":"byRank")", "c", 4).size(),
            17u);
}

TEST_F(IndexReadTest, LocalIndexesReadUnprojectedAttributesFromTheTable) {
  const std::string byRank =
      R"("TableName":"tbl","IndexName":"byRank","KeyConditionExpression":"p = :p AND #r < :r",)"
      R"("ExpressionAttributeNames":{"#r":"rank"},)"
      R"("ExpressionAttributeValues":{":p":{"S":"x"},":r":{"N":"92"}})";
  Answer a = query("{" + byRank + "}");
  ASSERT_TRUE(a.ok()) << a.body;
  std::vector<std::string> ranks;
  for (auto item : a.items()) {
    EXPECT_EQ(names(item), (std::vector<std::string>{"c", "p", "rank"}));
    ranks.push_back(scalar(item, "rank"));
  }
  EXPECT_EQ(ranks, (std::vector<std::string>{"1", "85", "86", "87", "88", "89", "91"}));
  a = query("{" + byRank + R"(,"Select":"ALL_ATTRIBUTES"})");
  ASSERT_TRUE(a.ok()) << a.body;
  EXPECT_EQ(names(a.items().at(1).value()),
            (std::vector<std::string>{"c", "color", "p", "rank", "weight"}));
  a = query("{" + byRank + R"(,"ProjectionExpression":"color"})");
  ASSERT_TRUE(a.ok()) << a.body;
  EXPECT_EQ(scalar(a.items().at(1).value(), "color"), "blue");
}

TEST_F(IndexReadTest, IndexErrorsAsDynamoDbWordsThem) {
  Answer a = query(std::string(R"({"IndexName":"nope",)") + kRed + "}");
  EXPECT_EQ(a.message(), "The table does not have the specified index: nope");
  a = query(std::string(R"({"IndexName":"keys","ConsistentRead":true,)") + kRed + "}");
  EXPECT_EQ(a.message(), "Consistent reads are not supported on global secondary indexes");
  a = query(std::string(R"({"IndexName":"keys","Select":"ALL_ATTRIBUTES",)") + kRed + "}");
  EXPECT_EQ(a.message(),
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
            "supported for global secondary index keys because its projection type is not ALL");
  a = query(std::string(R"({"IndexName":"include","ProjectionExpression":"p, extra, #n",)"
                        R"("ExpressionAttributeNames":{"#n":"name"},)") +
            kRed + "}");
  EXPECT_EQ(a.message(),
            "One or more parameter values were invalid: Global secondary index include does not "
            "project [extra]");
  a = scan(R"({"TableName":"tbl","IndexName":"keys","ConsistentRead":true})");
  EXPECT_EQ(a.message(), "Consistent reads are not supported on global secondary indexes");
  // The starting key of an index read names the index's key and the table's.
  a = query(std::string(R"({"IndexName":"keys",)") + kRed +
            R"(,"ExclusiveStartKey":{"p":{"S":"x"},"c":{"N":"1"}}})");
  EXPECT_EQ(a.message(), "The provided starting key is invalid");
  a = query(
      std::string(R"({"IndexName":"keys",)") + kRed +
      R"(,"ExclusiveStartKey":{"p":{"S":"x"},"c":{"N":"1"},"color":{"S":"blue"},"weight":{"N":"1"}}})");
  EXPECT_EQ(a.message(),
            "The provided starting key is outside query boundaries based on provided conditions");
  a = scan(
      R"({"TableName":"tbl","IndexName":"keys","ExclusiveStartKey":{"p":{"S":"x"},"c":{"N":"1"}}})");
  EXPECT_EQ(a.message(), "The provided starting key is invalid");
}

TEST_F(ReadApiTest, ParallelScanSegmentsCoverTheTableExactlyOnce) {
  createTable(R"({"TableName":"hash","BillingMode":"PAY_PER_REQUEST",
    "KeySchema":[{"AttributeName":"p","KeyType":"HASH"}],
    "AttributeDefinitions":[{"AttributeName":"p","AttributeType":"N"}]})");
  std::vector<std::string> items;
  for (int i = 0; i < 500; ++i) items.push_back(fmt::format(R"({{"p":{{"N":"{}"}}}})", i));
  put(engine().table("hash"), items);
  for (int total : {1, 2, 7, 17, 1000}) {
    std::multiset<std::string> seen;
    for (int segment = 0; segment < total; ++segment) {
      for (auto& p : allPages(
               dynamodb::scan,
               fmt::format(R"("TableName":"hash","Segment":{},"TotalSegments":{})", segment, total),
               "p", 40)) {
        seen.insert(p);
      }
    }
    EXPECT_EQ(seen.size(), 500u) << total;
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 500u) << total;
  }
  // Two segments split a table of this size roughly evenly.
  Answer a = scan(R"({"TableName":"hash","Segment":0,"TotalSegments":2,"Select":"COUNT"})");
  EXPECT_GT(a.number("Count"), 200);
  EXPECT_LT(a.number("Count"), 300);
  // A scan continues from a key of its own segment only.
  a = scan(R"({"TableName":"hash","Limit":1,"Segment":1,"TotalSegments":2})");
  std::string start = a.lastKey();
  a = scan(R"({"TableName":"hash","Segment":0,"TotalSegments":2,"ExclusiveStartKey":)" + start +
           "}");
  EXPECT_EQ(a.message(),
            "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use "
            "ExclusiveStartKey with correct Segment. TotalSegments: 2 Segment: 0");
}

TEST_F(ReadApiTest, ScanSegmentErrors) {
  sortedTable("tbl", "N");
  EXPECT_EQ(scan(R"({"TableName":"tbl","Segment":1})").message(),
            "The TotalSegments parameter is required but was not present in the request when "
            "Segment parameter is present");
  EXPECT_EQ(scan(R"({"TableName":"tbl","TotalSegments":2})").message(),
            "The Segment parameter is required but was not present in the request when "
            "parameter TotalSegments is present");
  EXPECT_EQ(scan(R"({"TableName":"tbl","Segment":7,"TotalSegments":5})").message(),
            "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
            "Segment: 7 is not less than TotalSegments: 5");
  EXPECT_EQ(scan(R"({"TableName":"tbl","Segment":0,"TotalSegments":1000001})").message(),
            "1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy "
            "constraint: Member must have value less than or equal to 1000000");
  EXPECT_EQ(scan(R"({"TableName":"tbl","Segment":-1,"TotalSegments":0,"Limit":0})").message(),
            "3 validation errors detected: Value '0' at 'totalSegments' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1; Value '-1' at "
            "'segment' failed to satisfy constraint: Member must have value greater than or "
            "equal to 0; Value '0' at 'limit' failed to satisfy constraint: Member must have "
            "value greater than or equal to 1");
}

TEST_F(ReadApiTest, RequestErrorsAsDynamoDbWordsThem) {
  sortedTable("tbl", "N");
  auto message = [&](const std::string& json) { return query(json).message(); };
  EXPECT_EQ(query(R"({"TableName":"missing","KeyConditionExpression":"p = :p",)"
                  R"("ExpressionAttributeValues":{":p":{"S":"a"}}})")
                .errorType(),
            "ResourceNotFoundException");
  EXPECT_EQ(message(R"({"TableName":"tbl"})"),
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in "
            "the request.");
  EXPECT_EQ(message(std::string("{") + kQueryP + R"(,"Limit":0})"),
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1");
  EXPECT_EQ(message(std::string("{") + kQueryP + R"(,"Select":"count"})"),
            "1 validation error detected: Value 'count' at 'select' failed to satisfy "
            "constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, "
            "ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]");
  EXPECT_EQ(
      message(std::string("{") + kQueryP + R"(,"Select":"COUNT","ProjectionExpression":"c"})"),
      "1 validation error detected: Cannot specify the ProjectionExpression when choosing "
      "to get only the Count");
  EXPECT_EQ(
      scan(R"({"TableName":"tbl","Select":"ALL_ATTRIBUTES","ProjectionExpression":"c"})").message(),
      "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES");
  EXPECT_EQ(message(std::string("{") + kQueryP + R"(,"Select":"SPECIFIC_ATTRIBUTES"})"),
            "1 validation error detected: Must specify the AttributesToGet or "
            "ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES");
  EXPECT_EQ(scan(R"({"TableName":"tbl","Select":"ALL_PROJECTED_ATTRIBUTES"})").message(),
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
  EXPECT_EQ(message(std::string("{") + kQueryP + R"(,"AttributesToGet":["c"]})"),
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributesToGet} Expression parameters: "
            "{KeyConditionExpression}");
  EXPECT_EQ(scan(R"({"TableName":"tbl","ExpressionAttributeValues":{":v":{"S":"a"}}})").message(),
            "ExpressionAttributeValues can only be specified when using expressions: "
            "FilterExpression is null");

  // ExclusiveStartKey.
  auto withStart = [&](const std::string& start) {
    return message(fmt::format(R"({{{},"ExclusiveStartKey":{}}})", kQueryP, start));
  };
  EXPECT_EQ(withStart(R"({"p":{"S":"a"}})"), "The provided starting key is invalid");
  EXPECT_EQ(withStart(R"({"p":{"S":"a"},"c":{"N":"1"},"x":{"N":"3"}})"),
            "The provided starting key is invalid");
  EXPECT_EQ(withStart(R"({"p":{"S":"a"},"c":{"S":"dog"}})"),
            "The provided key element does not match the schema");
  EXPECT_EQ(withStart(R"({"p":{"S":"b"},"c":{"N":"1"}})"),
            "The provided starting key is outside query boundaries based on provided conditions");
  EXPECT_EQ(message(R"({"TableName":"tbl","KeyConditionExpression":"p = :p AND c > :n",)"
                    R"("ExpressionAttributeValues":{":p":{"S":"a"},":n":{"N":"5"}},)"
                    R"("ExclusiveStartKey":{"p":{"S":"a"},"c":{"N":"1"}}})"),
            "The provided starting key does not match the range key predicate");
  EXPECT_EQ(message(R"({"TableName":"tbl","KeyConditionExpression":"p = :p AND c = :n",)"
                    R"("ExpressionAttributeValues":{":p":{"S":"a"},":n":{"N":"5"}},)"
                    R"("ExclusiveStartKey":{"p":{"S":"b"},"c":{"N":"5"}}})"),
            "The query can return at most one row and cannot be restarted");
  EXPECT_EQ(scan(R"({"TableName":"tbl","ExclusiveStartKey":{"p":{"S":"a"}}})").message(),
            "The provided starting key is invalid: The provided key element does not match the "
            "schema");
  EXPECT_EQ(
      scan(R"({"TableName":"tbl","ExclusiveStartKey":{"p":{"S":""},"c":{"N":"1"}}})").message(),
      "The provided starting key is invalid: One or more parameter values are not valid. "
      "The AttributeValue for a key attribute cannot contain an empty string value. Key: p");
}

TEST_F(ReadApiTest, KeyAttributesAreScalarsInProjectionsAndFilters) {
  sortedTable("tbl", "N");
  EXPECT_EQ(scan(R"({"TableName":"tbl","ProjectionExpression":"a, p.x"})").message(),
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
            "allowed: Key: p");
  EXPECT_EQ(scan(R"({"TableName":"tbl","FilterExpression":"c[1] = :v",)"
                 R"("ExpressionAttributeValues":{":v":{"N":"1"}}})")
                .message(),
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
            "allowed: Key: c");
  // Scan filters may name key attributes; Query filters may not.
  EXPECT_TRUE(scan(R"({"TableName":"tbl","FilterExpression":"c = :v",)"
                   R"("ExpressionAttributeValues":{":v":{"N":"1"}}})")
                  .ok());
}

TEST_F(ReadApiTest, LegacyKeyConditionsAndAttributesToGet) {
  auto table = sortedTable("tbl", "N");
  putNumbers(table, "a", range(0, 10));
  Answer a =
      query(R"({"TableName":"tbl","AttributesToGet":["c"],"KeyConditions":{)"
            R"("p":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]},)"
            R"("c":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"2"},{"N":"4"}]}}})");
  ASSERT_TRUE(a.ok()) << a.body;
  std::vector<std::string> got;
  for (auto item : a.items()) {
    EXPECT_EQ(names(item), std::vector<std::string>{"c"});
    got.push_back(scalar(item, "c"));
  }
  EXPECT_EQ(got, range(2, 5));
  EXPECT_EQ(query(R"({"TableName":"tbl","KeyConditions":{)"
                  R"("c":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"2"}]}}})")
                .message(),
            "Query condition missed key schema element: p");
  EXPECT_EQ(query(R"({"TableName":"tbl","KeyConditions":{)"
                  R"("p":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]},)"
                  R"("c":{"ComparisonOperator":"NE","AttributeValueList":[{"N":"2"}]}}})")
                .message(),
            "Attempted conditional constraint is not an indexable operation");
  EXPECT_EQ(query(R"({"TableName":"tbl","KeyConditions":{)"
                  R"("p":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"1"}]}}})")
                .message(),
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type");
  EXPECT_EQ(
      query(
          R"({"TableName":"tbl","QueryFilter":{"x":{"ComparisonOperator":"NULL"}},)"
          R"("KeyConditions":{"p":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]}}})")
          .errorType(),
      "ValidationException");
}

TEST_F(ReadApiTest, TablesWithoutSortKeyQueryOneItem) {
  createTable(R"({"TableName":"hash","BillingMode":"PAY_PER_REQUEST",
    "KeySchema":[{"AttributeName":"p","KeyType":"HASH"}],
    "AttributeDefinitions":[{"AttributeName":"p","AttributeType":"S"}]})");
  put(engine().table("hash"), {R"({"p":{"S":"a"},"v":{"N":"1"}})", R"({"p":{"S":"b"}})"});
  Answer a = query(R"({"TableName":"hash","Limit":1,"KeyConditionExpression":"p = :p",)"
                   R"("ExpressionAttributeValues":{":p":{"S":"a"}}})");
  ASSERT_TRUE(a.ok()) << a.body;
  EXPECT_EQ(a.number("Count"), 1);
  EXPECT_EQ(a.lastKey(), "");
  a = query(R"({"TableName":"hash","KeyConditionExpression":"p = :p",)"
            R"("ExpressionAttributeValues":{":p":{"S":"a"}},"ExclusiveStartKey":{"p":{"S":"a"}}})");
  EXPECT_EQ(a.message(),
            "The provided exclusive start key is invalid: ExclusiveStartKey: {p=AttributeValue: "
            "{S:a}}");
}

TEST_F(ReadApiTest, ConsumedCapacityCountsTheBytesRead) {
  auto table = sortedTable("tbl", "N");
  putNumbers(table, "a", range(0, 3));
  Answer a = query(std::string("{") + kQueryP + R"(,"ReturnConsumedCapacity":"TOTAL"})");
  ASSERT_TRUE(a.ok()) << a.body;
  double units = 0;
  EXPECT_EQ(a.json["ConsumedCapacity"]["CapacityUnits"].get(units), simdjson::SUCCESS);
  EXPECT_EQ(units, 0.5);
  a = query(std::string("{") + kQueryP +
            R"(,"ConsistentRead":true,"ReturnConsumedCapacity":"TOTAL"})");
  EXPECT_EQ(a.json["ConsumedCapacity"]["CapacityUnits"].get(units), simdjson::SUCCESS);
  EXPECT_EQ(units, 1.0);
}

}  // namespace
}  // namespace nimbus::aws::dynamodb
