#include "aws/sqs/sqs_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "aws/sqs/message_checks.h"
#include "aws/sqs/protocol.h"
#include "aws/sqs/sqs_service.h"
#include "core/base64.h"
#include "core/ids.h"

namespace nimbus::aws::sqs {

namespace {

// One request being answered. Copied into the service's callbacks (the responder is shared).
struct Call {
  Protocol protocol = Protocol::kQuery;
  std::string action;
  std::string requestId;
  std::string urlBase;  // "http://host:port/account/"
  std::shared_ptr<http::Responder> responder;

  void fail(const SqsError& e) const { responder->send(errorResponse(protocol, e, requestId)); }
  std::unique_ptr<Output> output(bool hasResult = true) const {
    return newOutput(protocol, action, hasResult, requestId);
  }
  void send(Output& o) const { responder->send(o.finish()); }
  // Answers an operation without output once `error` is known.
  void done(const std::optional<SqsError>& error) const {
    if (error) return fail(*error);
    auto o = output(false);
    send(*o);
  }
  std::string queueUrl(std::string_view name) const { return urlBase + std::string(name); }
};

SqsError missing(std::string_view name) {
  return {ErrorCode::kMissingParameter,
          fmt::format("The request must contain the parameter {}.", name)};
}

// An integer parameter: nullopt when absent, an error when not an integer.
Result<std::optional<int64_t>> integer(const Params& p, std::string_view name) {
  auto text = p.string(name);
  if (!text) return std::optional<int64_t>{};
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size()) {
    return SqsError{ErrorCode::kInvalidParameterValue,
                    fmt::format("Value {} for parameter {} is invalid. Reason: must be an integer.",
                                *text, name)};
  }
  return std::optional<int64_t>{v};
}

std::vector<std::pair<std::string, std::string>> pairs(
    const std::map<std::string, std::string>& m) {
  return {m.begin(), m.end()};
}

// The batch checks SQS makes before looking at any entry.
std::optional<SqsError> checkBatch(const std::vector<std::unique_ptr<Params>>& entries,
                                   std::string_view entryName) {
  if (entries.empty()) {
    return SqsError{ErrorCode::kEmptyBatchRequest,
                    fmt::format("There should be at least one {} in the request.", entryName)};
  }
  if (entries.size() > kMaxBatchEntries) {
    return SqsError{ErrorCode::kTooManyEntriesInBatchRequest,
                    fmt::format("Maximum number of entries per request are {}. You have sent {}.",
                                kMaxBatchEntries, entries.size())};
  }
  std::set<std::string> seen;
  for (const auto& e : entries) {
    std::string id = e->string("Id").value_or("");
    if (!validBatchEntryId(id)) {
      return SqsError{ErrorCode::kInvalidBatchEntryId,
                      "A batch entry id can only contain alphanumeric characters, hyphens and "
                      "underscores. It can be at most 80 letters long."};
    }
    if (!seen.insert(id).second) {
      return SqsError{ErrorCode::kBatchEntryIdsNotDistinct, fmt::format("Id {} repeated.", id)};
    }
  }
  return std::nullopt;
}

void writeFailed(Output& o, const std::vector<std::pair<std::string, SqsError>>& failed) {
  o.beginList("Failed", "BatchResultErrorEntry");
  for (const auto& [id, error] : failed) {
    const ErrorSpelling& spelling = spellingOf(error.code);
    o.beginItem();
    o.string("Id", id);
    o.boolean("SenderFault", spelling.senderFault);
    o.string("Code", spelling.queryCode);
    o.string("Message", error.message);
    o.endItem();
  }
  o.endList();
}

// Reads one message to send (SendMessage's parameters, or one SendMessageBatch entry).
Result<OutgoingMessage> readOutgoing(const Params& p) {
  OutgoingMessage m;
  auto body = p.string("MessageBody");
  if (!body) return missing("MessageBody");
  m.body = std::move(*body);
  auto delay = integer(p, "DelaySeconds");
  if (!delay.ok()) return delay.error();
  if (delay.value()) m.delaySeconds = static_cast<int>(*delay.value());
  auto attributes = p.attributes("MessageAttributes", "MessageAttribute");
  if (!attributes.ok()) return attributes.error();
  m.attributes = std::move(attributes.value());
  auto system = p.attributes("MessageSystemAttributes", "MessageSystemAttribute");
  if (!system.ok()) return system.error();
  m.systemAttributes = std::move(system.value());
  m.groupId = p.string("MessageGroupId").value_or("");
  m.dedupId = p.string("MessageDeduplicationId").value_or("");
  return m;
}

// SQS keeps the sender's X-Ray trace header with the message as its AWSTraceHeader system
// attribute (unless the sender set that attribute itself), so that the trace continues in
// whoever receives it.
void keepTraceHeader(OutgoingMessage& m, const HttpHeader* traceHeader) {
  if (!traceHeader || traceHeader->value.empty()) return;
  for (const auto& a : m.systemAttributes) {
    if (a.name == "AWSTraceHeader") return;
  }
  m.systemAttributes.push_back({"AWSTraceHeader", "String", traceHeader->value});
}

// Which attributes a receiver asked for.
struct Selection {
  std::set<std::string> system;         // Message system attribute names; "All" for all.
  std::vector<std::string> attributes;  // "All", ".*", "prefix.*" or names.

