// Who an AWS API request is for: the service and region it was signed for (SigV4 credential
// scope), or, for unsigned requests, what its X-Amz-Target or path says. Signatures are not
// verified here; that belongs to the security work.
#pragma once

#include <string>
#include <string_view>

#include "core/http_message.h"

namespace nimbus::aws {

struct RequestIdentity {
  std::string service;  // SigV4 service name: "lambda", "sqs", "sns", "events", "s3", "logs", ...
  std::string region;   // From the credential scope; empty when unsigned.
  std::string accessKeyId;  // From the credential scope; empty when unsigned.
};

// Parses "AWS4-HMAC-SHA256 Credential=AKID/20261128/us-east-1/lambda/aws4_request, ...".
// Returns false when the header is not a SigV4 authorization.
bool parseSigV4Authorization(std::string_view header, RequestIdentity& out);

// The service a request is addressed to: the credential scope when signed, else the
// X-Amz-Target prefix ("AmazonSQS.SendMessage" -> "sqs"), else a query-protocol Action that only
// SQS has (or a queue URL's path), else the Lambda REST path prefix, else a query-protocol
// Action only SNS has (the SubscribeURL and UnsubscribeURL links SNS sends are unsigned GETs:
// "/?Action=ConfirmSubscription&TopicArn=...&Token=...").
RequestIdentity identifyRequest(const HttpRequest& request);

}  // namespace nimbus::aws
