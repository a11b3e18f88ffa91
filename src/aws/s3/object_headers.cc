// What an object carries in headers: the content headers and user metadata a PUT stores, the
// headers GET and HEAD answer with, and how a request picks the version it reads.
#include <fmt/format.h>

#include "aws/s3/s3_impl.h"

namespace nimbus::aws::s3 {

std::string lowerCase(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

VersionLookup lookupVersion(const BucketEntry& bucket, const S3Request& r) {
  VersionLookup out;
  auto it = bucket.objects.find(r.key);
  std::string versionId = r.param("versionId");
  if (r.has("versionId") && versionId.empty()) {
    out.error = invalidArgument("Version id cannot be the empty string");
    return out;
  }
  if (it == bucket.objects.end() || it->second.empty()) {
    out.error = versionId.empty()
                    ? noSuchKey()
                    : s3Error("NoSuchVersion", "The specified version does not exist.", 404);
    return out;
  }
  const ObjectVersion* found = nullptr;
  if (versionId.empty()) {
    found = &it->second.front();
  } else {
    for (const auto& v : it->second) {
      if (v.versionId == versionId) found = &v;
    }
    if (!found) {
      out.error = s3Error("NoSuchVersion", "The specified version does not exist.", 404);
      return out;
    }
  }
  if (found->deleteMarker) {
    out.marker = true;
    out.markerVersionId = found->versionId;
    out.error = versionId.empty()
                    ? noSuchKey()
                    : s3Error("MethodNotAllowed",
                              "The specified method is not allowed against this resource.", 405);
    return out;
  }
  out.version = found;
  return out;
}

void addObjectHeaders(std::vector<HttpHeader>& headers, const ObjectVersion& v,
                      const Bucket& bucket, bool withChecksum) {
  headers.push_back({"ETag", "\"" + v.etag + "\""});
  headers.push_back({"Last-Modified", httpTime(v.lastModifiedMs)});
  headers.push_back({"Accept-Ranges", "bytes"});
  bool hasType = false;
  for (const auto& [name, value] : v.contentHeaders) {
    if (iequals(name, "Content-Type")) hasType = true;
    headers.push_back({name, value});
  }
  // S3's type for objects stored without one.
  if (!hasType) headers.push_back({"Content-Type", "binary/octet-stream"});
  for (const auto& [name, value] : v.metadata) headers.push_back({"x-amz-meta-" + name, value});
  if (!bucket.versioning.empty() || v.versionId != "null") {
    headers.push_back({"x-amz-version-id", v.versionId});
  }
  if (!v.tags.empty()) headers.push_back({"x-amz-tagging-count", std::to_string(v.tags.size())});
  if (v.storageClass != "STANDARD") headers.push_back({"x-amz-storage-class", v.storageClass});
  headers.push_back({"x-amz-server-side-encryption", "AES256"});
  if (withChecksum && !v.checksum.algorithm.empty()) {
    headers.push_back({"x-amz-checksum-" + lowerCase(v.checksum.algorithm), v.checksum.value});
    headers.push_back({"x-amz-checksum-type", v.checksum.type});
  }
}

Result<std::pair<NameValues, NameValues>> requestObjectHeaders(const S3Request& r) {
  NameValues content;
  NameValues metadata;
  size_t metadataBytes = 0;
  for (const auto& h : r.http.headers) {
    for (std::string_view stored : kStoredContentHeaders) {
      // aws-chunked is how the body travelled, not how the object is encoded.
      if (iequals(h.name, stored)) {
        if (iequals(stored, "Content-Encoding")) {
          std::string kept;
          std::string_view list = h.value;
          while (!list.empty()) {
            auto comma = list.find(',');
            std::string_view item = list.substr(0, comma);
            list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
            while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
            while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
            if (item.empty() || item == "aws-chunked") continue;
            kept += (kept.empty() ? "" : ",") + std::string(item);
          }
          if (!kept.empty()) content.emplace_back(std::string(stored), kept);
        } else {
          content.emplace_back(std::string(stored), h.value);
        }
      }
    }
    if (h.name.size() > 11 && iequals(std::string_view(h.name).substr(0, 11), "x-amz-meta-")) {
      std::string name = lowerCase(std::string_view(h.name).substr(11));
      metadataBytes += name.size() + h.value.size();
      metadata.emplace_back(std::move(name), h.value);
    }
  }
  if (metadataBytes > 2048) {
    return s3Error("MetadataTooLarge",
                   "Your metadata headers exceed the maximum allowed metadata size", 400);
  }
  return std::make_pair(std::move(content), std::move(metadata));
}

}  // namespace nimbus::aws::s3
