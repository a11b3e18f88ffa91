#include "aws/cloudwatch/protocol.h"

#include <fmt/format.h>
#include <zlib.h>

#include <cstdlib>

#include "aws/cloudwatch/cbor_reader.h"
#include "core/url.h"
#include "core/xml_text.h"

namespace nimbus::aws::cloudwatch {

using nlohmann::json;

namespace {

constexpr std::string_view kCborPathPrefix = "/service/GraniteServiceVersion20100801/operation/";
// Bodies inflate to at most this much: a bound against compression bombs well above any
// operation's own limit (PutMetricData's 1 MB).
constexpr size_t kMaxInflatedBytes = 8 << 20;

std::string_view pathOf(const HttpRequest& request) {
  std::string_view target = request.target;
  return target.substr(0, target.find('?'));
}

ServiceError serializationError(std::string message) {
  return ServiceError{"SerializationException", std::move(message), 400};
}

// Inflates a gzip (or zlib) body. False when it is damaged or too large.
bool inflateBody(std::string_view in, std::string& out) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return false;  // 32: detect gzip or zlib headers.
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buffer[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buffer, sizeof buffer - z.avail_out);
    if (out.size() > kMaxInflatedBytes) break;
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) break;  // Truncated input.
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END;
}

bool isIndex(std::string_view s) {
  if (s.empty() || s.size() > 6) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return s != "0" && s[0] != '0';
}

// Lists grow to the largest index given; the gaps (indexes a client skipped) are removed.
void compactLists(json& node) {
  if (node.is_array()) {
    json compact = json::array();
    for (auto& e : node) {
      if (e.is_null()) continue;
      compactLists(e);
      compact.push_back(std::move(e));
    }
    node = std::move(compact);
  } else if (node.is_object()) {
    for (auto& [key, value] : node.items()) compactLists(value);
  }
}

const char* shapeName(const std::string& code) {
  if (code == "InvalidParameterValue") return "InvalidParameterValueException";
  if (code == "MissingParameter") return "MissingRequiredParameterException";
  if (code == "InvalidParameterCombination") return "InvalidParameterCombinationException";
  if (code == "InternalServiceError") return "InternalServiceFault";
  return nullptr;
}

}  // namespace

Protocol detectProtocol(const HttpRequest& request) {
  if (pathOf(request).starts_with(kCborPathPrefix)) return Protocol::Cbor;
  if (const HttpHeader* target = findHeader(request.headers, "X-Amz-Target")) {
    if (std::string_view(target->value).starts_with(kTargetPrefix)) return Protocol::Json;
  }
  return Protocol::Query;
}

json unflattenQuery(const std::vector<std::pair<std::string, std::string>>& params) {
  json root = json::object();
  for (const auto& [name, value] : params) {
    json* node = &root;
    std::string_view rest = name;
    bool ok = true;
    while (ok) {
      size_t dot = rest.find('.');
      std::string_view segment = rest.substr(0, dot);
      bool last = dot == std::string_view::npos;
      // "X.member.N": the N-th element of list X.
      if (segment == "member" && !last) {
        std::string_view after = rest.substr(dot + 1);
        size_t dot2 = after.find('.');
        std::string_view index = after.substr(0, dot2);
        if (!isIndex(index)) {
          ok = false;
          break;
        }
        if (!node->is_array()) {
          if (!node->is_null() && !(node->is_string() && node->get<std::string>().empty())) {
            ok = false;
            break;
          }
          *node = json::array();
        }
        size_t i = std::strtoul(std::string(index).c_str(), nullptr, 10) - 1;
        if (node->size() <= i) {
          for (size_t k = node->size(); k <= i; ++k) node->push_back(nullptr);
        }
        node = &(*node)[i];
        if (dot2 == std::string_view::npos) {
          *node = value;
          break;
        }
        rest = after.substr(dot2 + 1);
        continue;
      }
      if (node->is_null()) *node = json::object();
      if (!node->is_object()) {
        ok = false;
        break;
      }
      node = &(*node)[std::string(segment)];
      if (last) {
        if (node->is_null()) *node = value;
        break;
      }
      rest = rest.substr(dot + 1);
    }
  }
  compactLists(root);
  return root;
}

