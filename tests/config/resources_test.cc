// resources.Resources, sns events and CloudFormation's intrinsic functions in serverless.yml.
#include <gtest/gtest.h>

#include "config/intrinsics.h"
#include "project_fixture.h"

namespace nimbus::config::testing {
namespace {

using Resources = ProjectTest;

const QueueResource& queueOf(const ProjectConfig& p, const std::string& logicalId) {
  for (const auto& q : p.queues) {
    if (q.logicalId == logicalId) return q;
  }
  ADD_FAILURE() << "no queue " << logicalId;
  static const QueueResource none;
  return none;
}

const char* const kProject = R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
  environment:
    JOBS_URL: !Ref Jobs
    JOBS_ARN: !GetAtt Jobs.Arn
    TOPIC: { Ref: Orders }
    WHERE:
      Fn::Sub:
        - "${AWS::Region}:${AWS::AccountId}:${Jobs.QueueName}:${!Literal}:${Extra}"
        - Extra: more
    JOINED: !Join ["/", [a, !Select [1, !Split [",", "x,y,z"]], !GetAtt WorkerLambdaFunction.Arn]]
functions:
  worker:
    handler: h.main
    events:
      - sqs:
          arn: !GetAtt Jobs.Arn
          functionResponseType: ReportBatchItemFailures
      - sqs: !GetAtt Dead.Arn
resources:
  Resources:
    Jobs:
      Type: AWS::SQS::Queue
      Properties:
        VisibilityTimeout: 45
        RedrivePolicy:
          deadLetterTargetArn: !GetAtt Dead.Arn
          maxReceiveCount: 3
        Tags:
          - Key: team
            Value: orders
    Dead:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: ${self:service}-dead
        FifoQueue: false
    Orders:
      Type: AWS::SNS::Topic
      Properties:
        DisplayName: Orders
        Subscription:
          - Protocol: sqs
            Endpoint: !GetAtt Jobs.Arn
    BigOrders:
      Type: AWS::SNS::Subscription
      Properties:
        TopicArn: !Ref Orders
        Protocol: lambda
        Endpoint: !GetAtt WorkerLambdaFunction.Arn
        FilterPolicyScope: MessageBody
        FilterPolicy: { total: [{ numeric: [">", 100] }] }
        RawMessageDelivery: true
    Access:
      Type: AWS::SQS::QueuePolicy
      Properties: { Queues: [!Ref Jobs] }
)yaml";

TEST_F(Resources, QueuesTopicsAndSubscriptionsWithTheirReferences) {
  auto options = this->options();
  write("serverless.yml", kProject);
  options.awsEndpointUrl = "http://127.0.0.1:4566";
  auto result = loadProject(options);
  ASSERT_TRUE(std::holds_alternative<ProjectConfig>(result))
      << describe(std::get<std::vector<ConfigError>>(result));
  const auto& p = std::get<ProjectConfig>(result);
  EXPECT_TRUE(p.warnings.empty()) << p.warnings.at(0);

  ASSERT_EQ(p.queues.size(), 2u);
  const auto& jobs = queueOf(p, "Jobs");
  EXPECT_EQ(jobs.name, "shop-dev-Jobs");  // No QueueName: the stack's name and the logical id.
  EXPECT_EQ(jobs.attributes.at("VisibilityTimeout"), "45");
  EXPECT_EQ(
      jobs.attributes.at("RedrivePolicy"),
      R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:shop-dead","maxReceiveCount":3})");
  EXPECT_EQ(jobs.tags.at("team"), "orders");
  const auto& dead = queueOf(p, "Dead");
  EXPECT_EQ(dead.name, "shop-dead");
  EXPECT_EQ(dead.attributes.count("FifoQueue"), 0u);

  ASSERT_EQ(p.topics.size(), 1u);
  EXPECT_EQ(p.topics[0].name, "shop-dev-Orders");
  EXPECT_EQ(p.topics[0].attributes.at("DisplayName"), "Orders");

  ASSERT_EQ(p.subscriptions.size(), 2u);
  const std::string topicArn = "arn:aws:sns:us-east-1:000000000000:shop-dev-Orders";
  EXPECT_EQ(p.subscriptions[0].topicArn, topicArn);
  EXPECT_EQ(p.subscriptions[0].protocol, "sqs");
  EXPECT_EQ(p.subscriptions[0].endpoint, "arn:aws:sqs:us-east-1:000000000000:shop-dev-Jobs");
  EXPECT_EQ(p.subscriptions[1].topicArn, topicArn);
  EXPECT_EQ(p.subscriptions[1].endpoint,
            "arn:aws:lambda:us-east-1:000000000000:function:shop-dev-worker");
  EXPECT_EQ(p.subscriptions[1].attributes.at("FilterPolicy"),
            R"({"total":[{"numeric":[">",100]}]})");
  EXPECT_EQ(p.subscriptions[1].attributes.at("FilterPolicyScope"), "MessageBody");
  EXPECT_EQ(p.subscriptions[1].attributes.at("RawMessageDelivery"), "true");

  const auto& worker = p.functions.at(0);
  ASSERT_EQ(worker.sqsEvents.size(), 2u);
  EXPECT_EQ(worker.sqsEvents[0].arn, "arn:aws:sqs:us-east-1:000000000000:shop-dev-Jobs");
  EXPECT_TRUE(worker.sqsEvents[0].reportBatchItemFailures);
  EXPECT_EQ(worker.sqsEvents[1].arn, "arn:aws:sqs:us-east-1:000000000000:shop-dead");

  EXPECT_EQ(envValue(worker, "JOBS_URL"), "http://127.0.0.1:4566/000000000000/shop-dev-Jobs");
  EXPECT_EQ(envValue(worker, "JOBS_ARN"), "arn:aws:sqs:us-east-1:000000000000:shop-dev-Jobs");
  EXPECT_EQ(envValue(worker, "TOPIC"), topicArn);
  EXPECT_EQ(envValue(worker, "WHERE"), "us-east-1:000000000000:shop-dev-Jobs:${Literal}:more");
  EXPECT_EQ(envValue(worker, "JOINED"),
            "a/y/arn:aws:lambda:us-east-1:000000000000:function:shop-dev-worker");
}

TEST_F(Resources, GeneratedNamesFollowTheStackAndFifoSuffix) {
  stage_ = "prod";
  auto p = ok(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  app: { handler: h.main, environment: { Q: !GetAtt Ordered.QueueName, T: !GetAtt News.TopicName } }
resources:
  Resources:
    Ordered:
      Type: AWS::SQS::Queue
      Properties: { FifoQueue: true, ContentBasedDeduplication: true }
    News:
      Type: AWS::SNS::Topic
      Properties:
        TopicName: !Join ["-", [!Ref AWS::StackName, news]]
)yaml");
  EXPECT_EQ(envValue(p.functions.at(0), "Q"), "shop-prod-Ordered.fifo");
  EXPECT_EQ(envValue(p.functions.at(0), "T"), "shop-prod-news");
  EXPECT_EQ(queueOf(p, "Ordered").attributes.at("FifoQueue"), "true");
  EXPECT_EQ(queueOf(p, "Ordered").attributes.at("ContentBasedDeduplication"), "true");
}

TEST_F(Resources, ReferencesThatCannotBeEvaluatedAreErrorsWithTheirPlace) {
  auto errors = failing(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  worker:
    handler: h.main
    onError: !GetAtt Missing.Arn
    events:
      - sqs:
          arn: !ImportValue shared-queue-arn
resources:
  Resources:
    Loop:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: !GetAtt Loop.QueueName
    Orphan:
      Type: AWS::SNS::Subscription
      Properties: { Protocol: sqs }
    NoType:
      Properties: {}
)yaml");
  auto onError = errorAt(errors, "functions.worker.onError");
  EXPECT_EQ(onError.where.line, 6);
  EXPECT_TRUE(contains(onError.message, "there is no resource Missing")) << onError.message;
  auto imported = errorAt(errors, "functions.worker.events[0].sqs.arn");
  EXPECT_EQ(imported.where.line, 9);
  EXPECT_TRUE(contains(imported.message, "Fn::ImportValue is not supported")) << imported.message;
  EXPECT_TRUE(contains(errorAt(errors, "resources.Resources.Loop.Properties").message,
                       "depends on the resource itself"));
  EXPECT_EQ(errorAt(errors, "resources.Resources.Orphan.Properties.TopicArn").where.line, 16);
  EXPECT_EQ(errorAt(errors, "resources.Resources.NoType.Type").where.line, 19);
}

TEST_F(Resources, TemplatesInAListMergeAndOtherTypesAreWarned) {
  write("queues.yml", R"yaml(
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties: { DelaySeconds: 5 }
Outputs:
  JobsUrl: { Value: !Ref Jobs }
)yaml");
  auto p = ok(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  app: { handler: h.main, environment: { BUCKET: !Ref Uploads, SITE: !GetAtt Uploads.WebsiteURL } }
resources:
  - ${file(queues.yml)}
  - Resources:
      Uploads:
        Type: AWS::S3::Bucket
        Properties:
          BucketName: uploads-${sls:stage}
      Cdn:
        Type: AWS::CloudFront::Distribution
        Properties:
          DistributionConfig: ${ssm:/not/read}
    Conditions:
      IsProd: !Equals [prod, dev]
)yaml");
  ASSERT_EQ(p.queues.size(), 1u);
  EXPECT_EQ(p.queues[0].attributes.at("DelaySeconds"), "5");
  EXPECT_EQ(envValue(p.functions.at(0), "BUCKET"), "uploads-dev");
  EXPECT_EQ(envValue(p.functions.at(0), "SITE"),
            "http://uploads-dev.s3-website-us-east-1.amazonaws.com");
  ASSERT_EQ(p.buckets.size(), 1u);
  EXPECT_EQ(p.buckets[0].name, "uploads-dev");
  std::string all;
  for (const auto& w : p.warnings) all += w + "\n";
  EXPECT_TRUE(contains(all, "AWS::CloudFront::Distribution is not created by nimbus")) << all;
  EXPECT_TRUE(contains(all, "resources[1].Conditions is not supported yet")) << all;
  EXPECT_EQ(p.warnings.size(), 2u) << all;
}

using SnsEvents = ProjectTest;
using S3Events = ProjectTest;

TEST_F(S3Events, EventsCreateBucketsWithFilteredNotifications) {
  auto p = ok(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  thumb:
    handler: h.thumb
    environment:
      PHOTOS: !Ref S3BucketPhotosin
      PHOTOS_ARN: !GetAtt S3BucketPhotosin.Arn
    events:
      - s3: photos-in
      - s3:
          bucket: photos-in
          event: s3:ObjectRemoved:*
          rules:
            - prefix: uploads/
            - suffix: .jpg
      - s3:
          bucket: elsewhere
          existing: true
)yaml");
  ASSERT_EQ(p.buckets.size(), 2u);
  const auto& photos = p.buckets[0];
  EXPECT_EQ(photos.name, "photos-in");
  EXPECT_EQ(photos.logicalId, "S3BucketPhotosin");
  EXPECT_FALSE(photos.existing);
  ASSERT_EQ(photos.notifications.size(), 2u);
  EXPECT_EQ(photos.notifications[0].event, "s3:ObjectCreated:*");
  EXPECT_EQ(photos.notifications[0].arn,
            "arn:aws:lambda:us-east-1:000000000000:function:shop-dev-thumb");
  EXPECT_EQ(photos.notifications[1].event, "s3:ObjectRemoved:*");
  EXPECT_EQ(photos.notifications[1].prefix, "uploads/");
  EXPECT_EQ(photos.notifications[1].suffix, ".jpg");
  EXPECT_TRUE(p.buckets[1].existing);
  EXPECT_EQ(envValue(p.functions.at(0), "PHOTOS"), "photos-in");
  EXPECT_EQ(envValue(p.functions.at(0), "PHOTOS_ARN"), "arn:aws:s3:::photos-in");
  EXPECT_TRUE(p.warnings.empty());
}

TEST_F(S3Events, BucketResourcesWithTheirConfigurations) {
  auto p = ok(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
resources:
  Resources:
    Events:
      Type: AWS::SQS::Queue
    Archive:
      Type: AWS::S3::Bucket
      Properties:
        VersioningConfiguration: { Status: Enabled }
        CorsConfiguration:
          CorsRules:
            - { AllowedOrigins: ['*'], AllowedMethods: [GET], MaxAge: 60 }
        NotificationConfiguration:
          QueueConfigurations:
            - Event: s3:ObjectCreated:*
              Queue: !GetAtt Events.Arn
              Filter: { S3Key: { Rules: [{ Name: suffix, Value: .csv }] } }
    ArchivePolicy:
      Type: AWS::S3::BucketPolicy
      Properties:
        Bucket: !Ref Archive
        PolicyDocument: { Version: '2012-10-17', Statement: [] }
)yaml");
  ASSERT_EQ(p.buckets.size(), 1u);
  const auto& b = p.buckets[0];
  EXPECT_EQ(b.name, "shop-dev-archive");
  EXPECT_EQ(b.versioning, "Enabled");
  ASSERT_TRUE(b.cors.has_value());
  ASSERT_EQ(b.cors->size(), 1u);
  EXPECT_EQ(b.cors->at(0).maxAge, 60);
  ASSERT_EQ(b.notifications.size(), 1u);
  EXPECT_EQ(b.notifications[0].kind, BucketNotification::Kind::Queue);
  EXPECT_EQ(b.notifications[0].arn, "arn:aws:sqs:us-east-1:000000000000:shop-dev-Events");
  EXPECT_EQ(b.notifications[0].suffix, ".csv");
  EXPECT_NE(b.policy.find("2012-10-17"), std::string::npos);
}

TEST_F(S3Events, Errors) {
  auto errors = failing(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  app:
    handler: h.main
    events:
      - s3: { event: s3:ObjectCreated:* }
      - s3: { bucket: b, event: ObjectCreated }
      - s3: { bucket: b, rules: [{ middle: x }] }
)yaml");
  ASSERT_EQ(errors.size(), 3u) << describe(errors);
  EXPECT_TRUE(contains(errors[0].format(), "needs bucket")) << describe(errors);
  EXPECT_TRUE(contains(errors[1].format(), "must name an S3 event type")) << describe(errors);
  EXPECT_TRUE(contains(errors[2].format(), "{prefix: TEXT} or {suffix: TEXT}")) << describe(errors);
}

TEST_F(S3Events, ABucketNameS3RefusesIsAnErrorWithItsLine) {
  auto errors = failing(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  app:
    handler: h.main
    events:
      - s3: <your-bucket-name>
      - s3: { bucket: Someone-Elses, existing: true }
resources:
  Resources:
    Logs:
      Type: AWS::S3::Bucket
      Properties: { BucketName: logs..archive }
)yaml");
  ASSERT_EQ(errors.size(), 2u) << describe(errors);
  EXPECT_TRUE(contains(errors[0].format(),
                       "serverless.yml:11:5: resources.Resources.Logs: 'logs..archive' is not a "
                       "valid S3 bucket name"))
      << describe(errors);
  EXPECT_TRUE(contains(errors[1].format(),
                       "serverless.yml:7:9: functions.app.events.s3: '<your-bucket-name>' is not "
                       "a valid S3 bucket name"))
      << describe(errors);
}

TEST_F(SnsEvents, TopicsByNameAreCreatedAndSubscribedOnce) {
  auto p = ok(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  first:
    handler: h.main
    events:
      - sns: order-events
      - sns:
          arn: arn:aws:sns:us-east-1:000000000000:elsewhere
          filterPolicy: { kind: [big, { prefix: "x" }] }
          filterPolicyScope: MessageAttributes
  second-fn:
    handler: h.main
    events:
      - sns:
          topicName: order-events
          displayName: Orders
      - sns: !Ref SNSTopicOrderevents
)yaml");
  ASSERT_EQ(p.topics.size(), 1u);
  EXPECT_EQ(p.topics[0].logicalId, "SNSTopicOrderevents");
  EXPECT_EQ(p.topics[0].name, "order-events");
  const std::string topicArn = "arn:aws:sns:us-east-1:000000000000:order-events";
  ASSERT_EQ(p.subscriptions.size(), 4u);
  EXPECT_EQ(p.subscriptions[0].topicArn, topicArn);
  EXPECT_EQ(p.subscriptions[0].protocol, "lambda");
  EXPECT_EQ(p.subscriptions[0].endpoint,
            "arn:aws:lambda:us-east-1:000000000000:function:shop-dev-first");
  EXPECT_EQ(p.subscriptions[1].topicArn, "arn:aws:sns:us-east-1:000000000000:elsewhere");
  EXPECT_EQ(p.subscriptions[1].attributes.at("FilterPolicy"), R"({"kind":["big",{"prefix":"x"}]})");
  EXPECT_EQ(p.subscriptions[1].attributes.at("FilterPolicyScope"), "MessageAttributes");
  EXPECT_EQ(p.subscriptions[2].topicArn, topicArn);
  EXPECT_EQ(p.subscriptions[2].endpoint,
            "arn:aws:lambda:us-east-1:000000000000:function:shop-dev-second-fn");
  EXPECT_EQ(p.subscriptions[3].topicArn, topicArn);
}

TEST_F(SnsEvents, BadFormsAreErrors) {
  auto errors = failing(R"yaml(
service: shop
provider: { name: aws, runtime: nodejs20.x }
functions:
  app:
    handler: h.main
    events:
      - sns: { filterPolicy: { a: [b] } }
      - sns: { arn: "arn:aws:sqs:us-east-1:000000000000:q" }
      - sns: { topicName: t, filterPolicyScope: Body }
)yaml");
  EXPECT_EQ(errorAt(errors, "functions.app.events[0].sns").where.line, 7);
  EXPECT_TRUE(
      contains(errorAt(errors, "functions.app.events[1].sns").message, "not an SNS topic ARN"));
  EXPECT_EQ(errorAt(errors, "functions.app.events[2].sns.filterPolicyScope").where.line, 9);
}

TEST(Intrinsics, LogicalIdsAsTheFrameworkNamesThem) {
  EXPECT_EQ(functionLogicalId("my-func_v2"), "MyDashfuncUnderscorev2LambdaFunction");
  EXPECT_EQ(topicLogicalId("order events-2"), "SNSTopicOrderevents2");
}

}  // namespace
}  // namespace nimbus::config::testing
