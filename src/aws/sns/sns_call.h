// Private to the SNS service's implementation files: one request being answered, and the helpers
// its actions share.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "aws/sns/messages.h"
#include "aws/sns/query_protocol.h"
#include "aws/sns/sns_service.h"

namespace nimbus::aws::sns {

struct SnsService::Call {
  std::string requestId;
  std::string action;
  QueryParams params;
  std::string traceHeader;  // The request's X-Amzn-Trace-Id, when it had one.
  // Shared: answers often come from a store or delivery callback on another thread.
  std::shared_ptr<http::Responder> responder;

  void respond(std::string_view resultXml) const {
    responder->send(queryResponse(action, resultXml, true, requestId));
  }
  void respondEmpty() const { responder->send(queryResponse(action, "", false, requestId)); }
  void fail(const SnsError& e) const {
    responder->send(queryError(e.status, e.code, e.message, requestId));
  }
  void failInternal(const std::string& why) const {
    fail(SnsError{500, "InternalError", "Internal error: " + why});
  }
};

// Counts outstanding writes (or deliveries) and runs `done` once when the last one completes,
// with the first error seen.
class Completion {
 public:
  static std::shared_ptr<Completion> make(std::function<void(const std::string& error)> done) {
    return std::shared_ptr<Completion>(new Completion(std::move(done)));
  }
  // One more outstanding piece of work.
  void add() { pending_.fetch_add(1); }
  void complete(const std::string& error) {
    if (!error.empty()) {
      std::lock_guard lock(mutex_);
      if (error_.empty()) error_ = error;
    }
    if (pending_.fetch_sub(1) == 1) {
      std::string e;
      {
        std::lock_guard lock(mutex_);
        e = error_;
      }
      done_(e);
    }
  }

 private:
  explicit Completion(std::function<void(const std::string&)> done)
      : done_(std::move(done)), pending_(1) {}  // The creator holds one until it is finished.

  std::function<void(const std::string&)> done_;
  std::atomic<int> pending_;
  std::mutex mutex_;
  std::string error_;
};

// SNS's check of an ARN parameter: "Invalid parameter: TopicArn Reason: An ARN must have at
// least 6 elements, not 1".
std::optional<SnsError> checkArn(std::string_view parameter, std::string_view arn);

void logSns(const std::string& line);

}  // namespace nimbus::aws::sns
