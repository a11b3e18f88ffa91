#include "aws/s3/checksums.h"

#include <openssl/evp.h>

#include <array>
#include <cstring>

#include "core/base64.h"
#include "core/hash.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace nimbus::aws::s3 {
namespace {

struct AlgorithmNames {
  ChecksumAlgorithm algorithm;
  std::string_view name;
  std::string_view header;
  std::string_view element;
  size_t size;
};

constexpr AlgorithmNames kNames[] = {
    {ChecksumAlgorithm::Crc32, "CRC32", "x-amz-checksum-crc32", "ChecksumCRC32", 4},
    {ChecksumAlgorithm::Crc32c, "CRC32C", "x-amz-checksum-crc32c", "ChecksumCRC32C", 4},
    {ChecksumAlgorithm::Crc64Nvme, "CRC64NVME", "x-amz-checksum-crc64nvme", "ChecksumCRC64NVME", 8},
    {ChecksumAlgorithm::Sha1, "SHA1", "x-amz-checksum-sha1", "ChecksumSHA1", 20},
    {ChecksumAlgorithm::Sha256, "SHA256", "x-amz-checksum-sha256", "ChecksumSHA256", 32},
};

const AlgorithmNames& namesOf(ChecksumAlgorithm algorithm) {
  return kNames[static_cast<size_t>(algorithm)];
}

bool asciiIequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

// Reflected CRCs (the three S3 uses are all reflected, with all-ones initial value and final
// xor), computed eight bytes at a time with slicing-by-8 tables built at compile time.
template <typename T>
struct CrcTables {
  std::array<std::array<T, 256>, 8> t{};
  constexpr explicit CrcTables(T reflectedPoly) {
    for (unsigned i = 0; i < 256; ++i) {
      T c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ reflectedPoly : c >> 1;
      t[0][i] = c;
    }
    for (unsigned i = 0; i < 256; ++i)
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
};

constexpr uint32_t kCrc32Poly = 0xedb88320u;
constexpr uint32_t kCrc32cPoly = 0x82f63b78u;
constexpr uint64_t kCrc64NvmePoly = 0x9a6c9329ac4bc9b5ull;

constexpr CrcTables<uint32_t> kCrc32Tables(kCrc32Poly);
constexpr CrcTables<uint32_t> kCrc32cTables(kCrc32cPoly);
constexpr CrcTables<uint64_t> kCrc64NvmeTables(kCrc64NvmePoly);

// Updates the raw (unconditioned) register. Slicing-by-8 loads words little-endian; nimbus
// builds for little-endian hosts (x86-64, arm64).
template <typename T>
T crcRaw(const CrcTables<T>& tables, T crc, const unsigned char* p, size_t n) {
  const auto& t = tables.t;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    word ^= static_cast<uint64_t>(crc);
    T next = t[7][word & 0xff] ^ t[6][(word >> 8) & 0xff] ^ t[5][(word >> 16) & 0xff] ^
             t[4][(word >> 24) & 0xff] ^ t[3][(word >> 32) & 0xff] ^ t[2][(word >> 40) & 0xff] ^
             t[1][(word >> 48) & 0xff] ^ t[0][word >> 56];
    crc = next;
    p += 8;
    n -= 8;
  }
  while (n--) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
  return crc;
}

const unsigned char* bytesOf(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

#if defined(__x86_64__)
// The CRC32 instruction of SSE4.2 computes exactly CRC32C (the Castagnoli polynomial).
__attribute__((target("sse4.2"))) uint32_t crc32cHardware(uint32_t crc, const unsigned char* p,
                                                          size_t n) {
  uint64_t c = crc;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n--) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}

bool cpuHasSse42() {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}
#endif

// Combining CRCs: multiplication of polynomials modulo the CRC polynomial, in the reflected
// representation (the top bit is x^0). crc(A·B) = crc(A)·x^(8·|B|) + crc(B) mod P; the
// conditioning with all-ones cancels out for these CRCs.
template <typename T>
T multiplyModP(T a, T b, T reflectedPoly) {
  constexpr int kWidth = sizeof(T) * 8;
  T m = T(1) << (kWidth - 1);
  T product = 0;
  while (m != 0) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>= 1;
    b = (b & 1) ? (b >> 1) ^ reflectedPoly : b >> 1;
  }
  return product;
}

