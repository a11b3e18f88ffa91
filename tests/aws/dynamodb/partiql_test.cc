// ExecuteStatement and BatchExecuteStatement against tables held by a real engine over a SQLite
// store: every statement form (SELECT by key, by partition, by scan and through an index; INSERT;
// UPDATE with SET, REMOVE, arithmetic, list_append, set_add/set_delete and RETURNING; DELETE),
// parameters and literals of every type, NextToken paging, DynamoDB's errors and their wording,
// and statements that must fail cleanly however malformed or deeply nested they are.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "aws/dynamodb/api.h"
#include "core/json_writer.h"
#include "service_fixture.h"

namespace nimbus::aws::dynamodb {
namespace {

using Answer = service_test::OperationAnswer;

// Canonical form of an item written as DynamoDB JSON.
std::string canon(std::string_view json) {
  auto item = itemFromJson(json);
  EXPECT_TRUE(item.ok()) << json << ": " << (item.ok() ? "" : item.error().message);
  return item.ok() ? itemToJson(*item) : "bad: " + std::string(json);
}

std::vector<std::string> canon(std::initializer_list<std::string_view> jsons) {
  std::vector<std::string> out;
  for (auto j : jsons) out.push_back(canon(j));
  return out;
}

// A JSON string literal.
std::string quote(std::string_view text) {
  std::string out;
  appendJsonString(out, text);
  return out;
}

constexpr const char* kMalformed = "Statement wasn't well formed, can't be processed: ";

class PartiqlTest : public service_test::EngineTest {
 protected:
  PartiqlTest() : EngineTest("nimbus-dynamodb-partiql-test-") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(EngineTest::SetUp());
    // "Users": partition key only. "Orders": customer (S) and seq (N), with a global index on
    // status projecting only its keys.
    createTable(R"({"TableName":"Users","BillingMode":"PAY_PER_REQUEST",
      "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
      "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}]})");
    createTable(R"({"TableName":"Orders","BillingMode":"PAY_PER_REQUEST",
      "KeySchema":[{"AttributeName":"customer","KeyType":"HASH"},
                   {"AttributeName":"seq","KeyType":"RANGE"}],
      "AttributeDefinitions":[{"AttributeName":"customer","AttributeType":"S"},
                              {"AttributeName":"seq","AttributeType":"N"},
                              {"AttributeName":"status","AttributeType":"S"}],
      "GlobalSecondaryIndexes":[{"IndexName":"byStatus",
        "KeySchema":[{"AttributeName":"status","KeyType":"HASH"}],
        "Projection":{"ProjectionType":"KEYS_ONLY"}}]})");
  }
  // ExecuteStatement; `parameters` is a JSON array or empty, `extra` more members.
  Answer run(const std::string& statement, const std::string& parameters = "",
             const std::string& extra = "") {
    std::string json = "{\"Statement\":" + quote(statement);
    if (!parameters.empty()) json += ",\"Parameters\":" + parameters;
    if (!extra.empty()) json += "," + extra;
    json += "}";
    return call(executeStatement, json);
  }

  // Runs a statement that must succeed and returns its items.
  std::vector<std::string> items(const std::string& statement, const std::string& parameters = "",
                                 const std::string& extra = "") {
    Answer a = run(statement, parameters, extra);
    EXPECT_TRUE(a.ok()) << statement << " -> " << a.body;
    return a.ok() ? a.canonicalItems() : std::vector<std::string>{};
  }

  // The error of a statement that must fail: "Type: message".
  std::string error(const std::string& statement, const std::string& parameters = "",
                    const std::string& extra = "") {
    Answer a = run(statement, parameters, extra);
    EXPECT_FALSE(a.ok()) << statement << " -> " << a.body;
    EXPECT_TRUE(a.status == 400 || a.status == 500) << a.status;
    return a.errorType() + ": " + a.message();
  }

  Answer batch(const std::string& statementsJson, const std::string& extra = "") {
    std::string json = "{\"Statements\":" + statementsJson;
    if (!extra.empty()) json += "," + extra;
    json += "}";
    return call(batchExecuteStatement, json);
  }

  void seedOrders() {
    for (int seq = 1; seq <= 5; ++seq) {
      for (const char* customer : {"ann", "bob"}) {
        Answer a =
            run(fmt::format("INSERT INTO \"Orders\" VALUE {{'customer': '{}', 'seq': {}, "
                            "'total': {}, 'status': '{}'}}",
                            customer, seq, seq * 10, seq % 2 ? "open" : "shipped"));
        ASSERT_TRUE(a.ok()) << a.body;
      }
    }
  }

  // Reads every page of a statement following NextToken; returns the items in order.
  std::vector<std::string> allPages(const std::string& statement, int limit, int* pages,
                                    const std::string& parameters = "") {
    std::vector<std::string> out;
    std::string token;
    *pages = 0;
    for (int page = 0; page < 1000; ++page) {
      std::string extra = fmt::format("\"Limit\":{}", limit);
      if (!token.empty()) extra += ",\"NextToken\":" + quote(token);
      Answer a = run(statement, parameters, extra);
      EXPECT_TRUE(a.ok()) << a.body;
      if (!a.ok()) break;
      auto got = a.canonicalItems();
      EXPECT_LE(got.size(), static_cast<size_t>(limit));
      out.insert(out.end(), got.begin(), got.end());
      ++*pages;
      token = a.string("NextToken");
      if (token.empty()) break;
    }
    return out;
  }
};

// ---- INSERT and SELECT by key ----

