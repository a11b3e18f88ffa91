// The SQS API on the AWS endpoint, in both protocols SQS clients speak (protocol.h), answering
// as SQS does: queue URLs http://{Host}/{account}/{name}, SQS's checks and error codes, batch
// results per entry. docs/sqs.md lists the operations and where nimbus differs from AWS.
#pragma once

#include <string>

#include "aws/request_identity.h"
#include "core/http_message.h"
#include "http/server.h"

namespace nimbus::aws::sqs {

class SqsService;

class SqsApi {
 public:
  // `defaultHost` ("127.0.0.1:4566") names the endpoint in queue URLs when a request has no Host.
  SqsApi(SqsService& service, std::string defaultHost);

  // Never blocks: answers come from the service's callbacks, on the io_context.
  void handle(HttpRequest&& request, const RequestIdentity& identity, http::Responder responder);

 private:
  SqsService& service_;
  std::string defaultHost_;
};

}  // namespace nimbus::aws::sqs
