// CloudWatch's three wire protocols, all served on the AWS endpoint because clients differ:
//  - awsQuery: form-encoded `Action=PutMetricData&Version=2010-08-01&...`, XML answers in the
//    monitoring namespace (older awscli and boto3);
//  - AWS JSON 1.0: `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`;
//  - Smithy RPC v2 CBOR: `POST /service/GraniteServiceVersion20100801/operation/<Operation>`
//    (current botocore and the AWS SDK for JavaScript v3).
// The service is awsQueryCompatible: JSON and CBOR errors carry the query error code in the
// `x-amzn-query-error` header ("InvalidParameterValue;Sender"), which SDKs prefer to `__type`.
// Requests of every protocol are read into one JSON tree (query parameters unflattened, values
// left as text), so that each operation reads its input once.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "aws/cloudwatch/wire_value.h"
#include "core/http_message.h"
#include "core/result.h"

namespace nimbus::aws::cloudwatch {

inline constexpr std::string_view kXmlNamespace = "http://monitoring.amazonaws.com/doc/2010-08-01/";
inline constexpr std::string_view kTargetPrefix = "GraniteServiceVersion20100801";

enum class Protocol { Query, Json, Cbor };

struct WireRequest {
  Protocol protocol = Protocol::Query;
  std::string operation;
  // The input members. Query requests give every scalar as a string ("1.5", "true",
  // "2026-12-08T00:00:00Z"), JSON and CBOR as typed values (timestamps as epoch seconds).
  nlohmann::json input = nlohmann::json::object();
  size_t bodyBytes = 0;  // The (decompressed) body's size, for PutMetricData's 1 MB limit.
};

// Which protocol a request speaks (decided from its path and headers alone, so that an error
// reading the body can still be answered in it).
Protocol detectProtocol(const HttpRequest& request);

// Reads the operation and input of a request in `protocol` (gzip bodies inflated, as SDKs send
// PutMetricData above 10 KB). Errors are a SerializationException, MissingAction or similar.
Result<WireRequest> readRequest(const HttpRequest& request, Protocol protocol);

// The success answer of `operation`: `output` is its result structure, or null for operations
// without output (PutMetricData).
HttpResponse writeAnswer(Protocol protocol, std::string_view operation, const WireValue* output,
                         const std::string& requestId);

// An error in the protocol's shape. `error.code` is the query-protocol code
// ("InvalidParameterValue"); JSON and CBOR name the modeled shape in `__type`.
HttpResponse writeError(Protocol protocol, const ServiceError& error, const std::string& requestId);

// The form parameters of a query request turned into a tree: "A.member.2.B" becomes
// {"A": [null, {"B": ...}]} with nulls then removed (lists keep index order).
nlohmann::json unflattenQuery(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace nimbus::aws::cloudwatch
