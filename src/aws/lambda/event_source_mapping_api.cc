// Create/Get/List/Update/DeleteEventSourceMapping (2015-03-31) for SQS queues.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "aws/lambda/lambda_api_call.h"
#include "core/ids.h"
#include "core/json_writer.h"
#include "core/url.h"
#include "lambda/event_source_mappings.h"
#include "lambda/queue_source.h"

namespace nimbus::aws {

namespace {

using Json = nlohmann::json;

ApiError mappingNotFound() {
  return {404, "ResourceNotFoundException", "The resource you requested does not exist."};
}

void writeMapping(JsonWriter& w, const LambdaApiSettings& settings,
                  const lambda::EventSourceMapping& m, const char* state) {
  double seconds = std::chrono::duration<double>(m.lastModified.time_since_epoch()).count();
  w.beginObject()
      .field("UUID", m.uuid)
      .field("BatchSize", m.batchSize)
      .field("MaximumBatchingWindowInSeconds", m.maximumBatchingWindowSeconds)
      .field("EventSourceArn", m.eventSourceArn)
      .field("FunctionArn", lambda::FunctionSpec::functionArn(settings.region, settings.accountId,
                                                              m.functionName));
  w.key("LastModified").number(seconds);
  w.field("State", state ? state : (m.enabled ? "Enabled" : "Disabled"))
      .field("StateTransitionReason", "USER_INITIATED");
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
                             const std::string& requestId) {
  std::string body;
  JsonWriter w(body);
  writeMapping(w, settings, m, state);
  return restJsonResponse(status, std::move(body), requestId);
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
      call.send(mappingResponse(status, settings, r.mapping, state, call.requestId));
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
      writeMapping(w, settings_, m, nullptr);
    }
    w.endArray().endObject();
    return call.send(restJsonResponse(200, std::move(body), call.requestId));
  }
  if (!uuid.empty() && method == "GET") {
    auto m = mappings_.get(uuid);
    if (!m) return call.fail(mappingNotFound());
    return call.send(mappingResponse(200, settings_, *m, nullptr, call.requestId));
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
    if (source.rfind("arn:aws:sqs:", 0) != 0) {
      return call.fail({400, "InvalidParameterValueException",
                        fmt::format("Unrecognized event source {}: nimbus polls SQS queues",
                                    source.empty() ? "(none)" : source)});
    }
    m.eventSourceArn = source;
    m.functionName = lambda::parseFunctionReference(function).name;
    auto spec = registry_.function(m.functionName);
    if (!spec) return call.fail(functionNotFound(settings_, m.functionName, ""));
    if (auto e = readMappingSettings(body, m)) return call.fail(*e);
    if (auto e = checkAgainstQueue(m, mappings_.queues(), spec->timeoutSeconds)) {
      return call.fail(*e);
    }
    for (const auto& other : mappings_.list()) {
      if (other.eventSourceArn == m.eventSourceArn && other.functionName == m.functionName) {
        return call.fail(
            {409, "ResourceConflictException",
             fmt::format("An event source mapping with SQS arn (\" {} \") and function (\" {} "
                         "\") already exists. Please update or delete the existing mapping "
                         "with UUID {}",
                         m.eventSourceArn, m.functionName, other.uuid)});
      }
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
    if (auto e = checkAgainstQueue(next, mappings_.queues(), spec->timeoutSeconds)) {
      return call.fail(*e);
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
