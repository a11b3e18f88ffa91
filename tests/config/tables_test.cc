// DynamoDB tables in resources.Resources: AWS::DynamoDB::Table and AWS::DynamoDB::GlobalTable as
// CreateTable requests, their Ref and Fn::GetAtt values, and the IAM statements that name them.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/dynamodb_names.h"
#include "project_fixture.h"

namespace nimbus::config::testing {
namespace {

using Tables = ProjectTest;

const TableResource& tableOf(const ProjectConfig& p, const std::string& logicalId) {
  for (const auto& t : p.tables) {
    if (t.logicalId == logicalId) return t;
  }
  ADD_FAILURE() << "no table " << logicalId;
  static const TableResource none;
  return none;
}

// The request as JSON, so that a comparison shows which part differs.
nlohmann::json request(const TableResource& table) {
  return nlohmann::json::parse(table.createTableRequest);
}

std::string allWarnings(const ProjectConfig& p) {
  std::string all;
  for (const auto& w : p.warnings) all += w + "\n";
  return all;
}

TEST_F(Tables, PropertiesBecomeACreateTableRequest) {
  auto p = ok(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
  environment:
    TABLE: !Ref Orders
    TABLE_ARN: !GetAtt Orders.Arn
    STREAM_ARN: !GetAtt Orders.StreamArn
    INDEX_ARN: !Join ["/", [!GetAtt Orders.Arn, index, "*"]]
functions:
  app: { handler: h.main }
resources:
  Resources:
    Orders:
      Type: AWS::DynamoDB::Table
      DeletionPolicy: Retain
      Properties:
        TableName: ${self:service}-${sls:stage}-orders
        AttributeDefinitions:
          - { AttributeName: pk, AttributeType: S }
          - { AttributeName: sk, AttributeType: S }
          - { AttributeName: total, AttributeType: N }
          - { AttributeName: customer, AttributeType: S }
        KeySchema:
          - { AttributeName: pk, KeyType: HASH }
          - { AttributeName: sk, KeyType: RANGE }
        BillingMode: PROVISIONED
        ProvisionedThroughput:
          ReadCapacityUnits: 5
          WriteCapacityUnits: "2"
        LocalSecondaryIndexes:
          - IndexName: byTotal
            KeySchema:
              - { AttributeName: pk, KeyType: HASH }
              - { AttributeName: total, KeyType: RANGE }
            Projection: { ProjectionType: KEYS_ONLY }
        GlobalSecondaryIndexes:
          - IndexName: byCustomer
            KeySchema:
              - { AttributeName: customer, KeyType: HASH }
            Projection:
              ProjectionType: INCLUDE
              NonKeyAttributes: [total, status]
            ProvisionedThroughput: { ReadCapacityUnits: "3", WriteCapacityUnits: 1 }
        StreamSpecification:
          StreamViewType: NEW_AND_OLD_IMAGES
        TimeToLiveSpecification:
          AttributeName: expiresAt
          Enabled: true
        TableClass: STANDARD_INFREQUENT_ACCESS
        DeletionProtectionEnabled: "false"
        Tags:
          - { Key: team, Value: !Ref AWS::Region }
)yaml");
  EXPECT_TRUE(p.warnings.empty()) << allWarnings(p);
  ASSERT_EQ(p.tables.size(), 1u);
  const auto& orders = p.tables[0];
  EXPECT_EQ(orders.logicalId, "Orders");
  EXPECT_EQ(orders.name, "shop-dev-orders");
  EXPECT_EQ(orders.path, "resources.Resources.Orders");
  EXPECT_EQ(orders.where.line, 14);
  EXPECT_EQ(orders.ttlAttribute, "expiresAt");
  EXPECT_TRUE(orders.ttlEnabled);
  EXPECT_EQ(request(orders), nlohmann::json::parse(R"json({
    "TableName": "shop-dev-orders",
    "AttributeDefinitions": [
      {"AttributeName": "pk", "AttributeType": "S"},
      {"AttributeName": "sk", "AttributeType": "S"},
      {"AttributeName": "total", "AttributeType": "N"},
      {"AttributeName": "customer", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                  {"AttributeName": "sk", "KeyType": "RANGE"}],
    "BillingMode": "PROVISIONED",
    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 2},
    "LocalSecondaryIndexes": [{
      "IndexName": "byTotal",
      "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "total", "KeyType": "RANGE"}],
      "Projection": {"ProjectionType": "KEYS_ONLY"}}],
    "GlobalSecondaryIndexes": [{
      "IndexName": "byCustomer",
      "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}],
      "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total", "status"]},
      "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 1}}],
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    "TableClass": "STANDARD_INFREQUENT_ACCESS",
    "DeletionProtectionEnabled": false,
    "Tags": [{"Key": "team", "Value": "us-east-1"}]
  })json"));

  const auto& app = p.functions.at(0);
  const std::string arn = "arn:aws:dynamodb:us-east-1:000000000000:table/shop-dev-orders";
  EXPECT_EQ(envValue(app, "TABLE"), "shop-dev-orders");
  EXPECT_EQ(envValue(app, "TABLE_ARN"), arn);
  EXPECT_EQ(envValue(app, "STREAM_ARN"), arn + "/stream/" + std::string(kProjectStreamLabel));
  EXPECT_EQ(envValue(app, "STREAM_ARN"), arn + "/stream/nimbus-latest");
  EXPECT_EQ(envValue(app, "INDEX_ARN"), arn + "/index/*");
}

TEST_F(Tables, AGeneratedNameKeepsTheLogicalIdsCase) {
  stage_ = "prod";
  auto p = ok(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  app: { handler: h.main, environment: { TABLE: !Ref UsersTable } }
resources:
  Resources:
    UsersTable:
      Type: AWS::DynamoDB::Table
      Properties:
        AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
        BillingMode: PAY_PER_REQUEST
)yaml");
  ASSERT_EQ(p.tables.size(), 1u);
  // CloudFormation names it "shop-prod-UsersTable-" and a random suffix, which nimbus leaves out.
  EXPECT_EQ(p.tables[0].name, "shop-prod-UsersTable");
  EXPECT_EQ(envValue(p.functions.at(0), "TABLE"), "shop-prod-UsersTable");
  EXPECT_FALSE(p.tables[0].ttlAttribute.has_value());
  EXPECT_EQ(request(p.tables[0]), nlohmann::json::parse(R"json({
    "TableName": "shop-prod-UsersTable",
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "BillingMode": "PAY_PER_REQUEST"
  })json"));
}

TEST_F(Tables, TimeToLiveCanBeTurnedOffWithoutAnAttribute) {
  auto p = ok(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  app: { handler: h.main }
resources:
  Resources:
    Off:
      Type: AWS::DynamoDB::Table
      Properties:
        AttributeDefinitions: [{ AttributeName: id, AttributeType: N }]
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
        BillingMode: PAY_PER_REQUEST
        TimeToLiveSpecification: { Enabled: false }
    Named:
      Type: AWS::DynamoDB::Table
      Properties:
        AttributeDefinitions: [{ AttributeName: id, AttributeType: B }]
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
        BillingMode: PAY_PER_REQUEST
        TimeToLiveSpecification: { AttributeName: ttl, Enabled: "false" }
)yaml");
  EXPECT_EQ(tableOf(p, "Off").ttlAttribute, "");
  EXPECT_FALSE(tableOf(p, "Off").ttlEnabled);
  EXPECT_EQ(tableOf(p, "Named").ttlAttribute, "ttl");
  EXPECT_FALSE(tableOf(p, "Named").ttlEnabled);
}

TEST_F(Tables, PropertiesNimbusDoesNotServeAreOneWarningEach) {
  auto p = ok(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  app: { handler: h.main }
resources:
  Resources:
    Users:
      Type: AWS::DynamoDB::Table
      Properties:
        AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
        BillingMode: PAY_PER_REQUEST
        SSESpecification: { SSEEnabled: true }
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }
        ContributorInsightsSpecification: { Enabled: true }
        KinesisStreamSpecification: { StreamArn: arn:aws:kinesis:us-east-1:000000000000:stream/s }
        OnDemandThroughput: { MaxReadRequestUnits: 10 }
        ResourcePolicy: { PolicyDocument: {} }
        WarmThroughput: { ReadUnitsPerSecond: 12000 }
        GlobalSecondaryIndexes:
          - IndexName: byId
            KeySchema: [{ AttributeName: id, KeyType: HASH }]
            Projection: { ProjectionType: ALL }
            ContributorInsightsSpecification: { Enabled: true }
)yaml");
  const std::string at = "serverless.yml:";
  const std::string path = "resources.Resources.Users.Properties.";
  const std::string ignored = " is not supported yet and is ignored";
  // The index's warning comes first: it is found while the index is read.
  std::vector<std::string> expected = {
      at + "24: " + path + "GlobalSecondaryIndexes[0].ContributorInsightsSpecification" + ignored,
      at + "13: " + path + "SSESpecification" + ignored,
      at + "14: " + path + "PointInTimeRecoverySpecification" + ignored,
      at + "15: " + path + "ContributorInsightsSpecification" + ignored,
      at + "16: " + path + "KinesisStreamSpecification" + ignored,
      at + "17: " + path + "OnDemandThroughput" + ignored,
      at + "18: " + path + "ResourcePolicy" + ignored,
      at + "19: " + path + "WarmThroughput" + ignored,
  };
  EXPECT_EQ(p.warnings, expected);
  ASSERT_EQ(p.tables.size(), 1u);
  EXPECT_FALSE(request(p.tables[0]).contains("SSESpecification"));
}

TEST_F(Tables, MistakesAreErrorsWithLineAndKey) {
  auto errors = failing(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  app: { handler: h.main }
resources:
  Resources:
    NoKeys:
      Type: AWS::DynamoDB::Table
      Properties:
        BillingMode: PAY_PER_REQUEST
    BadTypes:
      Type: AWS::DynamoDB::Table
      Properties:
        AttributeDefinitions:
          - AttributeName: id
            AttributeType: STRING
        KeySchema:
          - AttributeName: id
            KeyType: PRIMARY
        ProvisionedThroughput: { ReadCapacityUnits: lots, WriteCapacityUnits: 0 }
        StreamSpecification: { StreamViewType: EVERYTHING }
        TimeToLiveSpecification: { Enabled: true }
        BillingMode: ON_DEMAND
    BadShapes:
      Type: AWS::DynamoDB::Table
      Properties:
        AttributeDefinitions: { id: S }
        KeySchema:
          - { AttributeName: sk, KeyType: RANGE }
          - { AttributeName: pk, KeyType: HASH }
        LocalSecondaryIndexes:
          - IndexName: local
            KeySchema: [{ AttributeName: pk, KeyType: HASH }]
            Projection: { ProjectionType: ALL }
        GlobalSecondaryIndexes:
          - KeySchema: [{ AttributeName: pk, KeyType: HASH }]
)yaml");
  const std::string noKeys = "resources.Resources.NoKeys.Properties.";
  EXPECT_EQ(errorAt(errors, noKeys + "KeySchema").where.line, 7);
  EXPECT_EQ(errorAt(errors, noKeys + "KeySchema").message, "is required");
  EXPECT_EQ(errorAt(errors, noKeys + "AttributeDefinitions").where.line, 7);

  const std::string bad = "resources.Resources.BadTypes.Properties.";
  auto type = errorAt(errors, bad + "AttributeDefinitions[0].AttributeType");
  EXPECT_EQ(type.where.line, 16);
  EXPECT_EQ(type.message, "'STRING' is not one of S, N, B");
  auto keyType = errorAt(errors, bad + "KeySchema[0].KeyType");
  EXPECT_EQ(keyType.where.line, 19);
  EXPECT_EQ(keyType.message, "'PRIMARY' is not one of HASH, RANGE");
  auto read = errorAt(errors, bad + "ProvisionedThroughput.ReadCapacityUnits");
  EXPECT_EQ(read.where.line, 20);
  EXPECT_EQ(read.message, "must be a whole number of at least 1, got 'lots'");
  EXPECT_EQ(errorAt(errors, bad + "ProvisionedThroughput.WriteCapacityUnits").message,
            "must be a whole number of at least 1, got 0");
  EXPECT_EQ(errorAt(errors, bad + "StreamSpecification.StreamViewType").where.line, 21);
  auto ttl = errorAt(errors, bad + "TimeToLiveSpecification.AttributeName");
  EXPECT_EQ(ttl.where.line, 22);
  EXPECT_EQ(ttl.message, "is required when Enabled is true");
  EXPECT_EQ(errorAt(errors, bad + "BillingMode").message,
            "'ON_DEMAND' is not one of PROVISIONED, PAY_PER_REQUEST");

  const std::string shapes = "resources.Resources.BadShapes.Properties.";
  auto definitions = errorAt(errors, shapes + "AttributeDefinitions");
  EXPECT_EQ(definitions.where.line, 27);
  EXPECT_TRUE(contains(definitions.message, "must be a list of {AttributeName, AttributeType}"))
      << definitions.message;
  auto order = errorAt(errors, shapes + "KeySchema[0].KeyType");
  EXPECT_EQ(order.where.line, 29);
  EXPECT_EQ(order.message, "the first key must be the HASH (partition) key");
  auto local = errorAt(errors, shapes + "LocalSecondaryIndexes[0].KeySchema");
  EXPECT_EQ(local.where.line, 33);
  EXPECT_EQ(local.message, "must hold two keys: HASH, then RANGE");
  auto unnamed = errorAt(errors, shapes + "GlobalSecondaryIndexes[0].IndexName");
  EXPECT_EQ(unnamed.where.line, 36);
  EXPECT_EQ(errorAt(errors, shapes + "GlobalSecondaryIndexes[0].Projection").message,
            "is required");
}

TEST_F(Tables, StreamArnNeedsAStreamSpecification) {
  auto p = ok(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
  environment:
    STREAM: !GetAtt Plain.StreamArn
functions:
  app: { handler: h.main }
resources:
  Resources:
    Plain:
      Type: AWS::DynamoDB::Table
      Properties:
        AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
        BillingMode: PAY_PER_REQUEST
)yaml");
  EXPECT_FALSE(hasEnv(p.functions.at(0), "STREAM"));
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_EQ(p.warnings[0],
            "serverless.yml:6: provider.environment.STREAM: Fn::GetAtt Plain.StreamArn: Plain has "
            "no StreamSpecification, so it has no stream; the variable is left unset");
}

TEST_F(Tables, AGlobalTableIsServedAsTheTableOfTheStacksRegion) {
  region_ = "eu-west-1";
  auto p = ok(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
  environment:
    STREAM: !GetAtt Sessions.StreamArn
    ID: !GetAtt Sessions.TableId
    NAME: !Ref Sessions
functions:
  app: { handler: h.main }
resources:
  Resources:
    Sessions:
      Type: AWS::DynamoDB::GlobalTable
      Properties:
        TableName: sessions
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions:
          - { AttributeName: id, AttributeType: S }
          - { AttributeName: user, AttributeType: S }
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
        GlobalSecondaryIndexes:
          - IndexName: byUser
            KeySchema: [{ AttributeName: user, KeyType: HASH }]
            Projection: { ProjectionType: ALL }
            WriteProvisionedThroughputSettings:
              WriteCapacityAutoScalingSettings: { MinCapacity: 1, MaxCapacity: 5 }
        StreamSpecification: { StreamViewType: NEW_IMAGE }
        TimeToLiveSpecification: { AttributeName: expires, Enabled: true }
        SSESpecification: { SSEEnabled: true }
        Replicas:
          - Region: us-west-2
            Tags: [{ Key: where, Value: oregon }]
          - Region: !Ref AWS::Region
            TableClass: STANDARD
            DeletionProtectionEnabled: true
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }
            GlobalSecondaryIndexes:
              - IndexName: byUser
                ContributorInsightsSpecification: { Enabled: true }
            Tags: [{ Key: where, Value: ireland }]
)yaml");
  ASSERT_EQ(p.tables.size(), 1u);
  const auto& sessions = p.tables[0];
  EXPECT_EQ(sessions.name, "sessions");
  EXPECT_EQ(sessions.ttlAttribute, "expires");
  EXPECT_TRUE(sessions.ttlEnabled);
  // The replica of the stack's region gives the table class, deletion protection and tags; the
  // index's write auto scaling is dropped.
  EXPECT_EQ(request(sessions), nlohmann::json::parse(R"json({
    "TableName": "sessions",
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"},
                             {"AttributeName": "user", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "BillingMode": "PAY_PER_REQUEST",
    "GlobalSecondaryIndexes": [{
      "IndexName": "byUser",
      "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}],
      "Projection": {"ProjectionType": "ALL"}}],
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"},
    "TableClass": "STANDARD",
    "DeletionProtectionEnabled": true,
    "Tags": [{"Key": "where", "Value": "ireland"}]
  })json"));

  const auto& app = p.functions.at(0);
  EXPECT_EQ(envValue(app, "NAME"), "sessions");
  EXPECT_EQ(envValue(app, "STREAM"),
            "arn:aws:dynamodb:eu-west-1:000000000000:table/sessions/stream/nimbus-latest");
  EXPECT_EQ(envValue(app, "ID").size(), 36u);

  const std::string path = "resources.Resources.Sessions.Properties.";
  std::vector<std::string> expected = {
      "serverless.yml:30: " + path + "SSESpecification is not supported yet and is ignored",
      "serverless.yml:32: " + path +
          "Replicas[0]: nimbus serves one region (eu-west-1); this "
          "replica is not created",
      "serverless.yml:37: " + path +
          "Replicas[1].PointInTimeRecoverySpecification is not supported yet and is ignored",
  };
  std::sort(expected.begin(), expected.end());
  auto warnings = p.warnings;
  std::sort(warnings.begin(), warnings.end());
  EXPECT_EQ(warnings, expected);
}

TEST_F(Tables, AProvisionedGlobalTableStartsAtItsAutoScalingCapacity) {
  auto p = ok(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  app: { handler: h.main }
resources:
  Resources:
    Counters:
      Type: AWS::DynamoDB::GlobalTable
      Properties:
        AttributeDefinitions:
          - { AttributeName: id, AttributeType: S }
          - { AttributeName: kind, AttributeType: S }
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
        WriteProvisionedThroughputSettings:
          WriteCapacityAutoScalingSettings:
            MinCapacity: 2
            MaxCapacity: 10
            TargetTrackingScalingPolicyConfiguration: { TargetValue: 70 }
        GlobalSecondaryIndexes:
          - IndexName: byKind
            KeySchema: [{ AttributeName: kind, KeyType: HASH }]
            Projection: { ProjectionType: KEYS_ONLY }
        Replicas:
          - Region: us-east-1
            ReadProvisionedThroughputSettings: { ReadCapacityUnits: "4" }
)yaml");
  EXPECT_TRUE(p.warnings.empty()) << allWarnings(p);
  ASSERT_EQ(p.tables.size(), 1u);
  EXPECT_EQ(p.tables[0].name, "shop-dev-Counters");
  auto json = request(p.tables[0]);
  auto throughput = nlohmann::json::parse(R"({"ReadCapacityUnits": 4, "WriteCapacityUnits": 2})");
  EXPECT_EQ(json["BillingMode"], "PROVISIONED");
  EXPECT_EQ(json["ProvisionedThroughput"], throughput);
  EXPECT_EQ(json["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"], throughput);
}

TEST_F(Tables, AGlobalTableNeedsReplicasAndWriteSettingsWhenProvisioned) {
  auto errors = failing(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  app: { handler: h.main }
resources:
  Resources:
    Counters:
      Type: AWS::DynamoDB::GlobalTable
      Properties:
        AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
)yaml");
  const std::string path = "resources.Resources.Counters.Properties.";
  EXPECT_EQ(errorAt(errors, path + "Replicas").where.line, 7);
  EXPECT_EQ(errorAt(errors, path + "WriteProvisionedThroughputSettings").where.line, 7);
}

// The shape of the public Serverless examples `aws-node-rest-api-with-dynamodb` (provider.iam) and
// `aws-python-rest-api-with-dynamodb` (the older provider.iamRoleStatements).
const char* const kRestApiExample = R"yaml(
service: serverless-rest-api-with-dynamodb

frameworkVersion: ">=1.1.0 <2.0.0"

provider:
  name: aws
  runtime: RUNTIME
  environment:
    DYNAMODB_TABLE: ${self:service}-${opt:stage, self:provider.stage}
IAM

functions:
  create:
    handler: todos/create.create
    events:
      - http:
          path: todos
          method: post
          cors: true

