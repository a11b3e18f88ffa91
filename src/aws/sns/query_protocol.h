// The AWS query protocol as SNS speaks it: requests are form-encoded parameters (a POST body, or a
// GET's query string, as for the SubscribeURL a subscriber follows) with structures flattened
// into dotted names ("Attributes.entry.1.key", "MessageAttributes.entry.2.Value.DataType",
// "Tags.member.1.Key"); answers are XML in SNS's namespace, errors an <ErrorResponse>.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/http_message.h"
#include "core/xml_text.h"

namespace nimbus::aws::sns {

inline constexpr std::string_view kSnsXmlNamespace = "http://sns.amazonaws.com/doc/2010-03-31/";

class QueryParams {
 public:
  QueryParams() = default;

  // The parameters of a request: its query string, plus its body when that is a form.
  static QueryParams fromRequest(const HttpRequest& request);
  // Parses "a=1&b=x%20y" (with '+' as space).
  static QueryParams parse(std::string_view form);

  void set(std::string name, std::string value) { values_[std::move(name)] = std::move(value); }
  bool has(std::string_view name) const { return values_.find(name) != values_.end(); }
  // The value, or "" when absent.
  const std::string& get(std::string_view name) const;
  const std::map<std::string, std::string, std::less<>>& all() const { return values_; }

  // The members of a flattened list or map, in index order: for "Tags" and "member", every
  // "Tags.member.N.rest" becomes "rest" in the N-th element; "TagKeys.member.N" (a list of
  // scalars) becomes the element's "" parameter.
  std::vector<QueryParams> elements(std::string_view prefix, std::string_view kind) const;
  // A flattened string map: "Attributes.entry.N.key" / ".value" pairs, in index order.
  std::vector<std::pair<std::string, std::string>> stringMap(std::string_view prefix) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

// A small writer for query-protocol answers.
class XmlWriter {
 public:
  explicit XmlWriter(std::string& out) : out_(out) {}
  XmlWriter& open(std::string_view name);
  XmlWriter& close(std::string_view name);
  // <name>text</name>
  XmlWriter& element(std::string_view name, std::string_view text);

 private:
  std::string& out_;
};

// <{action}Response xmlns=...><{action}Result>{result}</{action}Result><ResponseMetadata>...
// With `hasResult` false, the answer carries ResponseMetadata only (DeleteTopic, Unsubscribe...).
HttpResponse queryResponse(std::string_view action, std::string_view resultXml, bool hasResult,
                           std::string_view requestId);

// <ErrorResponse><Error><Type>Sender|Receiver</Type><Code/><Message/></Error><RequestId/>...
HttpResponse queryError(int status, std::string_view code, std::string_view message,
                        std::string_view requestId);

}  // namespace nimbus::aws::sns
