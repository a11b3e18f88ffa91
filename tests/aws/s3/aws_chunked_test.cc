#include "aws/s3/aws_chunked.h"

#include <gtest/gtest.h>

#include <random>

#include "aws/s3/checksums.h"

namespace nimbus::aws::s3 {
namespace {

// The bytes the captured uploads carried: byte i is (7·i + 3) mod 256.
std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7 + 3) & 0xff);
  return s;
}

// Bodies as the SDKs frame them. jsStreamBody: what @aws-sdk/client-s3 3.967 sent for a
// PutObject of a two-piece Readable of 70,000 bytes (x-amz-content-sha256
// STREAMING-UNSIGNED-PAYLOAD-TRAILER, x-amz-trailer x-amz-checksum-crc32), captured from the
// wire: one chunk per piece the stream yields, then the zero chunk and the trailer.
std::string jsStreamBody() {
  std::string data = pattern(70000);
  return "7530\r\n" + data.substr(0, 30000) + "\r\n9c40\r\n" + data.substr(30000) +
         "\r\n0\r\nx-amz-checksum-crc32:4CkOjg==\r\n\r\n";
}

// botocore's AwsChunkedWrapper: 64 KiB chunks, the same trailer form.
std::string botocoreBody() {
  return "10000\r\n" + std::string(65536, 'z') + "\r\n1170\r\n" + std::string(4464, 'z') +
         "\r\n0\r\nx-amz-checksum-crc32:VZtM0w==\r\n\r\n";
}

// STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: each chunk, the final one too, carries a signature;
// the trailer signature follows the checksum.
std::string signedTrailerBody() {
  std::string sig1(64, 'a');
  std::string sig2(64, 'b');
  std::string sig3(64, 'c');
  return "400;chunk-signature=" + sig1 + "\r\n" + std::string(1024, 'q') +
         "\r\n5;chunk-signature=" + sig2 + "\r\nhello\r\n0;chunk-signature=" + sig3 +
         "\r\nx-amz-checksum-crc32c:JWGGEQ==\r\nx-amz-trailer-signature:" + std::string(64, 'd') +
         "\r\n\r\n";
}

struct Decoded {
  Status status = ok();
};

// Feeds `body` in pieces of the sizes `nextSize` gives, then finishes.
template <typename NextSize>
Decoded decode(AwsChunkedDecoder& decoder, std::string_view body, NextSize nextSize) {
  Decoded result;
  size_t at = 0;
  while (at < body.size()) {
    size_t n = std::min(nextSize(), body.size() - at);
    result.status = decoder.feed(body.substr(at, n));
    if (!result.status) return result;
    at += n;
  }
  result.status = decoder.finish();
  return result;
}

TEST(AwsChunked, JavaScriptSdkBodyInEverySplit) {
  std::mt19937 rng(3);
  std::vector<std::function<size_t()>> splitters = {
      [] { return size_t{1}; },
      [&] { return size_t{1} + rng() % 7; },
      [&] { return size_t{1} + rng() % 5000; },
      [] { return size_t{1} << 20; },
  };
  for (auto& splitter : splitters) {
    std::string out;
    AwsChunkedDecoder decoder([&](std::string_view piece) { out.append(piece); });
    Decoded d = decode(decoder, jsStreamBody(), splitter);
    ASSERT_TRUE(d.status) << d.status.error().message;
    EXPECT_TRUE(decoder.done());
    EXPECT_EQ(out, pattern(70000));
    EXPECT_EQ(decoder.decodedLength(), 70000u);
    EXPECT_EQ(decoder.trailer("x-amz-checksum-crc32"), "4CkOjg==");
    EXPECT_EQ(decoder.trailer("X-Amz-Checksum-CRC32"), checksumOf(ChecksumAlgorithm::Crc32, out));
    EXPECT_TRUE(decoder.chunkSignatures().empty());
  }
}

TEST(AwsChunked, BotocoreBody) {
  std::string out;
  AwsChunkedDecoder decoder([&](std::string_view piece) { out.append(piece); });
  std::mt19937 rng(5);
  Decoded d = decode(decoder, botocoreBody(), [&] { return size_t{1} + rng() % 3000; });
  ASSERT_TRUE(d.status) << d.status.error().message;
  EXPECT_EQ(out, std::string(70000, 'z'));
  EXPECT_EQ(decoder.trailer("x-amz-checksum-crc32"), checksumOf(ChecksumAlgorithm::Crc32, out));
}