  get:
    handler: todos/get.get
    events:
      - http:
          path: todos/{id}
          method: get
          cors: true

resources:
  Resources:
    TodosDynamoDbTable:
      Type: 'AWS::DynamoDB::Table'
      DeletionPolicy: Retain
      Properties:
        AttributeDefinitions:
          -
            AttributeName: id
            AttributeType: S
        KeySchema:
          -
            AttributeName: id
            KeyType: HASH
        ProvisionedThroughput:
          ReadCapacityUnits: 1
          WriteCapacityUnits: 1
        TableName: ${self:provider.environment.DYNAMODB_TABLE}
)yaml";

std::string restApiExample(const std::string& runtime, const std::string& iam) {
  std::string text = kRestApiExample;
  text.replace(text.find("RUNTIME"), 7, runtime);
  text.replace(text.find("IAM"), 3, iam);
  return text;
}

TEST_F(Tables, TheRestApiExamplesLoadWithoutWarnings) {
  // The examples read ${self:provider.stage} without setting it: the Framework's default (the
  // stage in effect, "dev" here) applies, so they load without --stage.
  const std::string statement = R"yaml(
        - Effect: Allow
          Action:
            - dynamodb:Query
            - dynamodb:Scan
            - dynamodb:GetItem
            - dynamodb:PutItem
            - dynamodb:UpdateItem
            - dynamodb:DeleteItem
          Resource: "arn:aws:dynamodb:${opt:region, self:provider.region}:*:table/${self:provider.environment.DYNAMODB_TABLE}")yaml";
  const std::string forms[] = {
      "  iam:\n    role:\n      statements:" + statement,
      "  iamRoleStatements:" + statement,
  };
  for (const auto& iam : forms) {
    for (const char* runtime : {"nodejs20.x", "python3.12"}) {
      auto p = ok(restApiExample(runtime, iam));
      EXPECT_TRUE(p.warnings.empty()) << allWarnings(p);
      ASSERT_EQ(p.tables.size(), 1u);
      EXPECT_EQ(p.tables[0].name, "serverless-rest-api-with-dynamodb-dev");
      EXPECT_EQ(request(p.tables[0]), nlohmann::json::parse(R"json({
        "TableName": "serverless-rest-api-with-dynamodb-dev",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
      })json"));
      EXPECT_EQ(envValue(p.functions.at(0), "DYNAMODB_TABLE"),
                "serverless-rest-api-with-dynamodb-dev");
    }
  }
}

