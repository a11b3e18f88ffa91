// Bucket operations: Create/Head/Delete/ListBuckets, location, versioning, CORS, policy, tags,
// notification configuration, and the configuration reads S3 answers with defaults.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "aws/s3/s3_impl.h"
#include "core/ids.h"
#include "core/time_format.h"

namespace nimbus::aws::s3 {

namespace {

// Answers once the bucket record is durable.
std::function<void(std::string)> answerWhenSaved(const RequestPtr& r, int status = 200) {
  return [r, status](std::string error) {
    if (!error.empty()) return fail(*r, s3Error("InternalError", error, 500));
    answer(*r, HttpResponse{status, {}, {}});
  };
}

std::string tagSetXml(const NameValues& tags) {
  std::string out = "<TagSet>";
  for (const auto& [k, v] : tags) {
    out += fmt::format("<Tag><Key>{}</Key><Value>{}</Value></Tag>", xmlEscaped(k), xmlEscaped(v));
  }
  return out + "</TagSet>";
}

void createBucket(S3Service::Impl& s3, const RequestPtr& r) {
  if (!isValidBucketName(r->bucket)) {
    return fail(*r, s3Error("InvalidBucketName", "The specified bucket is not valid.", 400),
                "<BucketName>" + xmlEscaped(r->bucket) + "</BucketName>");
  }
  std::string region = s3.settings.region;
  if (!r->http.body.empty()) {
    auto location = readLocationConstraint(r->http.body);
    if (!location) return fail(*r, location.error());
    if (!location->empty()) region = *location;
  }
  // S3 refuses a LocationConstraint that names the region the request went to when that region
  // is us-east-1, and one that differs from the endpoint's region.
  if (region != s3.settings.region) {
    return fail(*r, s3Error("IllegalLocationConstraintException",
                            "The " + region +
                                " location constraint is incompatible for the region specific "
                                "endpoint this request was sent to.",
                            400));
  }
  Bucket bucket;
  bucket.name = r->bucket;
  bucket.id = newUuid();
  bucket.region = region;
  bucket.createdMs = nowMs();
  if (r->header("x-amz-bucket-object-lock-enabled") &&
      *r->header("x-amz-bucket-object-lock-enabled") == "true") {
    bucket.versioning = "Enabled";  // Object Lock requires versioning.
  }
  {
    std::lock_guard lock(s3.mutex);
    if (s3.findBucket(r->bucket)) {
      return fail(*r,
                  s3Error("BucketAlreadyOwnedByYou",
                          "Your previous request to create the named bucket succeeded and you "
                          "already own it.",
                          409),
                  "<BucketName>" + xmlEscaped(r->bucket) + "</BucketName>");
    }
    s3.buckets[bucket.name].bucket = bucket;
  }
  s3.saveBucket(bucket, [&s3, r, name = bucket.name](std::string error) {
    if (!error.empty()) {
      std::lock_guard lock(s3.mutex);
      s3.buckets.erase(name);
      return fail(*r, s3Error("InternalError", error, 500));
    }
    answer(*r, HttpResponse{200, {{"Location", "/" + name}}, {}});
  });
}

void deleteBucket(S3Service::Impl& s3, const RequestPtr& r) {
  std::vector<std::string> uploadIds;
  {
    std::lock_guard lock(s3.mutex);
    BucketEntry* bucket = s3.findBucket(r->bucket);
    if (!bucket) return fail(*r, noSuchBucket(r->bucket));
    if (!bucket->objects.empty()) {
      return fail(*r, s3Error("BucketNotEmpty", "The bucket you tried to delete is not empty", 409),
                  "<BucketName>" + xmlEscaped(r->bucket) + "</BucketName>");
    }
    for (const auto& [id, upload] : s3.uploads) {
      if (upload.bucket == r->bucket) uploadIds.push_back(id);
    }
  }
  // Uploads never completed go with the bucket.
  for (const auto& id : uploadIds) {
    MultipartUpload upload;
    {
      std::lock_guard lock(s3.mutex);
      auto it = s3.uploads.find(id);
      if (it == s3.uploads.end()) continue;
      upload = std::move(it->second);
      s3.uploads.erase(it);
    }
    s3.store.deleteRecord(std::string(kUploadRecord), id, [&s3, upload](std::string) {
      for (const auto& [n, part] : upload.parts)
        s3.files.remove(DataFiles::Area::Parts, part.dataFile);
    });
  }
  s3.store.deleteRecord(std::string(kBucketRecord), r->bucket, [&s3, r](std::string error) {
    if (!error.empty()) return fail(*r, s3Error("InternalError", error, 500));
    {
      std::lock_guard lock(s3.mutex);
      s3.buckets.erase(r->bucket);
    }
    answer(*r, HttpResponse{204, {}, {}});
  });
}

// Applies `change` to the bucket under the lock and saves it; answers `status` when durable.
template <typename Change>
void changeBucket(S3Service::Impl& s3, const RequestPtr& r, Change&& change, int status = 200) {
  Bucket copy;
  {
    std::lock_guard lock(s3.mutex);
    BucketEntry* bucket = s3.findBucket(r->bucket);
    if (!bucket) return fail(*r, noSuchBucket(r->bucket));
    if (auto error = change(bucket->bucket)) return fail(*r, *error);
    copy = bucket->bucket;
  }
  s3.saveBucket(copy, answerWhenSaved(r, status));
}

void putBucketSubresource(S3Service::Impl& s3, const RequestPtr& r) {
  const std::string& body = r->http.body;
  if (r->has("versioning")) {
    auto status = readVersioningStatus(body);
    if (!status) return fail(*r, status.error());
    return changeBucket(s3, r, [&](Bucket& b) -> std::optional<ServiceError> {
      b.versioning = *status;
      return std::nullopt;
    });
  }
  if (r->has("cors")) {
    auto rules = parseCorsConfiguration(body);
    if (!rules) return fail(*r, rules.error());
    return changeBucket(s3, r, [&](Bucket& b) -> std::optional<ServiceError> {
      b.cors = *rules;
      b.hasCors = true;
      return std::nullopt;
    });
  }
  if (r->has("policy")) {
    auto policy = nlohmann::json::parse(body, nullptr, false);
    if (policy.is_discarded() || !policy.is_object()) {
      return fail(*r, s3Error("MalformedPolicy",
                              "Policies must be valid JSON and the first byte must be '{'", 400));
    }
    return changeBucket(
        s3, r,
        [&](Bucket& b) -> std::optional<ServiceError> {
          b.policy = body;
          return std::nullopt;
        },
        204);
  }
  if (r->has("tagging")) {
    auto tags = readTagging(body, 50);
    if (!tags) return fail(*r, tags.error());
    return changeBucket(
        s3, r,
        [&](Bucket& b) -> std::optional<ServiceError> {
          b.tags = *tags;
          b.hasTags = true;
          return std::nullopt;
        },
        204);
  }
  if (r->has("notification")) {
    bool eventBridge = false;
    auto targets = parseNotificationConfiguration(body, eventBridge);
    if (!targets) return fail(*r, targets.error());
    for (const auto& t : *targets) {
      if (!s3.targets.targetExists(t.arn)) {
        return fail(*r,
                    s3Error("InvalidArgument",
                            "Unable to validate the following destination configurations", 400),
                    fmt::format("<ArgumentName>{}</ArgumentName><ArgumentValue>Not found"
                                "</ArgumentValue>",
                                xmlEscaped(t.arn)));
      }
    }
    return changeBucket(s3, r, [&](Bucket& b) -> std::optional<ServiceError> {
      b.notifications = *targets;
      b.eventBridge = eventBridge;
      return std::nullopt;
    });
  }
  // Settings nimbus accepts and does not act on: ACLs, ownership, public access blocks,
  // encryption (objects are stored as they are), lifecycle, website, logging.
  for (const char* accepted : {"acl", "ownershipControls", "publicAccessBlock", "encryption",
                               "lifecycle", "website", "logging", "accelerate", "requestPayment"}) {
    if (r->has(accepted)) {
      std::lock_guard lock(s3.mutex);
      if (!s3.findBucket(r->bucket)) return fail(*r, noSuchBucket(r->bucket));
      return answer(*r, HttpResponse{200, {}, {}});
    }
  }
  createBucket(s3, r);
}

void getBucketSubresource(S3Service::Impl& s3, const RequestPtr& r) {
  std::unique_lock lock(s3.mutex);
  BucketEntry* entry = s3.findBucket(r->bucket);
  if (!entry) {
    lock.unlock();
    return fail(*r, noSuchBucket(r->bucket));
  }
  const Bucket& b = entry->bucket;
  std::string ns = fmt::format(" xmlns=\"{}\"", kS3Namespace);
  if (r->has("location")) {
    // us-east-1 is the one region S3 reports as an empty constraint.
    std::string region = b.region == "us-east-1" ? "" : b.region;
    std::string xml = fmt::format("<LocationConstraint{}>{}</LocationConstraint>", ns, region);
    lock.unlock();
    return answerXml(*r, std::move(xml));
  }
  if (r->has("versioning")) {
    std::string status = b.versioning.empty() ? "" : "<Status>" + b.versioning + "</Status>";
    lock.unlock();
    return answerXml(
        *r, fmt::format("<VersioningConfiguration{}>{}</VersioningConfiguration>", ns, status));
  }
  if (r->has("cors")) {
    if (!b.hasCors) {
      lock.unlock();
      return fail(*r,
                  s3Error("NoSuchCORSConfiguration", "The CORS configuration does not exist", 404));
    }
    std::string xml = corsConfigurationXml(b);
    lock.unlock();
    return answerXml(*r, std::move(xml));
  }
  if (r->has("policy")) {
    std::string policy = b.policy;
    lock.unlock();
    if (policy.empty()) {
      return fail(*r, s3Error("NoSuchBucketPolicy", "The bucket policy does not exist", 404));
    }
    return answer(*r, HttpResponse{200, {{"Content-Type", "application/json"}}, policy});
  }
  if (r->has("tagging")) {
    if (!b.hasTags) {
      lock.unlock();
      return fail(*r, s3Error("NoSuchTagSet", "The TagSet does not exist", 404));
    }
    std::string xml = fmt::format("<Tagging{}>{}</Tagging>", ns, tagSetXml(b.tags));
    lock.unlock();
    return answerXml(*r, std::move(xml));
  }
  if (r->has("notification")) {
    std::string xml = notificationConfigurationXml(b);
    lock.unlock();
    return answerXml(*r, std::move(xml));
  }
  if (r->has("versions")) return listObjectVersions(s3, r, *entry);
  if (r->has("uploads")) return listMultipartUploads(s3, r, *entry);
  lock.unlock();
  if (r->has("acl")) {
    return answerXml(
        *r, fmt::format("<AccessControlPolicy{0}><Owner><ID>{1}</ID></Owner><AccessControlList>"
                        "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                        "xsi:type=\"CanonicalUser\"><ID>{1}</ID></Grantee><Permission>FULL_CONTROL"
                        "</Permission></Grant></AccessControlList></AccessControlPolicy>",
                        ns, s3.settings.accountId));
  }
  if (r->has("encryption")) {
    // Every bucket encrypts new objects with SSE-S3 by default, as S3 has since 2023.
    return answerXml(*r, fmt::format("<ServerSideEncryptionConfiguration{}><Rule>"
                                     "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256"
                                     "</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
                                     "<BucketKeyEnabled>false</BucketKeyEnabled></Rule>"
                                     "</ServerSideEncryptionConfiguration>",
                                     ns));
  }
  if (r->has("lifecycle")) {
    return fail(*r, s3Error("NoSuchLifecycleConfiguration",
                            "The lifecycle configuration does not exist", 404));
  }
  if (r->has("website")) {
    return fail(*r, s3Error("NoSuchWebsiteConfiguration",
                            "The specified bucket does not have a website configuration", 404));
  }
  if (r->has("object-lock")) {
    return fail(*r, s3Error("ObjectLockConfigurationNotFoundError",
                            "Object Lock configuration does not exist for this bucket", 404));
  }
  if (r->has("publicAccessBlock")) {
    return fail(*r, s3Error("NoSuchPublicAccessBlockConfiguration",
                            "The public access block configuration was not found", 404));
  }
  if (r->has("ownershipControls")) {
    return answerXml(*r, fmt::format("<OwnershipControls{}><Rule><ObjectOwnership>"
                                     "BucketOwnerEnforced</ObjectOwnership></Rule>"
                                     "</OwnershipControls>",
                                     ns));
  }
  if (r->has("logging")) {
    return answerXml(*r, fmt::format("<BucketLoggingStatus{}/>", ns));
  }
  std::lock_guard relock(s3.mutex);
  entry = s3.findBucket(r->bucket);
  if (!entry) return fail(*r, noSuchBucket(r->bucket));
  listObjects(s3, r, *entry);
}

void deleteBucketSubresource(S3Service::Impl& s3, const RequestPtr& r) {
  if (r->has("cors")) {
    return changeBucket(
        s3, r,
        [](Bucket& b) -> std::optional<ServiceError> {
          b.cors.clear();
          b.hasCors = false;
          return std::nullopt;
        },
        204);
  }
  if (r->has("policy")) {
    return changeBucket(
        s3, r,
        [](Bucket& b) -> std::optional<ServiceError> {
          b.policy.clear();
          return std::nullopt;
        },
        204);
  }
  if (r->has("tagging")) {
    return changeBucket(
        s3, r,
        [](Bucket& b) -> std::optional<ServiceError> {
          b.tags.clear();
          b.hasTags = false;
          return std::nullopt;
        },
        204);
  }
  for (const char* accepted :
       {"encryption", "lifecycle", "website", "publicAccessBlock", "ownershipControls"}) {
    if (r->has(accepted)) return answer(*r, HttpResponse{204, {}, {}});
  }
  deleteBucket(s3, r);
}

}  // namespace

void listBuckets(S3Service::Impl& s3, const RequestPtr& r) {
  std::string buckets;
  {
    std::lock_guard lock(s3.mutex);
    std::string prefix = r->param("prefix");
    for (const auto& [name, entry] : s3.buckets) {
      if (!name.starts_with(prefix)) continue;
      buckets += fmt::format(
          "<Bucket><Name>{}</Name><CreationDate>{}</CreationDate><BucketRegion>{}</BucketRegion>"
          "</Bucket>",
          xmlEscaped(name), xmlTime(entry.bucket.createdMs), entry.bucket.region);
    }
  }
  answerXml(*r, fmt::format("<ListAllMyBucketsResult xmlns=\"{}\"><Owner><ID>{}</ID>"
                            "<DisplayName>nimbus</DisplayName></Owner><Buckets>{}</Buckets>"
                            "</ListAllMyBucketsResult>",
                            kS3Namespace, s3.settings.accountId, buckets));
}

void bucketOperation(S3Service::Impl& s3, const RequestPtr& r) {
  const std::string& method = r->http.method;
  if (method == "PUT") return putBucketSubresource(s3, r);
  if (method == "GET") return getBucketSubresource(s3, r);
  if (method == "DELETE") return deleteBucketSubresource(s3, r);
  if (method == "HEAD") {
    std::string region;
    {
      std::lock_guard lock(s3.mutex);
      BucketEntry* bucket = s3.findBucket(r->bucket);
      if (!bucket) return fail(*r, noSuchBucket(r->bucket));
      region = bucket->bucket.region;
    }
    return answer(*r, HttpResponse{200, {{"x-amz-bucket-region", region}}, {}});
  }
  if (method == "POST" && r->has("delete")) return deleteObjects(s3, r);
  if (method == "POST" && r->query.empty()) return postObject(s3, r);
  fail(*r, s3Error("MethodNotAllowed", "The specified method is not allowed against this resource.",
                   405));
}

}  // namespace nimbus::aws::s3
