// Multipart uploads: CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload
// (parts joined into one file, the "-N" ETag, composite or full-object checksums),
// AbortMultipartUpload and ListParts.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "aws/s3/body_ingest.h"
#include "aws/s3/object_conditions.h"
#include "aws/s3/s3_impl.h"
#include "core/base64.h"
#include "core/hash.h"
#include "core/ids.h"
#include "core/time_format.h"
#include "core/url.h"

namespace nimbus::aws::s3 {

namespace {

constexpr uint64_t kMinPartBytes = 5ull << 20;
constexpr int kMaxParts = 10000;

ServiceError noSuchUpload() {
  return s3Error("NoSuchUpload",
                 "The specified upload does not exist. The upload ID may be invalid, or the "
                 "upload may have been aborted or completed.",
                 404);
}

ServiceError internal(std::string what) {
  return s3Error("InternalError", std::move(what), 500);
}

void createUpload(S3Service::Impl& s3, const RequestPtr& r) {
  auto headers = requestObjectHeaders(*r);
  if (!headers) return fail(*r, headers.error());
  MultipartUpload upload;
  upload.id = base64Encode(newUuid() + randomAlnum(16));
  for (auto& c : upload.id) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
    if (c == '=') c = '.';
  }
  upload.bucket = r->bucket;
  upload.key = r->key;
  upload.initiatedMs = nowMs();
  upload.contentHeaders = std::move(headers->first);
  upload.metadata = std::move(headers->second);
  if (const std::string* tagging = r->header("x-amz-tagging")) {
    auto tags = readTaggingHeader(*tagging);
    if (!tags) return fail(*r, tags.error());
    upload.tags = std::move(*tags);
  }
  if (const std::string* algorithm = r->header("x-amz-checksum-algorithm")) {
    auto parsed = parseChecksumAlgorithm(*algorithm);
    if (!parsed) {
      return fail(*r, s3Error("InvalidRequest",
                              "Checksum algorithm provided is unsupported. Please try again with "
                              "any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
                              400));
    }
    upload.checksumAlgorithm = std::string(checksumAlgorithmName(*parsed));
    upload.checksumType = r->headerOr("x-amz-checksum-type", "COMPOSITE");
  }
  {
    std::lock_guard lock(s3.mutex);
    if (!s3.findBucket(r->bucket)) return fail(*r, noSuchBucket(r->bucket));
    s3.uploads[upload.id] = upload;
  }
  s3.saveUpload(upload, [r, upload](std::string error) {
    if (!error.empty()) return fail(*r, internal(error));
    if (!upload.checksumAlgorithm.empty()) {
      r->corsHeaders.push_back({"x-amz-checksum-algorithm", upload.checksumAlgorithm});
      r->corsHeaders.push_back({"x-amz-checksum-type", upload.checksumType});
    }
    answerXml(*r, fmt::format("<InitiateMultipartUploadResult xmlns=\"{}\"><Bucket>{}</Bucket>"
                              "<Key>{}</Key><UploadId>{}</UploadId>"
                              "</InitiateMultipartUploadResult>",
                              kS3Namespace, xmlEscaped(upload.bucket), xmlEscaped(upload.key),
                              upload.id));
  });
}

// The upload a request names, checked against its bucket and key; with the lock held.
Result<MultipartUpload*> findUpload(S3Service::Impl& s3, const S3Request& r) {
  if (!s3.findBucket(r.bucket)) return noSuchBucket(r.bucket);
  auto it = s3.uploads.find(r.param("uploadId"));
  if (it == s3.uploads.end() || it->second.bucket != r.bucket || it->second.key != r.key) {
    return noSuchUpload();
  }
  return &it->second;
}

std::optional<int> partNumber(const S3Request& r) {
  std::string text = r.param("partNumber");
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > kMaxParts) {
    return std::nullopt;
  }
  return value;
}