TEST_F(Tables, IamStatementsNamingTablesAreHarmless) {
  auto p = ok(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
  environment:
    DYNAMODB_TABLE: ${self:service}-${sls:stage}
  iam:
    role:
      statements:
        - Effect: Allow
          Action: [dynamodb:GetItem, dynamodb:Query]
          Resource:
            - !GetAtt Todos.Arn
            - !Join ["/", [!GetAtt Todos.Arn, "index/*"]]
            - Fn::Join: ["", [{ "Fn::GetAtt": [Todos, Arn] }, "/index/*"]]
            - arn:aws:dynamodb:${aws:region}:*:table/${self:provider.environment.DYNAMODB_TABLE}
            - !GetAtt Todos.StreamArn
  iamManagedPolicies:
    - arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess
functions:
  app: { handler: h.main }
resources:
  Resources:
    Todos:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: ${self:provider.environment.DYNAMODB_TABLE}
        AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
        BillingMode: PAY_PER_REQUEST
    TodosAccess:
      Type: AWS::IAM::Policy
      Properties:
        PolicyName: todos
        PolicyDocument:
          Statement:
            - Effect: Allow
              Action: dynamodb:*
              Resource:
                - !GetAtt Todos.Arn
                - !Join ["", [!GetAtt Todos.Arn, "/index/*"]]
        Roles: [!Ref TodosRole]
    TodosRole:
      Type: AWS::IAM::Role
      Properties:
        AssumeRolePolicyDocument: ${ssm:/not/read}
)yaml");
  EXPECT_TRUE(p.warnings.empty()) << allWarnings(p);
  ASSERT_EQ(p.tables.size(), 1u);
  EXPECT_EQ(p.tables[0].name, "shop-dev");
}

}  // namespace
}  // namespace nimbus::config::testing
