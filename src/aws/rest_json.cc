#include "aws/rest_json.h"

#include "core/json_writer.h"

namespace nimbus::aws {

HttpResponse restJsonResponse(int status, std::string body, std::string_view requestId) {
  HttpResponse r;
  r.status = status;
  r.headers.push_back({"Content-Type", "application/json"});
  r.headers.push_back({"x-amzn-RequestId", std::string(requestId)});
  r.body = std::move(body);
  return r;
}

HttpResponse restJsonError(int status, std::string_view code, std::string_view message,
                           std::string_view requestId, std::string_view type) {
  // Lambda's model spells the member "Message" for these errors and "message" for the others;
  // botocore and the JS SDK read either, but the spelling is what AWS sends.
  bool capitalized = code == "ResourceNotFoundException" || code == "ServiceException" ||
                     code == "InvalidRuntimeException" || code == "InvalidZipFileException";
  std::string body;
  JsonWriter(body)
      .beginObject()
      .field("Type", type)
      .field(capitalized ? "Message" : "message", message)
      .endObject();
  HttpResponse r = restJsonResponse(status, std::move(body), requestId);
  r.headers.push_back({"x-amzn-ErrorType", std::string(code)});
  return r;
}

}  // namespace nimbus::aws