// Records a part once its bytes are stored; a part uploaded again replaces the earlier one.
void recordPart(S3Service::Impl& s3, const RequestPtr& r, UploadPart part,
                std::function<void()> answerPart) {
  MultipartUpload copy;
  std::string replaced;
  {
    std::lock_guard lock(s3.mutex);
    auto upload = findUpload(s3, *r);
    if (!upload) {
      s3.files.remove(DataFiles::Area::Parts, part.dataFile);
      return fail(*r, upload.error());
    }
    auto& parts = (*upload)->parts;
    if (auto old = parts.find(part.number); old != parts.end()) replaced = old->second.dataFile;
    parts[part.number] = part;
    copy = **upload;
  }
  s3.saveUpload(copy, [&s3, r, replaced, answerPart = std::move(answerPart)](std::string error) {
    if (!error.empty()) return fail(*r, internal(error));
    s3.files.remove(DataFiles::Area::Parts, replaced);
    answerPart();
  });
}

void uploadPart(S3Service::Impl& s3, const RequestPtr& r) {
  auto number = partNumber(*r);
  if (!number) {
    return fail(*r, invalidArgument("Part number must be an integer between 1 and 10000, "
                                    "inclusive"));
  }
  std::optional<ChecksumAlgorithm> algorithm;
  {
    std::lock_guard lock(s3.mutex);
    auto upload = findUpload(s3, *r);
    if (!upload) return fail(*r, upload.error());
    if (!(*upload)->checksumAlgorithm.empty()) {
      algorithm = parseChecksumAlgorithm((*upload)->checksumAlgorithm);
    }
  }
  s3.onDisk([&s3, r, number = *number, algorithm] {
    auto body = ingestBody(s3.files, DataFiles::Area::Parts, *r, algorithm);
    if (!body) return fail(*r, body.error());
    UploadPart part;
    part.number = number;
    part.size = body->size;
    part.md5 = hexEncode(body->md5);
    part.etag = part.md5;
    part.dataFile = body->dataFile;
    part.lastModifiedMs = nowMs();
    part.checksum = body->checksum.value;
    std::string checksumHeader = body->checksum.algorithm.empty()
                                     ? ""
                                     : "x-amz-checksum-" + lowerCase(body->checksum.algorithm);
    recordPart(s3, r, part, [r, part, checksumHeader] {
      HttpResponse response{200, {{"ETag", "\"" + part.etag + "\""}}, {}};
      if (!checksumHeader.empty()) response.headers.push_back({checksumHeader, part.checksum});
      answer(*r, std::move(response));
    });
  });
}

void uploadPartCopy(S3Service::Impl& s3, const RequestPtr& r) {
  auto number = partNumber(*r);
  if (!number) {
    return fail(*r, invalidArgument("Part number must be an integer between 1 and 10000, "
                                    "inclusive"));
  }
  std::string source = percentDecode(*r->header("x-amz-copy-source"), false);
  std::string versionId;
  if (auto q = source.find('?'); q != std::string::npos) {
    versionId = queryParameter(std::string_view(source).substr(q + 1), "versionId");
    source.resize(q);
  }
  if (!source.empty() && source.front() == '/') source.erase(0, 1);
  auto slash = source.find('/');
  if (slash == std::string::npos || slash == 0) {
    return fail(*r, invalidArgument("Copy Source must mention the source bucket and key: "
                                    "sourcebucket/sourcekey"));
  }
  ObjectVersion v;
  FileHandle file;
  {
    std::lock_guard lock(s3.mutex);
    auto upload = findUpload(s3, *r);
    if (!upload) return fail(*r, upload.error());
    BucketEntry* from = s3.findBucket(source.substr(0, slash));
    if (!from) return fail(*r, noSuchBucket(source.substr(0, slash)));
    S3Request lookup;
    lookup.key = source.substr(slash + 1);
    if (!versionId.empty()) lookup.query["versionId"] = versionId;
    VersionLookup found = lookupVersion(*from, lookup);
    if (found.error) return fail(*r, *found.error);
    v = *found.version;
    if (!v.dataFile.empty()) file = s3.files.open(DataFiles::Area::Objects, v.dataFile);
  }
  if (auto refused = checkCopySourceConditions(*r, v)) return fail(*r, *refused);
  uint64_t first = 0;
  uint64_t length = v.size;
  if (const std::string* range = r->header("x-amz-copy-source-range")) {
    ByteRange parsed = parseRange(*range, v.size);
    if (!parsed.valid || range->find('-') == range->size() - 1 ||
        (*range)[std::string_view("bytes=").size()] == '-') {
      return fail(*r, invalidArgument("The x-amz-copy-source-range value must be of the form "
                                      "bytes=first-last where first and last are the "
                                      "zero-based offsets of the first and last bytes to copy"));
    }
    first = parsed.first;
    length = parsed.last - parsed.first + 1;
  }
  auto source_ = std::make_shared<FileHandle>(std::move(file));
  s3.onDisk([&s3, r, number = *number, source_, first, length] {
    UploadPart part;
    part.number = number;
    part.size = length;
    part.lastModifiedMs = nowMs();
    Md5 md5;
    if (length > 0) {
      std::string error;
      FileHandle out = s3.files.create(DataFiles::Area::Parts, part.dataFile, error);
      if (!out) return fail(*r, internal(error));
      std::vector<char> buffer(1 << 20);
      uint64_t offset = first;
      uint64_t left = length;
      while (left > 0) {
        ssize_t n = ::pread(source_->get(), buffer.data(), std::min<uint64_t>(left, buffer.size()),
                            static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || !writeAll(out.get(), std::string_view(buffer.data(), n))) {
          s3.files.remove(DataFiles::Area::Parts, part.dataFile);
          return fail(*r, internal("cannot copy the part"));
        }
        md5.update(std::string_view(buffer.data(), n));
        offset += n;
        left -= n;
      }
      if (::fdatasync(out.get()) != 0) {
        s3.files.remove(DataFiles::Area::Parts, part.dataFile);
        return fail(*r, internal("cannot sync the part"));
      }
    }
    part.md5 = md5.finishHex();
    part.etag = part.md5;
    recordPart(s3, r, part, [r, part] {
      answerXml(*r, fmt::format("<CopyPartResult xmlns=\"{}\"><LastModified>{}</LastModified>"
                                "<ETag>&quot;{}&quot;</ETag></CopyPartResult>",
                                kS3Namespace, xmlTime(part.lastModifiedMs), part.etag));
    });
  });
}

