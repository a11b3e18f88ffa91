// The decoder of `Content-Encoding: aws-chunked` request bodies, the framing SDKs use to stream an
// object with a checksum computed on the way (x-amz-content-sha256
// STREAMING-UNSIGNED-PAYLOAD-TRAILER, the JavaScript SDK v3's and botocore's default for streams)
// or with each chunk signed (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]):
//
//   <hex size>[;chunk-signature=<64 hex>]\r\n<size bytes>\r\n   ... repeated, then
//   0[;chunk-signature=<64 hex>]\r\n
//   <trailer name>:<value>\r\n ...                 (x-amz-checksum-crc32, x-amz-trailer-signature)
//   \r\n
//
// Bytes arrive in any split; decoded data goes to a sink as it is found, never buffered whole.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace nimbus::aws::s3 {

class AwsChunkedDecoder {
 public:
  // Receives decoded object bytes, in order, possibly in many small pieces.
  using Sink = std::function<void(std::string_view)>;

  explicit AwsChunkedDecoder(Sink sink);

  // Decodes the next bytes of the body. After an error, the decoder stays failed and every later
  // call returns the same error: the codes are S3's, "IncompleteBody" for a body cut short and
  // "InvalidRequest" for broken framing, with a message naming what is wrong.
  Status feed(std::string_view bytes);

  // The body has ended: an error unless the final zero-size chunk was seen. A body that ends right
  // after "0\r\n" (the JavaScript SDK sends that when it has no trailer) is complete.
  Status finish();

  // True once the final chunk and its trailers have been read.
  bool done() const { return state_ == State::Done; }

  // Object bytes given to the sink so far: the caller compares it with
  // x-amz-decoded-content-length.
  uint64_t decodedLength() const { return decodedLength_; }

  // The trailing headers after the zero-size chunk, in order, names lower-cased, values trimmed.
  const std::vector<std::pair<std::string, std::string>>& trailers() const { return trailers_; }
  // The value of one trailer (name matched case-insensitively), or nullopt.
  std::optional<std::string> trailer(std::string_view name) const;

  // The chunk-signature of each chunk, the final zero-size one included, in order; empty for
  // unsigned bodies. A verifier chains them from the seed signature of the Authorization header.
  const std::vector<std::string>& chunkSignatures() const { return chunkSignatures_; }

  // Longest accepted chunk header line and trailer section: they are small in every SDK, and the
  // limits keep a hostile body from growing the buffer.
  static constexpr size_t kMaxLineLength = 4096;
  static constexpr size_t kMaxTrailerBytes = 16 * 1024;

 private:
  enum class State { ChunkHeader, ChunkData, ChunkDataEnd, Trailer, Done, Failed };

  Status fail(std::string code, std::string message);
  Status parseChunkHeader(std::string_view line);
  Status parseTrailer(std::string_view line);

  Sink sink_;
  State state_ = State::ChunkHeader;
  std::string line_;        // The header or trailer line read so far.
  uint64_t remaining_ = 0;  // Data bytes left in the current chunk.
  size_t dataEndSeen_ = 0;  // How much of the "\r\n" after the data has been read.
  size_t trailerBytes_ = 0;
  uint64_t decodedLength_ = 0;
  std::vector<std::pair<std::string, std::string>> trailers_;
  std::vector<std::string> chunkSignatures_;
  ServiceError error_;
};

}  // namespace nimbus::aws::s3