// x^(8·n) mod P, by squaring: powers[k] holds x^(2^k) mod P.
template <typename T>
T xPowerBytes(uint64_t n, T reflectedPoly) {
  constexpr int kWidth = sizeof(T) * 8;
  std::array<T, 67> powers{};
  powers[0] = T(1) << (kWidth - 2);  // x^1
  for (size_t k = 1; k < powers.size(); ++k)
    powers[k] = multiplyModP(powers[k - 1], powers[k - 1], reflectedPoly);
  T result = T(1) << (kWidth - 1);  // x^0
  for (size_t k = 3; n != 0; n >>= 1, ++k)
    if (n & 1) result = multiplyModP(powers[k], result, reflectedPoly);
  return result;
}

template <typename T>
T crcCombine(T crcA, T crcB, uint64_t lengthB, T reflectedPoly) {
  return multiplyModP(xPowerBytes<T>(lengthB, reflectedPoly), crcA, reflectedPoly) ^ crcB;
}

std::string bigEndian(uint64_t value, size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i)
    out[size - 1 - i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

uint64_t fromBigEndian(std::string_view bytes) {
  uint64_t v = 0;
  for (unsigned char c : bytes) v = (v << 8) | c;
  return v;
}

const EVP_MD* evpFor(ChecksumAlgorithm algorithm) {
  return algorithm == ChecksumAlgorithm::Sha1 ? EVP_sha1() : EVP_sha256();
}

}  // namespace

std::optional<ChecksumAlgorithm> parseChecksumAlgorithm(std::string_view name) {
  for (const auto& n : kNames)
    if (asciiIequals(n.name, name)) return n.algorithm;
  return std::nullopt;
}

std::string_view checksumAlgorithmName(ChecksumAlgorithm algorithm) {
  return namesOf(algorithm).name;
}

std::optional<ChecksumAlgorithm> checksumAlgorithmForHeader(std::string_view headerName) {
  for (const auto& n : kNames)
    if (asciiIequals(n.header, headerName)) return n.algorithm;
  return std::nullopt;
}

std::string_view checksumHeaderName(ChecksumAlgorithm algorithm) {
  return namesOf(algorithm).header;
}

std::string_view checksumXmlElement(ChecksumAlgorithm algorithm) {
  return namesOf(algorithm).element;
}

size_t checksumDigestSize(ChecksumAlgorithm algorithm) {
  return namesOf(algorithm).size;
}

bool isWellFormedChecksum(ChecksumAlgorithm algorithm, std::string_view base64) {
  // Base64 of n bytes is exactly 4·ceil(n/3) characters with padding; anything else (missing
  // padding, whitespace) is not what SDKs send, and S3 rejects it.
  size_t size = checksumDigestSize(algorithm);
  if (base64.size() != 4 * ((size + 2) / 3)) return false;
  auto raw = base64Decode(base64);
  return raw && raw->size() == size;
}

uint32_t crc32(uint32_t crc, std::string_view bytes) {
  return ~crcRaw(kCrc32Tables, ~crc, bytesOf(bytes), bytes.size());
}

uint32_t crc32c(uint32_t crc, std::string_view bytes) {
#if defined(__x86_64__)
  if (cpuHasSse42()) return ~crc32cHardware(~crc, bytesOf(bytes), bytes.size());
#endif
  return ~crcRaw(kCrc32cTables, ~crc, bytesOf(bytes), bytes.size());
}

uint64_t crc64nvme(uint64_t crc, std::string_view bytes) {
  return ~crcRaw(kCrc64NvmeTables, ~crc, bytesOf(bytes), bytes.size());
}

uint32_t crc32Combine(uint32_t crcA, uint32_t crcB, uint64_t lengthB) {
  return crcCombine(crcA, crcB, lengthB, kCrc32Poly);
}

uint32_t crc32cCombine(uint32_t crcA, uint32_t crcB, uint64_t lengthB) {
  return crcCombine(crcA, crcB, lengthB, kCrc32cPoly);
}

uint64_t crc64nvmeCombine(uint64_t crcA, uint64_t crcB, uint64_t lengthB) {
  return crcCombine(crcA, crcB, lengthB, kCrc64NvmePoly);
}

// ---- Checksummer ----

struct Checksummer::Digest {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Digest() { EVP_MD_CTX_free(ctx); }
};

