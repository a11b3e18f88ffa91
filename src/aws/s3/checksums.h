// The digests S3 computes over object bytes: the additional checksums (CRC32, CRC32C, CRC64NVME,
// SHA1, SHA256) that SDKs send and S3 returns base64-encoded, the MD5 behind ETags and
// Content-MD5, and how S3 folds per-part values into a multipart object's ETag and checksum.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::aws::s3 {

enum class ChecksumAlgorithm { Crc32, Crc32c, Crc64Nvme, Sha1, Sha256 };

// Every algorithm, in the order S3's documentation lists them.
inline constexpr ChecksumAlgorithm kChecksumAlgorithms[] = {
    ChecksumAlgorithm::Crc32, ChecksumAlgorithm::Crc32c, ChecksumAlgorithm::Crc64Nvme,
    ChecksumAlgorithm::Sha1, ChecksumAlgorithm::Sha256};

// The name S3 uses in x-amz-checksum-algorithm, x-amz-sdk-checksum-algorithm and
// ChecksumAlgorithm elements ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"), matched
// case-insensitively as S3 does; nullopt for anything else.
std::optional<ChecksumAlgorithm> parseChecksumAlgorithm(std::string_view name);
std::string_view checksumAlgorithmName(ChecksumAlgorithm algorithm);

// The header carrying an object's checksum ("x-amz-checksum-crc32"), lower case; parsing is
// case-insensitive, as header names are.
std::optional<ChecksumAlgorithm> checksumAlgorithmForHeader(std::string_view headerName);
std::string_view checksumHeaderName(ChecksumAlgorithm algorithm);

// The XML element of the value in CompleteMultipartUpload parts, GetObjectAttributes and
// ListParts ("ChecksumCRC32", "ChecksumCRC64NVME", "ChecksumSHA256").
std::string_view checksumXmlElement(ChecksumAlgorithm algorithm);

// Size in bytes of the raw digest: 4 for the CRC32s, 8 for CRC64NVME, 20 for SHA1, 32 for SHA256.
size_t checksumDigestSize(ChecksumAlgorithm algorithm);

// True when `base64` decodes to exactly a digest of that algorithm. S3 answers InvalidRequest
// ("Value for x-amz-checksum-crc32 header is invalid.") for values that do not.
bool isWellFormedChecksum(ChecksumAlgorithm algorithm, std::string_view base64);

// The CRCs themselves, continuing from `crc` (0 to start), in the conditioned form the standard
// check values use (CRC32 of "123456789" is 0xcbf43926). CRC32C uses SSE4.2 when the CPU has it.
uint32_t crc32(uint32_t crc, std::string_view bytes);
uint32_t crc32c(uint32_t crc, std::string_view bytes);
uint64_t crc64nvme(uint64_t crc, std::string_view bytes);

// The CRC of A followed by B, from the CRC of A, the CRC of B and B's length, without the bytes:
// how a multipart object's FULL_OBJECT checksum follows from its parts' checksums.
uint32_t crc32Combine(uint32_t crcA, uint32_t crcB, uint64_t lengthB);
uint32_t crc32cCombine(uint32_t crcA, uint32_t crcB, uint64_t lengthB);
uint64_t crc64nvmeCombine(uint64_t crcA, uint64_t crcB, uint64_t lengthB);

// A streaming checksum of one algorithm. Movable, not copyable (it may own an OpenSSL context).
class Checksummer {
 public:
  explicit Checksummer(ChecksumAlgorithm algorithm);
  ~Checksummer();
  Checksummer(Checksummer&&) noexcept;
  Checksummer& operator=(Checksummer&&) noexcept;
  Checksummer(const Checksummer&) = delete;
  Checksummer& operator=(const Checksummer&) = delete;

  ChecksumAlgorithm algorithm() const { return algorithm_; }
  void update(std::string_view bytes);
  // The raw digest, big-endian for the CRCs; ends the checksum (call once).
  std::string finishRaw();
  // base64 of the raw digest: the form of x-amz-checksum-* headers and Checksum* elements.
  std::string finish();

 private:
  ChecksumAlgorithm algorithm_;
  uint64_t crc_ = 0;
  struct Digest;  // OpenSSL's context, for SHA1 and SHA256.
  std::unique_ptr<Digest> digest_;
};

// One-shot: base64 checksum of `bytes`.
std::string checksumOf(ChecksumAlgorithm algorithm, std::string_view bytes);

// A streaming MD5: the ETag of a single-part object (lower-case hex, which S3 puts between
// double quotes on the wire) and the value Content-MD5 carries (base64).
class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(Md5&&) noexcept;
  Md5& operator=(Md5&&) noexcept;
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;

  void update(std::string_view bytes);
  std::string finishRaw();  // The 16-byte digest; ends the digest (call once).
  std::string finishHex();
  std::string finishBase64();

 private:
  struct Digest;
  std::unique_ptr<Digest> digest_;
};

// The ETag S3 gives a multipart object, without its quotes: the hex MD5 of the concatenated raw
// MD5 digests of the parts, then "-" and the number of parts
// ("9b2cf535f27731c974343645a3985328-3").
std::string multipartEtag(const std::vector<std::string>& partMd5Digests);

// The COMPOSITE checksum of a multipart object: base64 of the checksum of the concatenated raw
// part checksums, then "-" and the number of parts, as GetObject returns it
// ("x-amz-checksum-crc32: 3HkWeg==-2"). `partDigests` are raw (see Checksummer::finishRaw).
std::string compositeChecksum(ChecksumAlgorithm algorithm,
                              const std::vector<std::string>& partDigests);

// The FULL_OBJECT checksum of a multipart object from its parts' base64 CRC checksums and sizes,
// in part order: the CRC of the whole object, base64, with no part count. nullopt for SHA1 and
// SHA256 (S3 allows FULL_OBJECT only for the CRCs) or when a part's value is malformed.
struct PartCrc {
  std::string base64;
  uint64_t size = 0;
};
std::optional<std::string> fullObjectChecksum(ChecksumAlgorithm algorithm,
                                              const std::vector<PartCrc>& parts);

}  // namespace nimbus::aws::s3
