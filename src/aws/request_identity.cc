#include "aws/request_identity.h"

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

// The Action of an unsigned query-protocol request: in its query string (a GET such as the
// SubscribeURL SNS sends), or in its form body.
std::string queryAction(const HttpRequest& request) {
  std::string_view target = request.target;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    std::string action = queryParameter(target.substr(q + 1), "Action");
    if (!action.empty()) return action;
  }
  if (request.method == "POST") {
    const HttpHeader* type = findHeader(request.headers, "Content-Type");
    if (type && type->value.rfind("application/x-www-form-urlencoded", 0) == 0) {
      return queryParameter(request.body, "Action");
    }
  }
  return "";
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
    else if (prefix == "Logs_20140328")
      identity.service = "logs";
    else if (prefix.rfind("GraniteServiceVersion", 0) == 0)
      identity.service = "monitoring";
    if (!identity.service.empty()) return identity;
  }
  if (request.target.rfind("/2015-03-31/", 0) == 0 ||
      request.target.rfind("/2016-08-19/", 0) == 0 ||
      request.target.rfind("/2017-03-31/", 0) == 0 ||
      request.target.rfind("/2019-09-25/", 0) == 0) {
    identity.service = "lambda";
    return identity;
  }
  if (isSnsAction(queryAction(request))) identity.service = "sns";
  return identity;
}

}  // namespace nimbus::aws
