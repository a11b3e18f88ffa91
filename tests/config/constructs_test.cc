// serverless-lift's `constructs:` and the ${construct:} variables.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "project_fixture.h"

namespace nimbus::config::testing {
namespace {

using Constructs = ProjectTest;

const QueueResource* queueNamed(const ProjectConfig& p, const std::string& name) {
  for (const auto& q : p.queues) {
    if (q.name == name) return &q;
  }
  ADD_FAILURE() << "no queue " << name;
  return nullptr;
}

const FunctionConfig* functionKeyed(const ProjectConfig& p, const std::string& key) {
  for (const auto& f : p.functions) {
    if (f.key == key) return &f;
  }
  ADD_FAILURE() << "no function " << key;
  return nullptr;
}

bool anyWarning(const ProjectConfig& p, const std::string& part) {
  for (const auto& w : p.warnings) {
    if (w.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST_F(Constructs, QueueBecomesQueueDeadLetterQueueAndWorker) {
  auto p = ok(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
  timeout: 30
constructs:
  jobs:
    type: queue
    worker:
      handler: src/worker.handler
      environment:
        SELF: ${construct:jobs.queueUrl}
functions:
  publisher:
    handler: src/publisher.handler
    environment:
      QUEUE_URL: ${construct:jobs.queueUrl}
      QUEUE_ARN: ${construct:jobs.queueArn}
      DLQ_URL: ${construct:jobs.dlqUrl}
      DLQ_ARN: ${construct:jobs.dlqArn}
plugins:
  - serverless-lift
)yaml");
  ASSERT_EQ(p.queues.size(), 2u);
  const QueueResource* queue = queueNamed(p, "shop-dev-jobs");
  const QueueResource* dlq = queueNamed(p, "shop-dev-jobs-dlq");
  ASSERT_TRUE(queue && dlq);
  // Lift takes the worker's own timeout (none: the Framework's 6 s), not provider.timeout.
  EXPECT_EQ(queue->attributes.at("VisibilityTimeout"), "36");
  auto redrive = nlohmann::json::parse(queue->attributes.at("RedrivePolicy"));
  EXPECT_EQ(redrive["deadLetterTargetArn"], "arn:aws:sqs:us-east-1:000000000000:shop-dev-jobs-dlq");
  EXPECT_EQ(redrive["maxReceiveCount"], 3);
  EXPECT_EQ(dlq->attributes.at("MessageRetentionPeriod"), "1209600");
  EXPECT_EQ(queue->attributes.count("FifoQueue"), 0u);

  const FunctionConfig* worker = functionKeyed(p, "jobsWorker");
  ASSERT_TRUE(worker);
  EXPECT_EQ(worker->name, "shop-dev-jobsWorker");
  EXPECT_EQ(worker->handler, "src/worker.handler");
  EXPECT_EQ(worker->timeoutSeconds, 30);  // The function itself still takes provider.timeout.
  ASSERT_EQ(worker->sqsEvents.size(), 1u);
  const SqsEvent& event = worker->sqsEvents[0];
  EXPECT_EQ(event.arn, "arn:aws:sqs:us-east-1:000000000000:shop-dev-jobs");
  EXPECT_EQ(event.batchSize, 1);
  EXPECT_EQ(event.maximumBatchingWindow, 0);
  EXPECT_TRUE(event.reportBatchItemFailures);
  EXPECT_FALSE(event.maximumConcurrency.has_value());
  EXPECT_EQ(envValue(*worker, "SELF"), "http://localhost:4566/000000000000/shop-dev-jobs");

  const FunctionConfig* publisher = functionKeyed(p, "publisher");
  ASSERT_TRUE(publisher);
  EXPECT_EQ(envValue(*publisher, "QUEUE_URL"), "http://localhost:4566/000000000000/shop-dev-jobs");
  EXPECT_EQ(envValue(*publisher, "QUEUE_ARN"), "arn:aws:sqs:us-east-1:000000000000:shop-dev-jobs");
  EXPECT_EQ(envValue(*publisher, "DLQ_URL"),
            "http://localhost:4566/000000000000/shop-dev-jobs-dlq");
  EXPECT_EQ(envValue(*publisher, "DLQ_ARN"),
            "arn:aws:sqs:us-east-1:000000000000:shop-dev-jobs-dlq");

  ASSERT_EQ(p.constructs.size(), 1u);
  EXPECT_TRUE(p.constructs[0].served);
  EXPECT_EQ(p.constructs[0].functions, std::vector<std::string>{"jobsWorker"});
  // serverless-lift is read, so it is not among the ignored plugins.
  EXPECT_FALSE(anyWarning(p, "serverless-lift"));
  EXPECT_FALSE(anyWarning(p, "constructs is not supported"));
}

TEST_F(Constructs, QueueSettings) {
  region_ = "eu-west-1";
  auto p = ok(R"yaml(
service: shop
provider:
  name: aws
  runtime: python3.12
constructs:
  orders:
    type: queue
    fifo: true
    maxRetries: 5
    delay: 10
    batchSize: 5
    maxBatchingWindow: 4
    maxConcurrency: 3
    encryption: kmsManaged
    worker:
      handler: worker.main
      timeout: 10
functions:
  api:
    handler: api.main
    environment:
      URL: ${construct:orders.queueUrl}
)yaml");
  const QueueResource* queue = queueNamed(p, "shop-dev-orders.fifo");
  const QueueResource* dlq = queueNamed(p, "shop-dev-orders-dlq.fifo");
  ASSERT_TRUE(queue && dlq);
  EXPECT_EQ(queue->attributes.at("VisibilityTimeout"), "64");  // 10 * 6 + 4
  EXPECT_EQ(queue->attributes.at("DelaySeconds"), "10");
  EXPECT_EQ(queue->attributes.at("FifoQueue"), "true");
  EXPECT_EQ(queue->attributes.at("ContentBasedDeduplication"), "true");
  EXPECT_EQ(queue->attributes.at("KmsMasterKeyId"), "alias/aws/sqs");
  EXPECT_EQ(dlq->attributes.at("FifoQueue"), "true");
  EXPECT_EQ(nlohmann::json::parse(queue->attributes.at("RedrivePolicy"))["maxReceiveCount"], 5);
  const FunctionConfig* worker = functionKeyed(p, "ordersWorker");
  ASSERT_TRUE(worker && worker->sqsEvents.size() == 1);
  EXPECT_EQ(worker->sqsEvents[0].arn, "arn:aws:sqs:eu-west-1:000000000000:shop-dev-orders.fifo");
  EXPECT_EQ(worker->sqsEvents[0].batchSize, 5);
  EXPECT_EQ(worker->sqsEvents[0].maximumBatchingWindow, 4);
  EXPECT_EQ(worker->sqsEvents[0].maximumConcurrency, 3);
  EXPECT_EQ(envValue(*functionKeyed(p, "api"), "URL"),
            "http://localhost:4566/000000000000/shop-dev-orders.fifo");
}

TEST_F(Constructs, WorkerNamesAnExistingFunction) {
  auto p = ok(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
functions:
  consume:
    handler: consume.handler
    timeout: 20
constructs:
  jobs:
    type: queue
    worker: consume
)yaml");
  ASSERT_EQ(p.functions.size(), 1u);
  ASSERT_EQ(p.functions[0].sqsEvents.size(), 1u);
  EXPECT_EQ(queueNamed(p, "shop-dev-jobs")->attributes.at("VisibilityTimeout"), "120");
}

TEST_F(Constructs, StorageIsServedAndTypesNimbusDoesNotServeYetStillResolve) {
  auto p = ok(R"yaml(
service: shop
provider:
  name: aws
  runtime: nodejs20.x
constructs:
  avatars:
    type: storage
    publicPath: public/
    cors: https://app.example.com
  stripe:
    type: webhook
    path: /stripe
    authorizer:
      handler: stripe.authorize
  site:
    type: static-website
    path: public
functions:
  api:
    handler: api.main
    environment:
      BUCKET: ${construct:avatars.bucketName}
      BUCKET_ARN: ${construct:avatars.bucketArn}
      BUS: ${construct:stripe.busName}
      SITE_BUCKET: ${construct:site.assetsBucketName}
)yaml");
  const FunctionConfig* api = functionKeyed(p, "api");
  ASSERT_TRUE(api);
  std::string bucket = envValue(*api, "BUCKET");
  // CloudFormation's form, lower case for S3: "{stack}-{logical id}-{suffix}".
  EXPECT_EQ(bucket.rfind("shop-dev-avatarsbucket", 0), 0u) << bucket;
  EXPECT_LE(bucket.size(), 63u);
  EXPECT_EQ(envValue(*api, "BUCKET_ARN"), "arn:aws:s3:::" + bucket);
  EXPECT_EQ(envValue(*api, "BUS").rfind("stripeBus", 0), 0u);
  EXPECT_EQ(envValue(*api, "SITE_BUCKET").rfind("shop-dev-sitebucket", 0), 0u);
  // The same project gives the same names on every load.
  EXPECT_EQ(envValue(*functionKeyed(ok(R"yaml(
service: shop
provider: {name: aws, runtime: nodejs20.x}
constructs:
  avatars: {type: storage}
functions:
  api: {handler: api.main, environment: {BUCKET: "${construct:avatars.bucketName}"}}
)yaml"),
                                    "api"),
                     "BUCKET"),
            bucket);
  // The webhook's authorizer is a function of the service, as Lift adds it.
  EXPECT_TRUE(functionKeyed(p, "stripeAuthorizer"));
  ASSERT_EQ(p.constructs.size(), 3u);
  for (const auto& construct : p.constructs) {
    EXPECT_EQ(construct.served, construct.id == "avatars") << construct.id;
  }
  EXPECT_FALSE(anyWarning(p, "constructs.avatars (storage) is not served yet"));
  // The storage construct's bucket, as Lift configures it: versioned, CORS from `cors`.
  ASSERT_EQ(p.buckets.size(), 1u);
  const BucketResource& avatars = p.buckets[0];
  EXPECT_EQ(avatars.name, bucket);
  EXPECT_EQ(avatars.versioning, "Enabled");
  ASSERT_TRUE(avatars.cors.has_value());
  ASSERT_EQ(avatars.cors->size(), 1u);
  EXPECT_EQ((*avatars.cors)[0].allowedOrigins, std::vector<std::string>{"https://app.example.com"});
  EXPECT_EQ((*avatars.cors)[0].allowedMethods, (std::vector<std::string>{"GET", "PUT", "DELETE"}));
  EXPECT_TRUE(anyWarning(p, "constructs.stripe (webhook) is not served yet"));
  EXPECT_TRUE(anyWarning(p, "constructs.site (static-website) is not served yet"));
  EXPECT_TRUE(p.queues.empty());
}

TEST_F(Constructs, SingleTableDatabaseIsServed) {
  auto p = ok(R"yaml(
service: shop
provider: {name: aws, runtime: nodejs20.x}
constructs:
  db:
    type: database/dynamodb-single-table
    gsiCount: 2
functions:
  api:
    handler: api.main
    environment:
      TABLE: ${construct:db.tableName}
      STREAM: ${construct:db.tableStreamArn}
)yaml");
  ASSERT_EQ(p.tables.size(), 1u);
  const TableResource& table = p.tables[0];
  EXPECT_EQ(envValue(p.functions[0], "TABLE"), table.name);
  EXPECT_EQ(table.name.rfind("shop-dev-dbTable", 0), 0u) << table.name;
  EXPECT_EQ(envValue(p.functions[0], "STREAM"), "arn:aws:dynamodb:us-east-1:000000000000:table/" +
                                                    table.name + "/stream/nimbus-latest");
  auto request = nlohmann::json::parse(table.createTableRequest);
  EXPECT_EQ(request["BillingMode"], "PAY_PER_REQUEST");
  EXPECT_EQ(request["KeySchema"][0]["AttributeName"], "PK");
  EXPECT_EQ(request["KeySchema"][1]["AttributeName"], "SK");
  EXPECT_EQ(request["GlobalSecondaryIndexes"].size(), 2u);
  EXPECT_EQ(request["StreamSpecification"]["StreamViewType"], "NEW_AND_OLD_IMAGES");
  EXPECT_EQ(table.ttlAttribute, "TimeToLive");
  EXPECT_TRUE(p.constructs[0].served);
}

TEST_F(Constructs, ErrorsNameFileLineAndKey) {
  auto errors = failing(R"yaml(
service: shop
provider: {name: aws, runtime: nodejs20.x}
constructs:
  jobs:
    type: queue
    batchSize: 50
    worker:
      handler: w.main
  other:
    type: lambda-magic
  noworker:
    type: queue
  missingref:
    type: queue
    worker: nothere
  hook:
    type: webhook
    path: /hook
  badretries:
    type: queue
    maxRetries: 0
    worker: {handler: w.main}
functions:
  api:
    handler: api.main
    environment:
      X: ${construct:nope.queueUrl}
      Y: ${construct:jobs.bucketName}
)yaml");
  auto batch = errorAt(errors, "constructs.jobs.batchSize");
  EXPECT_EQ(batch.where.line, 6);
  EXPECT_TRUE(contains(batch.message, "maxBatchingWindow")) << batch.message;
  auto type = errorAt(errors, "constructs.other.type");
  EXPECT_EQ(type.where.line, 10);
  EXPECT_TRUE(contains(type.message, "unknown construct type 'lambda-magic'")) << type.message;
  EXPECT_TRUE(contains(type.message, "queue, storage")) << type.message;
  EXPECT_EQ(errorAt(errors, "constructs.noworker.worker").where.line, 11);
  EXPECT_TRUE(contains(errorAt(errors, "constructs.missingref.worker").message, "'nothere'"));
  EXPECT_TRUE(contains(errorAt(errors, "constructs.hook.authorizer").message, "insecure"));
  EXPECT_EQ(errorAt(errors, "constructs.badretries.maxRetries").where.line, 21);
  auto unknown = errorAt(errors, "functions.api.environment.X");
  EXPECT_TRUE(contains(unknown.message, "no construct named 'nope'")) << unknown.message;
  auto property = errorAt(errors, "functions.api.environment.Y");
  EXPECT_TRUE(contains(property.message, "queueUrl, queueArn, dlqUrl, dlqArn")) << property.message;
}

TEST_F(Constructs, UnknownSettingsWarn) {
  auto p = ok(R"yaml(
service: shop
provider: {name: aws, runtime: nodejs20.x}
constructs:
  jobs:
    type: queue
    worker: {handler: w.main}
    retries: 4
    alarm: ops@example.com
    extensions:
      queue:
        Properties:
          MaximumMessageSize: 1024
)yaml");
  EXPECT_TRUE(anyWarning(p, "constructs.jobs.retries is not a setting of Lift's queue construct"));
  EXPECT_TRUE(anyWarning(p, "constructs.jobs.alarm: the CloudWatch alarm"));
  EXPECT_EQ(queueNamed(p, "shop-dev-jobs")->attributes.at("MaximumMessageSize"), "1024");
}

TEST_F(Constructs, QueueExtensionsSetTheQueuesProperties) {
  auto p = ok(R"yaml(
service: shop
provider: {name: aws, runtime: nodejs20.x}
constructs:
  jobs:
    type: queue
    fifo: true
    worker: {handler: w.main}
    extensions:
      queue:
        Properties:
          ContentBasedDeduplication: false
          QueueName: renamed
          Tags:
            - {Key: team, Value: "${self:service}"}
      dlq:
        Properties:
          MessageRetentionPeriod: 86400
      alarm:
        Properties: {Threshold: 5}
)yaml");
  const QueueResource* queue = queueNamed(p, "shop-dev-jobs.fifo");
  const QueueResource* dlq = queueNamed(p, "shop-dev-jobs-dlq.fifo");
  ASSERT_TRUE(queue && dlq);
  EXPECT_EQ(queue->attributes.at("ContentBasedDeduplication"), "false");
  EXPECT_EQ(queue->tags.at("team"), "shop");
  EXPECT_EQ(dlq->attributes.at("MessageRetentionPeriod"), "86400");
  EXPECT_TRUE(
      anyWarning(p, "constructs.jobs.extensions.queue.Properties.QueueName is not applied"));
  EXPECT_TRUE(anyWarning(p, "constructs.jobs.extensions.alarm is not applied"));
}

}  // namespace
}  // namespace nimbus::config::testing
