// The part of the model builder that reads `stream` events, as the Serverless Framework v3 reads
// them: `stream: ARN`, or `stream: {arn, type, batchSize, startingPosition, ...}`, where `arn`
// may be `!GetAtt Table.StreamArn` of a table in `resources`. DynamoDB streams become event
// source mappings; Kinesis streams are not served and are named in a warning.
#include <fmt/format.h>

#include <algorithm>

#include "config/model_builder.h"

namespace nimbus::config {

namespace {

// arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL (the label, a time, has colons).
bool isDynamoDbStreamArn(const std::string& arn) {
  constexpr std::string_view kPrefix = "arn:aws:dynamodb:";
  if (arn.rfind(kPrefix, 0) != 0) return false;
  size_t region = arn.find(':', kPrefix.size());
  size_t account = region == std::string::npos ? region : arn.find(':', region + 1);
  if (account == std::string::npos || region == kPrefix.size() || account == region + 1) {
    return false;
  }
  std::string resource = arn.substr(account + 1);
  size_t stream = resource.find("/stream/");
  return resource.rfind("table/", 0) == 0 && stream != std::string::npos && stream > 6 &&
         stream + 8 < resource.size();
}

// The service an ARN names: "dynamodb" in arn:aws:dynamodb:...
std::string arnService(const std::string& arn) {
  size_t first = arn.find(':');
  size_t second = first == std::string::npos ? first : arn.find(':', first + 1);
  size_t third = second == std::string::npos ? second : arn.find(':', second + 1);
  if (third == std::string::npos) return {};
  return arn.substr(second + 1, third - second - 1);
}

}  // namespace

std::optional<StreamEvent> ModelBuilder::streamEvent(Node& value, const SourceLocation& where,
                                                     const std::string& path) {
  StreamEvent event;
  event.where = where;
  event.path = path;
  Entry arn{&value, where, path, false};
  std::string type;
  bool ok = true;
  if (value.kind == Node::Kind::Map) {
    // The type first: a Kinesis stream's `arn` is often `!GetAtt Stream.Arn` of a resource nimbus
    // does not create, which would fail to evaluate, while the event is only warned about.
    if (Entry e = get(value, "type", path); e.node) {
      if (auto v = stringSetting(e)) {
        if (*v == "kinesis") {
          warn(where, fmt::format("{}: Kinesis streams are not served by nimbus; this event is "
                                  "ignored",
                                  path));
          return std::nullopt;
        }
        if (*v != "dynamodb") {
          error(e.where, e.path, fmt::format("'{}' is not dynamodb or kinesis", *v));
          ok = false;
        }
        type = *v;
      }
    }
    arn = get(value, "arn", path);
    if (arn.failed) return std::nullopt;
    if (!arn.node) {
      error(where, path,
            "needs arn: the stream's ARN (`!GetAtt Table.StreamArn` of a table in resources, or "
            "arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL)");
      return std::nullopt;
    }
    if (Entry e = get(value, "batchSize", path); e.node) {
      if (auto v = integerSetting(e, 1, 10000, "records")) event.batchSize = *v;
    }
    if (Entry e = get(value, "startingPosition", path); e.node) {
      if (auto v = stringSetting(e)) {
        if (*v != "LATEST" && *v != "TRIM_HORIZON") {
          error(e.where, e.path,
                fmt::format("'{}' is not LATEST or TRIM_HORIZON (the positions Lambda takes for "
                            "a DynamoDB stream)",
                            *v));
          ok = false;
        } else {
          event.startingPosition = *v;
        }
      }
    }
    if (Entry e = get(value, "enabled", path); e.node) {
      if (auto v = booleanSetting(e)) event.enabled = *v;
    }
    if (Entry e = get(value, "batchWindow", path); e.node) {
      if (auto v = integerSetting(e, 0, 300, "seconds")) event.batchWindow = *v;
    }
    if (Entry e = get(value, "maximumRetryAttempts", path); e.node) {
      if (auto v = integerSetting(e, -1, 10000, "retries")) event.maximumRetryAttempts = *v;
    }
    if (Entry e = get(value, "maximumRecordAgeInSeconds", path); e.node) {
      if (auto v = integerSetting(e, -1, 604800, "seconds")) {
        if (*v != -1 && *v < 60) {
          error(e.where, e.path, fmt::format("{} is neither -1 nor 60 to 604800 seconds", *v));
          ok = false;
        } else {
          event.maximumRecordAgeInSeconds = *v;
        }
      }
    }
    if (Entry e = get(value, "bisectBatchOnFunctionError", path); e.node) {
      if (auto v = booleanSetting(e)) event.bisectBatchOnFunctionError = *v;
    }
    if (Entry e = get(value, "parallelizationFactor", path); e.node) {
      if (auto v = integerSetting(e, 1, 10, "batches per shard")) event.parallelizationFactor = *v;
    }
    if (Entry e = get(value, "functionResponseType", path); e.node) {
      if (auto v = stringSetting(e)) {
        if (*v != "ReportBatchItemFailures") {
          error(e.where, e.path, fmt::format("'{}' is not ReportBatchItemFailures", *v));
          ok = false;
        } else {
          event.reportBatchItemFailures = true;
        }
      }
    }
    if (Entry e = get(value, "destinations", path); e.node) {
      if (auto target = streamFailureDestination(e)) {
        event.onFailure = *target;
      } else {
        ok = false;
      }
    }
    if (Entry e = get(value, "filterPatterns", path); e.node) {
      if (!resolver_.resolveDeep(*e.node, e.path)) return std::nullopt;
      if (e.node->kind != Node::Kind::Seq) {
        error(e.where, e.path, "must be a list of filter patterns (mappings)");
        ok = false;
      } else {
        // The Framework turns each pattern into FilterCriteria's JSON text.
        for (size_t i = 0; i < e.node->children.size(); ++i) {
          const Node& pattern = e.node->children[i];
          if (pattern.kind != Node::Kind::Map) {
            error(pattern.where.line > 0 ? pattern.where : e.where,
                  fmt::format("{}[{}]", e.path, i),
                  "a filter pattern must be a mapping, e.g. {eventName: [INSERT]}");
            ok = false;
            continue;
          }
          event.filterPatterns.push_back(toJsonText(pattern));
        }
      }
    }
    for (const char* key : {"tumblingWindowInSeconds", "consumer"}) {
      int at = value.indexOf(key);
      if (at >= 0) {
        warn(value.keyLocations[at],
             fmt::format("{}.{} is not supported by nimbus and is ignored", path, key));
      }
    }
    // The Framework's keys; the Kinesis-only ones were warned about above.
    warnUnsupportedKeys(
        value, path,
        {"arn", "type", "batchSize", "parallelizationFactor", "startingPosition", "enabled",
         "consumer", "batchWindow", "maximumRetryAttempts", "bisectBatchOnFunctionError",
         "maximumRecordAgeInSeconds", "functionResponseType", "destinations",
         "tumblingWindowInSeconds", "filterPatterns"});
  }
  auto text = stringSetting(arn);
  if (!text) return std::nullopt;
  // As the Framework does: the type given, else the ARN's service.
  if (type.empty()) type = arnService(*text);
  if (type == "kinesis") {
    warn(where,
         fmt::format("{}: Kinesis streams are not served by nimbus; this event is ignored", path));
    return std::nullopt;
  }
  if (!isDynamoDbStreamArn(*text)) {
    error(arn.where, arn.path,
          fmt::format("'{}' is not a DynamoDB stream ARN "
                      "(arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL)",
                      *text));
    return std::nullopt;
  }
  event.arn = *text;
  if (!ok) return std::nullopt;
  return event;
}

// `destinations: {onFailure: ARN}` or `{onFailure: {arn, type}}`: where Lambda sends the record
// of a batch it gave up on. Lambda takes SQS queues and SNS topics (and S3 buckets, which nimbus
// does not serve).
std::optional<std::string> ModelBuilder::streamFailureDestination(const Entry& destinations) {
  if (destinations.node->kind != Node::Kind::Map) {
    error(destinations.where, destinations.path, "must be a mapping with onFailure");
    return std::nullopt;
  }
  warnUnsupportedKeys(*destinations.node, destinations.path, {"onFailure"});
  Entry target = get(*destinations.node, "onFailure", destinations.path);
  if (target.failed) return std::nullopt;
  if (!target.node) {
    error(destinations.where, destinations.path, "needs onFailure: an SQS queue or SNS topic ARN");
    return std::nullopt;
  }
  Entry arn = target;
  if (target.node->kind == Node::Kind::Map) {
    arn = get(*target.node, "arn", target.path);
    if (arn.failed) return std::nullopt;
    if (!arn.node) {
      error(target.where, target.path, "needs arn: an SQS queue or SNS topic ARN");
      return std::nullopt;
    }
    if (Entry type = get(*target.node, "type", target.path); type.node) {
      if (auto v = stringSetting(type); v && *v != "sqs" && *v != "sns") {
        error(type.where, type.path, fmt::format("'{}' is not sqs or sns", *v));
        return std::nullopt;
      }
    }
    warnUnsupportedKeys(*target.node, target.path, {"arn", "type"});
  }
  auto text = stringSetting(arn);
  if (!text) return std::nullopt;
  if (text->rfind("arn:aws:sqs:", 0) != 0 && text->rfind("arn:aws:sns:", 0) != 0) {
    error(arn.where, arn.path,
          fmt::format("'{}' is not an SQS queue or SNS topic ARN (nimbus sends the records of "
                      "failed stream batches to those)",
                      *text));
    return std::nullopt;
  }
  return text;
}

}  // namespace nimbus::config
