#include "aws/sqs/protocol.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>
#include <set>

#include "core/base64.h"
#include "core/json_writer.h"
#include "core/url.h"

namespace nimbus::aws::sqs {

namespace {

constexpr std::string_view kXmlNamespace = "http://queue.amazonaws.com/doc/2012-11-05/";

SqsError badBinary(std::string_view name) {
  return {
      ErrorCode::kInvalidParameterValue,
      fmt::format("The message attribute '{}' with type 'Binary' must be base64-encoded.", name)};
}

// --- query -----------------------------------------------------------------------------------

using FormMap = std::unordered_map<std::string, std::string>;

class QueryParams final : public Params {
 public:
  QueryParams(std::shared_ptr<const FormMap> form, std::string prefix)
      : form_(std::move(form)), prefix_(std::move(prefix)) {}

  std::optional<std::string> string(std::string_view name) const override {
    return get(prefix_ + std::string(name));
  }

  std::vector<std::string> stringList(std::string_view, std::string_view queryName) const override {
    std::vector<std::string> out;
    std::string base = prefix_ + std::string(queryName) + ".";
    for (int n : indices(base, false)) {
      if (auto v = get(base + std::to_string(n))) out.push_back(std::move(*v));
    }
    return out;
  }

  std::map<std::string, std::string> stringMap(std::string_view, std::string_view queryName,
                                               std::string_view key,
                                               std::string_view value) const override {
    std::map<std::string, std::string> out;
    std::string base = prefix_ + std::string(queryName) + ".";
    for (int n : indices(base, true)) {
      std::string item = base + std::to_string(n) + ".";
      auto k = get(item + std::string(key));
      if (!k) continue;
      out[*k] = get(item + std::string(value)).value_or("");
    }
    return out;
  }

  Result<MessageAttributes> attributes(std::string_view,
                                       std::string_view queryName) const override {
    MessageAttributes out;
    std::string base = prefix_ + std::string(queryName) + ".";
    for (int n : indices(base, true)) {
      std::string item = base + std::to_string(n) + ".";
      MessageAttribute a;
      a.name = get(item + "Name").value_or("");
      a.dataType = get(item + "Value.DataType").value_or("");
      if (a.binary()) {
        auto decoded = base64Decode(get(item + "Value.BinaryValue").value_or(""));
        if (!decoded) return badBinary(a.name);
        a.value = std::move(*decoded);
      } else {
        a.value = get(item + "Value.StringValue").value_or("");
      }
      out.push_back(std::move(a));
    }
    return out;
  }

  std::vector<std::unique_ptr<Params>> entries(std::string_view,
                                               std::string_view queryName) const override {
    std::vector<std::unique_ptr<Params>> out;
    std::string base = prefix_ + std::string(queryName) + ".";
    for (int n : indices(base, true)) {
      out.push_back(std::make_unique<QueryParams>(form_, base + std::to_string(n) + "."));
    }
    return out;
  }

 private:
  std::optional<std::string> get(const std::string& key) const {
    auto it = form_->find(key);
    if (it == form_->end()) return std::nullopt;
    return it->second;
  }

  // The N of every `base` + N (+ "." + more when `nested`) key, in order.
  std::set<int> indices(const std::string& base, bool nested) const {
    std::set<int> out;
    for (const auto& [key, v] : *form_) {
      if (key.size() <= base.size() || key.compare(0, base.size(), base) != 0) continue;
      std::string_view rest = std::string_view(key).substr(base.size());
      size_t dot = rest.find('.');
      if (nested != (dot != std::string_view::npos)) continue;
      std::string_view digits = rest.substr(0, dot);
      int n = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
      if (ec == std::errc() && end == digits.data() + digits.size() && n > 0) out.insert(n);
    }
    return out;
  }

  std::shared_ptr<const FormMap> form_;
  std::string prefix_;
};

// --- JSON ------------------------------------------------------------------------------------

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

std::optional<std::string> scalarText(const element& e) {
  switch (e.type()) {
    case element_type::STRING:
      return std::string(std::string_view(e.get_string().value_unsafe()));
    case element_type::INT64:
      return std::to_string(int64_t(e.get_int64().value_unsafe()));
    case element_type::UINT64:
      return std::to_string(uint64_t(e.get_uint64().value_unsafe()));
    case element_type::DOUBLE:
      return fmt::format("{}", double(e.get_double().value_unsafe()));
    case element_type::BOOL:
      return e.get_bool().value_unsafe() ? "true" : "false";
    default:
      return std::nullopt;
  }
}

class JsonParams final : public Params {
 public:
  explicit JsonParams(object o) : o_(o) {}

