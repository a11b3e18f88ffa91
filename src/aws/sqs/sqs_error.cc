#include "aws/sqs/sqs_error.h"

namespace nimbus::aws::sqs {

const ErrorSpelling& spellingOf(ErrorCode code) {
  // Codes as botocore's query model and the JSON model's awsQueryCompatible errors spell them.
  static const ErrorSpelling kQueueDoesNotExist{
      "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", 400, true};
  static const ErrorSpelling kQueueNameExists{"QueueNameExists", "QueueAlreadyExists", 400, true};
  static const ErrorSpelling kInvalidParameterValue{"InvalidParameterValueException",
                                                    "InvalidParameterValue", 400, true};
  static const ErrorSpelling kMissingParameter{"MissingRequiredParameterException",
                                               "MissingParameter", 400, true};
  static const ErrorSpelling kInvalidAttributeName{"InvalidAttributeName", "InvalidAttributeName",
                                                   400, true};
  static const ErrorSpelling kInvalidAttributeValue{"InvalidAttributeValue",
                                                    "InvalidAttributeValue", 400, true};
  static const ErrorSpelling kInvalidMessageContents{"InvalidMessageContents",
                                                     "InvalidMessageContents", 400, true};
  static const ErrorSpelling kReceiptHandleIsInvalid{"ReceiptHandleIsInvalid",
                                                     "ReceiptHandleIsInvalid", 400, true};
  static const ErrorSpelling kMessageNotInflight{
      "MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", 400, true};
  static const ErrorSpelling kEmptyBatchRequest{
      "EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", 400, true};
  static const ErrorSpelling kTooManyEntries{"TooManyEntriesInBatchRequest",
                                             "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                                             400, true};
  static const ErrorSpelling kIdsNotDistinct{
      "BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400, true};
  static const ErrorSpelling kBatchTooLong{"BatchRequestTooLong",
                                           "AWS.SimpleQueueService.BatchRequestTooLong", 400, true};
  static const ErrorSpelling kInvalidBatchEntryId{
      "InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId", 400, true};
  static const ErrorSpelling kOverLimit{"OverLimit", "OverLimit", 403, true};
  static const ErrorSpelling kUnsupportedOperation{
      "UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", 400, true};
  static const ErrorSpelling kInvalidAction{"UnknownOperationException", "InvalidAction", 400,
                                            true};
  static const ErrorSpelling kSerialization{"SerializationException", "MalformedQueryString", 400,
                                            true};
  static const ErrorSpelling kInternalError{"InternalError", "InternalError", 500, false};
  switch (code) {
    case ErrorCode::kQueueDoesNotExist:
      return kQueueDoesNotExist;
    case ErrorCode::kQueueNameExists:
      return kQueueNameExists;
    case ErrorCode::kInvalidParameterValue:
      return kInvalidParameterValue;
    case ErrorCode::kMissingParameter:
      return kMissingParameter;
    case ErrorCode::kInvalidAttributeName:
      return kInvalidAttributeName;
    case ErrorCode::kInvalidAttributeValue:
      return kInvalidAttributeValue;
    case ErrorCode::kInvalidMessageContents:
      return kInvalidMessageContents;
    case ErrorCode::kReceiptHandleIsInvalid:
      return kReceiptHandleIsInvalid;
    case ErrorCode::kMessageNotInflight:
      return kMessageNotInflight;
    case ErrorCode::kEmptyBatchRequest:
      return kEmptyBatchRequest;
    case ErrorCode::kTooManyEntriesInBatchRequest:
      return kTooManyEntries;
    case ErrorCode::kBatchEntryIdsNotDistinct:
      return kIdsNotDistinct;
    case ErrorCode::kBatchRequestTooLong:
      return kBatchTooLong;
    case ErrorCode::kInvalidBatchEntryId:
      return kInvalidBatchEntryId;
    case ErrorCode::kOverLimit:
      return kOverLimit;
    case ErrorCode::kUnsupportedOperation:
      return kUnsupportedOperation;
    case ErrorCode::kInvalidAction:
      return kInvalidAction;
    case ErrorCode::kSerialization:
      return kSerialization;
    case ErrorCode::kInternalError:
      break;
  }
  return kInternalError;
}

SqsError queueDoesNotExist() {
  return {ErrorCode::kQueueDoesNotExist, "The specified queue does not exist."};
}

}  // namespace nimbus::aws::sqs
