// `stream` events as the Serverless Framework v3 reads them: the string and object forms, the
// Framework's defaults, `!GetAtt Table.StreamArn`, destinations, filter patterns, Kinesis
// streams (warned about, not served) and the errors each setting can have.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/dynamodb_names.h"
#include "project_fixture.h"

namespace nimbus::config::testing {
namespace {

using Streams = ProjectTest;

constexpr const char* kStreamArn =
    "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2024-01-01T00:00:00.000";

std::string allWarnings(const ProjectConfig& p) {
  std::string all;
  for (const auto& w : p.warnings) all += w + "\n";
  return all;
}

TEST_F(Streams, TheStringFormTakesTheFrameworksDefaults) {
  auto p = ok(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  worker:
    handler: h.main
    events:
      - stream: arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2024-01-01T00:00:00.000
)yaml");
  ASSERT_EQ(p.functions.size(), 1u);
  ASSERT_EQ(p.functions[0].streamEvents.size(), 1u);
  const StreamEvent& e = p.functions[0].streamEvents[0];
  EXPECT_EQ(e.arn, kStreamArn);
  EXPECT_EQ(e.batchSize, 10);
  EXPECT_EQ(e.startingPosition, "TRIM_HORIZON");
  EXPECT_TRUE(e.enabled);
  EXPECT_EQ(e.maximumRetryAttempts, -1);
  EXPECT_EQ(e.maximumRecordAgeInSeconds, -1);
  EXPECT_EQ(e.parallelizationFactor, 1);
  EXPECT_FALSE(e.bisectBatchOnFunctionError);
  EXPECT_FALSE(e.reportBatchItemFailures);
  EXPECT_TRUE(e.filterPatterns.empty());
  EXPECT_EQ(e.path, "functions.worker.events[0].stream");
  EXPECT_EQ(e.where.line, 7);
}

TEST_F(Streams, TheObjectFormReadsEverySetting) {
  auto p = ok(R"yaml(
service: shop
provider: { name: aws, runtime: python3.12 }
functions:
  worker:
    handler: h.main
    events:
      - stream:
          type: dynamodb
          arn: !GetAtt Orders.StreamArn
          batchSize: 25
          startingPosition: LATEST
          enabled: false
          batchWindow: 5
          maximumRetryAttempts: 3
          maximumRecordAgeInSeconds: 120
          bisectBatchOnFunctionError: true
          parallelizationFactor: 4
          functionResponseType: ReportBatchItemFailures
          destinations:
            onFailure:
              arn: !GetAtt Failures.Arn
              type: sqs
          filterPatterns:
            - eventName: [INSERT]
            - dynamodb:
                NewImage:
                  status:
                    S: [{ prefix: "done" }]
resources:
  Resources:
    Orders:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: orders
        AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
        BillingMode: PAY_PER_REQUEST
        StreamSpecification: { StreamViewType: NEW_AND_OLD_IMAGES }
    Failures:
      Type: AWS::SQS::Queue
      Properties: { QueueName: failures }
)yaml");
  ASSERT_EQ(p.functions[0].streamEvents.size(), 1u) << allWarnings(p);
  const StreamEvent& e = p.functions[0].streamEvents[0];
  EXPECT_EQ(e.arn, "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/" +
                       std::string(kProjectStreamLabel));
  EXPECT_EQ(e.batchSize, 25);
  EXPECT_EQ(e.startingPosition, "LATEST");
  EXPECT_FALSE(e.enabled);
  EXPECT_EQ(e.batchWindow, 5);
  EXPECT_EQ(e.maximumRetryAttempts, 3);
  EXPECT_EQ(e.maximumRecordAgeInSeconds, 120);
  EXPECT_TRUE(e.bisectBatchOnFunctionError);
  EXPECT_EQ(e.parallelizationFactor, 4);
  EXPECT_TRUE(e.reportBatchItemFailures);
  EXPECT_EQ(e.onFailure, "arn:aws:sqs:us-east-1:000000000000:failures");
  ASSERT_EQ(e.filterPatterns.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(e.filterPatterns[0]),
            nlohmann::json::parse(R"({"eventName": ["INSERT"]})"));
  EXPECT_EQ(nlohmann::json::parse(e.filterPatterns[1]),
            nlohmann::json::parse(
                R"({"dynamodb": {"NewImage": {"status": {"S": [{"prefix": "done"}]}}}})"));
  EXPECT_EQ(allWarnings(p), "");
}

TEST_F(Streams, KinesisStreamsAreWarnedAboutAndNotServed) {
  auto p = ok(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  worker:
    handler: h.main
    events:
      - stream: arn:aws:kinesis:us-east-1:000000000000:stream/clicks
      - stream:
          type: kinesis
          arn: !GetAtt Views.Arn
          consumer: true
resources:
  Resources:
    Views:
      Type: AWS::Kinesis::Stream
      Properties: { ShardCount: 1 }
)yaml");
  EXPECT_TRUE(p.functions[0].streamEvents.empty());
  std::string warnings = allWarnings(p);
  EXPECT_TRUE(contains(warnings, "serverless.yml:7:")) << warnings;
  EXPECT_TRUE(contains(warnings,
                       "functions.worker.events[0].stream: Kinesis streams are not "
                       "served by nimbus; this event is ignored"))
      << warnings;
  // A Kinesis stream of the stack's own resources: its ARN is never evaluated.
  EXPECT_TRUE(contains(warnings,
                       "functions.worker.events[1].stream: Kinesis streams are not "
                       "served by nimbus; this event is ignored"))
      << warnings;
}

TEST_F(Streams, BadSettingsAreErrorsWithTheirPlace) {
  auto errors = failing(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  worker:
    handler: h.main
    events:
      - stream:
          arn: arn:aws:dynamodb:us-east-1:000000000000:table/orders
      - stream:
          arn: arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2024-01-01T00:00:00.000
          batchSize: 0
          startingPosition: AT_TIMESTAMP
          maximumRecordAgeInSeconds: 30
          parallelizationFactor: 11
          functionResponseType: Everything
          destinations:
            onFailure: arn:aws:s3:::bucket
      - stream:
          arn:
            Fn::ImportValue: orders-stream-arn
      - stream:
          batchSize: 5
)yaml");
  auto arn = errorAt(errors, "functions.worker.events[0].stream.arn");
  EXPECT_EQ(arn.where.line, 8);
  EXPECT_TRUE(contains(arn.message, "is not a DynamoDB stream ARN")) << arn.message;
  EXPECT_EQ(errorAt(errors, "functions.worker.events[1].stream.batchSize").where.line, 11);
  EXPECT_TRUE(
      contains(errorAt(errors, "functions.worker.events[1].stream.startingPosition").message,
               "'AT_TIMESTAMP' is not LATEST or TRIM_HORIZON"));
  EXPECT_TRUE(contains(
      errorAt(errors, "functions.worker.events[1].stream.maximumRecordAgeInSeconds").message,
      "30 is neither -1 nor 60 to 604800 seconds"));
  errorAt(errors, "functions.worker.events[1].stream.parallelizationFactor");
  errorAt(errors, "functions.worker.events[1].stream.functionResponseType");
  EXPECT_TRUE(
      contains(errorAt(errors, "functions.worker.events[1].stream.destinations.onFailure").message,
               "is not an SQS queue or SNS topic ARN"));
  auto import = errorAt(errors, "functions.worker.events[2].stream.arn");
  EXPECT_TRUE(contains(import.message, "Fn::ImportValue")) << import.message;
  EXPECT_EQ(import.where.line, 20);
  EXPECT_TRUE(contains(errorAt(errors, "functions.worker.events[3].stream").message, "needs arn"));
}

TEST_F(Streams, AStreamOfATableWithoutStreamSpecificationIsAnError) {
  auto errors = failing(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  worker:
    handler: h.main
    events:
      - stream: !GetAtt Orders.StreamArn
resources:
  Resources:
    Orders:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: orders
        AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
        BillingMode: PAY_PER_REQUEST
)yaml");
  auto e = errorAt(errors, "functions.worker.events[0].stream");
  EXPECT_TRUE(contains(e.message, "StreamSpecification")) << e.message;
}

}  // namespace
}  // namespace nimbus::config::testing
