// Object operations: PutObject, GetObject and HeadObject (ranges, conditions, response header
// overrides), CopyObject, DeleteObject, object tagging and ACL reads.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "aws/s3/body_ingest.h"
#include "aws/s3/object_conditions.h"
#include "aws/s3/s3_impl.h"
#include "core/hash.h"
#include "core/time_format.h"
#include "core/url.h"

namespace nimbus::aws::s3 {

namespace {

constexpr size_t kMaxKeyBytes = 1024;
constexpr size_t kMaxMetadataBytes = 2048;

std::string quotedEtag(const std::string& etag) {
  return "\"" + etag + "\"";
}

std::string bucketVersioning(S3Service::Impl& s3, const std::string& name) {
  std::lock_guard lock(s3.mutex);
  BucketEntry* bucket = s3.findBucket(name);
  return bucket ? bucket->bucket.versioning : "";
}

void putObject(S3Service::Impl& s3, const RequestPtr& r) {
  if (r->key.size() > kMaxKeyBytes) {
    return fail(*r, s3Error("KeyTooLongError", "Your key is too long", 400));
  }
  auto headers = requestObjectHeaders(*r);
  if (!headers) return fail(*r, headers.error());
  NameValues tags;
  if (const std::string* tagging = r->header("x-amz-tagging")) {
    auto parsed = readTaggingHeader(*tagging);
    if (!parsed) return fail(*r, parsed.error());
    tags = std::move(*parsed);
  }
  {
    std::lock_guard lock(s3.mutex);
    BucketEntry* bucket = s3.findBucket(r->bucket);
    if (!bucket) return fail(*r, noSuchBucket(r->bucket));
    // Conditional writes: If-None-Match: * creates only; If-Match replaces only that ETag.
    const ObjectVersion* current = s3.newestVersion(*bucket, r->key);
    if (current && current->deleteMarker) current = nullptr;
    if (auto refused = checkWriteConditions(*r, current)) return fail(*r, *refused);
  }
  s3.onDisk([&s3, r, headers = std::move(*headers), tags = std::move(tags)]() mutable {
    auto body = ingestBody(s3.files, DataFiles::Area::Objects, *r, std::nullopt);
    if (!body) return fail(*r, body.error());
    ObjectVersion v;
    v.key = r->key;
    v.size = body->size;
    v.etag = hexEncode(body->md5);
    v.lastModifiedMs = nowMs();
    v.dataFile = body->dataFile;
    v.contentHeaders = std::move(headers.first);
    v.metadata = std::move(headers.second);
    v.tags = std::move(tags);
    v.checksum = body->checksum;
    {
      std::lock_guard lock(s3.mutex);
      BucketEntry* bucket = s3.findBucket(r->bucket);
      if (!bucket) {
        s3.files.remove(DataFiles::Area::Objects, v.dataFile);
        return fail(*r, noSuchBucket(r->bucket));
      }
      v.versionId = newVersionId(bucket->bucket);
    }
    s3.commitVersion(
        r->bucket, std::move(v), {"ObjectCreated:Put", r->requestId, r->http.sourceIp},
        [&s3, r](std::string error, const ObjectVersion& event) {
          if (!error.empty()) return fail(*r, s3Error("InternalError", error, 500));
          HttpResponse response{200, {{"ETag", quotedEtag(event.etag)}}, {}};
          if (!bucketVersioning(s3, r->bucket).empty()) {
            response.headers.push_back({"x-amz-version-id", event.versionId});
          }
          if (!event.checksum.algorithm.empty()) {
            response.headers.push_back(
                {"x-amz-checksum-" + lowerCase(event.checksum.algorithm), event.checksum.value});
            response.headers.push_back({"x-amz-checksum-type", event.checksum.type});
          }
          answer(*r, std::move(response));
        });
  });
}

// GET and HEAD.
void getObject(S3Service::Impl& s3, const RequestPtr& r) {
  ObjectVersion v;
  Bucket bucket;
  std::shared_ptr<FileBody> file;
  {
    std::lock_guard lock(s3.mutex);
    BucketEntry* entry = s3.findBucket(r->bucket);
    if (!entry) return fail(*r, noSuchBucket(r->bucket));
    VersionLookup found = lookupVersion(*entry, *r);
    if (found.error) {
      if (found.marker) {
        r->corsHeaders.push_back({"x-amz-delete-marker", "true"});
        r->corsHeaders.push_back({"x-amz-version-id", found.markerVersionId});
      }
      return fail(*r, *found.error);
    }
    v = *found.version;
    bucket = entry->bucket;
    // Opened now: a later overwrite removes the file's name, not these bytes.
    if (!r->isHead() && !v.dataFile.empty()) {
      file = s3.files.body(DataFiles::Area::Objects, v.dataFile, 0, v.size);
      if (!file) return fail(*r, s3Error("InternalError", "the object's data is missing", 500));
    }
  }
  if (auto refused = checkReadConditions(*r, v)) {
    if (refused->status == 304) {
      HttpResponse response{
          304, {{"ETag", quotedEtag(v.etag)}, {"Last-Modified", httpTime(v.lastModifiedMs)}}, {}};
      return answer(*r, std::move(response));
    }
    return fail(*r, *refused);
  }
  HttpResponse response;
  bool checksumMode = iequals(r->headerOr("x-amz-checksum-mode"), "ENABLED");
  addObjectHeaders(response.headers, v, bucket, checksumMode);
  uint64_t offset = 0;
  uint64_t length = v.size;
  if (r->has("partNumber")) {
    std::string part = r->param("partNumber");
    if (part != "1" || v.partsCount > 1) {
      return fail(*r,
                  s3Error("InvalidPartNumber", "The requested partnumber is not satisfiable", 416));
    }
    if (v.partsCount) response.headers.push_back({"x-amz-mp-parts-count", "1"});
  }
  if (const std::string* range = r->header("Range")) {
    auto parsed = parseRange(*range, v.size);
    if (parsed.unsatisfiable) {
      return fail(*r, s3Error("InvalidRange", "The requested range is not satisfiable", 416),
                  fmt::format("<RangeRequested>{}</RangeRequested><ActualObjectSize>{}"
                              "</ActualObjectSize>",
                              xmlEscaped(*range), v.size));
    }
    if (parsed.valid) {
      offset = parsed.first;
      length = parsed.last - parsed.first + 1;
      response.status = 206;
      response.headers.push_back(
          {"Content-Range", fmt::format("bytes {}-{}/{}", parsed.first, parsed.last, v.size)});
    }
  }
  // Presigned GETs may override the stored headers (response-content-type, ...).
  static constexpr std::pair<std::string_view, std::string_view> kOverrides[] = {
      {"response-content-type", "Content-Type"},
      {"response-content-language", "Content-Language"},
      {"response-expires", "Expires"},
      {"response-cache-control", "Cache-Control"},
      {"response-content-disposition", "Content-Disposition"},
      {"response-content-encoding", "Content-Encoding"}};
  for (const auto& [parameter, header] : kOverrides) {
    if (!r->has(parameter)) continue;
    std::erase_if(response.headers, [&](const HttpHeader& h) { return iequals(h.name, header); });
    response.headers.push_back({std::string(header), r->param(parameter)});
  }
  if (r->isHead()) {
    response.headers.push_back({"Content-Length", std::to_string(length)});
  } else if (file) {
    file->offset = offset;
    file->length = length;
    response.fileBody = std::move(file);
  }
  answer(*r, std::move(response));
}

// "/bucket/key?versionId=x" or "bucket/key", URL-encoded.
struct CopySource {
  std::string bucket;
  std::string key;
  std::string versionId;
};

std::optional<CopySource> parseCopySource(std::string_view header) {
  std::string_view query;
  if (auto q = header.find('?'); q != std::string_view::npos) {
    query = header.substr(q + 1);
    header = header.substr(0, q);
  }
  std::string decoded = percentDecode(header, false);
  std::string_view path = decoded;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  auto slash = path.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == path.size())
    return std::nullopt;
  CopySource source{std::string(path.substr(0, slash)), std::string(path.substr(slash + 1)), ""};
  source.versionId = queryParameter(query, "versionId");
  return source;
}

// Gives the source version's bytes a second name: objects never change once written, so a copy
// shares them. Falls back to copying where hard links are refused.
Result<std::string> shareDataFile(S3Service::Impl& s3, int sourceFd) {
  std::string name = s3.files.newName();
  auto target = s3.files.path(DataFiles::Area::Objects, name);
  std::string procPath = "/proc/self/fd/" + std::to_string(sourceFd);
  if (::linkat(AT_FDCWD, procPath.c_str(), AT_FDCWD, target.c_str(), AT_SYMLINK_FOLLOW) == 0) {
    return name;
  }
  std::string error;
  FileHandle out = s3.files.create(DataFiles::Area::Objects, name, error);
  if (!out) return s3Error("InternalError", error, 500);
  off_t offset = 0;
  while (true) {
    ssize_t n = ::copy_file_range(sourceFd, &offset, out.get(), nullptr, 1 << 30, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      s3.files.remove(DataFiles::Area::Objects, name);
      return s3Error("InternalError", std::string("cannot copy: ") + std::strerror(errno), 500);
    }
    if (n == 0) break;
  }
  if (::fdatasync(out.get()) != 0) {
    s3.files.remove(DataFiles::Area::Objects, name);
    return s3Error("InternalError", std::string("cannot sync: ") + std::strerror(errno), 500);
  }
  return name;
}

void copyObject(S3Service::Impl& s3, const RequestPtr& r) {
  auto source = parseCopySource(*r->header("x-amz-copy-source"));
  if (!source) {
    return fail(*r, invalidArgument("Copy Source must mention the source bucket and key: "
                                    "sourcebucket/sourcekey"));
  }
  std::string directive = r->headerOr("x-amz-metadata-directive", "COPY");
  std::string taggingDirective = r->headerOr("x-amz-tagging-directive", "COPY");
  if (directive != "COPY" && directive != "REPLACE") {
    return fail(*r, invalidArgument("Unknown metadata directive."));
  }
  if (taggingDirective != "COPY" && taggingDirective != "REPLACE") {
    return fail(*r, invalidArgument("Unknown tagging directive."));
  }
  ObjectVersion v;
  FileHandle sourceFile;
  {
    std::lock_guard lock(s3.mutex);
    BucketEntry* from = s3.findBucket(source->bucket);
    if (!from) return fail(*r, noSuchBucket(source->bucket));
    if (!s3.findBucket(r->bucket)) return fail(*r, noSuchBucket(r->bucket));
    S3Request lookup;
    lookup.key = source->key;
    if (!source->versionId.empty()) lookup.query["versionId"] = source->versionId;
    VersionLookup found = lookupVersion(*from, lookup);
    if (found.error) {
      if (found.marker && !source->versionId.empty()) {
        return fail(*r, s3Error("InvalidRequest",
                                "The source of a copy request may not specifically refer to a "
                                "delete marker by version id.",
                                400));
      }
      return fail(*r, *found.error);
    }
    v = *found.version;
    if (!v.dataFile.empty()) {
      sourceFile = s3.files.open(DataFiles::Area::Objects, v.dataFile);
      if (!sourceFile) return fail(*r, s3Error("InternalError", "the source data is missing", 500));
    }
  }
  if (auto refused = checkCopySourceConditions(*r, v)) return fail(*r, *refused);
  bool sameObject =
      source->bucket == r->bucket && source->key == r->key && source->versionId.empty();
  if (sameObject && directive == "COPY" && !r->header("x-amz-storage-class") &&
      !r->header("x-amz-website-redirect-location") && !r->header("x-amz-server-side-encryption") &&
      taggingDirective == "COPY") {
    return fail(*r, s3Error("InvalidRequest",
                            "This copy request is illegal because it is trying to copy an object "
                            "to itself without changing the object's metadata, storage class, "
                            "website redirect location or encryption attributes.",
                            400));
  }
  if (directive == "REPLACE") {
    auto headers = requestObjectHeaders(*r);
    if (!headers) return fail(*r, headers.error());
    v.contentHeaders = std::move(headers->first);
    v.metadata = std::move(headers->second);
  }
  if (taggingDirective == "REPLACE") {
    auto tags = readTaggingHeader(r->headerOr("x-amz-tagging"));
    if (!tags) return fail(*r, tags.error());
    v.tags = std::move(*tags);
  }
  std::string sourceVersionId = v.versionId;
  v.key = r->key;
  v.sequence = 0;
  v.lastModifiedMs = nowMs();
  if (const std::string* storageClass = r->header("x-amz-storage-class"))
    v.storageClass = *storageClass;
  auto shared = std::make_shared<FileHandle>(std::move(sourceFile));
  s3.onDisk([&s3, r, v = std::move(v), shared, sourceVersionId]() mutable {
    if (*shared) {
      auto name = shareDataFile(s3, shared->get());
      if (!name) return fail(*r, name.error());
      v.dataFile = *name;
    }
    {
      std::lock_guard lock(s3.mutex);
      BucketEntry* bucket = s3.findBucket(r->bucket);
      if (!bucket) {
        s3.files.remove(DataFiles::Area::Objects, v.dataFile);
        return fail(*r, noSuchBucket(r->bucket));
      }
      v.versionId = newVersionId(bucket->bucket);
    }
    s3.commitVersion(
        r->bucket, std::move(v), {"ObjectCreated:Copy", r->requestId, r->http.sourceIp},
        [&s3, r, sourceVersionId](std::string error, const ObjectVersion& event) {
          if (!error.empty()) return fail(*r, s3Error("InternalError", error, 500));
          std::string checksum;
          if (!event.checksum.algorithm.empty() && event.checksum.type == "FULL_OBJECT") {
            checksum = fmt::format("<Checksum{0}>{1}</Checksum{0}>", event.checksum.algorithm,
                                   event.checksum.value);
          }
          std::string xml = fmt::format(
              "<CopyObjectResult xmlns=\"{}\"><LastModified>{}</LastModified><ETag>&quot;{}"
              "&quot;</ETag>{}</CopyObjectResult>",
              kS3Namespace, xmlTime(event.lastModifiedMs), event.etag, checksum);
          if (sourceVersionId != "null") {
            r->corsHeaders.push_back({"x-amz-copy-source-version-id", sourceVersionId});
          }
          if (!bucketVersioning(s3, r->bucket).empty()) {
            r->corsHeaders.push_back({"x-amz-version-id", event.versionId});
          }
          answerXml(*r, std::move(xml));
        });
  });
}

void objectTagging(S3Service::Impl& s3, const RequestPtr& r) {
  ObjectVersion v;
  {
    std::lock_guard lock(s3.mutex);
    BucketEntry* entry = s3.findBucket(r->bucket);
    if (!entry) return fail(*r, noSuchBucket(r->bucket));
    VersionLookup found = lookupVersion(*entry, *r);
    if (found.error) return fail(*r, *found.error);
    v = *found.version;
  }
  if (v.versionId != "null") r->corsHeaders.push_back({"x-amz-version-id", v.versionId});
  if (r->http.method == "GET") {
    std::string tags;
    for (const auto& [k, value] : v.tags) {
      tags += fmt::format("<Tag><Key>{}</Key><Value>{}</Value></Tag>", xmlEscaped(k),
                          xmlEscaped(value));
    }
    return answerXml(
        *r, fmt::format("<Tagging xmlns=\"{}\"><TagSet>{}</TagSet></Tagging>", kS3Namespace, tags));
  }
  int status = 200;
  if (r->http.method == "PUT") {
    auto tags = readTagging(r->http.body, 10);
    if (!tags) return fail(*r, tags.error());
    v.tags = std::move(*tags);
  } else {
    v.tags.clear();
    status = 204;
  }
  s3.updateVersion(r->bucket, std::move(v), [r, status](std::string error) {
    if (!error.empty()) return fail(*r, s3Error("InternalError", error, 500));
    answer(*r, HttpResponse{status, {}, {}});
  });
}

}  // namespace

