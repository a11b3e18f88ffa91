#include "lambda/function_spec.h"

namespace nimbus::lambda {

bool FunctionSpec::sameDeployment(const FunctionSpec& o) const {
  return name == o.name && version == o.version && handler == o.handler && runtime == o.runtime &&
         memorySizeMb == o.memorySizeMb && timeoutSeconds == o.timeoutSeconds &&
         environment == o.environment && codeDirectory == o.codeDirectory && region == o.region &&
         codeRevision == o.codeRevision && maximumRetryAttempts == o.maximumRetryAttempts &&
         maximumEventAgeSeconds == o.maximumEventAgeSeconds &&
         onSuccessFunction == o.onSuccessFunction && onFailureFunction == o.onFailureFunction;
}

}  // namespace nimbus::lambda
