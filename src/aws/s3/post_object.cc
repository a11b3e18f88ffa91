// PostObject: a browser's HTML form upload (POST to the bucket, multipart/form-data), checked
// against its POST policy (expiration, conditions, the fields it covers) and signature, stored as
// PutObject stores, notified as s3:ObjectCreated:Post, and answered as the form asks
// (success_action_status or success_action_redirect).
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "aws/s3/checksums.h"
#include "aws/s3/presign.h"
#include "aws/s3/s3_impl.h"
#include "core/base64.h"
#include "core/hash.h"
#include "core/time_format.h"

namespace nimbus::aws::s3 {

namespace {

// The request body as one view: in memory, or the spooled file mapped (never copied to the heap).
class BodyView {
 public:
  explicit BodyView(const S3Request& r) {
    if (!r.http.spooledBody) {
      view_ = r.http.body;
      return;
    }
    int fd = ::open(r.http.spooledBody->path.c_str(), O_RDONLY | O_CLOEXEC);
    size_ = r.http.spooledBody->size;
    if (fd >= 0 && size_ > 0) {
      void* at = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (at != MAP_FAILED) {
        map_ = at;
        view_ = std::string_view(static_cast<const char*>(at), size_);
      }
    }
    if (fd >= 0) ::close(fd);
  }
  ~BodyView() {
    if (map_) ::munmap(map_, size_);
  }
  BodyView(const BodyView&) = delete;
  BodyView& operator=(const BodyView&) = delete;
  std::string_view view() const { return view_; }

