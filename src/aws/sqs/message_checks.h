// The checks SQS makes on a message before accepting it, with SQS's error codes and wording.
#pragma once

#include <optional>
#include <string_view>

#include "aws/sqs/queue_config.h"
#include "aws/sqs/sqs_error.h"
#include "aws/sqs/sqs_service.h"

namespace nimbus::aws::sqs {

// True when `text` is UTF-8 made only of the characters SQS allows in bodies and string
// attributes: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
bool allowedMessageText(std::string_view text);

// Body, attributes, size against the queue's MaximumMessageSize, delay, and the FIFO parameters
// (MessageGroupId required; a deduplication id or ContentBasedDeduplication; no per-message
// delay) or their absence on a standard queue.
std::optional<SqsError> checkOutgoingMessage(const OutgoingMessage& message,
                                             const QueueConfig& queue);

// A batch entry Id: 1-80 of [A-Za-z0-9_-].
bool validBatchEntryId(std::string_view id);

}  // namespace nimbus::aws::sqs
