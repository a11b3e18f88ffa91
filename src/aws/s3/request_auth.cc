// Presigned URLs and signed requests: refused when expired, malformed, or signed with the secret
// of a known access key that does not match. nimbus does not authenticate callers yet, so an
// unsigned request, or one signed with an access key nimbus does not know, goes on.
#include <chrono>
#include <cstdlib>

#include "aws/s3/presign.h"
#include "aws/s3/s3_impl.h"

namespace nimbus::aws::s3 {

std::optional<Refusal> checkSignature(const S3Service::Impl& s3, const S3Request& r) {
  // Header-signed requests from SDKs are not checked: clients sign them with whatever keys they
  // hold. Presigned URLs are, since their expiry is part of what they mean.
  if (r.has("Signature") && r.has("Expires") && r.has("AWSAccessKeyId")) {
    // A SigV2 presigned URL (older SDKs' default): its expiry, in epoch seconds, is checked.
    std::string expires = r.param("Expires");
    char* end = nullptr;
    long long at = std::strtoll(expires.c_str(), &end, 10);
    if (end == expires.c_str() || *end != '\0') {
      return Refusal{
          s3Error("AccessDenied", "Invalid date (should be seconds since epoch): " + expires, 403),
          ""};
    }
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    if (now > at) {
      return Refusal{s3Error("AccessDenied", "Request has expired", 403),
                     "<Expires>" + xmlTime(at * 1000) + "</Expires><ServerTime>" +
                         xmlTime(now * 1000) + "</ServerTime>"};
    }
    return std::nullopt;
  }
  if (!r.has("X-Amz-Signature") && !r.has("X-Amz-Credential") && !r.has("X-Amz-Algorithm")) {
    return std::nullopt;
  }
  const auto& secrets = s3.settings.secrets;
  SignedRequest request{r.http.method, r.http.target, r.http.headers};
  S3Authentication auth = authenticateS3Request(
      request,
      [&secrets](std::string_view id) -> std::optional<std::string> {
        auto it = secrets.find(std::string(id));
        if (it == secrets.end()) return std::nullopt;
        return it->second;
      },
      std::chrono::system_clock::now());
  if (auth.outcome != S3Authentication::Outcome::Rejected) return std::nullopt;
  Refusal refusal{s3Error(auth.error.code, auth.error.message, auth.error.status), ""};
  for (const auto& [name, value] : auth.error.details) {
    refusal.details += "<" + name + ">" + xmlEscaped(value) + "</" + name + ">";
  }
  return refusal;
}

}  // namespace nimbus::aws::s3
