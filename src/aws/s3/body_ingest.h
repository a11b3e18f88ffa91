// Turns a PutObject or UploadPart body into a stored file: decodes `aws-chunked` framing,
// computes the MD5 (the ETag) and the checksum the client asked for, checks them against
// Content-MD5 and x-amz-checksum-* (in a header or a trailer), and writes the bytes to a new
// data file, synced. Blocking: runs on the service's disk threads, never on an I/O thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "aws/s3/checksums.h"
#include "aws/s3/data_files.h"
#include "aws/s3/s3_model.h"
#include "aws/s3/s3_request.h"
#include "core/result.h"

namespace nimbus::aws::s3 {

struct IngestedBody {
  std::string dataFile;  // In the area asked for; empty for an empty body.
  uint64_t size = 0;
  std::string md5;  // Raw 16 bytes.
  ObjectChecksum checksum;
  std::string checksumRaw;  // Raw digest of `checksum`, for composite multipart checksums.
};

// `algorithm` is the checksum to compute when the request names none (a multipart upload's).
// On success the caller owns the file; on failure no file is left.
Result<IngestedBody> ingestBody(const DataFiles& files, DataFiles::Area area, const S3Request& r,
                                std::optional<ChecksumAlgorithm> algorithm);

// The checksum algorithm a request asks for (x-amz-checksum-{alg}, x-amz-sdk-checksum-algorithm,
// x-amz-checksum-algorithm or a checksum trailer); nullopt when none. An unknown name is an
// InvalidRequest.
Result<std::optional<ChecksumAlgorithm>> requestedChecksum(const S3Request& r);

}  // namespace nimbus::aws::s3
