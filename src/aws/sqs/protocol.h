// The two wire protocols SQS clients speak, behind one reading and one writing interface, so
// that each operation is written once:
// - query: form-encoded `Action=SendMessage&QueueUrl=...`, flattened lists and maps
//   (`Attribute.1.Name`), XML answers in the 2012-11-05 namespace; the AWS CLI v2 and boto3 of
//   Debian 12 and older SDKs;
// - JSON (awsJson1_0, `X-Amz-Target: AmazonSQS.SendMessage`), JSON answers, errors as __type plus
//   the x-amzn-query-error header; current AWS SDKs.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "aws/sqs/message.h"
#include "aws/sqs/sqs_error.h"
#include "core/http_message.h"
#include "core/xml_text.h"

namespace nimbus::aws::sqs {

// A request's parameters, or one batch entry's. Names are the JSON member names; where the query
// protocol flattens a list or map under another name, callers give that name too.
class Params {
 public:
  virtual ~Params() = default;
  // A scalar member as text (a JSON number or boolean is given as its JSON text).
  virtual std::optional<std::string> string(std::string_view name) const = 0;
  // A list of strings: JSON array `name`, or `queryName.1`, `queryName.2`, ...
  virtual std::vector<std::string> stringList(std::string_view name,
                                              std::string_view queryName) const = 0;
  // A map of strings: JSON object `name`, or `queryName.N.<key>` / `queryName.N.<value>`.
  virtual std::map<std::string, std::string> stringMap(std::string_view name,
                                                       std::string_view queryName,
                                                       std::string_view key,
                                                       std::string_view value) const = 0;
  // Message attributes (or message system attributes): JSON {"name": {"DataType", "StringValue"
  // or "BinaryValue"}}, or `queryName.N.Name`, `queryName.N.Value.DataType`, ...
  virtual Result<MessageAttributes> attributes(std::string_view name,
                                               std::string_view queryName) const = 0;
  // A list of structures (batch entries): JSON array of objects, or `queryName.N.<member>`.
  virtual std::vector<std::unique_ptr<Params>> entries(std::string_view name,
                                                       std::string_view queryName) const = 0;
};

// Parses a query-protocol request (form body, or the query string of a GET). `action` is set
// from the Action parameter.
std::unique_ptr<Params> parseQueryRequest(const HttpRequest& request, std::string& action);

// Parses a JSON-protocol body. Returns null with `error` set when it is not a JSON object. The
// parameters refer to a thread-local parser's memory: use them before this thread parses again.
std::unique_ptr<Params> parseJsonRequest(std::string_view body, SqsError& error);

// An answer being written. Members are written in the model's order; lists of structures are
// written item by item.
class Output {
 public:
  virtual ~Output() = default;
  virtual void string(std::string_view name, std::string_view value) = 0;
  virtual void boolean(std::string_view name, bool value) = 0;
  // A list: JSON array `jsonName`; in XML flattened, each item an `xmlItem` element.
  virtual void beginList(std::string_view jsonName, std::string_view xmlItem) = 0;
  virtual void endList() = 0;
  virtual void beginItem() = 0;  // A structure in the current list.
  virtual void endItem() = 0;
  virtual void listString(std::string_view value) = 0;  // A string in the current list.
  // A map: JSON object `jsonName`; in XML flattened `xmlEntry` elements of `xmlKey`/`xmlValue`.
  virtual void stringMap(std::string_view jsonName, std::string_view xmlEntry,
                         std::string_view xmlKey, std::string_view xmlValue,
                         const std::vector<std::pair<std::string, std::string>>& entries) = 0;
  virtual void messageAttributes(std::string_view jsonName, std::string_view xmlEntry,
                                 const MessageAttributes& attributes) = 0;
  virtual HttpResponse finish() = 0;
};

enum class Protocol { kQuery, kJson };

// An answer to `action`. `hasResult`: the operation has an output shape (XML then wraps the
// members in <ActionResult>).
std::unique_ptr<Output> newOutput(Protocol protocol, std::string_view action, bool hasResult,
                                  std::string_view requestId);

HttpResponse errorResponse(Protocol protocol, const SqsError& error, std::string_view requestId);

}  // namespace nimbus::aws::sqs
