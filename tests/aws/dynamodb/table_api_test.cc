// The table operations through DynamoDbService::handle, as a client sends them, over a real
// SQLite store in a temporary directory: answers and errors as DynamoDB words them, index
// backfilling, streams, time to live, tags, serverless.yml's tables, and definitions that
// survive a reopen.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "service_fixture.h"

namespace nimbus::aws::dynamodb {
namespace {

using nlohmann::json;
using service_test::kArnPrefix;
using Answer = service_test::ServiceAnswer;

json hashTable(const std::string& name) {
  return {{"TableName", name},
          {"KeySchema", {{{"AttributeName", "p"}, {"KeyType", "HASH"}}}},
          {"AttributeDefinitions", {{{"AttributeName", "p"}, {"AttributeType", "S"}}}},
          {"BillingMode", "PAY_PER_REQUEST"}};
}

json createGsi(const std::string& index, const std::string& attribute, std::string type = "S") {
  return {{"AttributeDefinitions", {{{"AttributeName", attribute}, {"AttributeType", type}}}},
          {"GlobalSecondaryIndexUpdates",
           {{{"Create",
              {{"IndexName", index},
               {"KeySchema", {{{"AttributeName", attribute}, {"KeyType", "HASH"}}}},
               {"Projection", {{"ProjectionType", "ALL"}}}}}}}}};
}

json with(json a, const json& b) {
  a.update(b);
  return a;
}

class TableApiTest : public service_test::ServiceTest {
 protected:
  TableApiTest() : ServiceTest("nimbus-dynamodb-table-test-") {}

