// CloudFormation's intrinsic functions, evaluated the way the stack the Serverless Framework
// deploys would evaluate them, so that `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`,
// `Fn::Select`, `Fn::Split`, `Fn::GetAZs` and `Fn::Base64` in `resources`, `environment` and
// event settings give the names, URLs and ARNs of what nimbus runs.
//
// The scope knows the stack's resources by logical id: those of `resources.Resources`, the
// functions (`{Name}LambdaFunction`) and the topics `sns` events create (`SNSTopic{Name}`).
// A resource's physical name may itself be written with intrinsics (`QueueName: !Sub
// "${AWS::StackName}-jobs"`); it is worked out when first asked for, and a resource whose name
// depends on itself is reported.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/document.h"

namespace nimbus::config {

// nimbus's one account.
inline constexpr std::string_view kAccountId = "000000000000";

struct StackInfo {
  std::string service, stage, region;
  // Where the AWS endpoint answers, "http://127.0.0.1:4566": queue URLs start with it.
  std::string awsEndpointUrl;
  // "{service}-{stage}", the Framework's stack name.
  std::string stackName() const { return service + "-" + stage; }
  // The URL and ARNs nimbus's services give the resources named `name` in this stack's region.
  std::string queueUrl(std::string_view name) const;
  std::string queueArn(std::string_view name) const;
  std::string tableArn(std::string_view name) const;
};

struct IntrinsicProblem {
  SourceLocation where;
  std::string message;
};

// True for a mapping CloudFormation reads as a function call: one key, `Ref` or `Fn::...`.
bool isIntrinsic(const Node& node);

// Serverless Framework logical ids: "my-func" -> "MyDashfuncLambdaFunction";
// "order events" -> "SNSTopicOrderevents".
std::string functionLogicalId(std::string_view functionKey);
// "my-func" -> "MyDashfunc": a function key as the Framework's logical ids begin with it.
std::string normalizedFunctionName(std::string_view functionKey);
std::string topicLogicalId(std::string_view topicName);

class TemplateScope {
 public:
  explicit TemplateScope(StackInfo stack);

  const StackInfo& stack() const { return stack_; }

  // A resource of `resources.Resources`. `properties` must outlive the scope (it points into
  // the configuration tree, already free of Framework variables); null when there are none.
  void addResource(const std::string& logicalId, const std::string& type, const Node* properties,
                   const SourceLocation& where);
  // A resource the Framework generates, whose physical name is known.
  void addNamedResource(const std::string& logicalId, const std::string& type, std::string name);
  bool hasResource(const std::string& logicalId) const;

  // The value with every intrinsic function in it (at any depth) replaced by its result.
  // `Ref: AWS::NoValue` removes the map key or list item that holds it.
  std::variant<Node, IntrinsicProblem> evaluate(const Node& value);

  // The physical name of a resource (queue or topic name, function name), or why not.
  std::variant<std::string, IntrinsicProblem> physicalName(const std::string& logicalId);

 private:
  struct Resource {
    std::string type;
    const Node* properties = nullptr;
    SourceLocation where;
    enum class Naming { NotYet, InProgress, Done } naming = Naming::NotYet;
    std::string name;
  };

  std::variant<Node, IntrinsicProblem> call(const Node& node);
  std::variant<Node, IntrinsicProblem> ref(const std::string& target, const SourceLocation& where);
  std::variant<Node, IntrinsicProblem> getAtt(const std::string& logicalId,
                                              const std::string& attribute,
                                              const SourceLocation& where);
  std::variant<Node, IntrinsicProblem> sub(const Node& argument, const SourceLocation& where);
  std::optional<std::string> pseudoParameter(std::string_view name) const;
  std::variant<std::string, IntrinsicProblem> nameOf(Resource& resource,
                                                     const std::string& logicalId);

  StackInfo stack_;
  std::map<std::string, Resource> resources_;
};

// A value as JSON text: mappings and lists as JSON, numbers that are integers without a
// fraction ("3", not "3.0"). For the JSON-valued properties CloudFormation takes as objects
// (RedrivePolicy, FilterPolicy, ...).
std::string toJsonText(const Node& node);

// The logical id the Serverless Framework gives the bucket of an `s3` event: S3Bucket followed
// by the name's letters and digits, the first capitalized ("photos-in" -> "S3BucketPhotosin").
std::string s3BucketLogicalId(std::string_view bucket);

}  // namespace nimbus::config
