// Private to the EventBridge service's implementation files: one request being answered.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "aws/events/events_service.h"

namespace nimbus::aws::events {

struct EventsService::Call {
  std::string requestId;
  std::string operation;
  nlohmann::json body;  // The request's JSON object.
  // Shared: answers often come from a store callback on another thread.
  std::shared_ptr<http::Responder> responder;

  void respond(const nlohmann::json& answer) const;
  void fail(const std::string& code, const std::string& message, int status = 400) const;
  void failInternal(const std::string& why) const { fail("InternalException", why, 500); }

  // A string member, or "" when absent or not a string.
  std::string string(const char* name) const;
  bool has(const char* name) const { return body.contains(name) && !body[name].is_null(); }
};

// "2026-12-07T13:49:34Z": the `time` of events.
std::string eventTime(int64_t epochMs);

}  // namespace nimbus::aws::events
