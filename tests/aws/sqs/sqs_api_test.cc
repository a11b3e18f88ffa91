// Queue URLs as SQS clients see them: the forms nimbus answers, by the Host a request names, and
// the forms it accepts back in QueueUrl.
#include "aws/sqs/sqs_api.h"

#include <gtest/gtest.h>

#include "aws/sqs/sqs_service.h"

namespace nimbus::aws::sqs {
namespace {

TEST(QueueUrlBase, NimbusEndpointIsPlainHttp) {
  EXPECT_EQ(queueUrlBase("127.0.0.1:4566", "000000000000"), "http://127.0.0.1:4566/000000000000/");
  EXPECT_EQ(queueUrlBase("localhost:4566", "123456789012"), "http://localhost:4566/123456789012/");
}

// A request a runtime rerouted from https://sqs.{region}.amazonaws.com keeps that Host: it is
// answered the URL AWS would answer.
TEST(QueueUrlBase, RealAwsHostIsHttps) {
  EXPECT_EQ(queueUrlBase("sqs.us-east-1.amazonaws.com", "000000000000"),
            "https://sqs.us-east-1.amazonaws.com/000000000000/");
  EXPECT_EQ(queueUrlBase("sqs.cn-north-1.amazonaws.com.cn", "1"),
            "https://sqs.cn-north-1.amazonaws.com.cn/1/");
  EXPECT_EQ(queueUrlBase("sqs.eu-west-1.api.aws", "1"), "https://sqs.eu-west-1.api.aws/1/");
  EXPECT_EQ(queueUrlBase("SQS.US-EAST-1.AMAZONAWS.COM:443", "1"),
            "https://SQS.US-EAST-1.AMAZONAWS.COM:443/1/");
  // Only the name's last labels count.
  EXPECT_EQ(queueUrlBase("notamazonaws.com", "1"), "http://notamazonaws.com/1/");
  EXPECT_EQ(queueUrlBase("amazonaws.com.example", "1"), "http://amazonaws.com.example/1/");
}

// AWS accepts any of its URL forms for a queue, on any of its endpoints; a function that builds
// the URL from the region and account names nimbus's queue the same way.
TEST(QueueName, FromEveryUrlForm) {
  EXPECT_EQ(SqsService::queueName("https://sqs.us-east-1.amazonaws.com/000000000000/receiverQueue"),
            "receiverQueue");
  EXPECT_EQ(SqsService::queueName("http://127.0.0.1:4566/000000000000/receiverQueue"),
            "receiverQueue");
  EXPECT_EQ(SqsService::queueName("https://queue.amazonaws.com/000000000000/jobs.fifo"),
            "jobs.fifo");
  EXPECT_EQ(SqsService::queueName("http://localhost:4566/queue/us-east-1/000000000000/jobs"),
            "jobs");
  EXPECT_EQ(SqsService::queueName("arn:aws:sqs:us-east-1:000000000000:jobs"), "jobs");
  EXPECT_EQ(SqsService::queueName("jobs"), "jobs");
}

}  // namespace
}  // namespace nimbus::aws::sqs
