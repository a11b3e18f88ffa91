#include "aws/s3/s3_error.h"

namespace nimbus::aws::s3 {
namespace {

struct CodeStatus {
  std::string_view code;
  int status;
};

// The error codes of S3's error code list that a local S3 can produce, with their statuses.
constexpr CodeStatus kStatuses[] = {
    {"AccessDenied", 403},
    {"AccountProblem", 403},
    {"AuthorizationHeaderMalformed", 400},
    {"AuthorizationQueryParametersError", 400},
    {"BadDigest", 400},
    {"BucketAlreadyExists", 409},
    {"BucketAlreadyOwnedByYou", 409},
    {"BucketNotEmpty", 409},
    {"EntityTooLarge", 400},
    {"EntityTooSmall", 400},
    {"ExpiredToken", 400},
    {"IllegalLocationConstraintException", 400},
    {"IllegalVersioningConfigurationException", 400},
    {"IncompleteBody", 400},
    {"InternalError", 500},
    {"InvalidAccessKeyId", 403},
    {"InvalidArgument", 400},
    {"InvalidBucketName", 400},
    {"InvalidBucketState", 409},
    {"InvalidDigest", 400},
    {"InvalidLocationConstraint", 400},
    {"InvalidObjectState", 403},
    {"InvalidPart", 400},
    {"InvalidPartOrder", 400},
    {"InvalidRange", 416},
    {"InvalidRequest", 400},
    {"InvalidStorageClass", 400},
    {"InvalidTag", 400},
    {"InvalidToken", 400},
    {"InvalidURI", 400},
    {"KeyTooLongError", 400},
    {"MalformedPolicy", 400},
    {"MalformedXML", 400},
    {"MaxMessageLengthExceeded", 400},
    {"MetadataTooLarge", 400},
    {"MethodNotAllowed", 405},
    {"MissingContentLength", 411},
    {"MissingRequestBodyError", 400},
    {"MissingSecurityHeader", 400},
    {"NoSuchBucket", 404},
    {"NoSuchBucketPolicy", 404},
    {"NoSuchCORSConfiguration", 404},
    {"NoSuchKey", 404},
    {"NoSuchLifecycleConfiguration", 404},
    {"NoSuchTagSet", 404},
    {"NoSuchUpload", 404},
    {"NoSuchVersion", 404},
    {"NoSuchWebsiteConfiguration", 404},
    {"NotImplemented", 501},
    {"NotModified", 304},
    {"PreconditionFailed", 412},
    {"RequestTimeTooSkewed", 403},
    {"RequestTimeout", 400},
    {"ServiceUnavailable", 503},
    {"SignatureDoesNotMatch", 403},
    {"SlowDown", 503},
    {"TooManyBuckets", 400},
    {"UnexpectedContent", 400},
    {"XAmzContentSHA256Mismatch", 400},
};

}  // namespace

int s3ErrorStatus(std::string_view code) {
  for (const auto& entry : kStatuses)
    if (entry.code == code) return entry.status;
  return 400;
}

S3Error s3Error(std::string code, std::string message) {
  int status = s3ErrorStatus(code);
  return S3Error{std::move(code), std::move(message), status, {}};
}

}  // namespace nimbus::aws::s3
