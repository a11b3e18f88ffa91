// The SQS API on the AWS endpoint, in both protocols SQS clients speak (protocol.h), answering
// as SQS does: queue URLs {scheme}://{Host}/{account}/{name}, SQS's checks and error codes, batch
// results per entry. docs/sqs.md lists the operations and where nimbus differs from AWS.
#pragma once

#include <string>
#include <string_view>

#include "aws/request_identity.h"
#include "core/http_message.h"
#include "http/server.h"

namespace nimbus::aws::sqs {

class SqsService;

// The start of the queue URLs answered to a request naming `host` in its Host header:
// "http://{host}/{account}/", or https for a real AWS host name. A request whose Host is
// sqs.us-east-1.amazonaws.com was made for https://sqs.us-east-1.amazonaws.com and sent to nimbus
// by the function's runtime; it is answered the URLs AWS answers there, which reach nimbus the
// same way.
std::string queueUrlBase(std::string_view host, std::string_view accountId);

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
