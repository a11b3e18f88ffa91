// SigV4 verification of S3 requests, both forms S3 accepts: query-string authentication
// (presigned URLs: X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
// X-Amz-SignedHeaders, X-Amz-Signature, X-Amz-Security-Token) and the Authorization header.
//
// S3 differs from the other services in two ways that matter here: the canonical URI is the path
// encoded once (never twice), and a presigned URL signs the payload as UNSIGNED-PAYLOAD. The
// payload hash of a header-signed request is taken from x-amz-content-sha256 as sent; checking it
// against the body (XAmzContentSHA256Mismatch) is the caller's, once the body has been read.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/s3/s3_error.h"
#include "core/http_message.h"

namespace nimbus::aws::s3 {

// The request as received: nothing decoded or normalized.
struct SignedRequest {
  std::string_view method;
  std::string_view target;  // Raw path plus "?query".
  const std::vector<HttpHeader>& headers;
};

// The secret access key of an access key id, or nullopt when the id is unknown.
using SecretLookup = std::function<std::optional<std::string>(std::string_view accessKeyId)>;

struct S3Authentication {
  enum class Outcome {
    Anonymous,         // Neither X-Amz-Algorithm/X-Amz-Credential nor an Authorization header.
    Verified,          // The signature matches.
    UnknownAccessKey,  // Well-formed and not expired, but secretFor knows no such key; `error` is
                       // S3's InvalidAccessKeyId, which the caller answers or not (auth off).
    Rejected,          // `error` is what S3 answers.
  };
  Outcome outcome = Outcome::Anonymous;
  bool presigned = false;
  std::string accessKeyId;
  std::string region;         // From the credential scope.
  std::string securityToken;  // X-Amz-Security-Token (query) or x-amz-security-token (header).
  // What the signature covers of the body: a hex SHA-256, UNSIGNED-PAYLOAD, or a STREAMING-...
  // value announcing an aws-chunked body.
  std::string payloadHash;
  // For verifying the chunk signatures of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body: the request
  // signature is the seed, and each chunk's string to sign uses the date, scope and key below.
  std::string signature;
  std::string amzDate;     // "20261207T120000Z"
  std::string scope;       // "20261207/us-east-1/s3/aws4_request"
  std::string signingKey;  // Raw 32 bytes; empty unless Verified.
  S3Error error;
};

// Verifies the request's signature at `now`. Checks, in order: the form of the auth parameters
// (AuthorizationQueryParametersError, AuthorizationHeaderMalformed), expiry (AccessDenied
// "Request has expired" with X-Amz-Expires, Expires and ServerTime; RequestTimeTooSkewed for a
// header-signed request over 15 minutes off), the access key (InvalidAccessKeyId), then the
// signature (SignatureDoesNotMatch with the StringToSign and CanonicalRequest S3 reports).
S3Authentication authenticateS3Request(const SignedRequest& request, const SecretLookup& secretFor,
                                       std::chrono::system_clock::time_point now);

// The pieces of SigV4, exposed for signing chunks and for tests.
// The signing key: HMAC chain of "AWS4"+secret over date, region, service, "aws4_request".
std::string sigV4SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                            std::string_view service);
// Lower-case hex HMAC-SHA256 of `stringToSign` under `signingKey`.
std::string sigV4Signature(std::string_view signingKey, std::string_view stringToSign);

// The string to sign of one chunk of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body, whose signature is
// sigV4Signature(signingKey, that); `previousSignature` is the seed for the first chunk.
std::string chunkStringToSign(std::string_view amzDate, std::string_view scope,
                              std::string_view previousSignature, std::string_view chunkSha256Hex);

}  // namespace nimbus::aws::s3
