#include "aws/s3/checksums.h"

#include <gtest/gtest.h>

#include <random>

#include "core/base64.h"

namespace nimbus::aws::s3 {
namespace {

// Expected values computed with Python's zlib and hashlib, a bitwise CRC32C, and the AWS SDK for
// JavaScript's @aws-sdk/crc64-nvme.
struct Vector {
  std::string input;
  const char* crc32;
  const char* crc32c;
  const char* crc64nvme;
  const char* sha1;
  const char* sha256;
  const char* md5;
};

const std::vector<Vector>& vectors() {
  static const std::vector<Vector> v = {
      {"", "AAAAAA==", "AAAAAA==", "AAAAAAAAAAA=", "2jmj7l5rSw0yVb/vlWAYkK/YBwk=",
       "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "6Le+Qw==", "wdBDMA==", "jC+ERbTL/Dw=", "hvfkN/qlp/zhXR3cuerq6jd2Z7g=",
       "ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs=", "0cc175b9c0f1b6a831c399e269772661"},
      {"123456789", "y/Q5Jg==", "4waSgw==", "rosUhgp5mIg=", "98O8HYCOBHMq32eZZczDTKeuNEE=",
       "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=", "25f9e794323b453885f5181f1b624d0b"},
      {"The quick brown fox jumps over the lazy dog",
       "QU+jOQ==", "ImIEBA==", "12xUBUlUwUM=", "L9ThxnotKPzthJ7hu3bnORuT6xI=",
       "16j7swfXgJRpypq8sAguT41WUeRtPNt2LQLQvzfJ5ZI=", "9e107d9d372bb6826bd81d3542a419d6"},
      {std::string(1000, 'x'),
       "O0HJ5g==", "YXFUyQ==", "RH9Kj0hgZpY=", "w++mkPo/3S4lJoU+7WcFOOoSdjg=",
       "RPg1RJSlugO6F5Ko0+nFNMR6kYGYD956P0SwbvKufH8=", "398533d48111e9f664b1f64cb10c4b63"},
  };
  return v;
}

TEST(Checksums, KnownVectors) {
  for (const auto& v : vectors()) {
    SCOPED_TRACE(v.input.substr(0, 20));
    EXPECT_EQ(checksumOf(ChecksumAlgorithm::Crc32, v.input), v.crc32);
    EXPECT_EQ(checksumOf(ChecksumAlgorithm::Crc32c, v.input), v.crc32c);
    EXPECT_EQ(checksumOf(ChecksumAlgorithm::Crc64Nvme, v.input), v.crc64nvme);
    EXPECT_EQ(checksumOf(ChecksumAlgorithm::Sha1, v.input), v.sha1);
    EXPECT_EQ(checksumOf(ChecksumAlgorithm::Sha256, v.input), v.sha256);
    Md5 md5;
    md5.update(v.input);
    EXPECT_EQ(md5.finishHex(), v.md5);
  }
}

TEST(Checksums, CheckValues) {
  EXPECT_EQ(crc32(0, "123456789"), 0xcbf43926u);
  EXPECT_EQ(crc32c(0, "123456789"), 0xe3069283u);
  EXPECT_EQ(crc64nvme(0, "123456789"), 0xae8b14860a799888ull);
}

// Any split of the input gives the same value as one update (the slicing and SSE4.2 paths see
// every alignment and tail length).
TEST(Checksums, StreamingMatchesOneShot) {
  std::mt19937 rng(7);
  std::string data(5000, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  for (ChecksumAlgorithm algorithm : kChecksumAlgorithms) {
    std::string expected = checksumOf(algorithm, data);
    for (int round = 0; round < 20; ++round) {
      Checksummer checksummer(algorithm);
      size_t at = 0;
      while (at < data.size()) {
        size_t n = std::min<size_t>(rng() % 37, data.size() - at);
        checksummer.update(std::string_view(data).substr(at, n));
        at += n;
      }
      EXPECT_EQ(checksummer.finish(), expected) << checksumAlgorithmName(algorithm);
    }
  }
  // CRC32C byte by byte (table path for every byte) against the word-wise path.
  uint32_t c = 0;
  for (char ch : data) c = crc32c(c, std::string_view(&ch, 1));
  EXPECT_EQ(c, crc32c(0, data));
}

TEST(Checksums, Names) {
  EXPECT_EQ(parseChecksumAlgorithm("CRC32"), ChecksumAlgorithm::Crc32);
  EXPECT_EQ(parseChecksumAlgorithm("crc32c"), ChecksumAlgorithm::Crc32c);
  EXPECT_EQ(parseChecksumAlgorithm("CRC64NVME"), ChecksumAlgorithm::Crc64Nvme);
  EXPECT_EQ(parseChecksumAlgorithm("SHA1"), ChecksumAlgorithm::Sha1);
  EXPECT_EQ(parseChecksumAlgorithm("SHA256"), ChecksumAlgorithm::Sha256);
  EXPECT_EQ(parseChecksumAlgorithm("MD5"), std::nullopt);
  EXPECT_EQ(parseChecksumAlgorithm(""), std::nullopt);
  EXPECT_EQ(checksumAlgorithmForHeader("X-Amz-Checksum-CRC32"), ChecksumAlgorithm::Crc32);
  EXPECT_EQ(checksumAlgorithmForHeader("x-amz-checksum-crc64nvme"), ChecksumAlgorithm::Crc64Nvme);
  EXPECT_EQ(checksumAlgorithmForHeader("x-amz-checksum-algorithm"), std::nullopt);
  for (ChecksumAlgorithm algorithm : kChecksumAlgorithms) {
    EXPECT_EQ(parseChecksumAlgorithm(checksumAlgorithmName(algorithm)), algorithm);
    EXPECT_EQ(checksumAlgorithmForHeader(checksumHeaderName(algorithm)), algorithm);
    EXPECT_EQ(base64Decode(checksumOf(algorithm, "x"))->size(), checksumDigestSize(algorithm));
  }
  EXPECT_EQ(checksumXmlElement(ChecksumAlgorithm::Crc64Nvme), "ChecksumCRC64NVME");
  EXPECT_EQ(checksumHeaderName(ChecksumAlgorithm::Sha256), "x-amz-checksum-sha256");
}

TEST(Checksums, WellFormedValues) {
  EXPECT_TRUE(isWellFormedChecksum(ChecksumAlgorithm::Crc32, "6Le+Qw=="));
  EXPECT_FALSE(isWellFormedChecksum(ChecksumAlgorithm::Crc32, "6Le+Qw"));
  EXPECT_FALSE(isWellFormedChecksum(ChecksumAlgorithm::Crc32, "jC+ERbTL/Dw="));
  EXPECT_FALSE(isWellFormedChecksum(ChecksumAlgorithm::Crc32, "!!!!!!=="));
  EXPECT_TRUE(isWellFormedChecksum(ChecksumAlgorithm::Crc64Nvme, "jC+ERbTL/Dw="));
  EXPECT_TRUE(isWellFormedChecksum(ChecksumAlgorithm::Sha256,
                                   "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="));
  EXPECT_FALSE(isWellFormedChecksum(ChecksumAlgorithm::Sha1,
                                    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="));
}

TEST(Checksums, Md5Forms) {
  Md5 md5;
  md5.update("a");
  EXPECT_EQ(md5.finishBase64(), "DMF1ucDxtqgxw5niaXcmYQ==");
}

std::string md5Raw(std::string_view s) {
  Md5 md5;
  md5.update(s);
  return md5.finishRaw();
}

std::string rawOf(ChecksumAlgorithm algorithm, std::string_view s) {
  Checksummer c(algorithm);
  c.update(s);
  return c.finishRaw();
}

// Parts "a"×10 and "b"×5; expected values from Python (hashlib, zlib).
TEST(Checksums, Multipart) {
  std::string a(10, 'a');
  std::string b(5, 'b');
  EXPECT_EQ(multipartEtag({md5Raw(a), md5Raw(b)}), "94bfe67beece4111821a3daf596d366f-2");
  EXPECT_EQ(compositeChecksum(ChecksumAlgorithm::Crc32, {rawOf(ChecksumAlgorithm::Crc32, a),
                                                         rawOf(ChecksumAlgorithm::Crc32, b)}),
            "z8egKg==-2");
  EXPECT_EQ(compositeChecksum(ChecksumAlgorithm::Sha256, {rawOf(ChecksumAlgorithm::Sha256, a),
                                                          rawOf(ChecksumAlgorithm::Sha256, b)}),
            "KJ79TdKFKTdAnjtRZjP7Wi/JgPwhArx+v8ggQnE5kJs=-2");
}

TEST(Checksums, FullObjectFromParts) {
  std::mt19937 rng(11);
  std::vector<std::string> parts = {std::string(10, 'a'), std::string(5, 'b'), "",
                                    std::string(70000, 'c'), "z"};
  for (auto& c : parts[3]) c = static_cast<char>(rng());
  std::string whole;
  for (const auto& p : parts) whole += p;
  for (ChecksumAlgorithm algorithm :
       {ChecksumAlgorithm::Crc32, ChecksumAlgorithm::Crc32c, ChecksumAlgorithm::Crc64Nvme}) {
    std::vector<PartCrc> crcs;
    for (const auto& p : parts) crcs.push_back({checksumOf(algorithm, p), p.size()});
    EXPECT_EQ(fullObjectChecksum(algorithm, crcs), checksumOf(algorithm, whole))
        << checksumAlgorithmName(algorithm);
  }
  EXPECT_EQ(crc32Combine(crc32(0, "aaaaaaaaaa"), crc32(0, "bbbbb"), 5), 0x86e0556fu);
  EXPECT_EQ(crc32cCombine(crc32c(0, "aaaaaaaaaa"), crc32c(0, "bbbbb"), 5), 0x36cb7466u);
  EXPECT_EQ(fullObjectChecksum(ChecksumAlgorithm::Sha256, {}), std::nullopt);
  EXPECT_EQ(fullObjectChecksum(ChecksumAlgorithm::Crc32, {{"bad", 1}}), std::nullopt);
}

}  // namespace
}  // namespace nimbus::aws::s3
