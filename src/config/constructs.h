// serverless-lift's constructs (top-level `constructs:`): the names Lift gives the resources a
// construct creates, and the values of its `${construct:ID.PROPERTY}` variables. Shared by the
// model builder (model_constructs.cc), which creates what nimbus serves, and the resolver, which
// answers the variables before the model is built.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/intrinsics.h"

namespace nimbus::config {

// Lift's construct types: queue, storage, webhook, static-website, single-page-app,
// server-side-website, database/dynamodb-single-table, vpc.
bool isLiftConstructType(std::string_view type);
// "queue, storage, ..." for messages.
std::string liftConstructTypes();

// The queue of a `queue` construct, or its dead-letter queue: "{stack}-{id}" and
// "{stack}-{id}-dlq", with ".fifo" after either for a FIFO construct, as Lift names them.
std::string liftQueueName(const StackInfo& stack, const std::string& id, bool fifo, bool dlq);

// The name of a table of a `database/dynamodb-single-table` construct. CloudFormation generates
// it ("{stack}-{logical id}-{suffix}"); nimbus forms it the same way with a suffix of its own
// that stays the same from one run to the next.
std::string liftTableName(const StackInfo& stack, const std::string& id);

// The variables `${construct:ID.NAME}` reads for a construct of `type` (queue: queueUrl,
// queueArn, dlqUrl, dlqArn; storage: bucketName, bucketArn; webhook: busName; ...), in Lift's
// order. Names CloudFormation or CloudFront would generate (buckets, buses, distributions) are
// formed as they form them, with a stable suffix of nimbus's own. `fifo` is the queue setting,
// `publicPath` whether a storage has one, `domain` a website's first custom domain.
struct ConstructVariableInputs {
  bool fifo = false;
  bool publicPath = false;
  std::string domain;
};
std::vector<std::pair<std::string, std::string>> liftConstructVariables(
    std::string_view type, const std::string& id, const ConstructVariableInputs& inputs,
    const StackInfo& stack);

}  // namespace nimbus::config
