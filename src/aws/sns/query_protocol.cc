#include "aws/sns/query_protocol.h"

#include <fmt/format.h>

#include <cstdlib>

#include "core/url.h"

namespace nimbus::aws::sns {

namespace {

bool isFormContentType(const HttpRequest& request) {
  const HttpHeader* type = findHeader(request.headers, "Content-Type");
  if (!type) return !request.body.empty() && request.method == "POST";
  std::string_view v = type->value;
  return v.substr(0, 33) == "application/x-www-form-urlencoded";
}

// The positive integer at the start of `s`, with its length, or 0.
size_t leadingIndex(std::string_view s, size_t& length) {
  length = 0;
  while (length < s.size() && s[length] >= '0' && s[length] <= '9') ++length;
  if (length == 0 || length > 9) return 0;
  return std::strtoul(std::string(s.substr(0, length)).c_str(), nullptr, 10);
}

}  // namespace

QueryParams QueryParams::parse(std::string_view form) {
  QueryParams params;
  forEachQueryParameter(form, [&](std::string_view name, std::string_view value) {
    params.values_[std::string(name)] = std::string(value);
  });
  return params;
}

QueryParams QueryParams::fromRequest(const HttpRequest& request) {
  QueryParams params;
  std::string_view target = request.target;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    params = parse(target.substr(q + 1));
  }
  if (isFormContentType(request)) {
    forEachQueryParameter(request.body, [&](std::string_view name, std::string_view value) {
      params.values_[std::string(name)] = std::string(value);
    });
  }
  return params;
}

const std::string& QueryParams::get(std::string_view name) const {
  static const std::string kEmpty;
  auto it = values_.find(name);
  return it == values_.end() ? kEmpty : it->second;
}

std::vector<QueryParams> QueryParams::elements(std::string_view prefix,
                                               std::string_view kind) const {
  std::string head = fmt::format("{}.{}.", prefix, kind);
  std::map<size_t, QueryParams> byIndex;
  for (auto it = values_.lower_bound(head); it != values_.end(); ++it) {
    std::string_view name = it->first;
    if (name.substr(0, head.size()) != head) break;
    std::string_view rest = name.substr(head.size());
    size_t length = 0;
    size_t index = leadingIndex(rest, length);
    if (index == 0) continue;
    rest.remove_prefix(length);
    if (!rest.empty() && rest.front() != '.') continue;
    if (!rest.empty()) rest.remove_prefix(1);
    byIndex[index].values_[std::string(rest)] = it->second;
  }
  std::vector<QueryParams> out;
  out.reserve(byIndex.size());
  for (auto& [index, element] : byIndex) out.push_back(std::move(element));
  return out;
}

std::vector<std::pair<std::string, std::string>> QueryParams::stringMap(
    std::string_view prefix) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& entry : elements(prefix, "entry")) {
    if (!entry.has("key")) continue;
    out.emplace_back(entry.get("key"), entry.get("value"));
  }
  return out;
}

XmlWriter& XmlWriter::open(std::string_view name) {
  out_ += '<';
  out_ += name;
  out_ += '>';
  return *this;
}

XmlWriter& XmlWriter::close(std::string_view name) {
  out_ += "</";
  out_ += name;
  out_ += '>';
  return *this;
}

XmlWriter& XmlWriter::element(std::string_view name, std::string_view text) {
  open(name);
  appendXmlEscaped(out_, text);
  return close(name);
}

HttpResponse queryResponse(std::string_view action, std::string_view resultXml, bool hasResult,
                           std::string_view requestId) {
  std::string body;
  body.reserve(resultXml.size() + 256);
  fmt::format_to(std::back_inserter(body), "<{}Response xmlns=\"{}\">", action, kSnsXmlNamespace);
  if (hasResult)
    fmt::format_to(std::back_inserter(body), "<{0}Result>{1}</{0}Result>", action, resultXml);
  fmt::format_to(std::back_inserter(body),
                 "<ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{}Response>",
                 requestId, action);
  return HttpResponse{200,
                      {{"Content-Type", "text/xml"}, {"x-amzn-RequestId", std::string(requestId)}},
                      std::move(body)};
}

HttpResponse queryError(int status, std::string_view code, std::string_view message,
                        std::string_view requestId) {
  std::string body;
  fmt::format_to(std::back_inserter(body), "<ErrorResponse xmlns=\"{}\"><Error><Type>{}</Type>",
                 kSnsXmlNamespace, status >= 500 ? "Receiver" : "Sender");
  XmlWriter w(body);
  w.element("Code", code).element("Message", message).close("Error");
  w.element("RequestId", requestId).close("ErrorResponse");
  return HttpResponse{status,
                      {{"Content-Type", "text/xml"}, {"x-amzn-RequestId", std::string(requestId)}},
                      std::move(body)};
}

}  // namespace nimbus::aws::sns
