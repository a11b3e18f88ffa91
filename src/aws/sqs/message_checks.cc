#include "aws/sqs/message_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace nimbus::aws::sqs {

namespace {

SqsError invalid(std::string message) {
  return {ErrorCode::kInvalidParameterValue, std::move(message)};
}

// SQS numbers: an optional sign, digits with an optional fraction, an optional exponent.
bool isNumber(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exponent = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exponent;
    if (exponent == 0) return false;
  }
  return i == s.size();
}

bool validAttributeName(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  if (name.front() == '.' || name.back() == '.') return false;
  if (name.find("..") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

bool reservedAttributeName(std::string_view name) {
  auto startsWith = [&](std::string_view prefix) {
    if (name.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(name[i])) != prefix[i]) return false;
    }
    return true;
  };
  return startsWith("aws.") || startsWith("amazon.");
}

// Group and deduplication ids: 1-128 alphanumeric or punctuation characters.
bool validFifoId(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::ispunct(static_cast<unsigned char>(c));
  });
}

std::optional<SqsError> checkAttributes(const MessageAttributes& attributes) {
  if (attributes.size() > kMaxMessageAttributes) {
    return invalid(
        fmt::format("Number of message attributes [{}] exceeds the allowed maximum [{}].",
                    attributes.size(), kMaxMessageAttributes));
  }
  for (size_t i = 0; i < attributes.size(); ++i) {
    const auto& a = attributes[i];
    if (!validAttributeName(a.name)) {
      return invalid(fmt::format(
          "Message (user) attribute name '{}' is invalid. Attribute names can contain only A-Z, "
          "a-z, 0-9, underscore (_), hyphen (-), and period (.), cannot start or end with a "
          "period or have two periods in a row, and must be at most 256 characters long.",
          a.name));
    }
    if (reservedAttributeName(a.name)) {
      return invalid(fmt::format(
          "Message (user) attribute name '{}' is invalid. The names 'AWS.' and 'Amazon.' "
          "(in any case) are reserved for internal use.",
          a.name));
    }
    for (size_t j = 0; j < i; ++j) {
      if (attributes[j].name == a.name) {
        return invalid(
            fmt::format("Message (user) attribute name '{}' is already in use.", a.name));
      }
    }
    if (a.dataType.empty()) {
      return invalid(fmt::format(
          "The message attribute '{}' must contain non-empty message attribute type.", a.name));
    }
    std::string_view type = a.dataType;
    std::string_view base = type.substr(0, type.find('.'));
    if ((base != "String" && base != "Number" && base != "Binary") || type.size() > 256) {
      return invalid(fmt::format(
          "The type of message (user) attribute '{}' is invalid. You must use only the following "
          "supported type prefixes: Binary, Number, String.",
          a.name));
    }
    if (a.value.empty()) {
      return invalid(fmt::format(
          "The message attribute '{}' must contain non-empty message attribute value for message "
          "attribute type '{}'.",
          a.name, a.dataType));
    }
    if (base == "Number" && !isNumber(a.value)) {
      return invalid(fmt::format(
          "Can't cast the value of message (user) attribute '{}' to a number.", a.name));
    }
    if (base != "Binary" && !allowedMessageText(a.value)) {
      return invalid(fmt::format(
          "Message (user) attribute '{}' value contains invalid characters. Valid unicode "
          "characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to "
          "#x10FFFF",
          a.name));
    }
  }
  return std::nullopt;
}

}  // namespace

bool allowedMessageText(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      if (c < 0x20 && c != 0x9 && c != 0xA && c != 0xD) return false;
      ++p;
      continue;
    }
    int length = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (length == 0 || end - p < length) return false;
    uint32_t cp = c & (0x7F >> length);
    for (int i = 1; i < length; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[length]) return false;  // Overlong.
    bool allowed = (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
                   (cp >= 0x10000 && cp <= 0x10FFFF);
    if (!allowed) return false;
    p += length;
  }
  return true;
}

std::optional<SqsError> checkOutgoingMessage(const OutgoingMessage& m, const QueueConfig& queue) {
  if (m.body.empty()) {
    return SqsError{ErrorCode::kMissingParameter,
                    "The request must contain the parameter MessageBody."};
  }
  if (!allowedMessageText(m.body)) {
    return SqsError{ErrorCode::kInvalidMessageContents,
                    "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | "
                    "#x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"};
  }
  if (auto error = checkAttributes(m.attributes)) return error;
  for (const auto& a : m.systemAttributes) {
    if (a.name != "AWSTraceHeader") {
      return invalid(fmt::format("Message system attribute name '{}' is invalid.", a.name));
    }
    if (a.dataType != "String" || a.value.empty()) {
      return invalid(
          "The message system attribute 'AWSTraceHeader' must contain a non-empty String value.");
    }
  }
  size_t size = m.body.size();
  for (const auto& a : m.attributes) size += a.name.size() + a.dataType.size() + a.value.size();
  if (size > static_cast<size_t>(queue.maximumMessageSize)) {
    return invalid(fmt::format(
        "One or more parameters are invalid. Reason: Message must be shorter than {} bytes.",
        queue.maximumMessageSize));
  }
  if (m.delaySeconds && (*m.delaySeconds < 0 || *m.delaySeconds > kMaxDelaySeconds)) {
    return invalid(fmt::format(
        "Value {} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and "
        "<= 900.",
        *m.delaySeconds));
  }
  if (!queue.fifo) {
    if (!m.dedupId.empty()) {
      return invalid(fmt::format(
          "Value {} for parameter MessageDeduplicationId is invalid. Reason: The request includes "
          "a parameter that is not valid for this queue type.",
          m.dedupId));
    }
    if (!m.groupId.empty() && !validFifoId(m.groupId)) {
      return invalid(fmt::format(
          "Value {} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only "
          "include alphanumeric and punctuation characters. 1 to 128 in length.",
          m.groupId));
    }
    return std::nullopt;
  }
  // FIFO queues: the delay is the queue's, and ordering and deduplication need their ids.
  if (m.delaySeconds && *m.delaySeconds != 0) {
    return invalid(fmt::format(
        "Value {} for parameter DelaySeconds is invalid. Reason: The request include parameter "
        "that is not valid for this queue type.",
        *m.delaySeconds));
  }
  if (m.groupId.empty()) {
    return SqsError{ErrorCode::kMissingParameter,
                    "The request must contain the parameter MessageGroupId."};
  }
  if (!validFifoId(m.groupId)) {
    return invalid(fmt::format(
        "Value {} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only "
        "include alphanumeric and punctuation characters. 1 to 128 in length.",
        m.groupId));
  }
  if (m.dedupId.empty() && !queue.contentBasedDeduplication) {
    return invalid(
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly");
  }
  if (!m.dedupId.empty() && !validFifoId(m.dedupId)) {
    return invalid(fmt::format(
        "Value {} for parameter MessageDeduplicationId is invalid. Reason: "
        "MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to "
        "128 in length.",
        m.dedupId));
  }
  return std::nullopt;
}

bool validBatchEntryId(std::string_view id) {
  return !id.empty() && id.size() <= 80 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

}  // namespace nimbus::aws::sqs