  json describe(const std::string& table) {
    return r().ok("DescribeTable", {{"TableName", table}})["Table"];
  }
};

TEST_F(TableApiTest, CreateAnswersCreatingAndDescribeAnswersActive) {
  json created = r().ok("CreateTable", hashTable("orders"))["TableDescription"];
  EXPECT_EQ(created["TableStatus"], "CREATING");
  EXPECT_EQ(created["TableName"], "orders");
  EXPECT_EQ(created["TableArn"], std::string(kArnPrefix) + "orders");
  EXPECT_EQ(created["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST");

  json table = describe("orders");
  EXPECT_EQ(table["TableStatus"], "ACTIVE");
  EXPECT_EQ(table["TableId"], created["TableId"]);
  EXPECT_EQ(table["ItemCount"], 0);
  EXPECT_EQ(table["ProvisionedThroughput"]["ReadCapacityUnits"], 0);
  EXPECT_FALSE(table.contains("StreamSpecification"));
  // The table's ARN names it too.
  EXPECT_EQ(r().ok("DescribeTable",
                   {{"TableName", std::string(kArnPrefix) + "orders"}})["Table"]["TableId"],
            created["TableId"]);

  Answer again = r().call("CreateTable", hashTable("orders"));
  EXPECT_EQ(again.code(), "ResourceInUseException");
  EXPECT_EQ(again.message(), "Table already exists: orders");
}

TEST_F(TableApiTest, MissingTablesAndNamesAreRefusedAsDynamoDbWordsIt) {
  Answer a = r().call("DescribeTable", {{"TableName", "nothing"}});
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.code(), "ResourceNotFoundException");
  EXPECT_EQ(a.message(), "Requested resource not found: Table: nothing not found");
  EXPECT_EQ(a.body["__type"], "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");

  a = r().call("DescribeTable", json::object());
  EXPECT_EQ(a.code(), "ValidationException");
  EXPECT_EQ(a.message(),
            "1 validation error detected: Value null at 'tableName' failed to satisfy "
            "constraint: Member must not be null");
  a = r().call("DescribeTable", {{"TableName", 7}});
  EXPECT_EQ(a.code(), "SerializationException");
  EXPECT_EQ(a.message(), "NUMBER_VALUE cannot be converted to String");
  EXPECT_EQ(r().call("DeleteTable", {{"TableName", "nothing"}}).code(),
            "ResourceNotFoundException");
  EXPECT_EQ(r().call("UpdateTable", {{"TableName", "nothing"}, {"BillingMode", "PAY_PER_REQUEST"}})
                .code(),
            "ResourceNotFoundException");
}

TEST_F(TableApiTest, ListTablesPagesInNameOrder) {
  for (auto name : {"charlie", "alpha", "bravo"}) r().ok("CreateTable", hashTable(name));
  json all = r().ok("ListTables", json::object());
  EXPECT_EQ(all["TableNames"], json({"alpha", "bravo", "charlie"}));
  EXPECT_FALSE(all.contains("LastEvaluatedTableName"));

  json first = r().ok("ListTables", {{"Limit", 2}});
  EXPECT_EQ(first["TableNames"], json({"alpha", "bravo"}));
  EXPECT_EQ(first["LastEvaluatedTableName"], "bravo");
  json rest = r().ok("ListTables", {{"Limit", 2}, {"ExclusiveStartTableName", "bravo"}});
  EXPECT_EQ(rest["TableNames"], json({"charlie"}));
  EXPECT_FALSE(rest.contains("LastEvaluatedTableName"));

  Answer a = r().call("ListTables", {{"Limit", 101}});
  EXPECT_EQ(a.message(),
            "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
            "Member must have value less than or equal to 100");
  a = r().call("ListTables", {{"Limit", 0}, {"ExclusiveStartTableName", "a;"}});
  EXPECT_EQ(a.message(),
            "3 validation errors detected: Value 'a;' at 'exclusiveStartTableName' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: "
            "[a-zA-Z0-9_.-]+; Value 'a;' at 'exclusiveStartTableName' failed to satisfy "
            "constraint: Member must have length greater than or equal to 3; Value '0' at "
            "'limit' failed to satisfy constraint: Member must have value greater than or equal "
            "to 1");
}

TEST_F(TableApiTest, UpdateTableBackfillsANewGlobalIndex) {
  r().ok("CreateTable", hashTable("things"));
  r().ok("PutItem",
         {{"TableName", "things"}, {"Item", {{"p", {{"S", "1"}}}, {"x", {{"S", "a"}}}}}});
  r().ok("PutItem",
         {{"TableName", "things"}, {"Item", {{"p", {{"S", "2"}}}, {"x", {{"S", "b"}}}}}});
  // Without x, or with x of another type: left out of the index.
  r().ok("PutItem", {{"TableName", "things"}, {"Item", {{"p", {{"S", "3"}}}}}});
  r().ok("PutItem",
         {{"TableName", "things"}, {"Item", {{"p", {{"S", "4"}}}, {"x", {{"N", "5"}}}}}});

  json updated = r().ok("UpdateTable", with({{"TableName", "things"}}, createGsi("byX", "x")));
  EXPECT_EQ(updated["TableDescription"]["TableStatus"], "UPDATING");
  json table = describe("things");
  ASSERT_EQ(table["GlobalSecondaryIndexes"].size(), 1u);
  EXPECT_EQ(table["GlobalSecondaryIndexes"][0]["IndexName"], "byX");
  EXPECT_EQ(table["GlobalSecondaryIndexes"][0]["ItemCount"], 2);
  EXPECT_EQ(table["AttributeDefinitions"].size(), 2u);

  json query = r().ok("Query", {{"TableName", "things"},
                                {"IndexName", "byX"},
                                {"KeyConditionExpression", "x = :x"},
                                {"ExpressionAttributeValues", {{":x", {{"S", "b"}}}}}});
  ASSERT_EQ(query["Items"].size(), 1u);
  EXPECT_EQ(query["Items"][0]["p"]["S"], "2");
  // x is an index key now: another type is refused.
  EXPECT_EQ(r().call("PutItem", {{"TableName", "things"},
                                 {"Item", {{"p", {{"S", "9"}}}, {"x", {{"N", "1"}}}}}})
                .code(),
            "ValidationException");

  Answer a = r().call("UpdateTable", with({{"TableName", "things"}}, createGsi("byX", "y")));
  EXPECT_EQ(a.message(), "Attempting to create an index which already exists");
  a = r().call("UpdateTable", with({{"TableName", "things"}}, createGsi("byX2", "x", "N")));
  EXPECT_EQ(a.code(), "ValidationException");
  EXPECT_NE(a.message().find("Attributes cannot be redefined"), std::string::npos);
  json missingDefinition = createGsi("byY", "y");
  missingDefinition["AttributeDefinitions"] = {{{"AttributeName", "z"}, {"AttributeType", "S"}}};
  a = r().call("UpdateTable", with({{"TableName", "things"}}, missingDefinition));
  EXPECT_EQ(a.message(),
            "One or more parameter values were invalid: Some index key attributes are not "
            "defined in AttributeDefinitions. Keys: [y], AttributeDefinitions: [z]");

  // Deleting it drops its attribute definition and its type rule.
  r().ok("UpdateTable", {{"TableName", "things"},
                         {"GlobalSecondaryIndexUpdates", {{{"Delete", {{"IndexName", "byX"}}}}}}});
  table = describe("things");
  EXPECT_FALSE(table.contains("GlobalSecondaryIndexes"));
  EXPECT_EQ(table["AttributeDefinitions"].size(), 1u);
  r().ok("PutItem",
         {{"TableName", "things"}, {"Item", {{"p", {{"S", "9"}}}, {"x", {{"N", "1"}}}}}});
  a = r().call("UpdateTable",
               {{"TableName", "things"},
                {"GlobalSecondaryIndexUpdates", {{{"Delete", {{"IndexName", "byX"}}}}}}});
  EXPECT_EQ(a.code(), "ResourceNotFoundException");
}

TEST_F(TableApiTest, UpdateTableRefusesWhatDynamoDbRefuses) {
  r().ok("CreateTable", hashTable("things"));
  Answer a = r().call("UpdateTable", {{"TableName", "things"}});
  EXPECT_EQ(a.code(), "ValidationException");
  EXPECT_TRUE(a.message().starts_with("At least one of ProvisionedThroughput, BillingMode, "));
  a = r().call("UpdateTable",
               {{"TableName", "things"}, {"GlobalSecondaryIndexUpdates", json::array()}});
  EXPECT_TRUE(a.message().starts_with("At least one of"));
  a = r().call("UpdateTable",
               {{"TableName", "things"}, {"GlobalSecondaryIndexUpdates", {json::object()}}});
  EXPECT_EQ(a.message(),
            "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, "
            "GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be "
            "null");

  // One index created or deleted per call.
  json two = createGsi("one", "x");
  two["GlobalSecondaryIndexUpdates"].push_back(
      createGsi("two", "x")["GlobalSecondaryIndexUpdates"][0]);
  a = r().call("UpdateTable", with({{"TableName", "things"}}, two));
  EXPECT_EQ(a.code(), "LimitExceededException");
  EXPECT_EQ(a.message(),
            "Subscriber limit exceeded: Only 1 online index can be created or deleted "
            "simultaneously per table");
  a = r().call("UpdateTable",
               {{"TableName", "things"},
                {"GlobalSecondaryIndexUpdates",
                 {{{"Delete", {{"IndexName", "abc"}}}}, {{"Delete", {{"IndexName", "abc"}}}}}}});
  EXPECT_EQ(a.message(),
            "One or more parameter values were invalid: Only one global secondary index update "
            "per index is allowed simultaneously. Index: abc");

  // Billing and throughput.
  a = r().call("UpdateTable",
               {{"TableName", "things"},
                {"ProvisionedThroughput", {{"ReadCapacityUnits", 1}, {"WriteCapacityUnits", 1}}}});
  EXPECT_EQ(a.message(),
            "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
            "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
  a = r().call("UpdateTable", {{"TableName", "things"}, {"BillingMode", "PROVISIONED"}});
  EXPECT_EQ(a.message(),
            "One or more parameter values were invalid: ProvisionedThroughput must be specified "
            "when BillingMode is PROVISIONED");
  a = r().call("UpdateTable",
               {{"TableName", "things"}, {"ProvisionedThroughput", {{"ReadCapacityUnits", 0}}}});
  EXPECT_EQ(a.message(),
            "2 validation errors detected: Value null at "
            "'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must "
            "not be null; Value '0' at 'provisionedThroughput.readCapacityUnits' failed to "
            "satisfy constraint: Member must have value greater than or equal to 1");
  json provisioned =
      r().ok("UpdateTable",
             {{"TableName", "things"},
              {"BillingMode", "PROVISIONED"},
              {"ProvisionedThroughput", {{"ReadCapacityUnits", 5}, {"WriteCapacityUnits", 3}}}});
  EXPECT_EQ(provisioned["TableDescription"]["ProvisionedThroughput"]["ReadCapacityUnits"], 5);
  EXPECT_FALSE(describe("things").contains("BillingModeSummary"));
  a = r().call("UpdateTable",
               {{"TableName", "things"},
                {"ProvisionedThroughput", {{"ReadCapacityUnits", 5}, {"WriteCapacityUnits", 3}}}});
  EXPECT_TRUE(a.message().starts_with(
      "The provisioned throughput for the table will not change. The requested value equals "
      "the current value. Current ReadCapacityUnits provisioned for the table: 5."));
  // A provisioned table's new index needs its own throughput.
  a = r().call("UpdateTable", with({{"TableName", "things"}}, createGsi("byX", "x")));
  EXPECT_EQ(a.message(),
            "One or more parameter values were invalid: ProvisionedThroughput must be specified "
            "for index: byX");
  // Aspects are changed one at a time.
  a = r().call(
      "UpdateTable",
      {{"TableName", "things"},
       {"ProvisionedThroughput", {{"ReadCapacityUnits", 6}, {"WriteCapacityUnits", 3}}},
       {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", "KEYS_ONLY"}}}});
  EXPECT_EQ(a.message(),
            "One or more parameter values were invalid: You cannot modify stream status while "
            "updating table IOPS");
}

TEST_F(TableApiTest, StreamsAreTurnedOnAndOffWithDynamoDbsRefusals) {
  r().ok("CreateTable", hashTable("events"));
  Answer a = r().call(
      "UpdateTable", {{"TableName", "events"}, {"StreamSpecification", {{"StreamEnabled", true}}}});
  EXPECT_EQ(a.message(),
            "One or more parameter values were invalid: If stream is being enabled then "
            "UpdateViewType is required");
  a = r().call("UpdateTable",
               {{"TableName", "events"},
                {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", "Fisk"}}}});
  EXPECT_EQ(a.message(),
            "1 validation error detected: Value 'Fisk' at 'streamSpecification.streamViewType' "
            "failed to satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, "
            "OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]");
  a = r().call("UpdateTable",
               {{"TableName", "events"}, {"StreamSpecification", {{"StreamEnabled", false}}}});
  EXPECT_EQ(a.message(), "Table has no stream to disable: TableName: events");

  json on =
      r().ok("UpdateTable",
             {{"TableName", "events"},
              {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", "NEW_IMAGE"}}}});
  std::string arn = on["TableDescription"]["LatestStreamArn"];
  EXPECT_TRUE(arn.starts_with(std::string(kArnPrefix) + "events/stream/")) << arn;
  json table = describe("events");
  EXPECT_EQ(table["StreamSpecification"]["StreamViewType"], "NEW_IMAGE");
  EXPECT_EQ(table["LatestStreamArn"], arn);

  a = r().call("UpdateTable", {{"TableName", "events"},
                               {"StreamSpecification",
                                {{"StreamEnabled", true}, {"StreamViewType", "KEYS_ONLY"}}}});
  EXPECT_EQ(a.message(), "Table already has an enabled stream: TableName: events");
  r().ok("UpdateTable",
         {{"TableName", "events"}, {"StreamSpecification", {{"StreamEnabled", false}}}});
  EXPECT_FALSE(describe("events").contains("StreamSpecification"));
  json again =
      r().ok("UpdateTable",
             {{"TableName", "events"},
              {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", "KEYS_ONLY"}}}});
  EXPECT_NE(again["TableDescription"]["LatestStreamArn"], arn);  // A new stream.
}

TEST_F(TableApiTest, DeleteTableAnswersDeletingAndHonoursDeletionProtection) {
  r().ok("CreateTable", hashTable("precious"));
  r().ok("PutItem", {{"TableName", "precious"}, {"Item", {{"p", {{"S", "1"}}}}}});
  json update =
      r().ok("UpdateTable", {{"TableName", "precious"}, {"DeletionProtectionEnabled", true}});
  EXPECT_EQ(update["TableDescription"]["DeletionProtectionEnabled"], true);
  Answer a = r().call("UpdateTable", {{"TableName", "precious"},
                                      {"DeletionProtectionEnabled", false},
                                      {"BillingMode", "PAY_PER_REQUEST"}});
  EXPECT_EQ(a.message(),
            "One or more parameter values were invalid: DeletionProtection modification must be "
            "the only operation in the request");
  a = r().call("DeleteTable", {{"TableName", "precious"}});
  EXPECT_EQ(a.message(),
            "Resource cannot be deleted as it is currently protected against deletion. Disable "
            "deletion protection first.");
  r().ok("UpdateTable", {{"TableName", "precious"}, {"DeletionProtectionEnabled", false}});

  json deleted = r().ok("DeleteTable", {{"TableName", "precious"}})["TableDescription"];
  EXPECT_EQ(deleted["TableStatus"], "DELETING");
  EXPECT_EQ(deleted["TableName"], "precious");
  EXPECT_EQ(deleted["ItemCount"], 1);
  EXPECT_EQ(deleted["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST");
  EXPECT_TRUE(deleted.contains("TableId"));
  EXPECT_FALSE(deleted.contains("KeySchema"));
  EXPECT_FALSE(deleted.contains("AttributeDefinitions"));
  EXPECT_FALSE(deleted.contains("CreationDateTime"));
  EXPECT_EQ(r().call("DescribeTable", {{"TableName", "precious"}}).code(),
            "ResourceNotFoundException");
  // The name is free again, and the new table starts empty.
  r().ok("CreateTable", hashTable("precious"));
  EXPECT_EQ(describe("precious")["ItemCount"], 0);
}

TEST_F(TableApiTest, TimeToLiveIsSetAndRefusedAsDynamoDbDoes) {
  r().ok("CreateTable", hashTable("sessions"));
  EXPECT_EQ(r().ok("DescribeTimeToLive", {{"TableName", "sessions"}}),
            json({{"TimeToLiveDescription", {{"TimeToLiveStatus", "DISABLED"}}}}));
  Answer a =
      r().call("UpdateTimeToLive",
               {{"TableName", "sessions"},
                {"TimeToLiveSpecification", {{"AttributeName", "expires"}, {"Enabled", false}}}});
  EXPECT_EQ(a.message(), "TimeToLive is already disabled");
  a = r().call("UpdateTimeToLive",
               {{"TableName", "sessions"}, {"TimeToLiveSpecification", {{"AttributeName", ""}}}});
  EXPECT_EQ(a.message(),
            "2 validation errors detected: Value '' at 'timeToLiveSpecification.attributeName' "
            "failed to satisfy constraint: Member must have length greater than or equal to 1; "
            "Value null at 'timeToLiveSpecification.enabled' failed to satisfy constraint: "
            "Member must not be null");
  a = r().call("UpdateTimeToLive",
               {{"TableName", "nothing"},
                {"TimeToLiveSpecification", {{"AttributeName", "expires"}, {"Enabled", true}}}});
  EXPECT_EQ(a.code(), "ResourceNotFoundException");

  json spec = {{"AttributeName", "expires"}, {"Enabled", true}};
  EXPECT_EQ(
      r().ok("UpdateTimeToLive", {{"TableName", "sessions"}, {"TimeToLiveSpecification", spec}}),
      json({{"TimeToLiveSpecification", spec}}));
  EXPECT_EQ(r().ok("DescribeTimeToLive", {{"TableName", "sessions"}}),
            json({{"TimeToLiveDescription",
                   {{"TimeToLiveStatus", "ENABLED"}, {"AttributeName", "expires"}}}}));
  a = r().call("UpdateTimeToLive", {{"TableName", "sessions"}, {"TimeToLiveSpecification", spec}});
  EXPECT_EQ(a.message(), "TimeToLive is already enabled");
  a = r().call("UpdateTimeToLive",
               {{"TableName", "sessions"},
                {"TimeToLiveSpecification", {{"AttributeName", "other"}, {"Enabled", false}}}});
  EXPECT_EQ(a.message(),
            "TimeToLive is active on a different AttributeName: current AttributeName is expires");
  r().ok("UpdateTimeToLive",
         {{"TableName", "sessions"},
          {"TimeToLiveSpecification", {{"AttributeName", "expires"}, {"Enabled", false}}}});
  EXPECT_EQ(r().ok("DescribeTimeToLive", {{"TableName", "sessions"}})["TimeToLiveDescription"],
            json({{"TimeToLiveStatus", "DISABLED"}}));
}

TEST_F(TableApiTest, TagsByTableArn) {
  json create = hashTable("tagged");
  create["Tags"] = {{{"Key", "team"}, {"Value", "core"}}};
  r().ok("CreateTable", create);
  std::string arn = std::string(kArnPrefix) + "tagged";
  EXPECT_EQ(r().ok("ListTagsOfResource", {{"ResourceArn", arn}}),
            json({{"Tags", {{{"Key", "team"}, {"Value", "core"}}}}}));

  EXPECT_EQ(
      r().ok("TagResource",
             {{"ResourceArn", arn},
              {"Tags",
               {{{"Key", "team"}, {"Value", "data"}}, {{"Key", "cost center"}, {"Value", ""}}}}}),
      json::object());
  EXPECT_EQ(r().ok("ListTagsOfResource", {{"ResourceArn", arn}})["Tags"],
            json({{{"Key", "cost center"}, {"Value", ""}}, {{"Key", "team"}, {"Value", "data"}}}));
  r().ok("UntagResource", {{"ResourceArn", arn}, {"TagKeys", {"team", "never-there"}}});
  EXPECT_EQ(r().ok("ListTagsOfResource", {{"ResourceArn", arn}})["Tags"].size(), 1u);

  auto tag = [&](const std::string& resource, json tags) {
    return r().call("TagResource", {{"ResourceArn", resource}, {"Tags", tags}});
  };
  json one = {{{"Key", "k"}, {"Value", "v"}}};
  EXPECT_EQ(
      tag(std::string(kArnPrefix) + "taggedx", one).message(),
      "Requested resource not found: ResourcArn: " + std::string(kArnPrefix) + "taggedx not found");
  EXPECT_EQ(tag("I_do_not_exist", one).message(),
            "One or more parameter values were invalid: ARNs must start with 'arn:': "
            "I_do_not_exist");
  EXPECT_EQ(tag(arn + "/index/byX", one).code(), "ValidationException");
  EXPECT_EQ(tag("arn:aws:dynamodb:eu-west-1:000000000000:table/tagged", one).message(),
            "Invalid TableArn: Invalid ResourceArn provided as input "
            "arn:aws:dynamodb:eu-west-1:000000000000:table/tagged");
  EXPECT_EQ(tag(arn, json::array()).message(), "Atleast one Tag needs to be provided as Input.");
  EXPECT_EQ(tag(arn, {{{"Key", "hi!"}, {"Value", "v"}}}).message(),
            "The Tag Key provided is invalid, Key: hi!");
  EXPECT_EQ(tag(arn, {{{"Key", "k"}}}).message(), "The Tag Value provided is invalid, Value: null");
  EXPECT_EQ(tag(arn, {{{"Key", std::string(129, 'x')}, {"Value", "v"}}}).code(),
            "ValidationException");
  json many = json::array();
  for (int i = 0; i < 50; ++i) many.push_back({{"Key", std::to_string(i)}, {"Value", "v"}});
  EXPECT_EQ(tag(arn, many).message(),
            "Number of Tags exceed the current limit for the provided ResourceArn");
  EXPECT_EQ(r().call("TagResource", {{"ResourceArn", arn}}).message(),
            "1 validation error detected: Value null at 'tags' failed to satisfy constraint: "
            "Member must not be null");
}

TEST_F(TableApiTest, LimitsAndEndpoints) {
  json limits = r().ok("DescribeLimits", json::object());
  EXPECT_EQ(limits["TableMaxReadCapacityUnits"], 40000);
  EXPECT_EQ(limits["AccountMaxWriteCapacityUnits"], 80000);
  json endpoints = r().ok("DescribeEndpoints", json::object());
  EXPECT_EQ(endpoints["Endpoints"][0]["Address"], "dynamodb.us-east-1.amazonaws.com");
  EXPECT_EQ(endpoints["Endpoints"][0]["CachePeriodInMinutes"], 1440);
}

TEST_F(TableApiTest, ProjectTablesAreCreatedThenBroughtInLine) {
  json definition = hashTable("project");
  definition["Tags"] = {{{"Key", "stage"}, {"Value", "dev"}}};
  ASSERT_EQ(r().ensure(definition, DynamoDbService::TimeToLive{"expires", true}), "");
  EXPECT_EQ(r().ok("DescribeTimeToLive",
                   {{"TableName", "project"}})["TimeToLiveDescription"]["AttributeName"],
            "expires");
  r().ok("PutItem",
         {{"TableName", "project"}, {"Item", {{"p", {{"S", "1"}}}, {"g", {{"S", "a"}}}}}});

  // An index, a stream and other tags; the same again changes nothing.
  definition["AttributeDefinitions"].push_back({{"AttributeName", "g"}, {"AttributeType", "S"}});
  definition["GlobalSecondaryIndexes"] = {
      {{"IndexName", "byG"},
       {"KeySchema", {{{"AttributeName", "g"}, {"KeyType", "HASH"}}}},
       {"Projection", {{"ProjectionType", "KEYS_ONLY"}}}}};
  definition["StreamSpecification"] = {{"StreamEnabled", true}, {"StreamViewType", "NEW_IMAGE"}};
  definition["Tags"] = {{{"Key", "stage"}, {"Value", "prod"}}};
  ASSERT_EQ(r().ensure(definition), "");
  json table = describe("project");
  EXPECT_EQ(table["GlobalSecondaryIndexes"][0]["ItemCount"], 1);
  EXPECT_EQ(table["StreamSpecification"]["StreamViewType"], "NEW_IMAGE");
  std::string streamArn = table["LatestStreamArn"];
  EXPECT_EQ(r().ok("ListTagsOfResource",
                   {{"ResourceArn", std::string(kArnPrefix) + "project"}})["Tags"][0]["Value"],
            "prod");
  ASSERT_EQ(r().ensure(definition), "");
  EXPECT_EQ(describe("project")["LatestStreamArn"], streamArn);
  // Time to live set by the API stays when the project says nothing about it.
  EXPECT_EQ(r().ok("DescribeTimeToLive",
                   {{"TableName", "project"}})["TimeToLiveDescription"]["TimeToLiveStatus"],
            "ENABLED");

  // Another view type is a new stream; no index and no stream take them away.
  definition["StreamSpecification"]["StreamViewType"] = "KEYS_ONLY";
  ASSERT_EQ(r().ensure(definition), "");
  EXPECT_NE(describe("project")["LatestStreamArn"], streamArn);
  definition.erase("GlobalSecondaryIndexes");
  definition.erase("StreamSpecification");
  definition["AttributeDefinitions"] = {{{"AttributeName", "p"}, {"AttributeType", "S"}}};
  ASSERT_EQ(r().ensure(definition, DynamoDbService::TimeToLive{"expires", false}), "");
  table = describe("project");
  EXPECT_FALSE(table.contains("GlobalSecondaryIndexes"));
  EXPECT_FALSE(table.contains("StreamSpecification"));
  EXPECT_EQ(table["AttributeDefinitions"].size(), 1u);
  EXPECT_EQ(r().ok("DescribeTimeToLive",
                   {{"TableName", "project"}})["TimeToLiveDescription"]["TimeToLiveStatus"],
            "DISABLED");

  // Another key schema would need a new table: refused, the table and its items untouched.
  json rekeyed = definition;
  rekeyed["AttributeDefinitions"][0]["AttributeType"] = "N";
  std::string error = r().ensure(rekeyed);
  EXPECT_TRUE(
      error.starts_with("DynamoDB table project: its key schema (p:N:HASH) differs from "
                        "the existing table's (p:S:HASH)"))
      << error;
  EXPECT_EQ(describe("project")["ItemCount"], 1);
  // And a definition DynamoDB would refuse is reported.
  json bad = hashTable("broken");
  bad.erase("KeySchema");
  EXPECT_EQ(r().ensure(bad),
            "DynamoDB table broken: 1 validation error detected: Value null at 'keySchema' "
            "failed to satisfy constraint: Member must not be null");
}

TEST_F(TableApiTest, DefinitionChangesSurviveAReopen) {
  r().ok("CreateTable", hashTable("kept"));
  r().ok("PutItem", {{"TableName", "kept"}, {"Item", {{"p", {{"S", "1"}}}, {"x", {{"S", "a"}}}}}});
  r().ok("UpdateTable", with({{"TableName", "kept"}}, createGsi("byX", "x")));
  r().ok("UpdateTimeToLive",
         {{"TableName", "kept"},
          {"TimeToLiveSpecification", {{"AttributeName", "expires"}, {"Enabled", true}}}});
  r().ok("TagResource", {{"ResourceArn", std::string(kArnPrefix) + "kept"},
                         {"Tags", {{{"Key", "a"}, {"Value", "b"}}}}});
  r().ok("CreateTable", hashTable("dropped"));
  r().ok("DeleteTable", {{"TableName", "dropped"}});
  reopen();
  EXPECT_TRUE(r().warnings().empty());
  EXPECT_EQ(r().ok("ListTables", json::object())["TableNames"], json({"kept"}));
  json table = describe("kept");
  EXPECT_EQ(table["GlobalSecondaryIndexes"][0]["ItemCount"], 1);
  EXPECT_EQ(r().ok("DescribeTimeToLive",
                   {{"TableName", "kept"}})["TimeToLiveDescription"]["AttributeName"],
            "expires");
  EXPECT_EQ(
      r().ok("ListTagsOfResource", {{"ResourceArn", std::string(kArnPrefix) + "kept"}})["Tags"]
          .size(),
      1u);
}

}  // namespace
}  // namespace nimbus::aws::dynamodb
