// Builds CloudWatch requests in each of the three wire protocols and captures the answers.
#pragma once

#include <zlib.h>

#include <cstdio>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "aws/cloudwatch/cbor_reader.h"
#include "aws/cloudwatch/cloudwatch_service.h"
#include "aws/cloudwatch/wire_value.h"

namespace nimbus::aws::cloudwatch::testing {

class CapturingSink : public http::Responder::Sink {
 public:
  void respond(HttpResponse&& response) override { promise.set_value(std::move(response)); }
  void abandon() override { promise.set_value(HttpResponse{0, {}, "(abandoned)"}); }
  std::promise<HttpResponse> promise;
};

inline HttpResponse call(CloudWatchService& service, HttpRequest request) {
  auto sink = std::make_shared<CapturingSink>();
  auto answer = sink->promise.get_future();
  service.handle(std::move(request), RequestIdentity{"monitoring", "us-east-1", ""},
                 http::Responder(sink));
  return answer.get();
}

inline std::string header(const HttpResponse& response, std::string_view name) {
  const HttpHeader* h = findHeader(response.headers, name);
  return h ? h->value : "";
}

inline std::string formEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

using Params = std::vector<std::pair<std::string, std::string>>;

// An awsQuery request, as awscli 1.x and boto3 1.26 send it.
inline HttpRequest queryRequest(std::string_view action, const Params& params) {
  std::string body = "Action=" + std::string(action) + "&Version=2010-08-01";
  for (const auto& [k, v] : params) body += "&" + formEncode(k) + "=" + formEncode(v);
  return HttpRequest{"POST",
                     "/",
                     {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
                     std::move(body),
                     "127.0.0.1",
                     "HTTP/1.1"};
}

// An AWS JSON 1.0 request.
inline HttpRequest jsonRequest(std::string_view operation, const nlohmann::json& input) {
  return HttpRequest{"POST",
                     "/",
                     {{"Content-Type", "application/x-amz-json-1.0"},
                      {"X-Amz-Target", "GraniteServiceVersion20100801." + std::string(operation)},
                      {"x-amzn-query-mode", "true"}},
                     input.dump(),
                     "127.0.0.1",
                     "HTTP/1.1"};
}

// A Smithy RPC v2 CBOR request (timestamps as tag 1, as botocore writes them).
inline HttpRequest cborRequest(std::string_view operation, const WireValue& input) {
  return HttpRequest{"POST",
                     "/service/GraniteServiceVersion20100801/operation/" + std::string(operation),
                     {{"Content-Type", "application/cbor"},
                      {"Accept", "application/cbor"},
                      {"smithy-protocol", "rpc-v2-cbor"}},
                     toCbor(input),
                     "127.0.0.1",
                     "HTTP/1.1"};
}

inline nlohmann::json decodeCbor(const std::string& body) {
  return readCbor(body).value_or(nlohmann::json());
}

inline std::string gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// The text of the first <tag>...</tag> in `xml`.
inline std::string xmlValue(const std::string& xml, const std::string& tag, size_t from = 0) {
  auto open = xml.find("<" + tag + ">", from);
  if (open == std::string::npos) return "";
  open += tag.size() + 2;
  return xml.substr(open, xml.find("</" + tag + ">", open) - open);
}

inline int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

}  // namespace nimbus::aws::cloudwatch::testing
