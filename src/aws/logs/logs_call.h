// Private to the CloudWatch Logs service's implementation files: one request being answered, and
// the checks its members share.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "aws/logs/logs_service.h"
#include "core/result.h"

namespace nimbus::aws::logs {

struct LogsService::Call {
  std::string requestId;
  nlohmann::json body;  // The request's JSON object.
  // Shared: the answer is sent from the log store's threads.
  std::shared_ptr<http::Responder> responder;

  void respond(const nlohmann::json& answer) const;
  void fail(const ServiceError& error) const;
  void invalid(const std::string& message) const {
    fail({"InvalidParameterException", message, 400});
  }

  // A string member, or "" when absent or not a string.
  std::string string(const char* name) const;
  std::optional<int64_t> integer(const char* name) const;
  bool has(const char* name) const { return body.contains(name) && !body[name].is_null(); }

  // The log group named by logGroupName or logGroupIdentifier (a name or an ARN), checked
  // against CloudWatch's name rules; fails the call and returns nullopt when missing or bad.
  std::optional<std::string> groupName(bool identifierAllowed) const;
  // A required name member checked against CloudWatch's rules.
  std::optional<std::string> streamName(const char* member = "logStreamName") const;
  // `limit` between 1 and `max`, `fallback` when absent; fails the call when out of range.
  std::optional<size_t> limit(size_t max, size_t fallback) const;
};

// The answer while the log store's database could not be opened.
ServiceError storeClosed();

// "1 validation error detected: Value 'x' at 'member' failed to satisfy constraint: ...".
std::string validationMessage(const std::string& value, const std::string& member,
                              const std::string& constraint);

}  // namespace nimbus::aws::logs