  std::optional<std::string> string(std::string_view name) const override {
    element e;
    if (o_[name].get(e)) return std::nullopt;
    return scalarText(e);
  }

  std::vector<std::string> stringList(std::string_view name, std::string_view) const override {
    std::vector<std::string> out;
    simdjson::dom::array a;
    if (o_[name].get(a)) return out;
    for (element e : a) {
      if (auto s = scalarText(e)) out.push_back(std::move(*s));
    }
    return out;
  }

  std::map<std::string, std::string> stringMap(std::string_view name, std::string_view,
                                               std::string_view, std::string_view) const override {
    std::map<std::string, std::string> out;
    object m;
    if (o_[name].get(m)) return out;
    for (auto field : m) {
      if (auto s = scalarText(field.value)) out[std::string(field.key)] = std::move(*s);
    }
    return out;
  }

  Result<MessageAttributes> attributes(std::string_view name, std::string_view) const override {
    MessageAttributes out;
    object m;
    if (o_[name].get(m)) return out;
    for (auto field : m) {
      MessageAttribute a;
      a.name = std::string(field.key);
      object value;
      if (!field.value.get(value)) {
        std::string_view s;
        if (!value["DataType"].get(s)) a.dataType = std::string(s);
        if (a.binary()) {
          if (!value["BinaryValue"].get(s)) {
            auto decoded = base64Decode(s);
            if (!decoded) return badBinary(a.name);
            a.value = std::move(*decoded);
          }
        } else if (!value["StringValue"].get(s)) {
          a.value = std::string(s);
        }
      }
      out.push_back(std::move(a));
    }
    return out;
  }

  std::vector<std::unique_ptr<Params>> entries(std::string_view name,
                                               std::string_view) const override {
    std::vector<std::unique_ptr<Params>> out;
    simdjson::dom::array a;
    if (o_[name].get(a)) return out;
    for (element e : a) {
      object entry;
      if (e.get(entry)) continue;
      out.push_back(std::make_unique<JsonParams>(entry));
    }
    return out;
  }

 private:
  object o_;
};

// --- answers ---------------------------------------------------------------------------------

class XmlOutput final : public Output {
 public:
  XmlOutput(std::string_view action, bool hasResult, std::string_view requestId)
      : action_(action), hasResult_(hasResult), requestId_(requestId) {
    out_.reserve(512);
    out_ += "<?xml version=\"1.0\"?><";
    out_ += action_;
    out_ += "Response xmlns=\"";
    out_ += kXmlNamespace;
    out_ += "\">";
    if (hasResult_) out_ += "<" + action_ + "Result>";
  }

  void string(std::string_view name, std::string_view value) override {
    open(name);
    appendXmlEscaped(out_, value);
    close(name);
  }
  void boolean(std::string_view name, bool value) override {
    string(name, value ? "true" : "false");
  }
  void beginList(std::string_view, std::string_view xmlItem) override {
    items_.emplace_back(xmlItem);
  }
  void endList() override { items_.pop_back(); }
  void beginItem() override { open(items_.back()); }
  void endItem() override { close(items_.back()); }
  void listString(std::string_view value) override { string(items_.back(), value); }
  void stringMap(std::string_view, std::string_view xmlEntry, std::string_view xmlKey,
                 std::string_view xmlValue,
                 const std::vector<std::pair<std::string, std::string>>& entries) override {
    for (const auto& [k, v] : entries) {
      open(xmlEntry);
      string(xmlKey, k);
      string(xmlValue, v);
      close(xmlEntry);
    }
  }
  void messageAttributes(std::string_view, std::string_view xmlEntry,
                         const MessageAttributes& attributes) override {
    for (const auto& a : attributes) {
      open(xmlEntry);
      string("Name", a.name);
      open("Value");
      if (a.binary()) {
        string("BinaryValue", base64Encode(a.value));
      } else {
        string("StringValue", a.value);
      }
      string("DataType", a.dataType);
      close("Value");
      close(xmlEntry);
    }
  }
  HttpResponse finish() override {
    if (hasResult_) out_ += "</" + action_ + "Result>";
    out_ += "<ResponseMetadata><RequestId>";
    out_ += requestId_;
    out_ += "</RequestId></ResponseMetadata></";
    out_ += action_;
    out_ += "Response>";
    return HttpResponse{
        200, {{"Content-Type", "text/xml"}, {"x-amzn-RequestId", requestId_}}, std::move(out_)};
  }

 private:
  void open(std::string_view name) {
    out_ += '<';
    out_ += name;
    out_ += '>';
  }
  void close(std::string_view name) {
    out_ += "</";
    out_ += name;
    out_ += '>';
  }