TEST_F(PartiqlTest, InsertThenSelectByKeyWithLiteralsAndParameters) {
  Answer inserted =
      run("INSERT INTO \"Users\" VALUE {'id': 'u1', 'name': 'Ann', 'age': 31, 'score': -1.50, "
          "'admin': TRUE, 'banned': false, 'nickname': NULL, 'tags': <<'a', 'b'>>, "
          "'lucky': <<7, 3>>, 'address': {'city': 'Oslo', 'zip': '0150'}, 'history': [1, 'two', "
          "[3]], 'big': 12345678901234567890123456789012345678}");
  ASSERT_TRUE(inserted.ok()) << inserted.body;
  EXPECT_EQ(inserted.body, R"({"Items":[]})");

  Answer withParameters = run("INSERT INTO Users VALUE {'id': ?, 'photo': ?, 'list': [?, ?]}",
                              R"([{"S":"u2"},{"B":"AAEC"},{"N":"1"},{"SS":["x"]}])");
  ASSERT_TRUE(withParameters.ok()) << withParameters.body;

  EXPECT_EQ(items("SELECT * FROM \"Users\" WHERE id = 'u1'"),
            canon({R"({"id":{"S":"u1"},"name":{"S":"Ann"},"age":{"N":"31"},
              "score":{"N":"-1.5"},"admin":{"BOOL":true},"banned":{"BOOL":false},
              "nickname":{"NULL":true},"tags":{"SS":["a","b"]},"lucky":{"NS":["7","3"]},
              "address":{"M":{"city":{"S":"Oslo"},"zip":{"S":"0150"}}},
              "history":{"L":[{"N":"1"},{"S":"two"},{"L":[{"N":"3"}]}]},
              "big":{"N":"12345678901234567890123456789012345678"}})"}));
  EXPECT_EQ(items("select * from Users where id = ?", R"([{"S":"u2"}])"),
            canon({R"({"id":{"S":"u2"},"photo":{"B":"AAEC"},
              "list":{"L":[{"N":"1"},{"SS":["x"]}]}})"}));
  EXPECT_EQ(items("SELECT * FROM Users WHERE id = 'nobody'"), std::vector<std::string>{});
}

TEST_F(PartiqlTest, InsertOfAnExistingKeyIsADuplicateAndChangesNothing) {
  ASSERT_TRUE(run("INSERT INTO Users VALUE {'id': 'u1', 'v': 1}").ok());
  Answer again = run("INSERT INTO Users VALUE {'id': 'u1', 'v': 2}");
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(again.errorType(), "DuplicateItemException");
  EXPECT_EQ(again.message(), "Duplicate primary key exists in table");
  EXPECT_EQ(items("SELECT v FROM Users WHERE id = 'u1'"), canon({R"({"v":{"N":"1"}})"}));
}

TEST_F(PartiqlTest, InsertRefusals) {
  EXPECT_EQ(error("INSERT INTO Users VALUE {'name': 'x'}"),
            "ValidationException: Key attribute should be present in the item: Key id");
  EXPECT_EQ(error("INSERT INTO Users VALUE {'id': 5}"),
            "ValidationException: Key attribute's data type should match its data type in "
            "table's schema: Key id");
  EXPECT_EQ(error("INSERT INTO Users VALUES {'id': 'a'}"),
            "ValidationException: Unsupported operation: Inserting multiple items in a single "
            "statement is not supported, use \"INSERT INTO tableName VALUE item\" instead");
  EXPECT_EQ(error("INSERT INTO Users VALUE 5"),
            "ValidationException: Unsupported format in item expression. Please use struct "
            "format {...} to express item values for insert statement.");
  EXPECT_EQ(error("INSERT INTO Users VALUE {'id': 'a'} RETURNING ALL OLD *"),
            "ValidationException: RETURNING is not supported in INSERT");
  EXPECT_EQ(error("INSERT INTO Users VALUE {'id': 'a', 'id': 'b'}"),
            "ValidationException: Duplicate keys in tuple. Key: id under root");
  EXPECT_EQ(error("INSERT INTO Nowhere VALUE {'id': 'a'}"),
            "ResourceNotFoundException: Requested resource not found");
  EXPECT_EQ(error("INSERT INTO Users VALUE {'id': 'a', 'n': 1e126}"),
            "ValidationException: Number overflow. Attempting to store a number with magnitude "
            "larger than supported range under root.n");
  EXPECT_EQ(error("INSERT INTO Users VALUE {'id': 'a', 'l': [1, 1e-131]}"),
            "ValidationException: Number underflow. Attempting to store a number with magnitude "
            "smaller than supported range under root.l[1]");
  EXPECT_EQ(error("INSERT INTO Users VALUE {'id': 'a', 's': <<'x', 'x'>>}"),
            "ValidationException: Input collection contains duplicates");
  EXPECT_EQ(error("INSERT INTO Users VALUE {'id': 'a', 's': <<'x', 1>>}"),
            "ValidationException: Unsupported data type in Bag. DynamoDB only supports either "
            "numbers or strings in bags");
  EXPECT_EQ(error("INSERT INTO Users VALUE {'id': 'a', 's': <<?>>}", R"([{"S":"x"}])"),
            "ValidationException: Unsupported data type in Bag. DynamoDB only supports either "
            "numbers or strings in bags");
  EXPECT_EQ(error("INSERT INTO Users VALUE {'id': 'a', 's': <<>>}"),
            "ValidationException: Empty bags are not supported");
  EXPECT_EQ(error("INSERT INTO Users VALUE {'id': ''}"),
            "ValidationException: One or more parameter values are not valid. The AttributeValue "
            "for a key attribute cannot contain an empty string value. Key: id");
  EXPECT_EQ(items("SELECT * FROM Users"), std::vector<std::string>{});
}

// ---- SELECT: projections, conditions, queries and scans ----

TEST_F(PartiqlTest, ProjectionsNameNestedPathsByTheirLastPart) {
  ASSERT_TRUE(run("INSERT INTO Users VALUE {'id': 'u1', 'm': {'k': [10, 11], 'z': 'zz'}, "
                  "'l': ['a', 'b'], 'dotted.name': 1, 'other': 2}")
                  .ok());
  EXPECT_EQ(items("SELECT m.k[1], l[0], m.z, \"dotted.name\" FROM Users WHERE id = 'u1'"),
            canon({R"({"k[1]":{"N":"11"},"l[0]":{"S":"a"},"z":{"S":"zz"},
              "dotted.name":{"N":"1"}})"}));
  EXPECT_EQ(items("SELECT absent FROM Users WHERE id = 'u1'"), canon({"{}"}));
  EXPECT_EQ(error("SELECT m.z, z FROM Users WHERE id = 'u1'"),
            "ValidationException: Duplicate identifiers in select clause: z");
  EXPECT_EQ(error("SELECT *, id FROM Users"),
            "ValidationException: Other attributes should not be present in the projection when "
            "'*' is used.");
  EXPECT_EQ(error("SELECT id AS x FROM Users"), "ValidationException: Aliasing is not supported");
  EXPECT_EQ(error("SELECT * FROM Users u WHERE u.id = 'a'"),
            "ValidationException: Aliasing is not supported");
}

TEST_F(PartiqlTest, WhereOperatorsAndFunctions) {
  ASSERT_TRUE(run("INSERT INTO Users VALUE {'id': 'a', 'n': 1, 's': 'apple', 'tags': <<'x'>>, "
                  "'l': [1, 2], 'nul': NULL}")
                  .ok());
  ASSERT_TRUE(run("INSERT INTO Users VALUE {'id': 'b', 'n': 5, 's': 'banana'}").ok());
  ASSERT_TRUE(
      run("INSERT INTO Users VALUE {'id': 'c', 'n': 9, 's': 'cherry', 'tags': <<'y'>>}").ok());
  auto ids = [&](const std::string& where, const std::string& parameters = "") {
    std::set<std::string> out;
    Answer a = run("SELECT id FROM Users WHERE " + where, parameters);
    EXPECT_TRUE(a.ok()) << where << " -> " << a.body;
    if (!a.ok()) return out;
    for (const auto& item : a.canonicalItems()) out.insert(item);
    return out;
  };
  auto set = [](std::initializer_list<const char*> names) {
    std::set<std::string> out;
    for (auto n : names) out.insert(canon(fmt::format(R"({{"id":{{"S":"{}"}}}})", n)));
    return out;
  };
  EXPECT_EQ(ids("n = 5"), set({"b"}));
  EXPECT_EQ(ids("n <> 5"), set({"a", "c"}));
  EXPECT_EQ(ids("n != 5"), set({"a", "c"}));
  EXPECT_EQ(ids("n < 5"), set({"a"}));
  EXPECT_EQ(ids("n <= 5"), set({"a", "b"}));
  EXPECT_EQ(ids("n > 5"), set({"c"}));
  EXPECT_EQ(ids("5 < n"), set({"c"}));
  EXPECT_EQ(ids("n >= 5"), set({"b", "c"}));
  EXPECT_EQ(ids("n BETWEEN 2 AND 9"), set({"b", "c"}));
  EXPECT_EQ(ids("n NOT BETWEEN 2 AND 9"), set({"a"}));
  EXPECT_EQ(ids("s IN ['apple', 'cherry']"), set({"a", "c"}));
  EXPECT_EQ(ids("s IN ('apple', ?)", R"([{"S":"banana"}])"), set({"a", "b"}));
  EXPECT_EQ(ids("s NOT IN ['apple']"), set({"b", "c"}));
  EXPECT_EQ(ids("n > 1 AND n < 9"), set({"b"}));
  EXPECT_EQ(ids("n = 1 OR s = 'cherry'"), set({"a", "c"}));
  EXPECT_EQ(ids("NOT (n = 1 OR n = 9)"), set({"b"}));
  EXPECT_EQ(ids("begins_with(s, 'ba')"), set({"b"}));
  EXPECT_EQ(ids("NOT begins_with(\"s\", 'ba')"), set({"a", "c"}));
  EXPECT_EQ(ids("contains(s, 'err')"), set({"c"}));
  EXPECT_EQ(ids("contains(tags, 'x')"), set({"a"}));
  EXPECT_EQ(ids("contains(l, 2)"), set({"a"}));
  EXPECT_EQ(ids("attribute_exists(tags)"), set({"a", "c"}));
  EXPECT_EQ(ids("attribute_not_exists(tags)"), set({"b"}));
  EXPECT_EQ(ids("tags IS MISSING"), set({"b"}));
  EXPECT_EQ(ids("tags IS NOT MISSING"), set({"a", "c"}));
  EXPECT_EQ(ids("nul IS NULL"), set({"a"}));
  EXPECT_EQ(ids("s IS STRING AND n IS NUMERIC"), set({"a", "b", "c"}));
  EXPECT_EQ(ids("l IS LIST"), set({"a"}));
  EXPECT_EQ(ids("attribute_type(tags, 'SS')"), set({"a", "c"}));
  EXPECT_EQ(ids("size(s) = 6"), set({"b", "c"}));
  EXPECT_EQ(ids("size(l) > 1"), set({"a"}));
  EXPECT_EQ(ids("n = ? AND s = ?", R"([{"N":"9"},{"S":"cherry"}])"), set({"c"}));
  // Types never match across: a string is not less than a number.
  EXPECT_EQ(ids("s < 5"), std::set<std::string>{});
}

TEST_F(PartiqlTest, PartitionEqualityQueriesInSortOrderWithSortKeyConditions) {
  seedOrders();
  auto seqs = [&](const std::string& statement) {
    std::vector<std::string> out;
    for (const auto& item : items(statement)) out.push_back(item);
    return out;
  };
  auto seqItems = [](const char* customer, std::initializer_list<int> list) {
    std::vector<std::string> out;
    for (int s : list) {
      out.push_back(
          canon(fmt::format(R"({{"customer":{{"S":"{}"}},"seq":{{"N":"{}"}}}})", customer, s)));
    }
    return out;
  };
  EXPECT_EQ(seqs("SELECT customer, seq FROM Orders WHERE customer = 'ann'"),
            seqItems("ann", {1, 2, 3, 4, 5}));
  EXPECT_EQ(seqs("SELECT customer, seq FROM Orders WHERE customer = 'ann' AND seq > 2"),
            seqItems("ann", {3, 4, 5}));
  EXPECT_EQ(seqs("SELECT customer, seq FROM Orders WHERE customer = 'ann' AND seq BETWEEN 2 AND 3"),
            seqItems("ann", {2, 3}));
  EXPECT_EQ(seqs("SELECT customer, seq FROM Orders WHERE customer = 'ann' AND seq = 4"),
            seqItems("ann", {4}));
  EXPECT_EQ(seqs("SELECT customer, seq FROM Orders WHERE customer = 'ann' AND total >= 40"),
            seqItems("ann", {4, 5}));
  EXPECT_EQ(seqs("SELECT customer, seq FROM Orders WHERE customer = 'ann' ORDER BY seq DESC"),
            seqItems("ann", {5, 4, 3, 2, 1}));
  // Several partitions: IN and OR.
  auto both = seqs(
      "SELECT customer, seq FROM Orders WHERE customer IN ['bob', 'ann'] AND seq = 1 "
      "ORDER BY customer DESC");
  EXPECT_EQ(both, canon({R"({"customer":{"S":"bob"},"seq":{"N":"1"}})",
                         R"({"customer":{"S":"ann"},"seq":{"N":"1"}})"}));
  EXPECT_EQ(seqs("SELECT customer, seq FROM Orders WHERE (customer = 'ann' OR customer = 'bob') "
                 "AND seq = 2")
                .size(),
            2u);
  // A scan when no partition is named.
  EXPECT_EQ(seqs("SELECT * FROM Orders WHERE total = 30").size(), 2u);
  EXPECT_EQ(seqs("SELECT * FROM Orders").size(), 10u);

  EXPECT_EQ(error("SELECT * FROM Orders ORDER BY seq"),
            "ValidationException: Must have WHERE clause in the statement when using ORDER BY "
            "clause.");
  EXPECT_EQ(error("SELECT * FROM Orders WHERE total = 1 ORDER BY seq"),
            "ValidationException: Must have at least one non-optional hash key condition in WHERE "
            "clause when using ORDER BY clause.");
  EXPECT_EQ(error("SELECT * FROM Orders WHERE customer = 'ann' ORDER BY total"),
            "ValidationException: Variable reference total in ORDER BY clause must be part of the "
            "primary key");
  EXPECT_EQ(error("SELECT * FROM Orders WHERE customer = 5"),
            "ValidationException: Key attribute's data type should match its data type in "
            "table's schema: Key customer");
  EXPECT_EQ(error("SELECT * FROM Orders LIMIT 5"),
            "ValidationException: Unsupported clause: LIMIT");
}

TEST_F(PartiqlTest, LimitCountsItemsReadAndNextTokenPagesThroughEverythingOnce) {
  seedOrders();
  for (int limit : {1, 2, 3, 7}) {
    int pages = 0;
    auto all = allPages("SELECT * FROM Orders", limit, &pages);
    EXPECT_EQ(all.size(), 10u) << limit;
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 10u);
    EXPECT_EQ(all, items("SELECT * FROM Orders")) << "pages keep the table's order";
    auto ann = allPages("SELECT * FROM Orders WHERE customer = ? ORDER BY seq DESC", limit, &pages,
                        R"([{"S":"ann"}])");
    EXPECT_EQ(ann, items("SELECT * FROM Orders WHERE customer = 'ann' ORDER BY seq DESC"));
    auto two = allPages("SELECT * FROM Orders WHERE customer IN ['ann', 'bob']", limit, &pages);
    EXPECT_EQ(two.size(), 10u);
  }
  // Limit counts items read, not matched: a filter that matches late gives empty pages first.
  Answer first =
      run("SELECT * FROM Orders WHERE total = 50 AND customer = 'ann'", "", "\"Limit\":2");
  ASSERT_TRUE(first.ok()) << first.body;
  EXPECT_TRUE(first.canonicalItems().empty());
  EXPECT_FALSE(first.string("NextToken").empty());
  EXPECT_TRUE(first.has("LastEvaluatedKey"));

  // A token belongs to its statement and parameters.
  Answer page = run("SELECT * FROM Orders WHERE customer = ?", R"([{"S":"ann"}])", "\"Limit\":1");
  std::string token = page.string("NextToken");
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(error("SELECT * FROM Orders WHERE customer = ?", R"([{"S":"bob"}])",
                  "\"NextToken\":" + quote(token)),
            "ValidationException: NextToken does not match request");
  EXPECT_EQ(error("SELECT * FROM Orders", "", "\"NextToken\":" + quote(token)),
            "ValidationException: NextToken does not match request");
  EXPECT_TRUE(run("SELECT * FROM Orders WHERE customer = ?", R"([{"S":"ann"}])",
                  "\"Limit\":3,\"NextToken\":" + quote(token))
                  .ok());
  EXPECT_EQ(error("SELECT * FROM Orders", "", "\"NextToken\":\"not a token\""),
            "ValidationException: Invalid NextToken");
  EXPECT_EQ(error("SELECT * FROM Orders", "", "\"Limit\":0"),
            "ValidationException: 1 validation error detected: Value '0' at 'limit' failed to "
            "satisfy constraint: Member must have value greater than or equal to 1");
}

TEST_F(PartiqlTest, SelectThroughAGlobalIndexSeesItsProjection) {
  seedOrders();
  auto shipped = items("SELECT * FROM \"Orders\".\"byStatus\" WHERE status = 'shipped'");
  EXPECT_EQ(shipped.size(), 4u);
  for (const auto& item : shipped) {
    EXPECT_EQ(item.find("total"), std::string::npos) << "KEYS_ONLY holds no total: " << item;
  }
  EXPECT_EQ(
      items("SELECT seq FROM \"Orders\".\"byStatus\" WHERE status = 'open' AND seq = 5").size(),
      2u);
  EXPECT_EQ(items("SELECT * FROM \"Orders\".\"byStatus\"").size(), 10u);
  EXPECT_EQ(error("SELECT * FROM \"Orders\".\"byStatus\" WHERE status = 'open'", "",
                  "\"ConsistentRead\":true"),
            "ValidationException: Strongly consistent read is not supported on Global Secondary "
            "Indexes");
  EXPECT_EQ(error("SELECT * FROM \"Orders\".\"nope\""),
            "ValidationException: The table does not have the specified index: nope");
  int pages = 0;
  auto paged = allPages("SELECT * FROM \"Orders\".\"byStatus\" WHERE status = 'open'", 1, &pages);
  EXPECT_EQ(paged.size(), 6u);
  EXPECT_EQ(std::set<std::string>(paged.begin(), paged.end()).size(), 6u);
}

// ---- UPDATE ----

TEST_F(PartiqlTest, UpdateSetsRemovesAndComputes) {
  ASSERT_TRUE(run("INSERT INTO Users VALUE {'id': 'u', 'n': 1, 'gone': 'x', 'l': [1], "
                  "'s': <<'a', 'b'>>, 'm': {'k': 1}}")
                  .ok());
  Answer a =
      run("UPDATE Users SET name = ?, n = n + 41, l = list_append(l, [2, 3]) "
          "SET m.k = m.k - 2 REMOVE gone WHERE id = ?",
          R"([{"S":"Ann"},{"S":"u"}])");
  ASSERT_TRUE(a.ok()) << a.body;
  EXPECT_EQ(a.body, R"({"Items":[]})");
  ASSERT_TRUE(run("UPDATE Users SET s = set_add(s, <<'c'>>) WHERE id = 'u'").ok());
  ASSERT_TRUE(run("UPDATE Users SET s = set_delete(s, <<'a'>>) WHERE id = 'u'").ok());
  EXPECT_EQ(items("SELECT * FROM Users WHERE id = 'u'"),
            canon({R"({"id":{"S":"u"},"name":{"S":"Ann"},"n":{"N":"42"},
              "l":{"L":[{"N":"1"},{"N":"2"},{"N":"3"}]},"s":{"SS":["b","c"]},
              "m":{"M":{"k":{"N":"-1"}}}})"}));
  // 38-digit arithmetic is exact.
  ASSERT_TRUE(
      run("UPDATE Users SET big = 99999999999999999999999999999999999998 WHERE id = 'u'").ok());
  ASSERT_TRUE(run("UPDATE Users SET big = big + 1 WHERE id = 'u'").ok());
  EXPECT_EQ(items("SELECT big FROM Users WHERE id = 'u'"),
            canon({R"({"big":{"N":"99999999999999999999999999999999999999"}})"}));
}

TEST_F(PartiqlTest, UpdateReturningShapes) {
  ASSERT_TRUE(run("INSERT INTO Users VALUE {'id': 'u', 'a': 'old', 'keep': 1, "
                  "'tags': ['x', 'y', 'z']}")
                  .ok());
  EXPECT_EQ(items("UPDATE Users SET a = 'new' WHERE id = 'u' RETURNING ALL OLD *"),
            canon({R"({"id":{"S":"u"},"a":{"S":"old"},"keep":{"N":"1"},
              "tags":{"L":[{"S":"x"},{"S":"y"},{"S":"z"}]}})"}));
  EXPECT_EQ(items("UPDATE Users SET a = 'newer' WHERE id = 'u' RETURNING ALL NEW *"),
            canon({R"({"id":{"S":"u"},"a":{"S":"newer"},"keep":{"N":"1"},
              "tags":{"L":[{"S":"x"},{"S":"y"},{"S":"z"}]}})"}));
  EXPECT_EQ(items("UPDATE Users SET a = 'newest' WHERE id = 'u' RETURNING MODIFIED OLD *"),
            canon({R"({"a":{"S":"newer"}})"}));
  EXPECT_EQ(items("UPDATE Users SET tags[2] = 'q', tags[0] = 'p' WHERE id = 'u' "
                  "RETURNING MODIFIED NEW *"),
            canon({R"({"tags":{"L":[{"S":"p"},{"S":"q"}]}})"}));
  // Nothing modified has a value: no row.
  EXPECT_EQ(items("UPDATE Users REMOVE a WHERE id = 'u' RETURNING MODIFIED NEW *"),
            std::vector<std::string>{});
  EXPECT_EQ(items("UPDATE Users SET fresh = 1 WHERE id = 'u' RETURNING MODIFIED OLD *"),
            std::vector<std::string>{});
}

TEST_F(PartiqlTest, UpdateNeedsTheWholeKeyAnExistingItemAndItsConditions) {
  seedOrders();
  EXPECT_EQ(error("UPDATE Orders SET total = 1 WHERE customer = 'ann'"),
            "ValidationException: Where clause does not contain a mandatory equality on all key "
            "attributes");
  EXPECT_EQ(error("UPDATE Orders SET total = 1 WHERE customer = 'ann' OR seq = 1"),
            "ValidationException: Where clause does not contain a mandatory equality on all key "
            "attributes");
  EXPECT_EQ(error("UPDATE Orders SET total = 1"),
            "ValidationException: Where clause does not contain a mandatory equality on all key "
            "attributes");
  EXPECT_EQ(error("UPDATE Orders SET total = 1 WHERE customer = 'ann' AND seq = 1 AND seq = 2"),
            "ValidationException: Multiple conditions on same key seq. Only single item "
            "Update/Insert/Delete are supported");
  EXPECT_EQ(error("UPDATE Orders SET total = 1 WHERE customer = 'ann' AND seq = 'one'"),
            "ValidationException: Key attribute's data type should match its data type in "
            "table's schema: Key seq");
  // An UPDATE never creates an item.
  EXPECT_EQ(error("UPDATE Orders SET total = 1 WHERE customer = 'zed' AND seq = 1"),
            "ConditionalCheckFailedException: The conditional request failed");
  EXPECT_EQ(items("SELECT * FROM Orders WHERE customer = 'zed'"), std::vector<std::string>{});
  // Conditions beyond the key.
  EXPECT_EQ(error("UPDATE Orders SET total = 1 WHERE customer = 'ann' AND seq = 1 AND total > 100"),
            "ConditionalCheckFailedException: The conditional request failed");
  Answer failed =
      run("UPDATE Orders SET total = 1 WHERE customer = 'ann' AND seq = 1 AND "
          "status = 'shipped'",
          "", "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"");
  EXPECT_EQ(failed.errorType(), "ConditionalCheckFailedException");
  simdjson::dom::element item;
  ASSERT_EQ(failed.json["Item"].get(item), simdjson::SUCCESS) << failed.body;
  EXPECT_EQ(itemToJson(*readItem(item)),
            canon(R"({"customer":{"S":"ann"},"seq":{"N":"1"},"total":{"N":"10"},
              "status":{"S":"open"}})"));
  ASSERT_TRUE(run("UPDATE Orders SET total = 11 WHERE seq = 1 AND customer = 'ann' AND "
                  "status = 'open' AND attribute_exists(total)")
                  .ok());
  EXPECT_EQ(items("SELECT total FROM Orders WHERE customer = 'ann' AND seq = 1"),
            canon({R"({"total":{"N":"11"}})"}));
  // Key attributes cannot be updated; paths may not overlap.
  EXPECT_EQ(error("UPDATE Orders SET seq = 9 WHERE customer = 'ann' AND seq = 1"),
            "ValidationException: One or more parameter values were invalid: Cannot update "
            "attribute seq. This attribute is part of the key");
  EXPECT_EQ(error("UPDATE Orders SET a = 1, a.b = 2 WHERE customer = 'ann' AND seq = 1"),
            "ValidationException: Two document paths overlap with each other; must remove or "
            "rewrite one of these paths; path one: [a], path two: [a, b]");
  EXPECT_EQ(error("UPDATE Orders SET total = total * 2 WHERE customer = 'ann' AND seq = 1"),
            "ValidationException: Unsupported operator in Update Expression. Operator: *");
  EXPECT_EQ(error("UPDATE Orders SET tags = set_add(other, <<'a'>>) WHERE customer = 'ann' "
                  "AND seq = 1"),
            "ValidationException: The first argument to SET_ADD must equal the assignment value");
  EXPECT_EQ(error("UPDATE Orders SET tags = set_add(tags, 'a') WHERE customer = 'ann' AND seq = 1"),
            "ValidationException: The second argument to SET_ADD must be a value with type SET");
  EXPECT_EQ(error("UPDATE Orders SET total = 'x' + 1 WHERE customer = 'ann' AND seq = 1"),
            "ValidationException: An operand in the update expression has an incorrect data type");
  EXPECT_EQ(error("UPDATE \"Orders\" o SET total = 1 WHERE customer = 'ann' AND seq = 1"),
            "ValidationException: Aliasing is not supported");
}

// ---- DELETE ----

TEST_F(PartiqlTest, DeleteByKeyWithConditionsAndReturning) {
  seedOrders();
  Answer gone = run("DELETE FROM Orders WHERE customer = 'ann' AND seq = 1 RETURNING ALL OLD *");
  ASSERT_TRUE(gone.ok()) << gone.body;
  EXPECT_EQ(gone.canonicalItems(),
            canon({R"({"customer":{"S":"ann"},"seq":{"N":"1"},"total":{"N":"10"},
                                   "status":{"S":"open"}})"}));
  EXPECT_EQ(items("SELECT * FROM Orders WHERE customer = 'ann' AND seq = 1"),
            std::vector<std::string>{});
  // Deleting what is not there succeeds, even with conditions that an item would fail.
  EXPECT_EQ(run("DELETE FROM Orders WHERE customer = 'ann' AND seq = 1 AND total = 99 "
                "RETURNING ALL OLD *")
                .body,
            R"({"Items":[]})");
  EXPECT_EQ(error("DELETE FROM Orders WHERE customer = 'ann' AND seq = 2 AND total = 99"),
            "ConditionalCheckFailedException: The conditional request failed");
  EXPECT_TRUE(run("DELETE FROM Orders WHERE customer = 'ann' AND seq = 2 AND NOT "
                  "begins_with(status, 'open')")
                  .ok());
  EXPECT_EQ(items("SELECT * FROM Orders WHERE customer = 'ann'").size(), 3u);
  EXPECT_EQ(error("DELETE FROM Orders WHERE customer = 'ann' AND seq = 3 RETURNING MODIFIED OLD *"),
            "ValidationException: Invalid returning clause: RETURNING MODIFIED OLD *. Only "
            "RETURNING ALL OLD * is allowed in DELETE statements.");
  EXPECT_EQ(error("DELETE FROM Orders WHERE customer = 'ann' AND seq = 3 RETURNING ALL NEW *"),
            "ValidationException: Invalid returning clause: RETURNING ALL NEW *. Only RETURNING "
            "ALL OLD * is allowed in DELETE statements.");
  EXPECT_EQ(error("DELETE FROM Orders WHERE status = 'open'"),
            "ValidationException: Where clause does not contain a mandatory equality on all key "
            "attributes");
  EXPECT_EQ(error("DELETE FROM Orders"),
            "ValidationException: Where clause does not contain a mandatory equality on all key "
            "attributes");
  EXPECT_EQ(items("SELECT * FROM Orders WHERE customer = 'ann'").size(), 3u);
}

TEST_F(PartiqlTest, WritesAreDurable) {
  ASSERT_TRUE(run("INSERT INTO Users VALUE {'id': 'kept', 'n': 1}").ok());
  ASSERT_TRUE(run("UPDATE Users SET n = 2 WHERE id = 'kept'").ok());
  ASSERT_TRUE(run("INSERT INTO Users VALUE {'id': 'dropped'}").ok());
  ASSERT_TRUE(run("DELETE FROM Users WHERE id = 'dropped'").ok());
  EXPECT_TRUE(reloadEngine().empty());
  EXPECT_EQ(items("SELECT * FROM Users"), canon({R"({"id":{"S":"kept"},"n":{"N":"2"}})"}));
}

// ---- Errors ----

TEST_F(PartiqlTest, SyntaxErrorsAsDynamoDbWordsThem) {
  const std::string m = std::string("ValidationException: ") + kMalformed;
  EXPECT_EQ(error("SLECT * FROM Users"), m + "Expected data manipulation");
  EXPECT_EQ(error("SELECT * FROM"), m + "Unexpected term");
  EXPECT_EQ(error("SELECT * FROM Users WHERE"), m + "Unexpected term");
  EXPECT_EQ(error("SELECT * FROM Users WHERE;"), m + "Unexpected term");
  EXPECT_EQ(error("SELECT * FROM Users WHERE NOT"), m + "Unexpected term");
  EXPECT_EQ(error("SELECT * FROM Users WHERE ("), m + "Unexpected term");
  EXPECT_EQ(error("SELECT * FROM Users WHERE id = 'a' AND"),
            m + "Missing right-hand side expression of infix operator");
  EXPECT_EQ(error("SELECT * FROM Users WHERE id = 'a' OR"),
            m + "Missing right-hand side expression of infix operator");
  EXPECT_EQ(error("SELECT * FROM Users WHERE id = 'a' foo"),
            m + "Unexpected token after expression");
  EXPECT_EQ(error("SELECT * FROM Users WHERE id = 1 e5"), m + "Unexpected token after expression");
  EXPECT_EQ(error("SELECT * FROM Users WHERE id = 'a')"), m + "Unexpected token after expression");
  EXPECT_EQ(error("SELECT * FROM Users ORDER BY id WHERE id = 'a'"),
            m + "Unexpected token after expression");
  EXPECT_EQ(error("SELECT * FROM Users WHERE ORDER BY id"), m + "Unexpected keyword");
  EXPECT_EQ(error("SELECT * FROM Users WHERE IS NULL"), m + "Unexpected operator");
  EXPECT_EQ(error("SELECT * FROM Users WHERE id = LIKE"), m + "Unexpected operator");
  EXPECT_EQ(error("SELECT * FROM Users WHERE pad = 'x'"), m + "Unexpected keyword");
  EXPECT_EQ(error("SELECT * FROM Users WHERE id = 'a' AND x IS FOO"), m + "Expected type name");
  EXPECT_EQ(error("DELETE FROM"), m + "Expected identifier for simple path");
  EXPECT_EQ(error("DELETE FROM WHERE id = 'a'"), m + "Expected identifier for simple path");
  EXPECT_EQ(error("SELECT * FROM Users WHERE id = 'unterminated"), m);
  EXPECT_EQ(error("SELECT * FROM Users WHERE id = 1 # note"), m);
  EXPECT_EQ(error("SELECT * FROM Users WHERE id = 1 /* note"), m);
  EXPECT_EQ(error("SELECT * FROM Users WHERE id = 1e2147483648"), m);
  EXPECT_EQ(error("SELECT * FROM Users WHERE id = 1e126"),
            "ValidationException: Number overflow. Attempting to store a number with magnitude "
            "larger than supported range under root");
  EXPECT_EQ(error("SELECT * FROM Users WHERE id = 123456789012345678901234567890123456789"),
            "ValidationException: Attempting to store more than 38 significant digits in a "
            "Number under root");
  // Comments, lower case, quoted names and a final semicolon are all fine.
  EXPECT_TRUE(run("select * -- every user\nfrom \"Users\" /* all */ where \"id\" = 'a';").ok());
}

TEST_F(PartiqlTest, SemanticErrors) {
  EXPECT_EQ(error("SELECT * FROM Users WHERE id = ? AND n = ?", R"([{"S":"a"}])"),
            "ValidationException: Number of parameters in request and statement don't match.");
  EXPECT_TRUE(run("SELECT * FROM Users WHERE id = ?", R"([{"S":"a"},{"S":"extra"}])").ok());
  EXPECT_EQ(error("SELECT * FROM Users WHERE id", ""),
            "ValidationException: WHERE clause must contain an expression that resolves to a "
            "boolean");
  EXPECT_EQ(error("SELECT * FROM Users WHERE id = 'a' AND n"),
            "ValidationException: The arguments to AND/OR must be Expressions");
  EXPECT_EQ(error("SELECT * FROM Users WHERE NOT n"),
            "ValidationException: The argument to NOT must be a Type or Expression");
  EXPECT_EQ(error("SELECT * FROM Users WHERE n = MISSING"),
            "ValidationException: MISSING must be compared using IS operator");
  EXPECT_EQ(error("SELECT * FROM Users WHERE n IS INT"),
            "ValidationException: Unsupported data type for IS operator: INT. Supported data "
            "types are [MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]");
  EXPECT_EQ(error("SELECT * FROM Users WHERE n IN []"),
            "ValidationException: IN operator must have a left hand argument of type Variable "
            "Reference and right hand argument of type Seq with at least one member");
  EXPECT_EQ(error("SELECT * FROM Users WHERE exists(x)"),
            "ValidationException: EXISTS can only be used in ExecuteTransaction write requests.");
  EXPECT_EQ(error("SELECT * FROM Users WHERE m[*].b = 1"),
            "ValidationException: Wildcard path component like a[*].b are not supported");
  EXPECT_EQ(error("SELECT * FROM Nope"), "ResourceNotFoundException: Requested resource not found");
  EXPECT_EQ(error("SELECT * FROM Users WHERE id = ?", R"([{"Z":"a"}])").substr(0, 20),
            "ValidationException:");
  EXPECT_EQ(error("SELECT * FROM Users", "[]"),
            "ValidationException: 1 validation error detected: Value '[]' at 'parameters' failed "
            "to satisfy constraint: Member must have length greater than or equal to 1");
  EXPECT_EQ(error(""),
            "ValidationException: 1 validation error detected: Value '' at 'statement' failed to "
            "satisfy constraint: Member must have length greater than or equal to 1");
  std::string huge = "SELECT * FROM Users WHERE id = '" + std::string(9000, 'x') + "'";
  EXPECT_NE(error(huge).find("Member must have length less than or equal to 8192"),
            std::string::npos);
  Answer missing = call(executeStatement, "{}");
  EXPECT_EQ(missing.message(),
            "1 validation error detected: Value null at 'statement' failed to satisfy "
            "constraint: Member must not be null");
}

TEST_F(PartiqlTest, DeepNestingAndGarbageNeverCrash) {
  const std::string m = std::string("ValidationException: ") + kMalformed;
  std::string parens =
      "SELECT * FROM Users WHERE " + std::string(3000, '(') + "id = 'a'" + std::string(3000, ')');
  EXPECT_EQ(error(parens).substr(0, m.size()), m);
  std::string nots = "SELECT * FROM Users WHERE ";
  for (int i = 0; i < 1500; ++i) nots += "NOT ";
  nots += "id = 'a'";
  EXPECT_EQ(error(nots).substr(0, m.size()), m);
  std::string lists = "INSERT INTO Users VALUE {'id': 'a', 'l': " + std::string(2000, '[') +
                      std::string(2000, ']') + "}";
  EXPECT_EQ(error(lists), "ValidationException: Nesting Levels have exceeded supported limits");
  std::string path = "SELECT * FROM Users WHERE a";
  for (int i = 0; i < 40; ++i) path += ".b";
  path += " = 1";
  EXPECT_NE(error(path).find("nesting levels"), std::string::npos);
  // Moderate nesting works.
  EXPECT_TRUE(run("SELECT * FROM Users WHERE ((((id = 'a')))) AND NOT NOT (id = 'a')").ok());

  // Random token soup: every answer is a well-formed answer, never a crash or a hang.
  const std::vector<std::string> vocabulary = {
      "SELECT", "INSERT",   "INTO",        "UPDATE",    "DELETE",    "FROM",     "WHERE",
      "VALUE",  "SET",      "REMOVE",      "RETURNING", "ALL",       "MODIFIED", "OLD",
      "NEW",    "*",        "AND",         "OR",        "NOT",       "IN",       "BETWEEN",
      "IS",     "MISSING",  "NULL",        "TRUE",      "=",         "<>",       "<",
      ">=",     "(",        ")",           "[",         "]",         "{",        "}",
      "<<",     ">>",       ",",           ".",         ":",         "?",        "'s'",
      "1",      "-2.5e3",   "id",          "n",         "\"Users\"", "Orders",   "begins_with",
      "size",   "contains", "list_append", "set_add",   "ORDER",     "BY",       "DESC",
      "+",      "-",        ";",           "'",         "\"",        "/*",       "--",
      "1e999",  "customer", "seq"};
  std::mt19937 random(12);
  for (int i = 0; i < 600; ++i) {
    std::string statement;
    int length = 1 + static_cast<int>(random() % 14);
    for (int t = 0; t < length; ++t) {
      statement += vocabulary[random() % vocabulary.size()];
      statement += ' ';
    }
    Answer a = run(statement, R"([{"S":"a"},{"N":"1"}])");
    EXPECT_TRUE(a.status == 200 || a.status == 400) << statement << " -> " << a.body;
  }
}

// ---- BatchExecuteStatement ----

std::string statements(std::initializer_list<std::string> entries) {
  std::string out = "[";
  for (const auto& e : entries) out += (out.size() > 1 ? "," : "") + e;
  return out + "]";
}

std::string entry(const std::string& statement, const std::string& more = "") {
  return "{\"Statement\":" + quote(statement) + (more.empty() ? "" : "," + more) + "}";
}

TEST_F(PartiqlTest, BatchReadsAnswerEachStatementByKey) {
  seedOrders();
  Answer a = batch(statements({
                       entry("SELECT total FROM Orders WHERE customer = 'ann' AND seq = 2"),
                       entry("SELECT * FROM Orders WHERE customer = ? AND seq = ?",
                             R"("Parameters":[{"S":"bob"},{"N":"9"}])"),
                       entry("SLECT * FROM Orders"),
                       entry("SELECT * FROM Orders WHERE customer = 'ann'"),
                       entry("SELECT * FROM \"Orders\".\"byStatus\" WHERE status = 'open'"),
                       entry("SELECT * FROM Nope WHERE id = 'a'"),
                   }),
                   "\"ReturnConsumedCapacity\":\"TOTAL\"");
  ASSERT_TRUE(a.ok()) << a.body;
  simdjson::dom::array responses;
  ASSERT_EQ(a.json["Responses"].get(responses), simdjson::SUCCESS);
  ASSERT_EQ(responses.size(), 6u);
  auto r = [&](size_t i) { return simdjson::minify(responses.at(i).value()); };
  EXPECT_EQ(r(0), R"({"TableName":"Orders","Item":{"total":{"N":"20"}}})");
  EXPECT_EQ(r(1), R"({"TableName":"Orders"})");
  EXPECT_EQ(r(2), std::string(R"({"Error":{"Code":"ValidationError","Message":")") + kMalformed +
                      R"(Expected data manipulation"}})");
  const std::string notByKey =
      R"({"Error":{"Code":"ValidationError","Message":"Select statements within )"
      R"(BatchExecuteStatement must specify the primary key in the where clause."},)"
      R"("TableName":"Orders"})";
  EXPECT_EQ(r(3), notByKey);
  EXPECT_EQ(r(4), notByKey);
  EXPECT_EQ(r(5),
            R"({"Error":{"Code":"ResourceNotFound","Message":"Requested resource not found"}})");
  EXPECT_TRUE(a.has("ConsumedCapacity"));
}

TEST_F(PartiqlTest, BatchWritesRunInOrderEachWithItsOwnResult) {
  ASSERT_TRUE(run("INSERT INTO Users VALUE {'id': 'old', 'n': 1}").ok());
  Answer a = batch(statements({
      entry("INSERT INTO Users VALUE {'id': 'new', 'n': 1}"),
      entry("UPDATE Users SET n = n + 1 WHERE id = 'new' RETURNING ALL NEW *"),
      entry("INSERT INTO Users VALUE {'id': 'old', 'n': 5}"),
      entry("UPDATE Users SET n = 7 WHERE id = ? AND n = 99",
            R"("Parameters":[{"S":"old"}],)"
            R"("ReturnValuesOnConditionCheckFailure":"ALL_OLD")"),
      entry("DELETE FROM Users WHERE id = 'old' RETURNING ALL OLD *"),
      entry("DELETE FROM Users WHERE id = 'x' RETURNING MODIFIED OLD *"),
      entry("UPDATE Users SET n = 1 WHERE id = 'absent'"),
  }));
  ASSERT_TRUE(a.ok()) << a.body;
  simdjson::dom::array responses;
  ASSERT_EQ(a.json["Responses"].get(responses), simdjson::SUCCESS);
  ASSERT_EQ(responses.size(), 7u);
  auto r = [&](size_t i) { return simdjson::minify(responses.at(i).value()); };
  EXPECT_EQ(r(0), R"({"TableName":"Users"})");
  EXPECT_EQ(r(1), R"({"TableName":"Users","Item":{"id":{"S":"new"},"n":{"N":"2"}}})");
  EXPECT_EQ(r(2), R"({"Error":{"Code":"DuplicateItem","Message":"Duplicate primary key exists )"
                  R"(in table"},"TableName":"Users"})");
  EXPECT_EQ(r(3),
            R"({"Error":{"Code":"ConditionalCheckFailed","Message":"The conditional )"
            R"(request failed","Item":{"id":{"S":"old"},"n":{"N":"1"}}},"TableName":"Users"})");
  EXPECT_EQ(r(4), R"({"TableName":"Users","Item":{"id":{"S":"old"},"n":{"N":"1"}}})");
  EXPECT_EQ(r(5), R"({"Error":{"Code":"ValidationError","Message":"Invalid returning clause: )"
                  R"(RETURNING MODIFIED OLD *. Only RETURNING ALL OLD * is allowed in DELETE )"
                  R"(statements."},"TableName":"Users"})");
  EXPECT_EQ(r(6), R"({"Error":{"Code":"ConditionalCheckFailed","Message":"The conditional )"
                  R"(request failed"},"TableName":"Users"})");
  EXPECT_EQ(items("SELECT * FROM Users"), canon({R"({"id":{"S":"new"},"n":{"N":"2"}})"}));
}