Result<WireRequest> readRequest(const HttpRequest& request, Protocol protocol) {
  WireRequest out;
  out.protocol = protocol;
  std::string inflated;
  std::string_view body = request.body;
  if (const HttpHeader* encoding = findHeader(request.headers, "Content-Encoding")) {
    if (iequals(encoding->value, "gzip")) {
      if (!inflateBody(body, inflated)) {
        return serializationError("The request body could not be decompressed");
      }
      body = inflated;
    }
  }
  out.bodyBytes = body.size();
  switch (protocol) {
    case Protocol::Cbor: {
      out.operation = std::string(pathOf(request).substr(kCborPathPrefix.size()));
      if (body.empty()) return out;
      auto input = readCbor(body);
      if (!input || !input->is_object()) {
        return serializationError("The request body is not a CBOR map");
      }
      out.input = std::move(*input);
      return out;
    }
    case Protocol::Json: {
      std::string_view target = findHeader(request.headers, "X-Amz-Target")->value;
      out.operation = std::string(target.substr(target.find('.') + 1));
      if (body.empty()) return out;
      out.input = json::parse(body, nullptr, false);
      if (out.input.is_discarded() || !out.input.is_object()) {
        return serializationError("The request body is not a JSON object");
      }
      return out;
    }
    case Protocol::Query:
      break;
  }
  std::vector<std::pair<std::string, std::string>> params;
  auto collect = [&](std::string_view name, std::string_view value) {
    if (name == "Action") {
      out.operation = std::string(value);
    } else if (name != "Version") {
      params.emplace_back(std::string(name), std::string(value));
    }
  };
  std::string_view target = request.target;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    forEachQueryParameter(target.substr(q + 1), collect);
  }
  forEachQueryParameter(body, collect);
  if (out.operation.empty()) {
    return ServiceError{"MissingAction", "Missing Action", 400};
  }
  out.input = unflattenQuery(params);
  return out;
}

HttpResponse writeAnswer(Protocol protocol, std::string_view operation, const WireValue* output,
                         const std::string& requestId) {
  switch (protocol) {
    case Protocol::Json:
      return HttpResponse{
          200,
          {{"Content-Type", "application/x-amz-json-1.0"}, {"x-amzn-RequestId", requestId}},
          output ? toJson(*output) : "{}"};
    case Protocol::Cbor:
      return HttpResponse{200,
                          {{"Content-Type", "application/cbor"},
                           {"smithy-protocol", "rpc-v2-cbor"},
                           {"x-amzn-RequestId", requestId}},
                          toCbor(output ? *output : WireValue::structure())};
    case Protocol::Query:
      break;
  }
  std::string body;
  fmt::format_to(std::back_inserter(body), "<{}Response xmlns=\"{}\">", operation, kXmlNamespace);
  if (output) {
    fmt::format_to(std::back_inserter(body), "<{}Result>", operation);
    appendXmlMembers(body, *output);
    fmt::format_to(std::back_inserter(body), "</{}Result>", operation);
  }
  fmt::format_to(std::back_inserter(body),
                 "<ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{}Response>",
                 requestId, operation);
  return HttpResponse{
      200, {{"Content-Type", "text/xml"}, {"x-amzn-RequestId", requestId}}, std::move(body)};
}

HttpResponse writeError(Protocol protocol, const ServiceError& error,
                        const std::string& requestId) {
  const char* fault = error.status >= 500 ? "Receiver" : "Sender";
  if (protocol == Protocol::Query) {
    std::string body;
    fmt::format_to(std::back_inserter(body),
                   "<ErrorResponse xmlns=\"{}\"><Error><Type>{}</Type><Code>", kXmlNamespace,
                   fault);
    appendXmlEscaped(body, error.code);
    body += "</Code><Message>";
    appendXmlEscaped(body, error.message);
    body += "</Message></Error><RequestId>";
    body += requestId;
    body += "</RequestId></ErrorResponse>";
    return HttpResponse{error.status,
                        {{"Content-Type", "text/xml"}, {"x-amzn-RequestId", requestId}},
                        std::move(body)};
  }
  const char* shape = shapeName(error.code);
  std::string type = fmt::format("com.amazonaws.cloudwatch#{}", shape ? shape : error.code);
  WireValue body = WireValue::structure();
  body.set("__type", WireValue::string(type));
  // InternalServiceFault's member is "Message"; the synthetic query errors' is "message".
  body.set(error.code == "InternalServiceError" ? "Message" : "message",
           WireValue::string(error.message));
  std::vector<HttpHeader> headers = {
      {"x-amzn-RequestId", requestId},
      {"x-amzn-query-error", fmt::format("{};{}", error.code, fault)},
  };
  if (protocol == Protocol::Cbor) {
    headers.push_back({"Content-Type", "application/cbor"});
    headers.push_back({"smithy-protocol", "rpc-v2-cbor"});
    return HttpResponse{error.status, std::move(headers), toCbor(body)};
  }
  headers.push_back({"Content-Type", "application/x-amz-json-1.0"});
  headers.push_back({"x-amzn-ErrorType", shape ? shape : error.code});
  return HttpResponse{error.status, std::move(headers), toJson(body)};
}

}  // namespace nimbus::aws::cloudwatch
