// Listings: ListObjects (V1 markers) and ListObjectsV2 (continuation tokens, start-after),
// ListObjectVersions and ListMultipartUploads, each with prefix, delimiter (common prefixes),
// a page size and URL encoding of keys. Keys are listed in UTF-8 binary order, as S3 lists them.
#include <fmt/format.h>

#include <charconv>

#include "aws/s3/s3_impl.h"
#include "core/base64.h"

namespace nimbus::aws::s3 {

namespace {

constexpr int kMaxPage = 1000;

// The smallest string greater than every string starting with `prefix`, or "" when none is.
std::string prefixSuccessor(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(prefix.back());
    if (last < 0xff) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

std::string urlEncodeKey(std::string_view key) {
  std::string out;
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

struct Page {
  std::string prefix;
  std::string delimiter;
  int maxKeys = kMaxPage;
  bool urlEncoding = false;
};

Result<Page> readPage(const S3Request& r, std::string_view sizeParameter) {
  Page page;
  page.prefix = r.param("prefix");
  page.delimiter = r.param("delimiter");
  if (r.has(sizeParameter)) {
    std::string text = r.param(sizeParameter);
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
      return invalidArgument("Provided " + std::string(sizeParameter) +
                             " not an integer or within integer range");
    }
    page.maxKeys = std::min(value, kMaxPage);
  }
  if (r.has("encoding-type")) {
    if (r.param("encoding-type") != "url")
      return invalidArgument("Invalid Encoding Method specified in Request");
    page.urlEncoding = true;
  }
  return page;
}

std::string keyText(const Page& page, std::string_view key) {
  return page.urlEncoding ? urlEncodeKey(key) : xmlEscaped(key);
}

// Walks keys from `start` (inclusive) in order, folding keys under a delimiter into common
// prefixes. `visit(key, versions)` returns whether the key counts as an entry; the walk stops
// after `maxKeys` entries and prefixes, reporting where it stopped.
struct Walk {
  std::vector<std::string> commonPrefixes;
  bool truncated = false;
  std::string lastItem;  // The last key or common prefix included.
  bool lastIsPrefix = false;
};

template <typename Visit>
Walk walkKeys(const BucketEntry& bucket, const Page& page, const std::string& start,
              Visit&& visit) {
  Walk walk;
  int count = 0;
  auto it = bucket.objects.lower_bound(std::max(start, page.prefix));
  while (it != bucket.objects.end()) {
    const std::string& key = it->first;
    if (!key.starts_with(page.prefix)) break;
    if (!page.delimiter.empty()) {
      auto at = key.find(page.delimiter, page.prefix.size());
      if (at != std::string::npos) {
        std::string common = key.substr(0, at + page.delimiter.size());
        if (count == page.maxKeys) {
          walk.truncated = true;
          break;
        }
        walk.commonPrefixes.push_back(common);
        walk.lastItem = common;
        walk.lastIsPrefix = true;
        ++count;
        std::string next = prefixSuccessor(common);
        if (next.empty()) break;
        it = bucket.objects.lower_bound(next);
        continue;
      }
    }
    if (!visit(key, it->second, count == page.maxKeys)) {
      ++it;
      continue;
    }
    if (count == page.maxKeys) {
      walk.truncated = true;
      break;
    }
    walk.lastItem = key;
    walk.lastIsPrefix = false;
    ++count;
    ++it;
  }
  return walk;
}

std::string commonPrefixesXml(const Page& page, const Walk& walk) {
  std::string out;
  for (const auto& p : walk.commonPrefixes) {
    out += "<CommonPrefixes><Prefix>" + keyText(page, p) + "</Prefix></CommonPrefixes>";
  }
  return out;
}

std::string checksumAlgorithmXml(const ObjectVersion& v) {
  if (v.checksum.algorithm.empty()) return "";
  return "<ChecksumAlgorithm>" + v.checksum.algorithm + "</ChecksumAlgorithm><ChecksumType>" +
         v.checksum.type + "</ChecksumType>";
}

std::string ownerXml(const std::string& account) {
  return "<Owner><ID>" + account + "</ID><DisplayName>nimbus</DisplayName></Owner>";
}

}  // namespace

void listObjects(S3Service::Impl& s3, const RequestPtr& r, BucketEntry& bucket) {
  bool v2 = r->param("list-type") == "2";
  auto page = readPage(*r, "max-keys");
  if (!page) return fail(*r, page.error());
  std::string start;
  std::string token = r->param("continuation-token");
  if (v2 && r->has("continuation-token")) {
    auto decoded = base64Decode(token);
    if (!decoded || decoded->empty()) {
      return fail(*r, invalidArgument("The continuation token provided is incorrect"));
    }
    // "k" + key resumes after that key; "p" + prefix after every key under it.
    std::string_view last = std::string_view(*decoded).substr(1);
    start = decoded->front() == 'p' ? prefixSuccessor(std::string(last)) : std::string(last) + '\0';
  } else {
    std::string after = v2 ? r->param("start-after") : r->param("marker");
    if (!after.empty()) {
      // A V1 marker that is a common prefix skips everything under it.
      if (!page->delimiter.empty() && after.ends_with(page->delimiter) &&
          after.starts_with(page->prefix)) {
        start = prefixSuccessor(after);
      } else {
        start = after + '\0';
      }
    }
  }
  bool fetchOwner = !v2 || r->param("fetch-owner") == "true";
  std::string contents;
  int keys = 0;
  Walk walk = walkKeys(
      bucket, *page, start,
      [&](const std::string& key, const std::vector<ObjectVersion>& versions, bool full) {
        if (versions.empty() || versions.front().deleteMarker) return false;
        if (full) return true;
        const ObjectVersion& v = versions.front();
        contents += fmt::format(
            "<Contents><Key>{}</Key><LastModified>{}</LastModified><ETag>&quot;"
            "{}&quot;</ETag>{}<Size>{}</Size>{}<StorageClass>{}</StorageClass>"
            "</Contents>",
            keyText(*page, key), xmlTime(v.lastModifiedMs), v.etag, checksumAlgorithmXml(v), v.size,
            fetchOwner ? ownerXml(s3.settings.accountId) : "", v.storageClass);
        ++keys;
        return true;
      });
  std::string xml = fmt::format("<ListBucketResult xmlns=\"{}\"><Name>{}</Name><Prefix>{}</Prefix>",
                                kS3Namespace, xmlEscaped(r->bucket), keyText(*page, page->prefix));
  if (v2) {
    if (r->has("continuation-token")) {
      xml += "<ContinuationToken>" + xmlEscaped(token) + "</ContinuationToken>";
    }
    if (r->has("start-after")) {
      xml += "<StartAfter>" + keyText(*page, r->param("start-after")) + "</StartAfter>";
    }
    xml += fmt::format("<KeyCount>{}</KeyCount>", keys + walk.commonPrefixes.size());
    if (walk.truncated) {
      xml += "<NextContinuationToken>" +
             base64Encode((walk.lastIsPrefix ? "p" : "k") + walk.lastItem) +
             "</NextContinuationToken>";
    }
  } else {
    xml += "<Marker>" + keyText(*page, r->param("marker")) + "</Marker>";
    // S3 gives NextMarker only with a delimiter; without one, clients resume after the last key.
    if (walk.truncated && !page->delimiter.empty()) {
      xml += "<NextMarker>" + keyText(*page, walk.lastItem) + "</NextMarker>";
    }
  }
  xml += fmt::format("<MaxKeys>{}</MaxKeys>", page->maxKeys);
  if (!page->delimiter.empty()) {
    xml += "<Delimiter>" + keyText(*page, page->delimiter) + "</Delimiter>";
  }
  if (page->urlEncoding) xml += "<EncodingType>url</EncodingType>";
  xml += fmt::format("<IsTruncated>{}</IsTruncated>", walk.truncated ? "true" : "false");
  xml += contents + commonPrefixesXml(*page, walk) + "</ListBucketResult>";
  answerXml(*r, std::move(xml));
}

void listObjectVersions(S3Service::Impl& s3, const RequestPtr& r, BucketEntry& bucket) {
  auto page = readPage(*r, "max-keys");
  if (!page) return fail(*r, page.error());
  std::string keyMarker = r->param("key-marker");
  std::string versionMarker = r->param("version-id-marker");
  if (!versionMarker.empty() && keyMarker.empty()) {
    return fail(*r, invalidArgument("A version-id marker cannot be specified without a key "
                                    "marker."));
  }
  std::string start = keyMarker;
  bool skipMarkerKey = !keyMarker.empty() && versionMarker.empty();
  std::string entries;
  int count = 0;
  bool truncated = false;
  std::string nextKey;
  std::string nextVersion;
  Walk walk = walkKeys(
      bucket, *page, start,
      [&](const std::string& key, const std::vector<ObjectVersion>& versions, bool) {
        if (truncated) return false;
        if (skipMarkerKey && key == keyMarker) return false;
        bool skipping = !versionMarker.empty() && key == keyMarker;
        bool any = false;
        for (size_t i = 0; i < versions.size(); ++i) {
          const ObjectVersion& v = versions[i];
          if (skipping) {
            if (v.versionId == versionMarker) skipping = false;
            continue;
          }
          if (count == page->maxKeys) {
            truncated = true;
            break;
          }
          std::string common = fmt::format(
              "<Key>{}</Key><VersionId>{}</VersionId><IsLatest>{}</IsLatest><LastModified>{}"
              "</LastModified>",
              keyText(*page, key), v.versionId, i == 0 ? "true" : "false",
              xmlTime(v.lastModifiedMs));
          if (v.deleteMarker) {
            entries +=
                "<DeleteMarker>" + common + ownerXml(s3.settings.accountId) + "</DeleteMarker>";
          } else {
            entries += fmt::format(
                "<Version>{}<ETag>&quot;{}&quot;</ETag>{}<Size>{}</Size><StorageClass>{}"
                "</StorageClass>{}</Version>",
                common, v.etag, checksumAlgorithmXml(v), v.size, v.storageClass,
                ownerXml(s3.settings.accountId));
          }
          nextKey = key;
          nextVersion = v.versionId;
          ++count;
          any = true;
        }
        (void)any;
        return false;  // Counted here, version by version.
      });
  truncated = truncated || walk.truncated;
  std::string xml = fmt::format(
      "<ListVersionsResult xmlns=\"{}\"><Name>{}</Name><Prefix>{}</Prefix><KeyMarker>{}"
      "</KeyMarker><VersionIdMarker>{}</VersionIdMarker>",
      kS3Namespace, xmlEscaped(r->bucket), keyText(*page, page->prefix), keyText(*page, keyMarker),
      xmlEscaped(versionMarker));
  if (truncated) {
    xml += "<NextKeyMarker>" + keyText(*page, nextKey) + "</NextKeyMarker><NextVersionIdMarker>" +
           nextVersion + "</NextVersionIdMarker>";
  }
  xml += fmt::format("<MaxKeys>{}</MaxKeys>", page->maxKeys);
  if (!page->delimiter.empty()) {
    xml += "<Delimiter>" + keyText(*page, page->delimiter) + "</Delimiter>";
  }
  if (page->urlEncoding) xml += "<EncodingType>url</EncodingType>";
  xml += fmt::format("<IsTruncated>{}</IsTruncated>", truncated ? "true" : "false");
  xml += entries + commonPrefixesXml(*page, walk) + "</ListVersionsResult>";
  answerXml(*r, std::move(xml));
}

void listMultipartUploads(S3Service::Impl& s3, const RequestPtr& r, BucketEntry&) {
  auto page = readPage(*r, "max-uploads");
  if (!page) return fail(*r, page.error());
  std::string keyMarker = r->param("key-marker");
  std::string uploadMarker = r->param("upload-id-marker");
  // Uploads of this bucket in key order, then by initiation.
  std::vector<const MultipartUpload*> uploads;
  for (const auto& [id, upload] : s3.uploads) {
    if (upload.bucket == r->bucket && upload.key.starts_with(page->prefix)) {
      uploads.push_back(&upload);
    }
  }
  std::sort(uploads.begin(), uploads.end(), [](const auto* a, const auto* b) {
    return std::tie(a->key, a->initiatedMs, a->id) < std::tie(b->key, b->initiatedMs, b->id);
  });
  std::string entries;
  std::vector<std::string> prefixes;
  int count = 0;
  bool truncated = false;
  std::string nextKey;
  std::string nextUpload;
  bool pastMarker = keyMarker.empty();
  for (const auto* u : uploads) {
    if (!pastMarker) {
      if (u->key < keyMarker) continue;
      if (u->key == keyMarker) {
        if (uploadMarker.empty()) continue;
        if (u->id == uploadMarker) {
          pastMarker = true;
          continue;
        }
        continue;
      }
      pastMarker = true;
    }
    if (!page->delimiter.empty()) {
      auto at = u->key.find(page->delimiter, page->prefix.size());
      if (at != std::string::npos) {
        std::string common = u->key.substr(0, at + page->delimiter.size());
        if (!prefixes.empty() && prefixes.back() == common) continue;
        if (count == page->maxKeys) {
          truncated = true;
          break;
        }
        prefixes.push_back(common);
        ++count;
        continue;
      }
    }
    if (count == page->maxKeys) {
      truncated = true;
      break;
    }
    entries += fmt::format(
        "<Upload><Key>{}</Key><UploadId>{}</UploadId>{}{}<StorageClass>STANDARD</StorageClass>"
        "<Initiated>{}</Initiated>{}</Upload>",
        keyText(*page, u->key), u->id,
        "<Initiator><ID>" + s3.settings.accountId +
            "</ID><DisplayName>nimbus</DisplayName>"
            "</Initiator>",
        ownerXml(s3.settings.accountId), xmlTime(u->initiatedMs),
        u->checksumAlgorithm.empty()
            ? ""
            : "<ChecksumAlgorithm>" + u->checksumAlgorithm + "</ChecksumAlgorithm>");
    nextKey = u->key;
    nextUpload = u->id;
    ++count;
  }
  std::string xml = fmt::format(
      "<ListMultipartUploadsResult xmlns=\"{}\"><Bucket>{}</Bucket><KeyMarker>{}</KeyMarker>"
      "<UploadIdMarker>{}</UploadIdMarker><Prefix>{}</Prefix>",
      kS3Namespace, xmlEscaped(r->bucket), keyText(*page, keyMarker), xmlEscaped(uploadMarker),
      keyText(*page, page->prefix));
  if (truncated) {
    xml += "<NextKeyMarker>" + keyText(*page, nextKey) + "</NextKeyMarker><NextUploadIdMarker>" +
           nextUpload + "</NextUploadIdMarker>";
  }
  if (!page->delimiter.empty()) {
    xml += "<Delimiter>" + keyText(*page, page->delimiter) + "</Delimiter>";
  }
  xml += fmt::format("<MaxUploads>{}</MaxUploads><IsTruncated>{}</IsTruncated>", page->maxKeys,
                     truncated ? "true" : "false");
  if (page->urlEncoding) xml += "<EncodingType>url</EncodingType>";
  for (const auto& p : prefixes) {
    xml += "<CommonPrefixes><Prefix>" + keyText(*page, p) + "</Prefix></CommonPrefixes>";
  }
  xml += entries + "</ListMultipartUploadsResult>";
  answerXml(*r, std::move(xml));
}

}  // namespace nimbus::aws::s3
