#include "lambda/function_spec.h"

namespace nimbus::lambda {

bool FunctionSpec::sameDeployment(const FunctionSpec& o) const {
  return name == o.name && version == o.version && handler == o.handler && runtime == o.runtime &&
         memorySizeMb == o.memorySizeMb && timeoutSeconds == o.timeoutSeconds &&
         environment == o.environment && codeDirectory == o.codeDirectory && region == o.region &&
         codeRevision == o.codeRevision && codeSha256 == o.codeSha256 && buildError == o.buildError;
}

bool isVersionNumber(std::string_view qualifier) {
  return !qualifier.empty() && qualifier.size() <= 10 &&
         qualifier.find_first_not_of("0123456789") == std::string_view::npos;
}

FunctionReference parseFunctionReference(const std::string& raw) {
  std::string s = raw;
  // arn:aws:lambda:region:account:function:name[:qualifier], or account:function:name[:q].
  if (auto fn = s.find(":function:"); fn != std::string::npos) s = s.substr(fn + 10);
  FunctionReference ref;
  if (auto colon = s.find(':'); colon != std::string::npos) {
    ref.qualifier = s.substr(colon + 1);
    s.resize(colon);
  }
  ref.name = std::move(s);
  return ref;
}

}  // namespace nimbus::lambda
