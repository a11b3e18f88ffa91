// The AWS REST-JSON protocol's answers (Lambda's, among others): JSON bodies and errors carried as
// the x-amzn-ErrorType header plus {"Type": ..., "message" or "Message": ...}, which botocore and
// the AWS SDK for JavaScript both turn into their modelled exception classes.
#pragma once

#include <string>
#include <string_view>

#include "core/http_message.h"

namespace nimbus::aws {

HttpResponse restJsonResponse(int status, std::string body, std::string_view requestId);

// `type` is "User" for the caller's errors and "Service" for nimbus's own.
HttpResponse restJsonError(int status, std::string_view code, std::string_view message,
                           std::string_view requestId, std::string_view type = "User");

}  // namespace nimbus::aws