TEST(AwsChunked, EmptyBodies) {
  // An empty stream from the JavaScript SDK and botocore: the zero chunk and the trailer only.
  for (std::string body : {std::string("0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"),
                           std::string("0\r\n\r\n"), std::string("0\r\n")}) {
    std::string out;
    AwsChunkedDecoder decoder([&](std::string_view piece) { out.append(piece); });
    Decoded d = decode(decoder, body, [] { return size_t{1}; });
    EXPECT_TRUE(d.status) << body;
    EXPECT_TRUE(decoder.done());
    EXPECT_EQ(decoder.decodedLength(), 0u);
  }
}

TEST(AwsChunked, SignedChunksAndTrailers) {
  for (size_t split : {1, 2, 63, 100000}) {
    std::string out;
    AwsChunkedDecoder decoder([&](std::string_view piece) { out.append(piece); });
    Decoded d = decode(decoder, signedTrailerBody(), [&] { return split; });
    ASSERT_TRUE(d.status) << d.status.error().message;
    EXPECT_EQ(out, std::string(1024, 'q') + "hello");
    ASSERT_EQ(decoder.chunkSignatures().size(), 3u);
    EXPECT_EQ(decoder.chunkSignatures()[0], std::string(64, 'a'));
    EXPECT_EQ(decoder.chunkSignatures()[2], std::string(64, 'c'));
    ASSERT_EQ(decoder.trailers().size(), 2u);
    EXPECT_EQ(decoder.trailers()[0].first, "x-amz-checksum-crc32c");
    EXPECT_EQ(decoder.trailers()[0].second, "JWGGEQ==");
    EXPECT_EQ(decoder.trailer("x-amz-trailer-signature"), std::string(64, 'd'));
  }
}

Status decodeWhole(std::string_view body) {
  AwsChunkedDecoder decoder([](std::string_view) {});
  Status status = decoder.feed(body);
  if (!status) return status;
  return decoder.finish();
}

TEST(AwsChunked, MalformedFraming) {
  struct Case {
    std::string body;
    const char* code;
    const char* words;
  };
  std::vector<Case> cases = {
      {"zz\r\nhello\r\n0\r\n\r\n", "InvalidRequest", "hexadecimal"},
      {"\r\nhello\r\n0\r\n\r\n", "InvalidRequest", "hexadecimal"},
      {"5\r\nhello world\r\n0\r\n\r\n", "InvalidRequest", "longer than its declared size"},
      {"5\nhello\r\n0\r\n\r\n", "InvalidRequest", "CRLF"},
      {"5;chunk-signature=abc\r\nhello\r\n0\r\n\r\n", "InvalidRequest", "chunk-signature"},
      {"0\r\nno-colon-here\r\n\r\n", "InvalidRequest", "name:value"},
      {"0\r\n\r\nextra", "InvalidRequest", "after its final chunk"},
      {"11111111111111111\r\n", "InvalidRequest", "hexadecimal"},
      {"5\r\nhel", "IncompleteBody", "inside a chunk"},
      {"5\r\nhello", "IncompleteBody", "inside a chunk"},
      {"5\r\nhello\r\n", "IncompleteBody", "final zero-size chunk"},
      {"", "IncompleteBody", "final zero-size chunk"},
      {"0\r\nx-amz-checksum-crc32:AAAAAA==\r\n", "IncompleteBody", "trailers"},
      {std::string(5000, '1'), "InvalidRequest", "too long"},
  };
  for (const auto& c : cases) {
    Status status = decodeWhole(c.body);
    ASSERT_FALSE(status) << c.body.substr(0, 40);
    EXPECT_EQ(status.error().code, c.code) << c.body.substr(0, 40);
    EXPECT_NE(status.error().message.find(c.words), std::string::npos) << status.error().message;
  }
}

TEST(AwsChunked, StaysFailed) {
  AwsChunkedDecoder decoder([](std::string_view) {});
  EXPECT_FALSE(decoder.feed("x\r\n"));
  EXPECT_FALSE(decoder.feed("0\r\n\r\n"));
  EXPECT_FALSE(decoder.finish());
  EXPECT_FALSE(decoder.done());
}

}  // namespace
}  // namespace nimbus::aws::s3