  bool wantsSystem(std::string_view name) const {
    return system.contains("All") || system.contains(std::string(name));
  }
  bool wantsAttribute(std::string_view name) const {
    for (const auto& pattern : attributes) {
      if (pattern == "All" || pattern == ".*" || pattern == name) return true;
      if (pattern.size() > 2 && pattern.ends_with(".*") &&
          name.substr(0, pattern.size() - 1) ==
              std::string_view(pattern).substr(0, pattern.size() - 1)) {
        return true;
      }
    }
    return false;
  }
};

void writeDelivery(Output& o, const Delivery& d, const Selection& selection) {
  const MessageContent& c = *d.content;
  o.beginItem();
  o.string("MessageId", c.messageId);
  o.string("ReceiptHandle", d.receiptHandle);
  o.string("MD5OfBody", c.md5OfBody);
  o.string("Body", c.body);
  std::vector<std::pair<std::string, std::string>> system;
  auto add = [&](std::string_view name, std::string value) {
    if (selection.wantsSystem(name) && !value.empty()) system.emplace_back(name, std::move(value));
  };
  add("SenderId", c.senderId);
  add("SentTimestamp", std::to_string(c.sentAtMs));
  add("ApproximateReceiveCount", std::to_string(d.receiveCount));
  add("ApproximateFirstReceiveTimestamp", std::to_string(d.firstReceiveAtMs));
  add("SequenceNumber", c.sequenceNumber);
  add("MessageDeduplicationId", c.dedupId);
  add("MessageGroupId", c.groupId);
  for (const auto& a : c.systemAttributes) add(a.name, a.value);
  add("DeadLetterQueueSourceArn", c.deadLetterSourceArn);
  if (!system.empty()) o.stringMap("Attributes", "Attribute", "Name", "Value", system);

  MessageAttributes selected;
  for (const auto& a : c.attributes) {
    if (selection.wantsAttribute(a.name)) selected.push_back(a);
  }
  if (!selected.empty()) {
    o.string("MD5OfMessageAttributes", selected.size() == c.attributes.size()
                                           ? c.md5OfAttributes
                                           : md5OfAttributes(selected));
    o.messageAttributes("MessageAttributes", "MessageAttribute", selected);
  }
  o.endItem();
}

void writeSent(Output& o, const SentMessage& s) {
  o.string("MD5OfMessageBody", s.md5OfBody);
  if (!s.md5OfAttributes.empty()) o.string("MD5OfMessageAttributes", s.md5OfAttributes);
  if (!s.md5OfSystemAttributes.empty()) {
    o.string("MD5OfMessageSystemAttributes", s.md5OfSystemAttributes);
  }
  o.string("MessageId", s.messageId);
  if (!s.sequenceNumber.empty()) o.string("SequenceNumber", s.sequenceNumber);
}

std::string encodeToken(std::string_view lastName) {
  return base64Encode(lastName);
}

// AWS's public endpoint names, as the runtimes recognise them: {service}.{region}.amazonaws.com,
// the China partition's .amazonaws.com.cn and the dual-stack .api.aws.
bool isRealAwsHost(std::string_view host) {
  if (auto colon = host.rfind(':');
      colon != std::string_view::npos && host.find(']') == std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::string lower(host);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view suffix : {"amazonaws.com", "amazonaws.com.cn", "api.aws"}) {
    if (lower.size() < suffix.size() ||
        lower.compare(lower.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    if (lower.size() == suffix.size() || lower[lower.size() - suffix.size() - 1] == '.')
      return true;
  }
  return false;
}

}  // namespace

std::string queueUrlBase(std::string_view host, std::string_view accountId) {
  return fmt::format("{}://{}/{}/", isRealAwsHost(host) ? "https" : "http", host, accountId);
}

SqsApi::SqsApi(SqsService& service, std::string defaultHost)
    : service_(service), defaultHost_(std::move(defaultHost)) {}

void SqsApi::handle(HttpRequest&& request, const RequestIdentity& identity,
                    http::Responder responder) {
  (void)identity;
  Call call;
  call.requestId = newUuid();
  call.responder = std::make_shared<http::Responder>(std::move(responder));
  const HttpHeader* host = findHeader(request.headers, "Host");
  call.urlBase = queueUrlBase(host && !host->value.empty() ? host->value : defaultHost_,
                              service_.settings().accountId);

  std::unique_ptr<Params> params;
  const HttpHeader* target = findHeader(request.headers, "X-Amz-Target");
  if (target && std::string_view(target->value).substr(0, 10) == "AmazonSQS.") {
    call.protocol = Protocol::kJson;
    call.action = target->value.substr(10);
    SqsError error;
    params = parseJsonRequest(request.body, error);
    if (!params) return call.fail(error);
  } else {
    params = parseQueryRequest(request, call.action);
    if (call.action.empty()) {
      return call.fail(
          {ErrorCode::kInvalidAction, "The request must contain the parameter Action."});
    }
  }
  const Params& p = *params;
  const std::string& action = call.action;
  const HttpHeader* traceHeader = findHeader(request.headers, "X-Amzn-Trace-Id");

  // The queue an operation names: QueueUrl, or (older clients) the path it was posted to.
  auto queue = [&]() -> std::string {
    if (auto url = p.string("QueueUrl")) return SqsService::queueName(*url);
    std::string_view path = request.target;
    path = path.substr(0, path.find('?'));
    if (std::count(path.begin(), path.end(), '/') >= 2) return SqsService::queueName(path);
    return {};
  };
  auto withQueue = [&](auto&& f) {
    std::string name = queue();
    if (name.empty()) return call.fail(missing("QueueUrl"));
    f(name);
  };

  if (action == "CreateQueue") {
    auto name = p.string("QueueName");
    if (!name || name->empty()) return call.fail(missing("QueueName"));
    auto attributes = p.stringMap("Attributes", "Attribute", "Name", "Value");
    auto tags = p.stringMap("tags", "Tag", "Key", "Value");
    std::string url = call.queueUrl(*name);
    return service_.createQueue(*name, attributes, tags,
                                [call, url](std::optional<SqsError> error) {
                                  if (error) return call.fail(*error);
                                  auto o = call.output();
                                  o->string("QueueUrl", url);
                                  call.send(*o);
                                });
  }
  if (action == "GetQueueUrl") {
    auto name = p.string("QueueName");
    if (!name || name->empty()) return call.fail(missing("QueueName"));
    if (!service_.hasQueue(*name)) return call.fail(queueDoesNotExist());
    auto o = call.output();
    o->string("QueueUrl", call.queueUrl(*name));
    return call.send(*o);
  }
  if (action == "ListQueues") {
    auto maxResults = integer(p, "MaxResults");
    if (!maxResults.ok()) return call.fail(maxResults.error());
    if (maxResults.value() && (*maxResults.value() < 1 || *maxResults.value() > 1000)) {
      return call.fail({ErrorCode::kInvalidParameterValue,
                        fmt::format("Value {} for parameter MaxResults is invalid. Reason: "
                                    "MaxResults must be an integer between 1 and 1000.",
                                    *maxResults.value())});
    }
    auto names = service_.listQueues(p.string("QueueNamePrefix").value_or(""));
    size_t start = 0;
    if (auto token = p.string("NextToken"); token && !token->empty()) {
      auto after = base64Decode(*token);
      if (!after) {
        return call.fail({ErrorCode::kInvalidParameterValue, "Invalid NextToken value."});
      }
      start = std::upper_bound(names.begin(), names.end(), *after) - names.begin();
    }
    size_t limit = maxResults.value() ? static_cast<size_t>(*maxResults.value()) : 1000;
    size_t end = std::min(names.size(), start + limit);
    auto o = call.output();
    if (end > start) {
      o->beginList("QueueUrls", "QueueUrl");
      for (size_t i = start; i < end; ++i) o->listString(call.queueUrl(names[i]));
      o->endList();
    }
    // Without MaxResults SQS answers up to 1,000 queues and no token.
    if (maxResults.value() && end < names.size())
      o->string("NextToken", encodeToken(names[end - 1]));
    return call.send(*o);
  }
  if (action == "DeleteQueue") {
    return withQueue([&](const std::string& name) {
      service_.deleteQueue(name, [call](std::optional<SqsError> e) { call.done(e); });
    });
  }
  if (action == "PurgeQueue") {
    return withQueue([&](const std::string& name) {
      service_.purgeQueue(name, [call](std::optional<SqsError> e) { call.done(e); });
    });
  }
  if (action == "GetQueueAttributes") {
    return withQueue([&](const std::string& name) {
      auto names = p.stringList("AttributeNames", "AttributeName");
      for (const auto& n : names) {
        if (!isQueueAttributeName(n)) {
          return call.fail(
              {ErrorCode::kInvalidAttributeName, fmt::format("Unknown Attribute {}.", n)});
        }
      }
      auto snapshot = service_.describeQueue(name);
      if (!snapshot.ok()) return call.fail(snapshot.error());
      const QueueSnapshot& s = snapshot.value();
      std::map<std::string, std::string> all = s.config.attributes;
      all["ApproximateNumberOfMessages"] = std::to_string(s.counts.visible);
      all["ApproximateNumberOfMessagesNotVisible"] = std::to_string(s.counts.inFlight);
      all["ApproximateNumberOfMessagesDelayed"] = std::to_string(s.counts.delayed);
      all["CreatedTimestamp"] = std::to_string(s.config.createdAtS);
      all["LastModifiedTimestamp"] = std::to_string(s.config.lastModifiedAtS);
      all["QueueArn"] = s.arn;
      std::set<std::string> wanted(names.begin(), names.end());
      std::vector<std::pair<std::string, std::string>> out;
      for (const auto& [k, v] : all) {
        if (wanted.contains("All") || wanted.contains(k)) out.emplace_back(k, v);
      }
      auto o = call.output();
      if (!out.empty()) o->stringMap("Attributes", "Attribute", "Name", "Value", out);
      call.send(*o);
    });
  }
  if (action == "SetQueueAttributes") {
    return withQueue([&](const std::string& name) {
      auto attributes = p.stringMap("Attributes", "Attribute", "Name", "Value");
      service_.setQueueAttributes(name, attributes,
                                  [call](std::optional<SqsError> e) { call.done(e); });
    });
  }
  if (action == "TagQueue") {
    return withQueue([&](const std::string& name) {
      service_.tagQueue(name, p.stringMap("Tags", "Tag", "Key", "Value"),
                        [call](std::optional<SqsError> e) { call.done(e); });
    });
  }
  if (action == "UntagQueue") {
    return withQueue([&](const std::string& name) {
      service_.untagQueue(name, p.stringList("TagKeys", "TagKey"),
                          [call](std::optional<SqsError> e) { call.done(e); });
    });
  }
  if (action == "ListQueueTags") {
    return withQueue([&](const std::string& name) {
      auto snapshot = service_.describeQueue(name);
      if (!snapshot.ok()) return call.fail(snapshot.error());
      auto o = call.output();
      const auto& tags = snapshot.value().config.tags;
      if (!tags.empty()) o->stringMap("Tags", "Tag", "Key", "Value", pairs(tags));
      call.send(*o);
    });
  }
  if (action == "ListDeadLetterSourceQueues") {
    return withQueue([&](const std::string& name) {
      if (!service_.hasQueue(name)) return call.fail(queueDoesNotExist());
      std::string arn = service_.queueArn(name);
      auto o = call.output();
      o->beginList("queueUrls", "QueueUrl");
      for (const auto& source : service_.listQueues("")) {
        auto snapshot = service_.describeQueue(source);
        if (!snapshot.ok()) continue;
        const auto& policy = snapshot.value().config.redrivePolicy;
        if (policy && SqsService::queueName(policy->deadLetterTargetArn) == name) {
          o->listString(call.queueUrl(source));
        }
      }
      o->endList();
      call.send(*o);
    });
  }
  if (action == "SendMessage") {
    return withQueue([&](const std::string& name) {
      auto message = readOutgoing(p);
      if (!message.ok()) return call.fail(message.error());
      keepTraceHeader(message.value(), traceHeader);
      std::vector<OutgoingMessage> one;
      one.push_back(std::move(message.value()));
      service_.send(name, std::move(one), [call](Result<std::vector<Result<SentMessage>>> r) {
        if (!r.ok()) return call.fail(r.error());
        auto& sent = r.value().front();
        if (!sent.ok()) return call.fail(sent.error());
        auto o = call.output();
        writeSent(*o, sent.value());
        call.send(*o);
      });
    });
  }
  if (action == "SendMessageBatch") {
    return withQueue([&](const std::string& name) {
      auto entries = p.entries("Entries", "SendMessageBatchRequestEntry");
      if (auto error = checkBatch(entries, "SendMessageBatchRequestEntry"))
        return call.fail(*error);
      std::vector<std::string> ids;
      std::vector<OutgoingMessage> messages;
      std::vector<std::pair<std::string, SqsError>> failed;
      size_t total = 0;
      for (const auto& e : entries) {
        std::string id = e->string("Id").value_or("");
        auto message = readOutgoing(*e);
        if (!message.ok()) {
          failed.emplace_back(id, message.error());
          continue;
        }
        keepTraceHeader(message.value(), traceHeader);
        const OutgoingMessage& m = message.value();
        total += m.body.size();
        for (const auto& a : m.attributes)
          total += a.name.size() + a.dataType.size() + a.value.size();
        ids.push_back(std::move(id));
        messages.push_back(std::move(message.value()));
      }
      if (total > static_cast<size_t>(kMaxMessageSizeLimit)) {
        return call.fail({ErrorCode::kBatchRequestTooLong,
                          fmt::format("Batch requests cannot be longer than {} bytes. You have "
                                      "sent {} bytes.",
                                      kMaxMessageSizeLimit, total)});
      }
      auto finish = [call, ids, failed](Result<std::vector<Result<SentMessage>>> r) mutable {
        if (!r.ok()) return call.fail(r.error());
        auto o = call.output();
        o->beginList("Successful", "SendMessageBatchResultEntry");
        for (size_t i = 0; i < ids.size(); ++i) {
          auto& sent = r.value()[i];
          if (!sent.ok()) {
            failed.emplace_back(ids[i], sent.error());
            continue;
          }
          o->beginItem();
          o->string("Id", ids[i]);
          writeSent(*o, sent.value());
          o->endItem();
        }
        o->endList();
        writeFailed(*o, failed);
        call.send(*o);
      };
      if (messages.empty()) return finish(std::vector<Result<SentMessage>>{});
      service_.send(name, std::move(messages), std::move(finish));
    });
  }
  if (action == "ReceiveMessage") {
    return withQueue([&](const std::string& name) {
      ReceiveOptions options;
      auto max = integer(p, "MaxNumberOfMessages");
      if (!max.ok()) return call.fail(max.error());
      if (max.value()) {
        if (*max.value() < 1 || *max.value() > kMaxBatchEntries) {
          return call.fail({ErrorCode::kInvalidParameterValue,
                            fmt::format("Value {} for parameter MaxNumberOfMessages is invalid. "
                                        "Reason: Must be between 1 and 10, if provided.",
                                        *max.value())});
        }
        options.maxMessages = static_cast<int>(*max.value());
      }
      auto visibility = integer(p, "VisibilityTimeout");
      if (!visibility.ok()) return call.fail(visibility.error());
      if (visibility.value()) {
        if (*visibility.value() < 0 || *visibility.value() > kMaxVisibilityTimeout) {
          return call.fail({ErrorCode::kInvalidParameterValue,
                            fmt::format("Value {} for parameter VisibilityTimeout is invalid. "
                                        "Reason: Must be between 0 and 43200, if provided.",
                                        *visibility.value())});
        }
        options.visibilityTimeout = static_cast<int>(*visibility.value());
      }
      auto wait = integer(p, "WaitTimeSeconds");
      if (!wait.ok()) return call.fail(wait.error());
      if (wait.value()) {
        if (*wait.value() < 0 || *wait.value() > kMaxWaitTimeSeconds) {
          return call.fail({ErrorCode::kInvalidParameterValue,
                            fmt::format("Value {} for parameter WaitTimeSeconds is invalid. "
                                        "Reason: Must be >= 0 and <= 20, if provided.",
                                        *wait.value())});
        }
        options.waitTimeSeconds = static_cast<int>(*wait.value());
      }
      Selection selection;
      for (auto& n : p.stringList("AttributeNames", "AttributeName")) selection.system.insert(n);
      for (auto& n : p.stringList("MessageSystemAttributeNames", "MessageSystemAttributeName")) {
        selection.system.insert(n);
      }
      selection.attributes = p.stringList("MessageAttributeNames", "MessageAttributeName");
      service_.receive(name, options,
                       [call, selection = std::move(selection)](Result<std::vector<Delivery>> r) {
                         if (!r.ok()) return call.fail(r.error());
                         auto o = call.output();
                         if (!r.value().empty()) {
                           o->beginList("Messages", "Message");
                           for (const auto& d : r.value()) writeDelivery(*o, d, selection);
                           o->endList();
                         }
                         call.send(*o);
                       });
    });
  }
  if (action == "DeleteMessage") {
    return withQueue([&](const std::string& name) {
      auto handle = p.string("ReceiptHandle");
      if (!handle || handle->empty()) return call.fail(missing("ReceiptHandle"));
      service_.deleteMessages(name, {*handle}, [call](Result<SqsService::EntryErrors> r) {
        if (!r.ok()) return call.fail(r.error());
        call.done(r.value().front());
      });
    });
  }
  if (action == "DeleteMessageBatch") {
    return withQueue([&](const std::string& name) {
      auto entries = p.entries("Entries", "DeleteMessageBatchRequestEntry");
      if (auto error = checkBatch(entries, "DeleteMessageBatchRequestEntry")) {
        return call.fail(*error);
      }
      std::vector<std::string> ids, handles;
      for (const auto& e : entries) {
        ids.push_back(e->string("Id").value_or(""));
        handles.push_back(e->string("ReceiptHandle").value_or(""));
      }
      service_.deleteMessages(name, std::move(handles),
                              [call, ids](Result<SqsService::EntryErrors> r) {
                                if (!r.ok()) return call.fail(r.error());
                                auto o = call.output();
                                std::vector<std::pair<std::string, SqsError>> failed;
                                o->beginList("Successful", "DeleteMessageBatchResultEntry");
                                for (size_t i = 0; i < ids.size(); ++i) {
                                  if (r.value()[i]) {
                                    failed.emplace_back(ids[i], *r.value()[i]);
                                    continue;
                                  }
                                  o->beginItem();
                                  o->string("Id", ids[i]);
                                  o->endItem();
                                }
                                o->endList();
                                writeFailed(*o, failed);
                                call.send(*o);
                              });
    });
  }
  if (action == "ChangeMessageVisibility") {
    return withQueue([&](const std::string& name) {
      auto handle = p.string("ReceiptHandle");
      if (!handle || handle->empty()) return call.fail(missing("ReceiptHandle"));
      auto seconds = integer(p, "VisibilityTimeout");
      if (!seconds.ok()) return call.fail(seconds.error());
      if (!seconds.value()) return call.fail(missing("VisibilityTimeout"));
      service_.changeVisibility(name, {{*handle, static_cast<int>(*seconds.value())}},
                                [call](Result<SqsService::EntryErrors> r) {
                                  if (!r.ok()) return call.fail(r.error());
                                  call.done(r.value().front());
                                });
    });
  }
  if (action == "ChangeMessageVisibilityBatch") {
    return withQueue([&](const std::string& name) {
      auto entries = p.entries("Entries", "ChangeMessageVisibilityBatchRequestEntry");
      if (auto error = checkBatch(entries, "ChangeMessageVisibilityBatchRequestEntry")) {
        return call.fail(*error);
      }
      std::vector<std::string> ids;
      std::vector<std::pair<std::string, int>> changes;
      for (const auto& e : entries) {
        ids.push_back(e->string("Id").value_or(""));
        auto seconds = integer(*e, "VisibilityTimeout");
        int value = seconds.ok() && seconds.value() ? static_cast<int>(*seconds.value()) : -1;
        changes.emplace_back(e->string("ReceiptHandle").value_or(""), value);
      }
      service_.changeVisibility(
          name, std::move(changes), [call, ids](Result<SqsService::EntryErrors> r) {
            if (!r.ok()) return call.fail(r.error());
            auto o = call.output();
            std::vector<std::pair<std::string, SqsError>> failed;
            o->beginList("Successful", "ChangeMessageVisibilityBatchResultEntry");
            for (size_t i = 0; i < ids.size(); ++i) {
              if (r.value()[i]) {
                failed.emplace_back(ids[i], *r.value()[i]);
                continue;
              }
              o->beginItem();
              o->string("Id", ids[i]);
              o->endItem();
            }
            o->endList();
            writeFailed(*o, failed);
            call.send(*o);
          });
    });
  }
  call.fail({ErrorCode::kInvalidAction,
             call.protocol == Protocol::kJson
                 ? fmt::format("Unknown operation {} (nimbus does not offer it yet)", action)
                 : fmt::format("The action {} is not valid for this endpoint.", action)});
}

}  // namespace nimbus::aws::sqs