void completeUpload(S3Service::Impl& s3, const RequestPtr& r) {
  auto requested = readCompletedParts(r->http.body);
  if (!requested) return fail(*r, requested.error());
  if (requested->empty()) {
    return fail(*r, malformedXml());
  }
  MultipartUpload upload;
  {
    std::lock_guard lock(s3.mutex);
    auto found = findUpload(s3, *r);
    if (!found) return fail(*r, found.error());
    upload = **found;
  }
  std::vector<UploadPart> parts;
  int previous = 0;
  for (size_t i = 0; i < requested->size(); ++i) {
    const auto& want = (*requested)[i];
    if (want.number <= previous) {
      return fail(*r, s3Error("InvalidPartOrder",
                              "The list of parts was not in ascending order. The parts list must "
                              "be specified in order by part number.",
                              400));
    }
    previous = want.number;
    auto it = upload.parts.find(want.number);
    if (it == upload.parts.end() || it->second.etag != want.etag) {
      return fail(*r,
                  s3Error("InvalidPart",
                          "One or more of the specified parts could not be found.  The part "
                          "may not have been uploaded, or the specified entity tag may not "
                          "match the part's entity tag.",
                          400),
                  fmt::format("<UploadId>{}</UploadId><PartNumber>{}</PartNumber><ETag>{}</ETag>",
                              upload.id, want.number, xmlEscaped(want.etag)));
    }
    parts.push_back(it->second);
  }
  // Sizes are checked once every part is known to exist, as S3 reports a missing part first.
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i].size < kMinPartBytes) {
      return fail(*r,
                  s3Error("EntityTooSmall",
                          "Your proposed upload is smaller than the minimum allowed size", 400),
                  fmt::format("<ProposedSize>{}</ProposedSize><MinSizeAllowed>{}</MinSizeAllowed>"
                              "<PartNumber>{}</PartNumber><ETag>{}</ETag>",
                              parts[i].size, kMinPartBytes, parts[i].number, parts[i].etag));
    }
  }
  s3.onDisk([&s3, r, upload, parts] {
    ObjectVersion v;
    v.key = upload.key;
    v.lastModifiedMs = nowMs();
    v.contentHeaders = upload.contentHeaders;
    v.metadata = upload.metadata;
    v.tags = upload.tags;
    v.partsCount = static_cast<int>(parts.size());
    std::vector<std::string> md5s;
    std::string error;
    FileHandle out = s3.files.create(DataFiles::Area::Objects, v.dataFile, error);
    if (!out) return fail(*r, internal(error));
    for (const auto& part : parts) {
      md5s.push_back(*hexDecode(part.md5));
      v.size += part.size;
      if (part.size == 0) continue;
      FileHandle in = s3.files.open(DataFiles::Area::Parts, part.dataFile);
      off_t offset = 0;
      uint64_t left = part.size;
      while (in && left > 0) {
        ssize_t n = ::copy_file_range(in.get(), &offset, out.get(), nullptr, left, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        left -= static_cast<uint64_t>(n);
      }
      if (!in || left > 0) {
        s3.files.remove(DataFiles::Area::Objects, v.dataFile);
        return fail(*r, internal("cannot join the parts"));
      }
    }
    if (::fdatasync(out.get()) != 0) {
      s3.files.remove(DataFiles::Area::Objects, v.dataFile);
      return fail(*r, internal("cannot sync the object"));
    }
    v.etag = multipartEtag(md5s);
    if (!upload.checksumAlgorithm.empty()) {
      auto algorithm = *parseChecksumAlgorithm(upload.checksumAlgorithm);
      if (upload.checksumType == "FULL_OBJECT") {
        std::vector<PartCrc> crcs;
        for (const auto& part : parts) crcs.push_back({part.checksum, part.size});
        if (auto full = fullObjectChecksum(algorithm, crcs)) {
          v.checksum = {upload.checksumAlgorithm, *full, "FULL_OBJECT"};
        }
      } else {
        std::vector<std::string> digests;
        bool complete = true;
        for (const auto& part : parts) {
          auto raw = base64Decode(part.checksum);
          if (!raw) complete = false;
          if (raw) digests.push_back(*raw);
        }
        if (complete) {
          v.checksum = {upload.checksumAlgorithm, compositeChecksum(algorithm, digests),
                        "COMPOSITE"};
        }
      }
    }
    {
      std::lock_guard lock(s3.mutex);
      BucketEntry* bucket = s3.findBucket(r->bucket);
      if (!bucket || !s3.uploads.contains(upload.id)) {
        s3.files.remove(DataFiles::Area::Objects, v.dataFile);
        return fail(*r, bucket ? noSuchUpload() : noSuchBucket(r->bucket));
      }
      v.versionId = newVersionId(bucket->bucket);
      s3.uploads.erase(upload.id);
    }
    s3.commitVersion(
        r->bucket, std::move(v),
        {"ObjectCreated:CompleteMultipartUpload", r->requestId, r->http.sourceIp},
        [&s3, r, upload](std::string error, const ObjectVersion& event) {
          if (!error.empty()) return fail(*r, internal(error));
          s3.store.deleteRecord(std::string(kUploadRecord), upload.id, [&s3, upload](std::string) {
            for (const auto& [n, part] : upload.parts) {
              s3.files.remove(DataFiles::Area::Parts, part.dataFile);
            }
          });
          std::string checksum;
          if (!event.checksum.algorithm.empty()) {
            checksum =
                fmt::format("<Checksum{0}>{1}</Checksum{0}><ChecksumType>{2}</ChecksumType>",
                            event.checksum.algorithm, event.checksum.value, event.checksum.type);
          }
          if (event.versionId != "null") {
            r->corsHeaders.push_back({"x-amz-version-id", event.versionId});
          }
          std::string host = r->headerOr("Host", "localhost");
          answerXml(
              *r,
              fmt::format("<CompleteMultipartUploadResult xmlns=\"{}\"><Location>http://{}/{}/{}"
                          "</Location><Bucket>{}</Bucket><Key>{}</Key><ETag>&quot;{}&quot;"
                          "</ETag>{}</CompleteMultipartUploadResult>",
                          kS3Namespace, xmlEscaped(host), xmlEscaped(r->bucket), xmlEscaped(r->key),
                          xmlEscaped(r->bucket), xmlEscaped(r->key), event.etag, checksum));
        });
  });
}

