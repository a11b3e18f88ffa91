// Text helpers for the gateway's request and response handling: request-target splitting and
// media types. Internal to the gateway module.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/url.h"

namespace nimbus::gateway::detail {

struct TargetParts {
  std::string_view path;   // Everything before '?', undecoded.
  std::string_view query;  // Everything after the first '?' (without it), undecoded.
};

// Splits a raw request target ("/a/b?x=1"). A fragment, if a client sent one, is dropped.
TargetParts splitTarget(std::string_view target);

// Percent-decoding and query strings are core's (core/url.h), shared with the AWS APIs.
using nimbus::appendPercentDecoded;
using nimbus::forEachQueryParameter;
using nimbus::needsDecoding;

// "Text/HTML; charset=UTF-8" -> "Text/HTML": the media type without parameters, trimmed.
std::string_view mediaTypeEssence(std::string_view contentType);

// The value of parameter `name` ("charset") in a Content-Type, or "" when absent.
std::string_view mediaTypeParameter(std::string_view contentType, std::string_view name);

// Whether an HTTP API (payload 2.0) passes a request body with this Content-Type as text. Measured
// on AWS: text/*, application/json, application/xml and application/javascript are text; any other
// type, a missing Content-Type and application/x-www-form-urlencoded are base64-encoded. A
// charset other than UTF-8 also makes the body binary.
bool isHttpApiTextMediaType(std::string_view contentType);

// Whether a media type matches one of a REST API's binaryMediaTypes ("image/png", "image/*",
// "*/*"), case-insensitively and ignoring parameters.
bool matchesBinaryMediaTypes(std::string_view contentType,
                             const std::vector<std::string>& binaryMediaTypes);

// The first media range of an Accept header ("image/png, */*;q=0.8" -> "image/png"): REST APIs
// decide whether to decode a base64 response body from the client's first Accept value.
std::string_view firstAcceptedMediaType(std::string_view accept);

void appendLowerAscii(std::string& out, std::string_view s);

}  // namespace nimbus::gateway::detail
