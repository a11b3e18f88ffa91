// HTTP conditions and ranges as S3 evaluates them: If-Match, If-None-Match, If-Modified-Since
// and If-Unmodified-Since on reads (RFC 7232's order: a strong ETag condition makes the date
// condition beside it moot), their x-amz-copy-source-* forms on copies, the conditional writes
// of PutObject (If-None-Match: *, If-Match), and byte ranges.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "aws/s3/s3_model.h"
#include "aws/s3/s3_request.h"
#include "core/result.h"

namespace nimbus::aws::s3 {

// A refusal (412 PreconditionFailed, or 304 NotModified), or nullopt to go on.
std::optional<ServiceError> checkReadConditions(const S3Request& r, const ObjectVersion& v);
std::optional<ServiceError> checkCopySourceConditions(const S3Request& r, const ObjectVersion& v);
// `current` is the key's live version, or null when there is none.
std::optional<ServiceError> checkWriteConditions(const S3Request& r, const ObjectVersion* current);

struct ByteRange {
  bool valid = false;          // A single range S3 honours; otherwise the whole object is sent.
  bool unsatisfiable = false;  // 416 InvalidRange.
  uint64_t first = 0;
  uint64_t last = 0;  // Inclusive.
};
// "bytes=0-99", "bytes=100-", "bytes=-100". Syntax S3 does not understand (several ranges,
// other units) is ignored, as S3 ignores it.
ByteRange parseRange(std::string_view header, uint64_t size);

}  // namespace nimbus::aws::s3
