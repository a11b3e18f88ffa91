#include "aws/request_identity.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "core/url.h"

namespace nimbus::aws {

namespace {

// Query-protocol actions that only SNS has (AddPermission and RemovePermission are SQS's too,
// so an unsigned request naming them is not taken for SNS).
bool isSnsAction(std::string_view action) {
  static const std::set<std::string_view> kActions = {"ConfirmSubscription",
                                                      "CreateTopic",
                                                      "DeleteTopic",
                                                      "GetSubscriptionAttributes",
                                                      "GetTopicAttributes",
                                                      "ListSubscriptions",
                                                      "ListSubscriptionsByTopic",
                                                      "ListTagsForResource",
                                                      "ListTopics",
                                                      "Publish",
                                                      "PublishBatch",
                                                      "SetSubscriptionAttributes",
                                                      "SetTopicAttributes",
                                                      "Subscribe",
                                                      "TagResource",
                                                      "Unsubscribe",
                                                      "UntagResource"};
  return kActions.count(action) > 0;
}

// Query-protocol actions that only CloudWatch has (TagResource, UntagResource and
// ListTagsForResource are SNS's too, and stay SNS's when unsigned).
bool isCloudWatchAction(std::string_view action) {
  static const std::set<std::string_view> kActions = {"DeleteAlarmMuteRule",
                                                      "DeleteAlarms",
                                                      "DeleteAnomalyDetector",
                                                      "DeleteDashboards",
                                                      "DeleteInsightRules",
                                                      "DeleteMetricStream",
                                                      "DescribeAlarmContributors",
                                                      "DescribeAlarmHistory",
                                                      "DescribeAlarms",
                                                      "DescribeAlarmsForMetric",
                                                      "DescribeAnomalyDetectors",
                                                      "DescribeInsightRules",
                                                      "DisableAlarmActions",
                                                      "DisableInsightRules",
                                                      "EnableAlarmActions",
                                                      "EnableInsightRules",
                                                      "GetAlarmMuteRule",
                                                      "GetDashboard",
                                                      "GetInsightRuleReport",
                                                      "GetMetricData",
                                                      "GetMetricStatistics",
                                                      "GetMetricStream",
                                                      "GetMetricWidgetImage",
                                                      "ListAlarmMuteRules",
                                                      "ListDashboards",
                                                      "ListManagedInsightRules",
                                                      "ListMetricStreams",
                                                      "ListMetrics",
                                                      "PutAlarmMuteRule",
                                                      "PutAnomalyDetector",
                                                      "PutCompositeAlarm",
                                                      "PutDashboard",
                                                      "PutInsightRule",
                                                      "PutManagedInsightRules",
                                                      "PutMetricAlarm",
                                                      "PutMetricData",
                                                      "PutMetricStream",
                                                      "SetAlarmState",
                                                      "StartMetricStreams",
                                                      "StopMetricStreams"};
  return kActions.count(action) > 0;
}

// The SQS operations, to tell an unsigned query-protocol request (Action=...) for SQS from one
// for another query-protocol service (SNS, STS, ...).
constexpr std::array<std::string_view, 23> kSqsActions = {"AddPermission",
                                                          "CancelMessageMoveTask",
                                                          "ChangeMessageVisibility",
                                                          "ChangeMessageVisibilityBatch",
                                                          "CreateQueue",
                                                          "DeleteMessage",
                                                          "DeleteMessageBatch",
                                                          "DeleteQueue",
                                                          "GetQueueAttributes",
                                                          "GetQueueUrl",
                                                          "ListDeadLetterSourceQueues",
                                                          "ListMessageMoveTasks",
                                                          "ListQueueTags",
                                                          "ListQueues",
                                                          "PurgeQueue",
                                                          "ReceiveMessage",
                                                          "RemovePermission",
                                                          "SendMessage",
                                                          "SendMessageBatch",
                                                          "SetQueueAttributes",
                                                          "StartMessageMoveTask",
                                                          "TagQueue",
                                                          "UntagQueue"};

// The Action of a query-protocol request: in a form body, or in the query string.
std::string queryAction(const HttpRequest& request) {
  std::string action;
  auto look = [&](std::string_view name, std::string_view value) {
    if (name == "Action" && action.empty()) action = std::string(value);
  };
  std::string_view target = request.target;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    forEachQueryParameter(target.substr(q + 1), look);
  }
  const HttpHeader* type = findHeader(request.headers, "Content-Type");
  if (action.empty() && type &&
      std::string_view(type->value).find("x-www-form-urlencoded") != std::string_view::npos) {
    forEachQueryParameter(request.body, look);
  }
  return action;
}

// "/000000000000/name": a queue URL's path, where older SQS clients post.
bool isQueuePath(std::string_view path) {
  path = path.substr(0, path.find('?'));
  if (path.size() < 15 || path[0] != '/' || path[13] != '/') return false;
  return std::all_of(path.begin() + 1, path.begin() + 13,
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
         path.find('/', 14) == std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool parseSigV4Authorization(std::string_view header, RequestIdentity& out) {
  constexpr std::string_view kScheme = "AWS4-HMAC-SHA256";
  header = trim(header);
  if (header.substr(0, kScheme.size()) != kScheme) return false;
  auto pos = header.find("Credential=");
  if (pos == std::string_view::npos) return false;
  std::string_view credential = header.substr(pos + 11);
  credential = credential.substr(0, credential.find_first_of(", "));
  // AKID / date / region / service / aws4_request
  std::string_view parts[5];
  for (int i = 0; i < 5; ++i) {
    auto slash = credential.find('/');
    parts[i] = credential.substr(0, slash);
    if (slash == std::string_view::npos) {
      if (i != 4) return false;
      break;
    }
    credential.remove_prefix(slash + 1);
  }
  if (parts[4] != "aws4_request") return false;
  out.accessKeyId = std::string(parts[0]);
  out.region = std::string(parts[2]);
  out.service = std::string(parts[3]);
  return true;
}

RequestIdentity identifyRequest(const HttpRequest& request) {
  RequestIdentity identity;
  if (const HttpHeader* auth = findHeader(request.headers, "Authorization")) {
    if (parseSigV4Authorization(auth->value, identity)) return identity;
  }
  if (const HttpHeader* target = findHeader(request.headers, "X-Amz-Target")) {
    std::string_view t = target->value;
    std::string_view prefix = t.substr(0, t.find('.'));
    if (prefix == "AmazonSQS")
      identity.service = "sqs";
    else if (prefix == "AWSEvents")
      identity.service = "events";
    else if (prefix == "DynamoDB_20120810" || prefix == "DynamoDBStreams_20120810")
      identity.service = "dynamodb";
    else if (prefix == "Logs_20140328")
      identity.service = "logs";
    else if (prefix.rfind("GraniteServiceVersion", 0) == 0)
      identity.service = "monitoring";
    if (!identity.service.empty()) return identity;
  }
  std::string action = queryAction(request);
  if (std::find(kSqsActions.begin(), kSqsActions.end(), action) != kSqsActions.end() ||
      (action.empty() && isQueuePath(request.target))) {
    identity.service = "sqs";
    return identity;
  }
  // X-Ray's REST API, unsigned (the dashboard reads traces this way).
  if (request.method == "POST" &&
      (request.target == "/TraceSegments" || request.target == "/TraceSummaries" ||
       request.target == "/Traces")) {
    identity.service = "xray";
    return identity;
  }
  if (request.target.rfind("/2015-03-31/", 0) == 0 ||
      request.target.rfind("/2016-08-19/", 0) == 0 ||
      request.target.rfind("/2017-03-31/", 0) == 0 ||
      request.target.rfind("/2019-09-25/", 0) == 0) {
    identity.service = "lambda";
    return identity;
  }
  if (isSnsAction(action)) {
    identity.service = "sns";
    return identity;
  }
  // CloudWatch: Smithy RPC v2 CBOR requests name the service in their path; query requests by
  // an action only CloudWatch has.
  if (request.target.rfind("/service/GraniteServiceVersion20100801/", 0) == 0 ||
      isCloudWatchAction(action)) {
    identity.service = "monitoring";
    return identity;
  }
  // S3: presigned URLs carry their credential scope in the query; everything else unsigned
  // (a browser's upload, curl on an object URL, a CORS preflight) is S3's, as an S3 endpoint
  // is the one AWS API addressed by plain paths.
  std::string_view target = request.target;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    std::string credential = queryParameter(target.substr(q + 1), "X-Amz-Credential");
    if (!credential.empty() &&
        parseSigV4Authorization("AWS4-HMAC-SHA256 Credential=" + credential, identity)) {
      return identity;
    }
  }
  if (action.empty() && !request.target.starts_with("/_nimbus")) identity.service = "s3";
  return identity;
}

}  // namespace nimbus::aws