void abortUpload(S3Service::Impl& s3, const RequestPtr& r) {
  MultipartUpload upload;
  {
    std::lock_guard lock(s3.mutex);
    auto found = findUpload(s3, *r);
    if (!found) return fail(*r, found.error());
    upload = std::move(**found);
    s3.uploads.erase(upload.id);
  }
  s3.store.deleteRecord(std::string(kUploadRecord), upload.id, [&s3, r, upload](std::string error) {
    if (!error.empty()) return fail(*r, internal(error));
    for (const auto& [n, part] : upload.parts)
      s3.files.remove(DataFiles::Area::Parts, part.dataFile);
    answer(*r, HttpResponse{204, {}, {}});
  });
}

void listParts(S3Service::Impl& s3, const RequestPtr& r) {
  MultipartUpload upload;
  {
    std::lock_guard lock(s3.mutex);
    auto found = findUpload(s3, *r);
    if (!found) return fail(*r, found.error());
    upload = **found;
  }
  int maxParts = 1000;
  if (r->has("max-parts")) {
    std::string text = r->param("max-parts");
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), maxParts);
    if (ec != std::errc() || maxParts < 0) {
      return fail(*r, invalidArgument("Provided max-parts not an integer or within integer range"));
    }
    maxParts = std::min(maxParts, 1000);
  }
  int marker = 0;
  if (r->has("part-number-marker")) {
    std::string text = r->param("part-number-marker");
    std::from_chars(text.data(), text.data() + text.size(), marker);
  }
  std::string entries;
  int count = 0;
  int last = marker;
  bool truncated = false;
  for (auto it = upload.parts.upper_bound(marker); it != upload.parts.end(); ++it) {
    if (count == maxParts) {
      truncated = true;
      break;
    }
    const UploadPart& p = it->second;
    std::string checksum;
    if (!upload.checksumAlgorithm.empty() && !p.checksum.empty()) {
      checksum =
          fmt::format("<Checksum{0}>{1}</Checksum{0}>", upload.checksumAlgorithm, p.checksum);
    }
    entries += fmt::format(
        "<Part><PartNumber>{}</PartNumber><LastModified>{}</LastModified><ETag>&quot;{}&quot;"
        "</ETag>{}<Size>{}</Size></Part>",
        p.number, xmlTime(p.lastModifiedMs), p.etag, checksum, p.size);
    last = p.number;
    ++count;
  }
  std::string owner = "<ID>" + s3.settings.accountId + "</ID><DisplayName>nimbus</DisplayName>";
  answerXml(*r, fmt::format(
                    "<ListPartsResult xmlns=\"{}\"><Bucket>{}</Bucket><Key>{}</Key><UploadId>{}"
                    "</UploadId><Initiator>{}</Initiator><Owner>{}</Owner><StorageClass>STANDARD"
                    "</StorageClass><PartNumberMarker>{}</PartNumberMarker><NextPartNumberMarker>"
                    "{}</NextPartNumberMarker><MaxParts>{}</MaxParts><IsTruncated>{}"
                    "</IsTruncated>{}{}</ListPartsResult>",
                    kS3Namespace, xmlEscaped(upload.bucket), xmlEscaped(upload.key), upload.id,
                    owner, owner, marker, last, maxParts, truncated ? "true" : "false",
                    upload.checksumAlgorithm.empty()
                        ? ""
                        : "<ChecksumAlgorithm>" + upload.checksumAlgorithm + "</ChecksumAlgorithm>",
                    entries));
}

}  // namespace

void multipartOperation(S3Service::Impl& s3, const RequestPtr& r) {
  const std::string& method = r->http.method;
  if (method == "POST" && r->has("uploads")) return createUpload(s3, r);
  if (method == "POST") return completeUpload(s3, r);
  if (method == "PUT" && r->has("partNumber")) {
    if (r->header("x-amz-copy-source")) return uploadPartCopy(s3, r);
    return uploadPart(s3, r);
  }
  if (method == "DELETE") return abortUpload(s3, r);
  if (method == "GET" && r->has("uploadId")) return listParts(s3, r);
  // "?uploads" on a key with GET is a listing of the bucket's uploads under that prefix.
  objectOperation(s3, r);
}

}  // namespace nimbus::aws::s3
