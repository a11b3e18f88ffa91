#include "aws/s3/aws_chunked.h"

#include <algorithm>

namespace nimbus::aws::s3 {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

}  // namespace

AwsChunkedDecoder::AwsChunkedDecoder(Sink sink) : sink_(std::move(sink)) {}

Status AwsChunkedDecoder::fail(std::string code, std::string message) {
  state_ = State::Failed;
  error_ = ServiceError{std::move(code), std::move(message), 400};
  return error_;
}

Status AwsChunkedDecoder::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    switch (state_) {
      case State::Failed:
        return error_;
      case State::Done:
        return fail("InvalidRequest", "aws-chunked body has data after its final chunk");
      case State::ChunkData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, bytes.size()));
        sink_(bytes.substr(0, n));
        decodedLength_ += n;
        remaining_ -= n;
        bytes.remove_prefix(n);
        if (remaining_ == 0) {
          state_ = State::ChunkDataEnd;
          dataEndSeen_ = 0;
        }
        break;
      }
      case State::ChunkDataEnd: {
        char expected = dataEndSeen_ == 0 ? '\r' : '\n';
        if (bytes.front() != expected)
          return fail("InvalidRequest", "aws-chunked chunk data is longer than its declared size");
        bytes.remove_prefix(1);
        if (++dataEndSeen_ == 2) state_ = State::ChunkHeader;
        break;
      }
      case State::ChunkHeader:
      case State::Trailer: {
        // Lines end with CRLF; take bytes up to and including the next '\n'.
        size_t nl = bytes.find('\n');
        size_t take = nl == std::string_view::npos ? bytes.size() : nl + 1;
        if (line_.size() + take > kMaxLineLength + 2)
          return fail("InvalidRequest", state_ == State::ChunkHeader
                                            ? "aws-chunked chunk header line is too long"
                                            : "aws-chunked trailer line is too long");
        line_.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        if (nl == std::string_view::npos) break;
        if (line_.size() < 2 || line_[line_.size() - 2] != '\r')
          return fail("InvalidRequest", "aws-chunked line does not end with CRLF");
        std::string line = std::move(line_);
        line_.clear();
        line.resize(line.size() - 2);
        Status status = state_ == State::ChunkHeader ? parseChunkHeader(line) : parseTrailer(line);
        if (!status) return status;
        break;
      }
    }
  }
  return state_ == State::Failed ? Status(error_) : ok();
}

Status AwsChunkedDecoder::parseChunkHeader(std::string_view line) {
  // "<hex size>" then optional ";name=value" extensions, of which chunk-signature is the one S3
  // defines.
  size_t semi = line.find(';');
  std::string_view size = trim(line.substr(0, semi));
  if (size.empty() || size.size() > 16)
    return fail("InvalidRequest",
                "aws-chunked chunk size is not a hexadecimal number: \"" + printable(line) + "\"");
  uint64_t value = 0;
  for (char c : size) {
    int digit = hexValue(c);
    if (digit < 0)
      return fail("InvalidRequest", "aws-chunked chunk size is not a hexadecimal number: \"" +
                                        printable(line) + "\"");
    value = (value << 4) | static_cast<uint64_t>(digit);
  }
  while (semi != std::string_view::npos) {
    std::string_view rest = line.substr(semi + 1);
    size_t next = rest.find(';');
    std::string_view extension = rest.substr(0, next);
    size_t eq = extension.find('=');
    std::string_view name = trim(extension.substr(0, eq));
    std::string_view extValue =
        eq == std::string_view::npos ? std::string_view{} : trim(extension.substr(eq + 1));
    if (name == "chunk-signature") {
      if (extValue.size() != 64 ||
          !std::all_of(extValue.begin(), extValue.end(), [](char c) { return hexValue(c) >= 0; }))
        return fail("InvalidRequest", "aws-chunked chunk-signature is not 64 hexadecimal digits");
      chunkSignatures_.emplace_back(extValue);
    }
    semi = next == std::string_view::npos ? std::string_view::npos : semi + 1 + next;
  }
  if (value == 0) {
    state_ = State::Trailer;
  } else {
    remaining_ = value;
    state_ = State::ChunkData;
  }
  return ok();
}

Status AwsChunkedDecoder::parseTrailer(std::string_view line) {
  if (line.empty()) {
    state_ = State::Done;
    return ok();
  }
  trailerBytes_ += line.size() + 2;
  if (trailerBytes_ > kMaxTrailerBytes)
    return fail("InvalidRequest", "aws-chunked trailers are too long");
  size_t colon = line.find(':');
  std::string_view name = trim(line.substr(0, colon));
  if (colon == std::string_view::npos || name.empty())
    return fail("InvalidRequest",
                "aws-chunked trailer is not \"name:value\": \"" + printable(line) + "\"");
  trailers_.emplace_back(lower(name), std::string(trim(line.substr(colon + 1))));
  return ok();
}

Status AwsChunkedDecoder::finish() {
  switch (state_) {
    case State::Failed:
      return error_;
    case State::Done:
      return ok();
    case State::Trailer:
      // The JavaScript SDK ends a body without trailers right after "0\r\n".
      if (line_.empty() && trailers_.empty()) {
        state_ = State::Done;
        return ok();
      }
      return fail("IncompleteBody", "aws-chunked body ended inside its trailers");
    case State::ChunkData:
    case State::ChunkDataEnd:
      return fail("IncompleteBody", "aws-chunked body ended inside a chunk");
    case State::ChunkHeader:
      return fail("IncompleteBody", "aws-chunked body ended before its final zero-size chunk");
  }
  return ok();
}

std::optional<std::string> AwsChunkedDecoder::trailer(std::string_view name) const {
  std::string key = lower(name);
  for (const auto& [n, v] : trailers_)
    if (n == key) return v;
  return std::nullopt;
}

}  // namespace nimbus::aws::s3
