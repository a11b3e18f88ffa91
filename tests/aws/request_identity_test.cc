#include "aws/request_identity.h"

#include <gtest/gtest.h>

#include "core/url.h"

namespace nimbus::aws {
namespace {

TEST(RequestIdentity, ReadsServiceAndRegionFromTheSigV4CredentialScope) {
  RequestIdentity id;
  ASSERT_TRUE(parseSigV4Authorization(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/eu-west-1/lambda/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=abc",
      id));
  EXPECT_EQ(id.service, "lambda");
  EXPECT_EQ(id.region, "eu-west-1");
  EXPECT_EQ(id.accessKeyId, "AKIDEXAMPLE");
  EXPECT_FALSE(parseSigV4Authorization("Basic dXNlcjpwYXNz", id));
  EXPECT_FALSE(parseSigV4Authorization("AWS4-HMAC-SHA256 Credential=AKID/2026/us-east-1", id));
}

TEST(RequestIdentity, FallsBackToTargetThenPath) {
  HttpRequest sqs{"POST", "/", {{"X-Amz-Target", "AmazonSQS.SendMessage"}}, "", "", "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(sqs).service, "sqs");
  HttpRequest invoke{"POST", "/2015-03-31/functions/f/invocations", {}, "", "", "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(invoke).service, "lambda");
  // Unsigned requests nothing else claims are S3's: object URLs, uploads, preflights.
  HttpRequest object{"GET", "/photos/cat.jpg", {}, "", "", "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(object).service, "s3");
  HttpRequest probe{"GET", "/_nimbus/unknown", {}, "", "", "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(probe).service, "");
}

TEST(RequestIdentity, PresignedUrlsNameTheirScope) {
  HttpRequest presigned{"PUT",
                        "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20261207%2F"
                        "eu-west-1%2Fs3%2Faws4_request&X-Amz-Signature=00",
                        {},
                        "",
                        "",
                        "HTTP/1.1"};
  auto id = identifyRequest(presigned);
  EXPECT_EQ(id.service, "s3");
  EXPECT_EQ(id.region, "eu-west-1");
  EXPECT_EQ(id.accessKeyId, "test");
}

TEST(RequestIdentity, UnsignedSnsLinksAndFormsAreSns) {
  // The SubscribeURL and UnsubscribeURL SNS sends are plain GETs.
  HttpRequest confirm{
      "GET", "/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:0:t&Token=x",
      {},    "",
      "",    "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(confirm).service, "sns");
  HttpRequest unsubscribe{"GET",     "/?Action=Unsubscribe&SubscriptionArn=arn", {}, "", "",
                          "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(unsubscribe).service, "sns");
  HttpRequest form{"POST",
                   "/",
                   {{"Content-Type", "application/x-www-form-urlencoded"}},
                   "Action=Publish&TopicArn=x&Message=m",
                   "",
                   "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(form).service, "sns");
  // SQS has AddPermission too: unsigned, it goes to SQS, never to SNS.
  HttpRequest shared{"POST",
                     "/",
                     {{"Content-Type", "application/x-www-form-urlencoded"}},
                     "Action=AddPermission",
                     "",
                     "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(shared).service, "sqs");
  // Signed requests go by their credential scope.
  HttpRequest signedSqs{"POST",
                        "/",
                        {{"Authorization",
                          "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/sqs/aws4_request, "
                          "SignedHeaders=host, Signature=x"},
                         {"Content-Type", "application/x-www-form-urlencoded"}},
                        "Action=Publish",
                        "",
                        "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(signedSqs).service, "sqs");
}

TEST(RequestIdentity, UnsignedSqsQueryProtocolRequests) {
  HttpRequest form{"POST",
                   "/",
                   {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
                   "Action=SendMessage&QueueUrl=x&MessageBody=hi",
                   "",
                   "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(form).service, "sqs");
  HttpRequest get{"GET", "/?Action=ListQueues&Version=2012-11-05", {}, "", "", "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(get).service, "sqs");
  HttpRequest queuePath{"POST", "/000000000000/orders", {}, "", "", "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(queuePath).service, "sqs");
  // Another query-protocol service's action is not SQS's.
  HttpRequest sns{"POST",
                  "/",
                  {{"Content-Type", "application/x-www-form-urlencoded"}},
                  "Action=Publish&TopicArn=x",
                  "",
                  "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(sns).service, "sns");
  // A signed request is told by its scope, whatever its body says.
  HttpRequest signedSqs{"POST",
                        "/",
                        {{"Authorization",
                          "AWS4-HMAC-SHA256 Credential=AKID/20261128/us-east-1/sqs/aws4_request, "
                          "SignedHeaders=host, Signature=abc"}},
                        "Action=Publish",
                        "",
                        "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(signedSqs).service, "sqs");
}

TEST(Url, DecodesEscapesAndQueryParameters) {
  EXPECT_EQ(percentDecode("arn%3Aaws%3Alambda"), "arn:aws:lambda");
  EXPECT_EQ(percentDecode("100%"), "100%");
  EXPECT_EQ(percentDecode("%zz"), "%zz");
  EXPECT_EQ(percentDecode("a+b", true), "a b");
  EXPECT_EQ(queryParameter("Qualifier=%24LATEST&x=1", "Qualifier"), "$LATEST");
  EXPECT_EQ(queryParameter("x=1", "Qualifier"), "");
}

TEST(RequestIdentity, UnsignedCloudWatchRequestsAreMonitoring) {
  HttpRequest cbor{"POST",
                   "/service/GraniteServiceVersion20100801/operation/PutMetricData",
                   {{"smithy-protocol", "rpc-v2-cbor"}, {"Content-Type", "application/cbor"}},
                   "",
                   "",
                   "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(cbor).service, "monitoring");
  HttpRequest json{"POST", "/", {{"X-Amz-Target", "GraniteServiceVersion20100801.ListMetrics"}},
                   "{}",   "",  "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(json).service, "monitoring");
  HttpRequest query{"POST",
                    "/",
                    {{"Content-Type", "application/x-www-form-urlencoded"}},
                    "Action=PutMetricData&Version=2010-08-01&Namespace=App",
                    "",
                    "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(query).service, "monitoring");
  HttpRequest alarms{"GET", "/?Action=DescribeAlarms&Version=2010-08-01", {}, "", "", "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(alarms).service, "monitoring");
  // Shared with SNS: an unsigned TagResource stays SNS's.
  HttpRequest tag{"GET", "/?Action=TagResource", {}, "", "", "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(tag).service, "sns");
}

TEST(RequestIdentity, UnsignedXRayRequestsAreXRay) {
  HttpRequest summaries{"POST", "/TraceSummaries", {}, "{}", "", "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(summaries).service, "xray");
  HttpRequest traces{"POST", "/Traces", {}, "{}", "", "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(traces).service, "xray");
  // A GET of an object with that key is S3's.
  HttpRequest object{"GET", "/Traces", {}, "", "", "HTTP/1.1"};
  EXPECT_EQ(identifyRequest(object).service, "s3");
}

}  // namespace
}  // namespace nimbus::aws
