// Create/Get/List/Update/DeleteEventSourceMapping (2015-03-31) for SQS queues and DynamoDB
// streams.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "aws/lambda/lambda_api_call.h"
#include "core/ids.h"
#include "core/json_writer.h"
#include "core/url.h"
#include "lambda/event_filter.h"
#include "lambda/event_source_mappings.h"
#include "lambda/queue_source.h"
#include "lambda/stream_source.h"

namespace nimbus::aws {

namespace {

using Json = nlohmann::json;

ApiError mappingNotFound() {
  return {404, "ResourceNotFoundException", "The resource you requested does not exist."};
}

// `lastResult` is a stream mapping's LastProcessingResult (empty: not polled now).
void writeMapping(JsonWriter& w, const LambdaApiSettings& settings,
                  const lambda::EventSourceMapping& m, const char* state,
                  const std::string& lastResult) {
  double seconds = std::chrono::duration<double>(m.lastModified.time_since_epoch()).count();
  w.beginObject().field("UUID", m.uuid);
  if (m.stream) w.field("StartingPosition", m.stream->startingPosition);
  w.field("BatchSize", m.batchSize)
      .field("MaximumBatchingWindowInSeconds", m.maximumBatchingWindowSeconds);
  if (m.stream) w.field("ParallelizationFactor", m.stream->parallelizationFactor);
  w.field("EventSourceArn", m.eventSourceArn);
  if (!m.filterPatterns.empty()) {
    w.key("FilterCriteria").beginObject().key("Filters").beginArray();
    for (const auto& pattern : m.filterPatterns) {
      w.beginObject().field("Pattern", pattern).endObject();
    }
    w.endArray().endObject();
  }
  w.field("FunctionArn",
          lambda::FunctionSpec::functionArn(settings.region, settings.accountId, m.functionName));
  w.key("LastModified").number(seconds);
  if (m.stream) {
    w.field("LastProcessingResult", lastResult.empty() ? "No records processed" : lastResult);
  }
  w.field("State", state ? state : (m.enabled ? "Enabled" : "Disabled"))
      .field("StateTransitionReason", "USER_INITIATED");
  if (m.stream) {
    w.key("DestinationConfig").beginObject().key("OnFailure").beginObject();
    if (!m.stream->onFailureDestination.empty()) {
      w.field("Destination", m.stream->onFailureDestination);
    }
    w.endObject().endObject();
    w.field("MaximumRecordAgeInSeconds", m.stream->maximumRecordAgeSeconds)
        .field("BisectBatchOnFunctionError", m.stream->bisectBatchOnFunctionError)
        .field("MaximumRetryAttempts", m.stream->maximumRetryAttempts)
        .field("TumblingWindowInSeconds", 0);
  }
  w.key("FunctionResponseTypes").beginArray();
  if (m.reportBatchItemFailures) w.string("ReportBatchItemFailures");
  w.endArray();
  if (m.maximumConcurrency) {
    w.key("ScalingConfig").beginObject().field("MaximumConcurrency", *m.maximumConcurrency);
    w.endObject();
  }
  w.field("EventSourceMappingArn", fmt::format("arn:aws:lambda:{}:{}:event-source-mapping:{}",
                                               settings.region, settings.accountId, m.uuid));
  w.endObject();
}

HttpResponse mappingResponse(int status, const LambdaApiSettings& settings,
                             const lambda::EventSourceMapping& m, const char* state,
                             const std::string& lastResult, const std::string& requestId) {
  std::string body;
  JsonWriter w(body);
  writeMapping(w, settings, m, state, lastResult);
  return restJsonResponse(status, std::move(body), requestId);
}

ApiError invalidParameter(std::string message) {
  return {400, "InvalidParameterValueException", std::move(message)};
}

// FilterCriteria: {"Filters": [{"Pattern": "..."}]}; an empty object or list removes the filters.
std::optional<ApiError> readFilterCriteria(const Json& criteria, lambda::EventSourceMapping& m) {
  if (!criteria.is_object()) return invalidParameter("Invalid filter pattern definition.");
  std::vector<std::string> patterns;
  if (auto filters = criteria.find("Filters"); filters != criteria.end() && !filters->is_null()) {
    if (!filters->is_array()) return invalidParameter("Invalid filter pattern definition.");
    for (const auto& filter : *filters) {
      auto pattern = filter.is_object() ? filter.find("Pattern") : filter.end();
      if (!filter.is_object() || pattern == filter.end() || !pattern->is_string()) {
        return invalidParameter("Invalid filter pattern definition.");
      }
      patterns.push_back(pattern->get<std::string>());
    }
  }
  auto compiled = lambda::EventFilters::compile(patterns);
  if (auto* error = std::get_if<std::string>(&compiled)) return invalidParameter(*error);
  m.filterPatterns = std::move(patterns);
  return std::nullopt;
}

// The members only stream mappings take; for a queue they are refused by name, as Lambda does.
std::optional<ApiError> readStreamSettings(const Json& body, lambda::EventSourceMapping& m) {
  static const char* const kStreamOnly[] = {
      "MaximumRetryAttempts",  "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError",
      "ParallelizationFactor", "DestinationConfig",         "TumblingWindowInSeconds"};
  if (!m.stream) {
    for (const char* key : kStreamOnly) {
      if (auto it = body.find(key); it != body.end() && !it->is_null()) {
        return invalidParameter(
            fmt::format("Unsupported {} parameter for given event source mapping type.", key));
      }
    }
    return std::nullopt;
  }
  auto& s = *m.stream;
  std::optional<int> value;
  if (auto e =
          readBoundedInt(body, "MaximumRetryAttempts", "maximumRetryAttempts", -1, 10000, value)) {
    return e;
  }
  if (value) s.maximumRetryAttempts = *value;
  value.reset();
  if (auto e = readBoundedInt(body, "MaximumRecordAgeInSeconds", "maximumRecordAgeInSeconds", -1,
                              604800, value)) {
    return e;
  }
  if (value) {
    if (*value != -1 && *value < 60) {
      return validationError(std::to_string(*value), "maximumRecordAgeInSeconds",
                             "Member must have value greater than or equal to 60");
    }
    s.maximumRecordAgeSeconds = *value;
  }
  value.reset();
  if (auto e =
          readBoundedInt(body, "ParallelizationFactor", "parallelizationFactor", 1, 10, value)) {
    return e;
  }
  if (value) s.parallelizationFactor = *value;
  value.reset();
  if (auto e = readBoundedInt(body, "TumblingWindowInSeconds", "tumblingWindowInSeconds", 0, 900,
                              value)) {
    return e;
  }
  if (value.value_or(0) != 0) {
    return invalidParameter(
        "TumblingWindowInSeconds: nimbus does not aggregate stream records in tumbling windows");
  }
  if (auto it = body.find("BisectBatchOnFunctionError"); it != body.end() && it->is_boolean()) {
    s.bisectBatchOnFunctionError = *it;
  }
  if (auto it = body.find("DestinationConfig"); it != body.end() && it->is_object()) {
    if (it->contains("OnSuccess")) {
      return invalidParameter(
          "Unsupported DestinationConfig parameter for given event source mapping type.");
    }
    s.onFailureDestination.clear();
    if (auto f = it->find("OnFailure"); f != it->end() && f->is_object()) {
      std::string target = f->value("Destination", "");
      // Lambda sends stream failures to SQS queues, SNS topics, S3 buckets and Kafka topics;
      // nimbus serves the first two.
      if (!target.empty() && target.rfind("arn:aws:sqs:", 0) != 0 &&
          target.rfind("arn:aws:sns:", 0) != 0) {
        return invalidParameter(fmt::format(
            "The provided destination config DestinationConfig(onSuccess=null, "
            "onFailure=OnFailure(destination={})) is invalid: nimbus sends stream failures to "
            "SQS queues and SNS topics",
            target));
      }
      s.onFailureDestination = target;
    }
  }
  return std::nullopt;
}

// Reads the members Create and Update share into `m`.
std::optional<ApiError> readMappingSettings(const Json& body, lambda::EventSourceMapping& m) {
  auto integer = [&](const char* key, const char* member, int low, int high,
                     int& out) -> std::optional<ApiError> {
    std::optional<int> value;
    if (auto e = readBoundedInt(body, key, member, low, high, value)) return e;
    if (value) out = *value;
    return std::nullopt;
  };
  if (auto e = integer("BatchSize", "batchSize", 1, 10000, m.batchSize)) return e;
  if (auto e = integer("MaximumBatchingWindowInSeconds", "maximumBatchingWindowInSeconds", 0, 300,
                       m.maximumBatchingWindowSeconds)) {
    return e;
  }
  if (auto it = body.find("Enabled"); it != body.end() && it->is_boolean()) m.enabled = *it;
  if (auto it = body.find("FunctionResponseTypes"); it != body.end() && it->is_array()) {
    m.reportBatchItemFailures = false;
    for (const auto& t : *it) {
      if (t != "ReportBatchItemFailures") {
        return validationError(t.dump(), "functionResponseTypes",
                               "Member must satisfy enum value set: [ReportBatchItemFailures]");
      }
      m.reportBatchItemFailures = true;
    }
  }
  if (auto it = body.find("ScalingConfig"); it != body.end() && it->is_object()) {
    if (auto c = it->find("MaximumConcurrency"); c != it->end() && c->is_number_integer()) {
      int value = c->get<int>();
      if (value < 2 || value > 1000) {
        return validationError(std::to_string(value), "scalingConfig.maximumConcurrency",
                               value < 2 ? "Member must have value greater than or equal to 2"
                                         : "Member must have value less than or equal to 1000");
      }
      m.maximumConcurrency = value;
    } else {
      m.maximumConcurrency.reset();
    }
  }
  if (auto it = body.find("FilterCriteria"); it != body.end() && !it->is_null()) {
    if (!m.stream) {
      return invalidParameter(
          "FilterCriteria: nimbus filters DynamoDB stream records; SQS mappings take no filters");
    }
    if (auto e = readFilterCriteria(*it, m)) return e;
  }
  return readStreamSettings(body, m);
}

// Lambda's check that a stream mapping's stream exists.
std::optional<ApiError> checkAgainstStream(const lambda::EventSourceMapping& m,
                                           lambda::StreamSource* streams) {
  if (!streams || !streams->exists(m.eventSourceArn)) {
    return invalidParameter(fmt::format("Stream not found: {}", m.eventSourceArn));
  }
  return std::nullopt;
}

// Lambda's checks that need the queue and the function: batch size against the batching
// window and the queue type, and the queue's visibility timeout against the function's.
std::optional<ApiError> checkAgainstQueue(const lambda::EventSourceMapping& m,
                                          lambda::QueueSource* queues, int functionTimeout) {
  if (m.batchSize > 10 && m.maximumBatchingWindowSeconds == 0) {
    return ApiError{400, "InvalidParameterValueException",
                    "Maximum batch window in seconds must be greater than 0 if maximum batch "
                    "size is greater than 10"};
  }
  if (m.batchSize > 10 && m.eventSourceArn.ends_with(".fifo")) {
    return ApiError{400, "InvalidParameterValueException",
                    "Batch size for SQS FIFO queues must be at most 10"};
  }
  auto visibility = queues ? queues->visibilityTimeout(m.eventSourceArn) : std::nullopt;
  if (!visibility) {
    return ApiError{400, "InvalidParameterValueException",
                    "Error occurred while ReceiveMessage. SQS Error Code: "
                    "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified "
                    "queue does not exist for this wsdl version."};
  }
  if (visibility->count() < functionTimeout) {
    return ApiError{400, "InvalidParameterValueException",
                    fmt::format("Queue visibility timeout: {} seconds is less than Function "
                                "timeout: {} seconds",
                                visibility->count(), functionTimeout)};
  }
  return std::nullopt;
}

}  // namespace

void LambdaApi::eventSourceMappings(Call& call, const std::string& method, const std::string& uuid,
                                    HttpRequest&& request) {
  auto answer = [call, settings = settings_](int status, const char* state) {
    return [call, settings, status, state](lambda::MappingResult&& r) {
      if (r.status == lambda::RegistryStatus::NotFound) return call.fail(mappingNotFound());
      if (r.status == lambda::RegistryStatus::ProjectOwned) {
        return call.fail({409, "ResourceConflictException",
                          "This event source mapping comes from the serverless.yml this nimbus "
                          "serves: edit that file (nimbus reloads it)"});
      }
      if (r.status != lambda::RegistryStatus::Ok) {
        return call.fail(registryRefusal({r.status, r.message, {}}, settings, ""));
      }
      call.send(mappingResponse(status, settings, r.mapping, state, "", call.requestId));
    };
  };

  if (uuid.empty() && method == "GET") {
    std::string functionFilter =
        lambda::parseFunctionReference(queryParameter(call.query, "FunctionName")).name;
    std::string sourceFilter = queryParameter(call.query, "EventSourceArn");
    std::string body;
    JsonWriter w(body);
    w.beginObject().key("EventSourceMappings").beginArray();
    for (const auto& m : mappings_.list()) {
      if (!functionFilter.empty() && m.functionName != functionFilter) continue;
      if (!sourceFilter.empty() && m.eventSourceArn != sourceFilter) continue;
      writeMapping(w, settings_, m, nullptr, mappings_.lastProcessingResult(m.uuid));
    }
    w.endArray().endObject();
    return call.send(restJsonResponse(200, std::move(body), call.requestId));
  }
  if (!uuid.empty() && method == "GET") {
    auto m = mappings_.get(uuid);
    if (!m) return call.fail(mappingNotFound());
    return call.send(mappingResponse(200, settings_, *m, nullptr,
                                     mappings_.lastProcessingResult(uuid), call.requestId));
  }
  if (!uuid.empty() && method == "DELETE") {
    return mappings_.remove(uuid, answer(202, "Deleting"));
  }

  Json body;
  if (auto e = parseJsonBody(request.body, body)) return call.fail(*e);
  if (uuid.empty() && method == "POST") {
    lambda::EventSourceMapping m;
    m.uuid = newUuid();
    m.lastModified = std::chrono::system_clock::now();
    std::string source = body.value("EventSourceArn", "");
    std::string function = body.value("FunctionName", "");
    if (function.empty()) {
      return call.fail(validationError("null", "functionName", "Member must not be null"));
    }
    bool stream = lambda::isDynamoDbStreamArn(source);
    if (source.rfind("arn:aws:sqs:", 0) != 0 && !stream) {
      return call.fail(invalidParameter(
          fmt::format("Unrecognized event source {}: nimbus polls SQS queues and DynamoDB streams",
                      source.empty() ? "(none)" : source)));
    }
    m.eventSourceArn = source;
    m.functionName = lambda::parseFunctionReference(function).name;
    auto position = body.find("StartingPosition");
    bool hasPosition = position != body.end() && !position->is_null();
    if (stream) {
      // Lambda's defaults for DynamoDB streams: batches of 100, StartingPosition required.
      m.stream.emplace();
      m.batchSize = 100;
      if (!hasPosition) {
        return call.fail(invalidParameter(
            "1 validation error detected: Value null at 'startingPosition' failed to satisfy "
            "constraint: Member must not be null."));
      }
      std::string value = position->is_string() ? position->get<std::string>() : position->dump();
      if (value != "TRIM_HORIZON" && value != "LATEST" && value != "AT_TIMESTAMP") {
        return call.fail(validationError(
            value, "startingPosition",
            "Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]"));
      }
      if (value == "AT_TIMESTAMP") {
        return call.fail(invalidParameter(
            fmt::format("Unsupported starting position for arn type: {}", source)));
      }
      m.stream->startingPosition = value;
    } else if (hasPosition) {
      return call.fail(
          invalidParameter(fmt::format("Unsupported starting position for arn type: {}", source)));
    }
    auto spec = registry_.function(m.functionName);
    if (!spec) return call.fail(functionNotFound(settings_, m.functionName, ""));
    if (auto e = readMappingSettings(body, m)) return call.fail(*e);
    auto check = stream ? checkAgainstStream(m, mappings_.streams())
                        : checkAgainstQueue(m, mappings_.queues(), spec->timeoutSeconds);
    if (check) return call.fail(*check);
    for (const auto& other : mappings_.list()) {
      if (other.eventSourceArn != m.eventSourceArn || other.functionName != m.functionName) {
        continue;
      }
      return call.fail(
          {409, "ResourceConflictException",
           stream ? fmt::format("The event source arn (\" {} \") and function (\" {} \") provided "
                                "mapping already exists. Please update or delete the existing "
                                "mapping with UUID {}",
                                m.eventSourceArn, m.functionName, other.uuid)
                  : fmt::format("An event source mapping with SQS arn (\" {} \") and function "
                                "(\" {} \") already exists. Please update or delete the existing "
                                "mapping with UUID {}",
                                m.eventSourceArn, m.functionName, other.uuid)});
    }
    return mappings_.create(std::move(m), answer(202, "Creating"));
  }
  if (!uuid.empty() && method == "PUT") {
    auto current = mappings_.get(uuid);
    if (!current) return call.fail(mappingNotFound());
    lambda::EventSourceMapping next = *current;
    if (auto e = readMappingSettings(body, next)) return call.fail(*e);
    if (auto f = body.find("FunctionName"); f != body.end() && f->is_string()) {
      next.functionName = lambda::parseFunctionReference(*f).name;
    }
    auto spec = registry_.function(next.functionName);
    if (!spec) return call.fail(functionNotFound(settings_, next.functionName, ""));
    if (!next.isStream()) {
      if (auto e = checkAgainstQueue(next, mappings_.queues(), spec->timeoutSeconds)) {
        return call.fail(*e);
      }
    }
    return mappings_.update(
        uuid, [next](lambda::EventSourceMapping& m) { m = next; }, answer(202, "Updating"));
  }
  call.send(restJsonError(404, "UnknownOperationException",
                          fmt::format("This Lambda operation is not available: {} "
                                      "event-source-mappings",
                                      method),
                          call.requestId));
}

}  // namespace nimbus::aws
