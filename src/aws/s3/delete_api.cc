// DeleteObject and DeleteObjects: removing a key from an unversioned bucket, a delete marker in a
// versioned one, or one version for good when a version id is given.
#include <fmt/format.h>

#include <atomic>

#include "aws/s3/s3_impl.h"
#include "core/ids.h"
#include "core/time_format.h"

namespace nimbus::aws::s3 {

namespace {

constexpr size_t kMaxDeleteKeys = 1000;

}  // namespace

void deleteOne(S3Service::Impl& s3, const std::string& bucketName, const std::string& key,
               const std::string& versionId, const std::string& requestId,
               const std::string& sourceIp, std::function<void(DeleteOutcome)> done) {
  std::string versioning;
  ObjectVersion removed;
  bool exists = false;
  {
    std::lock_guard lock(s3.mutex);
    BucketEntry* bucket = s3.findBucket(bucketName);
    if (!bucket) return done({noSuchBucket(bucketName), "", false});
    versioning = bucket->bucket.versioning;
    auto it = bucket->objects.find(key);
    if (it != bucket->objects.end()) {
      for (const auto& v : it->second) {
        if (versionId.empty() ? &v == &it->second.front() : v.versionId == versionId) {
          removed = v;
          exists = true;
          break;
        }
      }
    }
  }
  if (!versionId.empty() || versioning.empty()) {
    // A version removed for good (the only one, "null", in an unversioned bucket). Deleting what
    // is not there succeeds, as S3 answers.
    if (!exists) return done({std::nullopt, versionId, false});
    std::string id = removed.versionId;
    s3.removeVersion(bucketName, key, id, {"ObjectRemoved:Delete", requestId, sourceIp},
                     [versionId, removed, done = std::move(done)](std::string error) {
                       if (!error.empty()) {
                         return done({s3Error("InternalError", error, 500), "", false});
                       }
                       done({std::nullopt, versionId, removed.deleteMarker});
                     });
    return;
  }
  // Versioned (or suspended): a delete marker becomes the newest version.
  ObjectVersion marker;
  marker.key = key;
  marker.deleteMarker = true;
  marker.lastModifiedMs = nowMs();
  marker.versionId = versioning == "Enabled" ? randomAlnum(32) : "null";
  s3.commitVersion(bucketName, std::move(marker),
                   {"ObjectRemoved:DeleteMarkerCreated", requestId, sourceIp},
                   [done = std::move(done)](std::string error, const ObjectVersion& committed) {
                     if (!error.empty()) {
                       return done({s3Error("InternalError", error, 500), "", false});
                     }
                     done({std::nullopt, committed.versionId, true});
                   });
}

void deleteObject(S3Service::Impl& s3, const RequestPtr& r) {
  if (r->has("versionId") && r->param("versionId").empty()) {
    return fail(*r, invalidArgument("Invalid version id specified"));
  }
  deleteOne(s3, r->bucket, r->key, r->param("versionId"), r->requestId, r->http.sourceIp,
            [r](DeleteOutcome outcome) {
              if (outcome.error) return fail(*r, *outcome.error);
              HttpResponse response{204, {}, {}};
              if (outcome.deleteMarker) response.headers.push_back({"x-amz-delete-marker", "true"});
              if (!outcome.versionId.empty()) {
                response.headers.push_back({"x-amz-version-id", outcome.versionId});
              }
              answer(*r, std::move(response));
            });
}

void deleteObjects(S3Service::Impl& s3, const RequestPtr& r) {
  {
    std::lock_guard lock(s3.mutex);
    if (!s3.findBucket(r->bucket)) return fail(*r, noSuchBucket(r->bucket));
  }
  auto list = readDeleteList(r->http.body);
  if (!list) return fail(*r, list.error());
  if (list->objects.size() > kMaxDeleteKeys || list->objects.empty())
    return fail(*r, malformedXml());
  struct Batch {
    std::mutex mutex;
    std::vector<std::string> results;
    std::atomic<size_t> remaining;
    bool quiet;
  };
  auto batch = std::make_shared<Batch>();
  batch->results.resize(list->objects.size());
  batch->remaining = list->objects.size();
  batch->quiet = list->quiet;
  for (size_t i = 0; i < list->objects.size(); ++i) {
    const auto& [key, versionId] = list->objects[i];
    deleteOne(
        s3, r->bucket, key, versionId, r->requestId, r->http.sourceIp,
        [r, batch, i, key, versionId](DeleteOutcome outcome) {
          std::string entry;
          if (outcome.error) {
            entry = fmt::format(
                "<Error><Key>{}</Key>{}<Code>{}</Code><Message>{}</Message>"
                "</Error>",
                xmlEscaped(key),
                versionId.empty() ? "" : "<VersionId>" + xmlEscaped(versionId) + "</VersionId>",
                outcome.error->code, xmlEscaped(outcome.error->message));
          } else if (!batch->quiet) {
            entry = "<Deleted><Key>" + xmlEscaped(key) + "</Key>";
            if (!versionId.empty()) entry += "<VersionId>" + xmlEscaped(versionId) + "</VersionId>";
            if (outcome.deleteMarker) {
              entry += "<DeleteMarker>true</DeleteMarker>";
              if (versionId.empty()) {
                entry += "<DeleteMarkerVersionId>" + outcome.versionId + "</DeleteMarkerVersionId>";
              }
            }
            entry += "</Deleted>";
          }
          {
            std::lock_guard lock(batch->mutex);
            batch->results[i] = std::move(entry);
          }
          if (--batch->remaining == 0) {
            std::string body;
            for (auto& e : batch->results) body += e;
            answerXml(*r, fmt::format("<DeleteResult xmlns=\"{}\">{}</DeleteResult>", kS3Namespace,
                                      body));
          }
        });
  }
}

}  // namespace nimbus::aws::s3
