// SQS's errors: one code per exception the SQS model names, each with the spellings both wire
// protocols use (the JSON protocol's __type and the query protocol's Code, which JSON answers
// also carry in the x-amzn-query-error header), its HTTP status and whose fault it is.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace nimbus::aws::sqs {

enum class ErrorCode {
  kQueueDoesNotExist,
  kQueueNameExists,
  kInvalidParameterValue,
  kMissingParameter,
  kInvalidAttributeName,
  kInvalidAttributeValue,
  kInvalidMessageContents,
  kReceiptHandleIsInvalid,
  kMessageNotInflight,
  kEmptyBatchRequest,
  kTooManyEntriesInBatchRequest,
  kBatchEntryIdsNotDistinct,
  kBatchRequestTooLong,
  kInvalidBatchEntryId,
  kOverLimit,
  kUnsupportedOperation,
  kInvalidAction,
  kSerialization,
  kInternalError,
};

struct ErrorSpelling {
  const char* jsonType;   // Short __type name; the answer prefixes "com.amazonaws.sqs#".
  const char* queryCode;  // <Code> in query answers; first half of x-amzn-query-error.
  int status;
  bool senderFault;  // "Sender" or "Receiver" in <Type> and x-amzn-query-error.
};

const ErrorSpelling& spellingOf(ErrorCode code);

struct SqsError {
  ErrorCode code;
  std::string message;
};

// A value or the SqsError that prevented it.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit, like std::expected.
  Result(SqsError error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  const SqsError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, SqsError> v_;
};

// SQS's message for a queue it does not have. The query protocol's wording predates the JSON one.
SqsError queueDoesNotExist();

}  // namespace nimbus::aws::sqs
