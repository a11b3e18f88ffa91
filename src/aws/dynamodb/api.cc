#include "aws/dynamodb/api.h"

#include <fmt/format.h>

#include <cmath>

#include "core/json_writer.h"

namespace nimbus::aws::dynamodb {

namespace {

// DynamoDB's clients read the code after '#'; the namespace before it tells the service's own
// errors from those of its request layer, as DynamoDB answers them.
std::string_view errorNamespace(std::string_view code) {
  if (code == "ValidationException") return "com.amazon.coral.validate";
  if (code == "SerializationException" || code == "UnknownOperationException" ||
      code == "MissingAuthenticationTokenException" || code == "InternalFailure") {
    return "com.amazon.coral.service";
  }
  return "com.amazonaws.dynamodb.v20120810";
}

}  // namespace

Reply::Reply(http::Responder responder, std::string requestId)
    : responder_(std::move(responder)), requestId_(std::move(requestId)) {}

void Reply::json(std::string body) {
  std::lock_guard lock(mutex_);
  if (!responder_) return;
  responder_.send(HttpResponse{
      200,
      {{"Content-Type", "application/x-amz-json-1.0"}, {"x-amzn-RequestId", requestId_}},
      std::move(body)});
  responder_ = http::Responder();
}

void Reply::error(const ServiceError& error, std::string_view extraMembers) {
  std::lock_guard lock(mutex_);
  if (!responder_) return;
  responder_.send(errorResponse(error, requestId_, extraMembers));
  responder_ = http::Responder();
}

HttpResponse errorResponse(const ServiceError& error, std::string_view requestId,
                           std::string_view extraMembers) {
  std::string body;
  JsonWriter w(body);
  w.beginObject();
  w.field("__type", fmt::format("{}#{}", errorNamespace(error.code), error.code));
  w.field("message", error.message);
  if (!extraMembers.empty()) {
    body.push_back(',');
    body += extraMembers;
  }
  body.push_back('}');
  return HttpResponse{error.status,
                      {{"Content-Type", "application/x-amz-json-1.0"},
                       {"x-amzn-RequestId", std::string(requestId)}},
                      std::move(body)};
}

ServiceError validationError(std::string message) {
  return ServiceError{"ValidationException", std::move(message), 400};
}

ServiceError missingMember(std::string_view member) {
  return validationError(fmt::format(
      "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must "
      "not be null",
      member));
}

std::optional<simdjson::dom::element> Request::member(std::string_view name) const {
  simdjson::dom::element e;
  if (body_[name].get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
  return e;
}

std::optional<std::string_view> Request::string(std::string_view name) const {
  auto e = member(name);
  std::string_view s;
  if (!e || e->get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

std::optional<bool> Request::boolean(std::string_view name) const {
  auto e = member(name);
  bool b;
  if (!e || e->get(b) != simdjson::SUCCESS) return std::nullopt;
  return b;
}

std::optional<int64_t> Request::integer(std::string_view name) const {
  auto e = member(name);
  if (!e) return std::nullopt;
  int64_t i;
  if (e->get(i) == simdjson::SUCCESS) return i;
  double d;
  if (e->get(d) == simdjson::SUCCESS && std::isfinite(d) && std::abs(d) < 9e18) {
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

Result<std::optional<Item>> Request::item(std::string_view name) const {
  auto e = member(name);
  if (!e) return std::optional<Item>();
  auto item = readItem(*e);
  if (!item) return item.takeError();
  return std::optional<Item>(std::move(*item));
}

Result<std::shared_ptr<Table>> Request::table(const Engine& engine) const {
  auto name = string("TableName");
  if (!name) return missingMember("tableName");
  auto table = engine.table(std::string(*name));
  if (!table) {
    return ServiceError{"ResourceNotFoundException", "Requested resource not found", 400};
  }
  return table;
}

Status Request::readExpressionParameters() {
  if (auto e = member("ExpressionAttributeNames")) {
    simdjson::dom::object object;
    if (e->get(object) != simdjson::SUCCESS) {
      return ServiceError{"SerializationException",
                          "Unexpected value type for ExpressionAttributeNames", 400};
    }
    names_.emplace();
    for (auto field : object) {
      std::string_view value;
      if (field.value.get(value) != simdjson::SUCCESS) {
        return ServiceError{"SerializationException",
                            "Unexpected value type in ExpressionAttributeNames", 400};
      }
      (*names_)[std::string(field.key)] = std::string(value);
    }
    if (names_->empty()) {
      return validationError("ExpressionAttributeNames must not be empty");
    }
    context_.names = &*names_;
  }
  if (auto e = member("ExpressionAttributeValues")) {
    auto values = readItem(*e);
    if (!values) {
      ServiceError error = values.takeError();
      if (error.code == "ValidationException") {
        // DynamoDB names the offending key.
        simdjson::dom::object object;
        if (e->get(object) == simdjson::SUCCESS) {
          for (auto field : object) {
            auto v = readAttributeValue(field.value);
            if (!v) {
              error.message =
                  fmt::format("ExpressionAttributeValues contains invalid value: {} for key {}",
                              v.error().message, field.key);
              break;
            }
          }
        }
      }
      return error;
    }
    values_ = std::move(*values);
    if (values_->empty()) {
      return validationError("ExpressionAttributeValues must not be empty");
    }
    context_.values = &*values_;
  }
  return ok();
}

Status Request::checkExpressionParameters(bool anyExpression) const {
  if (!anyExpression) {
    if (names_) {
      return validationError(
          "ExpressionAttributeNames can only be specified when using expressions");
    }
    if (values_) {
      return validationError(
          "ExpressionAttributeValues can only be specified when using expressions");
    }
    return ok();
  }
  return checkAllUsed(context_);
}

Status Request::refuseLegacy(std::initializer_list<std::string_view> names) const {
  for (auto name : names) {
    if (member(name)) {
      return validationError(fmt::format(
          "The legacy parameter {} is not supported by nimbus; use the expression parameters "
          "instead",
          name));
    }
  }
  return ok();
}

void writeItemMember(JsonWriter& out, std::string_view name, const Item& item) {
  out.key(name);
  writeItem(out, item);
}

double writeUnits(size_t bytes) {
  return std::max(1.0, std::ceil(static_cast<double>(bytes) / 1024.0));
}

double readUnits(size_t bytes, bool consistent) {
  double units = std::max(1.0, std::ceil(static_cast<double>(bytes) / 4096.0));
  return consistent ? units : units / 2;
}

CapacityReport readCapacityReport(const Request& request) {
  auto mode = request.string("ReturnConsumedCapacity");
  if (!mode) return CapacityReport::kNone;
  if (*mode == "TOTAL") return CapacityReport::kTotal;
  if (*mode == "INDEXES") return CapacityReport::kIndexes;
  return CapacityReport::kNone;
}

void writeConsumedCapacity(JsonWriter& out, CapacityReport report, const std::string& table,
                           double units) {
  if (report == CapacityReport::kNone) return;
  out.key("ConsumedCapacity").beginObject();
  out.field("TableName", table);
  out.key("CapacityUnits").number(units);
  if (report == CapacityReport::kIndexes) {
    out.key("Table").beginObject().key("CapacityUnits").number(units).endObject();
  }
  out.endObject();
}

}  // namespace nimbus::aws::dynamodb