 private:
  std::string_view view_;
  void* map_ = nullptr;
  size_t size_ = 0;
};

struct FormField {
  std::string name;  // As sent.
  std::string value;
};

struct Form {
  std::vector<FormField> fields;  // Before the file, in order.
  std::string_view file;          // The file's bytes.
  std::string filename;
  std::string fileContentType;
  bool hasFile = false;
};

const FormField* field(const Form& form, std::string_view name) {
  for (const auto& f : form.fields) {
    if (iequals(f.name, name)) return &f;
  }
  return nullptr;
}

std::string parameter(std::string_view header, std::string_view name) {
  std::string key = std::string(name) + "=";
  auto at = header.find(key);
  if (at == std::string_view::npos) return "";
  std::string_view rest = header.substr(at + key.size());
  if (!rest.empty() && rest.front() == '"') {
    rest.remove_prefix(1);
    return std::string(rest.substr(0, rest.find('"')));
  }
  return std::string(rest.substr(0, rest.find_first_of("; ")));
}

// multipart/form-data, as browsers send it. Fields after the file are ignored, as S3 ignores
// them.
Result<Form> parseForm(std::string_view body, std::string_view contentType) {
  auto malformed = [] {
    return s3Error("MalformedPOSTRequest",
                   "The body of your POST request is not well-formed multipart/form-data.", 400);
  };
  std::string boundary = parameter(contentType, "boundary");
  if (boundary.empty()) return malformed();
  std::string delimiter = "--" + boundary;
  Form form;
  size_t at = body.find(delimiter);
  if (at == std::string_view::npos) return malformed();
  at += delimiter.size();
  while (true) {
    if (body.substr(at, 2) == "--") break;  // The closing delimiter.
    if (body.substr(at, 2) != "\r\n") return malformed();
    at += 2;
    size_t headersEnd = body.find("\r\n\r\n", at);
    if (headersEnd == std::string_view::npos) return malformed();
    std::string_view headers = body.substr(at, headersEnd - at);
    size_t contentStart = headersEnd + 4;
    size_t next = body.find("\r\n" + delimiter, contentStart);
    if (next == std::string_view::npos) return malformed();
    std::string_view content = body.substr(contentStart, next - contentStart);
    std::string disposition;
    std::string type;
    while (!headers.empty()) {
      auto eol = headers.find("\r\n");
      std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view{} : headers.substr(eol + 2);
      auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view name = line.substr(0, colon);
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (iequals(name, "Content-Disposition")) disposition = std::string(value);
      if (iequals(name, "Content-Type")) type = std::string(value);
    }
    std::string name = parameter(disposition, "name");
    if (iequals(name, "file")) {
      form.file = content;
      form.filename = parameter(disposition, "filename");
      form.fileContentType = type;
      form.hasFile = true;
      break;
    }
    form.fields.push_back({name, std::string(content)});
    at = next + 2 + delimiter.size();
  }
  if (!form.hasFile) {
    return s3Error("InvalidArgument", "POST requires exactly one file upload per request.", 400);
  }
  return form;
}

ServiceError policyFailure(std::string why) {
  return s3Error("AccessDenied", "Invalid according to Policy: " + std::move(why), 403);
}

// Checks the POST policy: not expired, every condition held, every field covered.
std::optional<ServiceError> checkPolicy(const Form& form, const std::string& bucket,
                                        std::string_view policyBase64) {
  auto decoded = base64Decode(policyBase64);
  auto policy = decoded ? nlohmann::json::parse(*decoded, nullptr, false) : nlohmann::json();
  if (!decoded || policy.is_discarded() || !policy.is_object()) {
    return s3Error("InvalidPolicyDocument", "Invalid Policy: Invalid JSON.", 400);
  }
  std::string expiration = policy.value("expiration", "");
  std::tm parts{};
  const char* end = strptime(expiration.c_str(), "%Y-%m-%dT%H:%M:%S", &parts);
  if (!end)
    return s3Error("InvalidPolicyDocument",
                   "Invalid Policy: Invalid 'expiration' value: '" + expiration + "'", 400);
  if (static_cast<int64_t>(timegm(&parts)) * 1000 < nowMs())
    return policyFailure("Policy expired.");
  auto valueOf = [&](std::string name) -> std::string {
    if (!name.empty() && name.front() == '$') name.erase(0, 1);
    if (iequals(name, "bucket")) return bucket;
    if (const FormField* f = field(form, name)) return f->value;
    if (iequals(name, "Content-Type") && !form.fileContentType.empty()) return form.fileContentType;
    return "";
  };
  std::vector<std::string> covered = {"bucket"};
  for (const auto& condition : policy.value("conditions", nlohmann::json::array())) {
    if (condition.is_object()) {
      for (const auto& [name, value] : condition.items()) {
        covered.push_back(name);
        std::string wanted = value.is_string() ? value.get<std::string>() : value.dump();
        if (valueOf(name) != wanted) {
          return policyFailure(
              fmt::format("Policy Condition failed: [\"eq\", \"${}\", \"{}\"]", name, wanted));
        }
      }
    } else if (condition.is_array() && condition.size() == 3 && condition[0].is_string()) {
      std::string op = condition[0].get<std::string>();
      if (op == "content-length-range") {
        uint64_t min = condition[1].is_number() ? condition[1].get<uint64_t>() : 0;
        uint64_t max = condition[2].is_number() ? condition[2].get<uint64_t>() : 0;
        if (form.file.size() < min) {
          return s3Error("EntityTooSmall",
                         "Your proposed upload is smaller than the minimum allowed size", 400);
        }
        if (form.file.size() > max) {
          return s3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
                         400);
        }
        continue;
      }
      std::string name = condition[1].is_string() ? condition[1].get<std::string>() : "";
      std::string wanted = condition[2].is_string() ? condition[2].get<std::string>() : "";
      covered.push_back(name.empty() || name.front() != '$' ? name : name.substr(1));
      std::string actual = valueOf(name);
      bool held = op == "eq" ? actual == wanted : op == "starts-with" && actual.starts_with(wanted);
      if (!held) {
        return policyFailure(
            fmt::format("Policy Condition failed: [\"{}\", \"{}\", \"{}\"]", op, name, wanted));
      }
    }
  }
  for (const auto& f : form.fields) {
    std::string name = lowerCase(f.name);
    if (name == "policy" || name == "x-amz-signature" || name == "signature" ||
        name == "awsaccesskeyid" || name == "file" || name.starts_with("x-ignore-")) {
      continue;
    }
    bool isCovered = std::any_of(covered.begin(), covered.end(),
                                 [&](const std::string& c) { return iequals(c, name); });
    if (!isCovered) return policyFailure("Extra input fields: " + f.name);
  }
  return std::nullopt;
}

// The form's SigV4 signature over the policy, for a known access key.
std::optional<ServiceError> checkFormSignature(const S3Service::Impl& s3, const Form& form,
                                               std::string_view policyBase64) {
  const FormField* credential = field(form, "x-amz-credential");
  const FormField* signature = field(form, "x-amz-signature");
  if (!credential || !signature) return std::nullopt;  // Unsigned or SigV2: not checked.
  std::vector<std::string> scope;
  std::string_view rest = credential->value;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    scope.emplace_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  }
  if (scope.size() != 5) {
    return invalidArgument("Invalid argument: x-amz-credential is malformed");
  }
  auto secret = s3.settings.secrets.find(scope[0]);
  if (secret == s3.settings.secrets.end()) return std::nullopt;
  std::string key = sigV4SigningKey(secret->second, scope[1], scope[2], scope[3]);
  if (sigV4Signature(key, policyBase64) != signature->value) {
    return s3Error("SignatureDoesNotMatch",
                   "The request signature we calculated does not match the signature you "
                   "provided. Check your key and signing method.",
                   403);
  }
  return std::nullopt;
}

}  // namespace