  std::string action_;
  bool hasResult_;
  std::string requestId_;
  std::string out_;
  std::vector<std::string> items_;
};

class JsonOutput final : public Output {
 public:
  explicit JsonOutput(std::string_view requestId) : requestId_(requestId), w_(out_) {
    out_.reserve(512);
    w_.beginObject();
  }

  void string(std::string_view name, std::string_view value) override { w_.field(name, value); }
  void boolean(std::string_view name, bool value) override { w_.field(name, value); }
  void beginList(std::string_view jsonName, std::string_view) override {
    w_.key(jsonName).beginArray();
  }
  void endList() override { w_.endArray(); }
  void beginItem() override { w_.beginObject(); }
  void endItem() override { w_.endObject(); }
  void listString(std::string_view value) override { w_.string(value); }
  void stringMap(std::string_view jsonName, std::string_view, std::string_view, std::string_view,
                 const std::vector<std::pair<std::string, std::string>>& entries) override {
    w_.key(jsonName).beginObject();
    for (const auto& [k, v] : entries) w_.field(k, v);
    w_.endObject();
  }
  void messageAttributes(std::string_view jsonName, std::string_view,
                         const MessageAttributes& attributes) override {
    w_.key(jsonName).beginObject();
    for (const auto& a : attributes) {
      w_.key(a.name).beginObject();
      if (a.binary()) {
        w_.field("BinaryValue", base64Encode(a.value));
      } else {
        w_.field("StringValue", a.value);
      }
      w_.field("DataType", a.dataType).endObject();
    }
    w_.endObject();
  }
  HttpResponse finish() override {
    w_.endObject();
    return HttpResponse{
        200,
        {{"Content-Type", "application/x-amz-json-1.0"}, {"x-amzn-RequestId", requestId_}},
        std::move(out_)};
  }

 private:
  std::string requestId_;
  std::string out_;
  JsonWriter w_;
};

}  // namespace

std::unique_ptr<Params> parseQueryRequest(const HttpRequest& request, std::string& action) {
  auto form = std::make_shared<FormMap>();
  auto add = [&](std::string_view name, std::string_view value) {
    form->emplace(std::string(name), std::string(value));
  };
  std::string_view target = request.target;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    forEachQueryParameter(target.substr(q + 1), add);
  }
  if (request.method == "POST") forEachQueryParameter(request.body, add);
  if (auto it = form->find("Action"); it != form->end()) action = it->second;
  return std::make_unique<QueryParams>(std::move(form), "");
}

std::unique_ptr<Params> parseJsonRequest(std::string_view body, SqsError& error) {
  thread_local simdjson::dom::parser parser;
  object o;
  if (body.empty()) body = "{}";
  if (parser.parse(body.data(), body.size(), true).get(o)) {
    error = {ErrorCode::kSerialization, "Start of structure or map found where not expected."};
    return nullptr;
  }
  return std::make_unique<JsonParams>(o);
}

std::unique_ptr<Output> newOutput(Protocol protocol, std::string_view action, bool hasResult,
                                  std::string_view requestId) {
  if (protocol == Protocol::kJson) return std::make_unique<JsonOutput>(requestId);
  return std::make_unique<XmlOutput>(action, hasResult, requestId);
}

HttpResponse errorResponse(Protocol protocol, const SqsError& error, std::string_view requestId) {
  const ErrorSpelling& spelling = spellingOf(error.code);
  std::string_view fault = spelling.senderFault ? "Sender" : "Receiver";
  HttpResponse r;
  r.status = spelling.status;
  r.headers.push_back({"x-amzn-RequestId", std::string(requestId)});
  if (protocol == Protocol::kJson) {
    r.headers.push_back({"Content-Type", "application/x-amz-json-1.0"});
    r.headers.push_back({"x-amzn-query-error", fmt::format("{};{}", spelling.queryCode, fault)});
    JsonWriter(r.body)
        .beginObject()
        .field("__type", fmt::format("com.amazonaws.sqs#{}", spelling.jsonType))
        .field("message", error.message)
        .endObject();
    return r;
  }
  r.headers.push_back({"Content-Type", "text/xml"});
  // The query protocol's wording for a missing queue predates the JSON one.
  std::string_view message = error.code == ErrorCode::kQueueDoesNotExist
                                 ? "The specified queue does not exist for this wsdl version."
                                 : std::string_view(error.message);
  r.body = fmt::format(
      "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"{}\"><Error><Type>{}</Type>"
      "<Code>{}</Code><Message>",
      kXmlNamespace, fault, spelling.queryCode);
  appendXmlEscaped(r.body, message);
  r.body += fmt::format("</Message><Detail/></Error><RequestId>{}</RequestId></ErrorResponse>",
                        requestId);
  return r;
}

}  // namespace nimbus::aws::sqs
