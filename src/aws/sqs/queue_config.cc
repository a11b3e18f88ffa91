#include "aws/sqs/queue_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <set>

namespace nimbus::aws::sqs {

namespace {

using Json = nlohmann::json;

// Attributes only SQS sets: GetQueueAttributes answers them, the setters refuse them.
const std::set<std::string, std::less<>> kReadOnly = {"ApproximateNumberOfMessages",
                                                      "ApproximateNumberOfMessagesNotVisible",
                                                      "ApproximateNumberOfMessagesDelayed",
                                                      "CreatedTimestamp",
                                                      "LastModifiedTimestamp",
                                                      "QueueArn"};

const std::set<std::string, std::less<>> kSettable = {"DelaySeconds",
                                                      "MaximumMessageSize",
                                                      "MessageRetentionPeriod",
                                                      "Policy",
                                                      "ReceiveMessageWaitTimeSeconds",
                                                      "RedrivePolicy",
                                                      "RedriveAllowPolicy",
                                                      "VisibilityTimeout",
                                                      "KmsMasterKeyId",
                                                      "KmsDataKeyReusePeriodSeconds",
                                                      "SqsManagedSseEnabled",
                                                      "FifoQueue",
                                                      "ContentBasedDeduplication",
                                                      "DeduplicationScope",
                                                      "FifoThroughputLimit"};

// Attributes of FIFO queues only.
const std::set<std::string, std::less<>> kFifoOnly = {"FifoQueue", "ContentBasedDeduplication",
                                                      "DeduplicationScope", "FifoThroughputLimit"};

std::optional<int64_t> parseInt(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<bool> parseBool(std::string_view s) {
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower == "true") return true;
  if (lower == "false") return false;
  return std::nullopt;
}

SqsError invalidValue(std::string_view name) {
  return {ErrorCode::kInvalidAttributeValue,
          fmt::format("Invalid value for the parameter {}.", name)};
}

struct Range {
  const char* name;
  int64_t min;
  int64_t max;
};

constexpr Range kRanges[] = {
    {"DelaySeconds", 0, kMaxDelaySeconds},
    {"MaximumMessageSize", 1024, kMaxMessageSizeLimit},
    {"MessageRetentionPeriod", 60, 1209600},
    {"ReceiveMessageWaitTimeSeconds", 0, kMaxWaitTimeSeconds},
    {"VisibilityTimeout", 0, kMaxVisibilityTimeout},
    {"KmsDataKeyReusePeriodSeconds", 60, 86400},
};

// Checks a RedrivePolicy document and returns it in the form SQS answers with:
// {"deadLetterTargetArn":"...","maxReceiveCount":N}.
Result<std::string> normalizeRedrivePolicy(const std::string& text, RedrivePolicy& out) {
  auto invalid = [&](std::string_view reason) {
    return SqsError{
        ErrorCode::kInvalidParameterValue,
        fmt::format("Value {} for parameter RedrivePolicy is invalid. Reason: {}", text, reason)};
  };
  Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return invalid("Redrive policy is not a valid JSON map.");
  }
  auto arn = doc.find("deadLetterTargetArn");
  if (arn == doc.end() || !arn->is_string() || arn->get<std::string>().empty()) {
    return invalid("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
  }
  auto count = doc.find("maxReceiveCount");
  if (count == doc.end()) {
    return invalid("Redrive policy does not contain mandatory attribute: maxReceiveCount.");
  }
  std::optional<int64_t> n;
  if (count->is_number_integer()) n = count->get<int64_t>();
  if (count->is_string()) n = parseInt(count->get<std::string>());
  if (!n || *n < 1 || *n > 1000) {
    return invalid(fmt::format(
        "Invalid value for maxReceiveCount: {}, valid values are from 1 to 1000 both inclusive.",
        count->is_string() ? count->get<std::string>() : count->dump()));
  }
  out.deadLetterTargetArn = arn->get<std::string>();
  out.maxReceiveCount = static_cast<int>(*n);
  Json normalized = {{"deadLetterTargetArn", out.deadLetterTargetArn},
                     {"maxReceiveCount", out.maxReceiveCount}};
  return normalized.dump();
}

// Recomputes the typed views from the attribute map (already checked).
void refreshTypedViews(QueueConfig& c) {
  auto integer = [&](const char* name, int fallback) {
    auto it = c.attributes.find(name);
    if (it == c.attributes.end()) return fallback;
    return static_cast<int>(parseInt(it->second).value_or(fallback));
  };
  c.visibilityTimeout = integer("VisibilityTimeout", 30);
  c.delaySeconds = integer("DelaySeconds", 0);
  c.maximumMessageSize = integer("MaximumMessageSize", kMaxMessageSizeLimit);
  c.messageRetentionPeriod = integer("MessageRetentionPeriod", 345600);
  c.receiveMessageWaitTimeSeconds = integer("ReceiveMessageWaitTimeSeconds", 0);
  auto cbd = c.attributes.find("ContentBasedDeduplication");
  c.contentBasedDeduplication = cbd != c.attributes.end() && cbd->second == "true";
  auto scope = c.attributes.find("DeduplicationScope");
  c.dedupPerGroup = scope != c.attributes.end() && scope->second == "messageGroup";
  c.redrivePolicy.reset();
  if (auto rp = c.attributes.find("RedrivePolicy"); rp != c.attributes.end()) {
    RedrivePolicy policy;
    if (normalizeRedrivePolicy(rp->second, policy).ok()) c.redrivePolicy = policy;
  }
}

}  // namespace

std::optional<SqsError> checkQueueName(std::string_view name, bool fifo) {
  std::string_view base = name;
  bool hasSuffix = base.size() >= 5 && base.substr(base.size() - 5) == ".fifo";
  if (hasSuffix) base.remove_suffix(5);
  bool charsOk = !base.empty() && std::all_of(base.begin(), base.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
  if (fifo && (!hasSuffix || !charsOk || name.size() > 80)) {
    return SqsError{ErrorCode::kInvalidParameterValue,
                    "The name of a FIFO queue can only include alphanumeric characters, hyphens, "
                    "or underscores, must end with .fifo suffix and be 1 to 80 in length."};
  }
  if (!fifo && (hasSuffix || !charsOk || name.size() > 80)) {
    return SqsError{ErrorCode::kInvalidParameterValue,
                    "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 "
                    "in length"};
  }
  return std::nullopt;
}

QueueConfig defaultQueueConfig(std::string name, bool fifo, int64_t nowS) {
  QueueConfig c;
  c.name = std::move(name);
  c.fifo = fifo;
  c.createdAtS = nowS;
  c.lastModifiedAtS = nowS;
  c.attributes = {{"DelaySeconds", "0"},
                  {"MaximumMessageSize", std::to_string(kMaxMessageSizeLimit)},
                  {"MessageRetentionPeriod", "345600"},
                  {"ReceiveMessageWaitTimeSeconds", "0"},
                  {"VisibilityTimeout", "30"},
                  {"SqsManagedSseEnabled", "true"}};
  if (fifo) {
    c.attributes["FifoQueue"] = "true";
    c.attributes["ContentBasedDeduplication"] = "false";
    c.attributes["DeduplicationScope"] = "queue";
    c.attributes["FifoThroughputLimit"] = "perQueue";
  }
  refreshTypedViews(c);
  return c;
}

std::optional<SqsError> applyAttributes(QueueConfig& config,
                                        const std::map<std::string, std::string>& given,
                                        bool creating) {
  std::map<std::string, std::string> next = config.attributes;
  for (const auto& [name, value] : given) {
    if (kReadOnly.contains(name) || !kSettable.contains(name)) {
      return SqsError{ErrorCode::kInvalidAttributeName, fmt::format("Unknown Attribute {}.", name)};
    }
    if (!config.fifo && kFifoOnly.contains(name)) {
      if (name == "DeduplicationScope" || name == "FifoThroughputLimit") {
        return SqsError{
            ErrorCode::kInvalidAttributeName,
            fmt::format("You can specify the {} only when FifoQueue is set to true.", name)};
      }
      return SqsError{ErrorCode::kInvalidAttributeName, fmt::format("Unknown Attribute {}.", name)};
    }
    std::string normalized = value;
    if (const Range* r = std::find_if(std::begin(kRanges), std::end(kRanges),
                                      [&](const Range& x) { return name == x.name; });
        r != std::end(kRanges)) {
      auto n = parseInt(value);
      if (!n || *n < r->min || *n > r->max) return invalidValue(name);
      normalized = std::to_string(*n);
    } else if (name == "FifoQueue") {
      auto b = parseBool(value);
      // Fixed at creation: a FIFO queue stays one.
      if (!b || !*b) return invalidValue(name);
      normalized = "true";
    } else if (name == "ContentBasedDeduplication" || name == "SqsManagedSseEnabled") {
      auto b = parseBool(value);
      if (!b) return invalidValue(name);
      normalized = *b ? "true" : "false";
    } else if (name == "DeduplicationScope") {
      if (value != "messageGroup" && value != "queue") return invalidValue(name);
    } else if (name == "FifoThroughputLimit") {
      if (value != "perQueue" && value != "perMessageGroupId") return invalidValue(name);
    } else if (name == "RedrivePolicy") {
      if (value.empty()) {
        next.erase(name);  // SQS removes the policy when it is set to "".
        continue;
      }
      RedrivePolicy policy;
      auto result = normalizeRedrivePolicy(value, policy);
      if (!result.ok()) return result.error();
      normalized = result.value();
    } else if (value.empty() &&
               (name == "Policy" || name == "RedriveAllowPolicy" || name == "KmsMasterKeyId")) {
      next.erase(name);
      continue;
    }
    next[name] = std::move(normalized);
  }
  (void)creating;
  config.attributes = std::move(next);
  refreshTypedViews(config);
  return std::nullopt;
}

bool isQueueAttributeName(std::string_view name) {
  return name == "All" || kReadOnly.contains(name) || kSettable.contains(name);
}

std::string encodeDefinition(const QueueConfig& config) {
  Json doc = {{"fifo", config.fifo},
              {"attributes", config.attributes},
              {"tags", config.tags},
              {"createdAtS", config.createdAtS},
              {"lastModifiedAtS", config.lastModifiedAtS}};
  return doc.dump();
}

bool decodeDefinition(std::string_view json, QueueConfig& config) {
  Json doc = Json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return false;
  try {
    config.fifo = doc.at("fifo").get<bool>();
    config.attributes = doc.at("attributes").get<std::map<std::string, std::string>>();
    config.tags = doc.value("tags", std::map<std::string, std::string>{});
    config.createdAtS = doc.value("createdAtS", int64_t{0});
    config.lastModifiedAtS = doc.value("lastModifiedAtS", config.createdAtS);
  } catch (const Json::exception&) {
    return false;
  }
  refreshTypedViews(config);
  return true;
}

}  // namespace nimbus::aws::sqs
