#include "aws/sns/messages.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "core/base64.h"
#include "core/hash.h"
#include "core/json_writer.h"

namespace nimbus::aws::sns {

namespace {

// Stands in for SNS's RSA signature over the message's canonical string: the field is present and
// base64, as clients expect, but nimbus holds no signing key, so it does not verify.
std::string signatureOf(std::string_view canonical) {
  return base64Encode(sha256(canonical));
}

std::string attributeValueText(const MessageAttribute& a) {
  return a.baseType() == "Binary" ? base64Encode(a.binaryValue) : a.stringValue;
}

void writeEnvelopeAttributes(JsonWriter& w, const std::vector<MessageAttribute>& attributes) {
  w.beginObject();
  for (const auto& a : attributes) {
    w.key(a.name).beginObject().field("Type", a.dataType).field("Value", attributeValueText(a));
    w.endObject();
  }
  w.endObject();
}

std::string canonicalNotification(const PublishedMessage& m, std::string_view body) {
  std::string s = fmt::format("Message\n{}\nMessageId\n{}\n", body, m.messageId);
  if (m.subject) s += fmt::format("Subject\n{}\n", *m.subject);
  s += fmt::format("Timestamp\n{}\nTopicArn\n{}\nType\nNotification\n", m.timestamp, m.topicArn);
  return s;
}

bool validNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

bool isDecimalNumber(const std::string& text) {
  if (text.empty()) return false;
  const char* begin = text.c_str();
  char* end = nullptr;
  std::strtod(begin, &end);
  return end != begin && *end == '\0';
}

}  // namespace

const std::string& PublishedMessage::messageFor(std::string_view protocol) const {
  auto it = perProtocol.find(std::string(protocol));
  return it == perProtocol.end() ? message : it->second;
}

std::string subscribeUrl(std::string_view endpoint, std::string_view topicArn,
                         std::string_view token) {
  return fmt::format("{}/?Action=ConfirmSubscription&TopicArn={}&Token={}", endpoint, topicArn,
                     token);
}

std::string unsubscribeUrl(std::string_view endpoint, std::string_view subscriptionArn) {
  return fmt::format("{}/?Action=Unsubscribe&SubscriptionArn={}", endpoint, subscriptionArn);
}

std::string signingCertUrl(std::string_view endpoint) {
  return fmt::format("{}/_nimbus/sns/SimpleNotificationService.pem", endpoint);
}

std::string notificationJson(const PublishedMessage& m, std::string_view body,
                             std::string_view subscriptionArn, std::string_view endpoint) {
  std::string out;
  out.reserve(body.size() + 768);
  JsonWriter w(out);
  w.beginObject().field("Type", "Notification").field("MessageId", m.messageId);
  if (m.fifo) w.field("SequenceNumber", m.sequenceNumber);
  w.field("TopicArn", m.topicArn);
  if (m.subject) w.field("Subject", *m.subject);
  w.field("Message", body).field("Timestamp", m.timestamp);
  if (!m.fifo) {
    w.field("SignatureVersion", m.signatureVersion)
        .field("Signature", signatureOf(canonicalNotification(m, body)))
        .field("SigningCertURL", signingCertUrl(endpoint));
  }
  w.field("UnsubscribeURL", unsubscribeUrl(endpoint, subscriptionArn));
  if (!m.attributes.empty()) {
    w.key("MessageAttributes");
    writeEnvelopeAttributes(w, m.attributes);
  }
  w.endObject();
  return out;
}

std::string lambdaEventJson(const PublishedMessage& m, std::string_view body,
                            std::string_view subscriptionArn, std::string_view endpoint) {
  std::string out;
  out.reserve(body.size() + 1024);
  JsonWriter w(out);
  w.beginObject().key("Records").beginArray().beginObject();
  w.field("EventSource", "aws:sns")
      .field("EventVersion", "1.0")
      .field("EventSubscriptionArn", subscriptionArn);
  w.key("Sns").beginObject();
  w.field("Type", "Notification").field("MessageId", m.messageId).field("TopicArn", m.topicArn);
  w.key("Subject");
  if (m.subject) {
    w.string(*m.subject);
  } else {
    w.null();
  }
  w.field("Message", body)
      .field("Timestamp", m.timestamp)
      .field("SignatureVersion", m.signatureVersion)
      .field("Signature", signatureOf(canonicalNotification(m, body)))
      .field("SigningCertUrl", signingCertUrl(endpoint))
      .field("UnsubscribeUrl", unsubscribeUrl(endpoint, subscriptionArn));
  w.key("MessageAttributes");
  writeEnvelopeAttributes(w, m.attributes);
  w.endObject().endObject().endArray().endObject();
  return out;
}

std::string confirmationJson(const ConfirmationMessage& m, std::string_view endpoint) {
  std::string text =
      m.type == "SubscriptionConfirmation"
          ? fmt::format(
                "You have chosen to subscribe to the topic {}.\nTo confirm the "
                "subscription, visit the SubscribeURL included in this message.",
                m.topicArn)
          : fmt::format(
                "You have chosen to deactivate subscription {}.\nTo cancel this "
                "operation and restore the subscription, visit the SubscribeURL included "
                "in this message.",
                m.subscriptionArn);
  std::string url = subscribeUrl(endpoint, m.topicArn, m.token);
  std::string canonical = fmt::format(
      "Message\n{}\nMessageId\n{}\nSubscribeURL\n{}\nTimestamp\n{}\nToken\n{}\n"
      "TopicArn\n{}\nType\n{}\n",
      text, m.messageId, url, m.timestamp, m.token, m.topicArn, m.type);
  std::string out;
  JsonWriter w(out);
  w.beginObject()
      .field("Type", m.type)
      .field("MessageId", m.messageId)
      .field("Token", m.token)
      .field("TopicArn", m.topicArn)
      .field("Message", text)
      .field("SubscribeURL", url)
      .field("Timestamp", m.timestamp)
      .field("SignatureVersion", m.signatureVersion)
      .field("Signature", signatureOf(canonical))
      .field("SigningCertURL", signingCertUrl(endpoint))
      .endObject();
  return out;
}

std::optional<SnsError> readMessageAttributes(const QueryParams& params, std::string_view prefix,
                                              std::string_view fieldPath,
                                              std::vector<MessageAttribute>& out) {
  out.clear();
  auto entries = params.elements(prefix, "entry");
  // The request's shape is checked before its meaning.
  for (const auto& e : entries) {
    if (!e.has("Value.DataType")) {
      return SnsError{400, "ValidationError",
                      fmt::format("1 validation error detected: Value null at '{}.{}.member."
                                  "dataType' failed to satisfy constraint: Member must not be null",
                                  fieldPath, e.get("Name"))};
    }
  }
  auto invalid = [](std::string message) {
    return SnsError{400, "ParameterValueInvalid", std::move(message)};
  };
  if (entries.size() > 10) {
    return invalid(fmt::format(
        "Number of message attributes [{}] exceeds the allowed maximum [10].", entries.size()));
  }
  for (const auto& e : entries) {
    MessageAttribute a;
    a.name = e.get("Name");
    a.dataType = e.get("Value.DataType");
    const std::string& name = a.name;
    if (name.size() >= 256) {
      return invalid("Length of message attribute name must be less than 256 bytes.");
    }
    for (char c : name) {
      if (!validNameChar(c)) {
        return invalid(fmt::format(
            "Invalid non-alphanumeric character '#x{:X}' was found in the message attribute "
            "name. Can only include alphanumeric characters, hyphens, underscores, or dots.",
            static_cast<unsigned char>(c)));
      }
    }
    if (!name.empty() && name.front() == '.') {
      return invalid("Invalid message attribute name starting with character '.' was found.");
    }
    if (!name.empty() && name.back() == '.') {
      return invalid("Invalid message attribute name ending with character '.' was found.");
    }
    if (name.find("..") != std::string::npos) {
      return invalid("Message attribute name can not have successive '.' character.");
    }
    std::string_view type = a.baseType();
    if (type != "String" && type != "Number" && type != "Binary") {
      return invalid(fmt::format(
          "The message attribute '{}' has an invalid message attribute type, the set of "
          "supported type prefixes is Binary, Number, and String.",
          name));
    }
    bool binary = type == "Binary";
    bool hasString = e.has("Value.StringValue");
    bool hasBinary = e.has("Value.BinaryValue");
    if (binary ? (hasString && !hasBinary) : (hasBinary && !hasString)) {
      return invalid(fmt::format("The message attribute '{}' with type '{}' must use field '{}'.",
                                 name, type, binary ? "Binary" : "String"));
    }
    if (binary) {
      auto decoded = base64Decode(e.get("Value.BinaryValue"));
      if (!decoded) {
        return invalid(
            fmt::format("The message attribute '{}' has an invalid binary value.", name));
      }
      a.binaryValue = std::move(*decoded);
    } else {
      a.stringValue = e.get("Value.StringValue");
    }
    if (binary ? a.binaryValue.empty() : a.stringValue.empty()) {
      return invalid(fmt::format(
          "The message attribute '{}' must contain non-empty message attribute value for "
          "message attribute type '{}'.",
          name, type));
    }
    if (type == "Number" && !isDecimalNumber(a.stringValue)) {
      return invalid(fmt::format("Could not cast message attribute '{}' value to number.", name));
    }
    out.push_back(std::move(a));
  }
  std::sort(out.begin(), out.end(),
            [](const MessageAttribute& x, const MessageAttribute& y) { return x.name < y.name; });
  return std::nullopt;
}

size_t publishedSize(std::string_view message, const std::vector<MessageAttribute>& attributes) {
  size_t size = message.size();
  for (const auto& a : attributes) {
    size += a.name.size() + a.dataType.size() + a.stringValue.size() + a.binaryValue.size();
  }
  return size;
}

}  // namespace nimbus::aws::sns