void objectOperation(S3Service::Impl& s3, const RequestPtr& r) {
  const std::string& method = r->http.method;
  if (r->has("tagging") && (method == "GET" || method == "PUT" || method == "DELETE")) {
    return objectTagging(s3, r);
  }
  if (r->has("acl")) {
    if (method == "PUT") return answer(*r, HttpResponse{200, {}, {}});
    if (method == "GET") {
      return answerXml(
          *r, fmt::format("<AccessControlPolicy xmlns=\"{0}\"><Owner><ID>{1}</ID></Owner>"
                          "<AccessControlList><Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/"
                          "XMLSchema-instance\" xsi:type=\"CanonicalUser\"><ID>{1}</ID></Grantee>"
                          "<Permission>FULL_CONTROL</Permission></Grant></AccessControlList>"
                          "</AccessControlPolicy>",
                          kS3Namespace, s3.settings.accountId));
    }
  }
  if (method == "PUT") {
    if (r->header("x-amz-copy-source")) return copyObject(s3, r);
    return putObject(s3, r);
  }
  if (method == "GET" || method == "HEAD") return getObject(s3, r);
  if (method == "DELETE") return deleteObject(s3, r);
  if (method == "POST" && r->has("restore")) {
    return fail(*r, s3Error("InvalidObjectState",
                            "Restore is not allowed for the object's current storage class", 403));
  }
  fail(*r, s3Error("MethodNotAllowed", "The specified method is not allowed against this resource.",
                   405));
}

}  // namespace nimbus::aws::s3