TEST_F(PartiqlTest, BatchRequestErrors) {
  EXPECT_EQ(batch("[]").message(),
            "1 validation error detected: Value '[...]' at 'statements' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1");
  std::string many = "[";
  for (int i = 0; i < 26; ++i) {
    many += (i ? "," : "") + entry(fmt::format("SELECT * FROM Users WHERE id = '{}'", i));
  }
  many += "]";
  EXPECT_EQ(batch(many).message(),
            "1 validation error detected: Value '[...]' at 'statements' failed to satisfy "
            "constraint: Member must have length less than or equal to 25");
  Answer mixed = batch(statements(
      {entry("SELECT * FROM Users WHERE id = 'a'"), entry("INSERT INTO Users VALUE {'id': 'a'}")}));
  EXPECT_EQ(mixed.errorType(), "ValidationException");
  EXPECT_EQ(items("SELECT * FROM Users"), std::vector<std::string>{});
  EXPECT_EQ(call(batchExecuteStatement, "{}").message(),
            "1 validation error detected: Value null at 'statements' failed to satisfy "
            "constraint: Member must not be null");
  EXPECT_EQ(batch(statements({"{}"})).message(),
            "1 validation error detected: Value null at 'statements.1.member.statement' failed "
            "to satisfy constraint: Member must not be null");
}

}  // namespace
}  // namespace nimbus::aws::dynamodb
