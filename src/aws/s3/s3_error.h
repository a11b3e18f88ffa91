// An S3 error as the service answers it: the code, the message, the HTTP status, and the extra
// elements S3 adds to some errors' XML body (SignatureDoesNotMatch carries StringToSign and
// CanonicalRequest, an expired presigned URL X-Amz-Expires, Expires and ServerTime).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus::aws::s3 {

struct S3Error {
  std::string code;
  std::string message;
  int status = 400;
  // Extra child elements of <Error>, in order: (element name, text).
  std::vector<std::pair<std::string, std::string>> details;
};

// The HTTP status S3 answers with for an error code ("NoSuchKey" -> 404); 400 for a code it does
// not know, as most of S3's client errors are.
int s3ErrorStatus(std::string_view code);

// An S3Error with the status the table gives for `code`.
S3Error s3Error(std::string code, std::string message);

}  // namespace nimbus::aws::s3