Checksummer::Checksummer(ChecksumAlgorithm algorithm) : algorithm_(algorithm) {
  if (algorithm == ChecksumAlgorithm::Sha1 || algorithm == ChecksumAlgorithm::Sha256) {
    digest_ = std::make_unique<Digest>();
    EVP_DigestInit_ex(digest_->ctx, evpFor(algorithm), nullptr);
  }
}

Checksummer::~Checksummer() = default;
Checksummer::Checksummer(Checksummer&&) noexcept = default;
Checksummer& Checksummer::operator=(Checksummer&&) noexcept = default;

void Checksummer::update(std::string_view bytes) {
  switch (algorithm_) {
    case ChecksumAlgorithm::Crc32:
      crc_ = crc32(static_cast<uint32_t>(crc_), bytes);
      break;
    case ChecksumAlgorithm::Crc32c:
      crc_ = crc32c(static_cast<uint32_t>(crc_), bytes);
      break;
    case ChecksumAlgorithm::Crc64Nvme:
      crc_ = crc64nvme(crc_, bytes);
      break;
    case ChecksumAlgorithm::Sha1:
    case ChecksumAlgorithm::Sha256:
      EVP_DigestUpdate(digest_->ctx, bytes.data(), bytes.size());
      break;
  }
}

std::string Checksummer::finishRaw() {
  if (!digest_) return bigEndian(crc_, checksumDigestSize(algorithm_));
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(digest_->ctx, out, &size);
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string Checksummer::finish() {
  return base64Encode(finishRaw());
}

std::string checksumOf(ChecksumAlgorithm algorithm, std::string_view bytes) {
  Checksummer checksummer(algorithm);
  checksummer.update(bytes);
  return checksummer.finish();
}

// ---- Md5 ----

struct Md5::Digest {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Digest() { EVP_MD_CTX_free(ctx); }
};

Md5::Md5() : digest_(std::make_unique<Digest>()) {
  EVP_DigestInit_ex(digest_->ctx, EVP_md5(), nullptr);
}

Md5::~Md5() = default;
Md5::Md5(Md5&&) noexcept = default;
Md5& Md5::operator=(Md5&&) noexcept = default;

void Md5::update(std::string_view bytes) {
  EVP_DigestUpdate(digest_->ctx, bytes.data(), bytes.size());
}

std::string Md5::finishRaw() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(digest_->ctx, out, &size);
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string Md5::finishHex() {
  return hexEncode(finishRaw());
}

std::string Md5::finishBase64() {
  return base64Encode(finishRaw());
}

std::string multipartEtag(const std::vector<std::string>& partMd5Digests) {
  Md5 md5;
  for (const auto& digest : partMd5Digests) md5.update(digest);
  return md5.finishHex() + "-" + std::to_string(partMd5Digests.size());
}

std::string compositeChecksum(ChecksumAlgorithm algorithm,
                              const std::vector<std::string>& partDigests) {
  Checksummer checksummer(algorithm);
  for (const auto& digest : partDigests) checksummer.update(digest);
  return checksummer.finish() + "-" + std::to_string(partDigests.size());
}

std::optional<std::string> fullObjectChecksum(ChecksumAlgorithm algorithm,
                                              const std::vector<PartCrc>& parts) {
  if (algorithm == ChecksumAlgorithm::Sha1 || algorithm == ChecksumAlgorithm::Sha256)
    return std::nullopt;
  uint64_t crc = 0;
  for (const auto& part : parts) {
    if (!isWellFormedChecksum(algorithm, part.base64)) return std::nullopt;
    uint64_t partCrc = fromBigEndian(*base64Decode(part.base64));
    switch (algorithm) {
      case ChecksumAlgorithm::Crc32:
        crc = crc32Combine(static_cast<uint32_t>(crc), static_cast<uint32_t>(partCrc), part.size);
        break;
      case ChecksumAlgorithm::Crc32c:
        crc = crc32cCombine(static_cast<uint32_t>(crc), static_cast<uint32_t>(partCrc), part.size);
        break;
      default:
        crc = crc64nvmeCombine(crc, partCrc, part.size);
        break;
    }
  }
  return base64Encode(bigEndian(crc, checksumDigestSize(algorithm)));
}

}  // namespace nimbus::aws::s3
