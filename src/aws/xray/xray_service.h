// AWS X-Ray on the AWS endpoint (REST-JSON, signing name "xray"): PutTraceSegments takes the
// segment documents X-Ray SDKs and daemons send, GetTraceSummaries lists recent traces and
// BatchGetTraces returns their segments. Segments are stored as Spans in the TraceRecorder, so an
// SDK's segments and nimbus's own spans (API Gateway, Lambda, SQS, ...) form one trace by root.
// Every operation is a short in-memory step, answered on the calling thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "aws/request_identity.h"
#include "core/http_message.h"
#include "core/result.h"
#include "http/server.h"
#include "observe/trace.h"

namespace nimbus::observe {
class TraceRecorder;
}  // namespace nimbus::observe

namespace nimbus::aws::xray {

struct XRaySettings {
  std::string region = "us-east-1";
  std::string accountId = "000000000000";
};

class XRayService {
 public:
  // `recorder` must outlive the service.
  explicit XRayService(observe::TraceRecorder& recorder, XRaySettings settings = {});

  void handle(HttpRequest&& request, const RequestIdentity& identity, http::Responder responder);
  // The answer to `request`, for handle() and tests.
  HttpResponse answer(const HttpRequest& request);

 private:
  HttpResponse putTraceSegments(const nlohmann::json& body, const std::string& requestId);
  HttpResponse getTraceSummaries(const nlohmann::json& body, const std::string& requestId);
  HttpResponse batchGetTraces(const nlohmann::json& body, const std::string& requestId);

  observe::TraceRecorder& recorder_;
  XRaySettings settings_;
};

// The spans of one segment document: the segment and each of its subsegments, nested ones
// included (each the child of the one it is nested in). X-Ray's fields are kept as attributes:
// the http, aws, annotations, metadata, sql, service and cause objects flattened to dotted keys
// ("http.response.status" -> "200"), and X-Ray's flags as "xray.*". The error's code is what
// X-Ray reports in UnprocessedTraceSegments ("MissingId", "InvalidTraceId", ...).
Result<std::vector<observe::Span>> spansFromSegment(const nlohmann::json& document);

// The segment documents of a trace's spans, as BatchGetTraces returns them: subsegments nested
// in the segment they belong to, other spans as segments of their own.
std::vector<nlohmann::json> segmentDocuments(const std::vector<observe::Span>& spans);

}  // namespace nimbus::aws::xray
