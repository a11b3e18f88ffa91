// SNS subscription filter policies: compiled once when a subscription's FilterPolicy is set, then
// matched against each published message's attributes (FilterPolicyScope MessageAttributes, the
// default) or its JSON body (MessageBody). The operator set is SNS's: exact strings, numbers,
// true/false/null, prefix, suffix, equals-ignore-case, anything-but (values or a prefix),
// numeric ranges, exists, cidr, and $or. Invalid policies are refused with SNS's own messages.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "aws/pattern_compiler.h"

namespace nimbus::aws::sns {

enum class FilterScope { MessageAttributes, MessageBody };

// A message attribute as Publish received it. DataType may carry a custom suffix
// ("String.email"); SNS filters on the part before the first dot.
struct MessageAttribute {
  std::string name;
  std::string dataType;
  std::string stringValue;  // String, Number and String.Array values.
  std::string binaryValue;  // Binary values, raw bytes.

  std::string_view baseType() const {
    return std::string_view(dataType).substr(0, dataType.find('.'));
  }
  bool isStringArray() const { return dataType == "String.Array"; }
};

// Why a policy was refused.
struct FilterPolicyError {
  std::string message;  // e.g. "Unrecognized match type foo\n at [Source: ...; line: 1, column: 9]"
  // True when the message is about the FilterPolicy attribute ("FilterPolicy: ..."); false when
  // it stands alone ("Filter policy scope MessageAttributes does not support nested ...").
  bool aboutFilterPolicy = true;
};

// The InvalidParameter message for a refused policy, as Subscribe (whose attributes it came with)
// or SetSubscriptionAttributes words it.
std::string filterPolicyErrorMessage(const FilterPolicyError& error, bool fromSubscribe);

class FilterPolicy {
 public:
  using Branch = PatternBranch;  // Every leaf must match.

  using CompileResult = std::variant<std::shared_ptr<const FilterPolicy>, FilterPolicyError>;

  // Compiles `json` for `scope`, applying SNS's limits (five keys, 150 combinations, no nesting
  // for attribute policies).
  static CompileResult compile(std::string_view json, FilterScope scope);

  FilterPolicy(std::vector<Branch> branches, FilterScope scope);
  ~FilterPolicy();

  FilterScope scope() const { return scope_; }

  // Whether a message with these attributes and this body passes (the scope picks which is read).
  bool matches(const std::vector<MessageAttribute>& attributes, std::string_view body) const;
  bool matchesAttributes(const std::vector<MessageAttribute>& attributes) const;
  // False when the body is not a JSON object.
  bool matchesBody(std::string_view body) const;

 private:
  std::vector<Branch> branches_;  // $or alternatives: any one matching is enough.
  FilterScope scope_;
};

}  // namespace nimbus::aws::sns
