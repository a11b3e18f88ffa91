#include "aws/s3/body_ingest.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "aws/s3/aws_chunked.h"
#include "core/base64.h"

namespace nimbus::aws::s3 {

namespace {

constexpr size_t kReadPiece = 1 << 20;

ServiceError internalError(std::string what) {
  return s3Error("InternalError",
                 "We encountered an internal error. Please try again. (" + std::move(what) + ")",
                 500);
}

bool isAwsChunked(const S3Request& r) {
  const std::string* encoding = r.header("Content-Encoding");
  if (encoding && encoding->find("aws-chunked") != std::string::npos) return true;
  const std::string* sha = r.header("x-amz-content-sha256");
  return sha && sha->starts_with("STREAMING-");
}

// Calls `each` with the request body in pieces: from memory, or read from its spooled file.
template <typename Each>
std::optional<ServiceError> readBody(const S3Request& r, Each&& each) {
  if (!r.http.spooledBody) {
    if (!r.http.body.empty()) return each(std::string_view(r.http.body));
    return std::nullopt;
  }
  FileHandle in(::open(r.http.spooledBody->path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in)
    return internalError(std::string("cannot read the request body: ") + std::strerror(errno));
  std::vector<char> buffer(kReadPiece);
  while (true) {
    ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return internalError(std::string("cannot read the request body: ") + std::strerror(errno));
    if (n == 0) return std::nullopt;
    if (auto error = each(std::string_view(buffer.data(), static_cast<size_t>(n)))) return error;
  }
}

ServiceError badDigest(ChecksumAlgorithm algorithm) {
  return s3Error("BadDigest",
                 fmt::format("The {} you specified did not match the calculated checksum.",
                             checksumAlgorithmName(algorithm)),
                 400);
}

}  // namespace

Result<std::optional<ChecksumAlgorithm>> requestedChecksum(const S3Request& r) {
  for (const auto& h : r.http.headers) {
    if (h.name.size() > 15 && iequals(std::string_view(h.name).substr(0, 15), "x-amz-checksum-") &&
        !iequals(h.name, "x-amz-checksum-algorithm") && !iequals(h.name, "x-amz-checksum-type") &&
        !iequals(h.name, "x-amz-checksum-mode")) {
      auto algorithm = checksumAlgorithmForHeader(h.name);
      if (!algorithm) {
        return s3Error("InvalidRequest",
                       "The algorithm type you specified in " + h.name + " header is invalid.",
                       400);
      }
      return std::optional<ChecksumAlgorithm>(*algorithm);
    }
  }
  for (std::string_view name : {"x-amz-sdk-checksum-algorithm", "x-amz-checksum-algorithm"}) {
    if (const std::string* value = r.header(name)) {
      auto algorithm = parseChecksumAlgorithm(*value);
      if (!algorithm) {
        return s3Error("InvalidRequest",
                       "Checksum algorithm provided is unsupported. Please try again with any "
                       "of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
                       400);
      }
      return std::optional<ChecksumAlgorithm>(*algorithm);
    }
  }
  if (const std::string* trailer = r.header("x-amz-trailer")) {
    if (auto algorithm = checksumAlgorithmForHeader(*trailer)) {
      return std::optional<ChecksumAlgorithm>(*algorithm);
    }
  }
  return std::optional<ChecksumAlgorithm>();
}

Result<IngestedBody> ingestBody(const DataFiles& files, DataFiles::Area area, const S3Request& r,
                                std::optional<ChecksumAlgorithm> algorithm) {
  auto requested = requestedChecksum(r);
  if (!requested) return requested.takeError();
  if (*requested) algorithm = *requested;
  std::string expectedChecksum;
  if (algorithm) {
    if (const std::string* value = r.header(checksumHeaderName(*algorithm))) {
      if (!isWellFormedChecksum(*algorithm, *value)) {
        return s3Error(
            "InvalidRequest",
            fmt::format("Value for {} header is invalid.", checksumHeaderName(*algorithm)), 400);
      }
      expectedChecksum = *value;
    }
  }
  std::string expectedMd5;
  if (const std::string* contentMd5 = r.header("Content-MD5")) {
    auto decoded = base64Decode(*contentMd5);
    if (!decoded || decoded->size() != 16) {
      return s3Error("InvalidDigest", "The Content-MD5 you specified was not valid.", 400);
    }
    expectedMd5 = std::move(*decoded);
  }

  IngestedBody out;
  Md5 md5;
  std::optional<Checksummer> checksum;
  if (algorithm) checksum.emplace(*algorithm);
  bool chunked = isAwsChunked(r);
  // A body spooled to disk without framing becomes the data file as it is: renamed, not copied.
  bool adopt = r.http.spooledBody && !chunked;
  FileHandle output;
  std::string error;
  if (!adopt) {
    output = files.create(area, out.dataFile, error);
    if (!output) return internalError(error);
  }
  auto discard = [&] {
    if (!out.dataFile.empty()) files.remove(area, out.dataFile);
  };
  auto consume = [&](std::string_view bytes) -> std::optional<ServiceError> {
    md5.update(bytes);
    if (checksum) checksum->update(bytes);
    out.size += bytes.size();
    if (output && !writeAll(output.get(), bytes)) {
      return internalError(std::string("cannot write the object: ") + std::strerror(errno));
    }
    return std::nullopt;
  };
  std::optional<ServiceError> failure;
  std::string trailerChecksum;
  if (chunked) {
    std::optional<ServiceError> sinkError;
    AwsChunkedDecoder decoder([&](std::string_view data) {
      if (!sinkError) sinkError = consume(data);
    });
    failure = readBody(r, [&](std::string_view piece) -> std::optional<ServiceError> {
      Status fed = decoder.feed(piece);
      if (sinkError) return sinkError;
      if (!fed) return fed.error();
      return std::nullopt;
    });
    if (!failure) {
      if (Status finished = decoder.finish(); !finished) failure = finished.error();
    }
    if (!failure) {
      if (const std::string* declared = r.header("x-amz-decoded-content-length")) {
        if (std::to_string(decoder.decodedLength()) != *declared) {
          failure = s3Error("IncompleteBody",
                            "You did not provide the number of bytes specified by the "
                            "x-amz-decoded-content-length HTTP header",
                            400);
        }
      }
      if (algorithm) {
        if (auto value = decoder.trailer(checksumHeaderName(*algorithm))) trailerChecksum = *value;
      }
    }
  } else {
    failure = readBody(r, consume);
  }
  if (failure) {
    discard();
    return *failure;
  }
  out.md5 = md5.finishRaw();
  if (!expectedMd5.empty() && expectedMd5 != out.md5) {
    discard();
    return s3Error("BadDigest", "The Content-MD5 you specified did not match what we received.",
                   400);
  }
  if (checksum) {
    out.checksumRaw = checksum->finishRaw();
    out.checksum = {std::string(checksumAlgorithmName(*algorithm)), base64Encode(out.checksumRaw),
                    "FULL_OBJECT"};
    const std::string& expected = expectedChecksum.empty() ? trailerChecksum : expectedChecksum;
    if (!expected.empty() && expected != out.checksum.value) {
      discard();
      return badDigest(*algorithm);
    }
  }
  if (adopt) {
    // The spool folder is on the same file system as the data files.
    FileHandle created = files.create(area, out.dataFile, error);
    if (!created) return internalError(error);
    created = FileHandle();
    if (::rename(r.http.spooledBody->path.c_str(), files.path(area, out.dataFile).c_str()) != 0) {
      discard();
      return internalError(std::string("cannot store the object: ") + std::strerror(errno));
    }
    output = FileHandle(::open(files.path(area, out.dataFile).c_str(), O_RDONLY | O_CLOEXEC));
  }
  if (out.size == 0) {
    discard();
    out.dataFile.clear();
    return out;
  }
  // Durable before any record names it.
  if (!output || ::fdatasync(output.get()) != 0) {
    discard();
    return internalError(std::string("cannot sync the object: ") + std::strerror(errno));
  }
  return out;
}

}  // namespace nimbus::aws::s3