void postObject(S3Service::Impl& s3, const RequestPtr& r) {
  {
    std::lock_guard lock(s3.mutex);
    if (!s3.findBucket(r->bucket)) return fail(*r, noSuchBucket(r->bucket));
  }
  std::string contentType = r->headerOr("Content-Type");
  if (contentType.find("multipart/form-data") == std::string::npos) {
    return fail(*r, s3Error("PreconditionFailed",
                            "Bucket POST must be of the enclosure-type multipart/form-data", 412));
  }
  // Parsing reads (a mapping of) the whole body: off the I/O threads.
  s3.onDisk([&s3, r, contentType] {
    BodyView body(*r);
    auto form = parseForm(body.view(), contentType);
    if (!form) return fail(*r, form.error());
    const FormField* keyField = field(*form, "key");
    if (!keyField || keyField->value.empty()) {
      return fail(*r, invalidArgument("Bucket POST must contain a field named 'key'.  If it is "
                                      "specified, please check the order of the fields."));
    }
    std::string key = keyField->value;
    if (auto at = key.find("${filename}"); at != std::string::npos) {
      key.replace(at, 11, form->filename);
    }
    if (const FormField* policy = field(*form, "policy")) {
      if (auto refused = checkPolicy(*form, r->bucket, policy->value)) return fail(*r, *refused);
      if (auto refused = checkFormSignature(s3, *form, policy->value)) return fail(*r, *refused);
    }
    ObjectVersion v;
    v.key = key;
    v.size = form->file.size();
    Md5 md5;
    md5.update(form->file);
    v.etag = md5.finishHex();
    v.lastModifiedMs = nowMs();
    for (std::string_view stored : kStoredContentHeaders) {
      if (const FormField* f = field(*form, stored))
        v.contentHeaders.emplace_back(stored, f->value);
    }
    if (!field(*form, "Content-Type") && !form->fileContentType.empty()) {
      v.contentHeaders.emplace_back("Content-Type", form->fileContentType);
    }
    for (const auto& f : form->fields) {
      if (f.name.size() > 11 && iequals(std::string_view(f.name).substr(0, 11), "x-amz-meta-")) {
        v.metadata.emplace_back(lowerCase(std::string_view(f.name).substr(11)), f.value);
      }
    }
    if (const FormField* tagging = field(*form, "tagging")) {
      auto tags = readTagging(tagging->value, 10);
      if (!tags) return fail(*r, tags.error());
      v.tags = std::move(*tags);
    }
    if (!form->file.empty()) {
      std::string error;
      FileHandle out = s3.files.create(DataFiles::Area::Objects, v.dataFile, error);
      if (!out || !writeAll(out.get(), form->file) || ::fdatasync(out.get()) != 0) {
        s3.files.remove(DataFiles::Area::Objects, v.dataFile);
        return fail(*r, s3Error("InternalError", "cannot store the object", 500));
      }
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
    std::string redirect = field(*form, "success_action_redirect")
                               ? field(*form, "success_action_redirect")->value
                               : "";
    std::string status =
        field(*form, "success_action_status") ? field(*form, "success_action_status")->value : "";
    s3.commitVersion(
        r->bucket, std::move(v), {"ObjectCreated:Post", r->requestId, r->http.sourceIp},
        [r, redirect, status](std::string error, const ObjectVersion& object) {
          if (!error.empty()) return fail(*r, s3Error("InternalError", error, 500));
          std::string host = r->headerOr("Host", "localhost");
          std::string location = fmt::format("http://{}/{}/{}", host, r->bucket, object.key);
          HttpResponse response;
          response.headers.push_back({"ETag", "\"" + object.etag + "\""});
          response.headers.push_back({"Location", location});
          if (object.versionId != "null") {
            response.headers.push_back({"x-amz-version-id", object.versionId});
          }
          if (!redirect.empty()) {
            response.status = 303;
            std::string target = fmt::format("{}{}bucket={}&key={}&etag=%22{}%22", redirect,
                                             redirect.find('?') == std::string::npos ? "?" : "&",
                                             r->bucket, object.key, object.etag);
            response.headers.push_back({"Location", target});
            std::erase_if(response.headers, [&](const HttpHeader& h) {
              return iequals(h.name, "Location") && h.value == location;
            });
            return answer(*r, std::move(response));
          }
          if (status == "201") {
            response.status = 201;
            response.headers.push_back({"Content-Type", "application/xml"});
            response.body = fmt::format(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse><Location>{}</Location>"
                "<Bucket>{}</Bucket><Key>{}</Key><ETag>&quot;{}&quot;</ETag></PostResponse>",
                xmlEscaped(location), xmlEscaped(r->bucket), xmlEscaped(object.key), object.etag);
            return answer(*r, std::move(response));
          }
          response.status = status == "200" ? 200 : 204;
          answer(*r, std::move(response));
        });
  });
}

}  // namespace nimbus::aws::s3
