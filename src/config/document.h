// The configuration as a tree of values that remember where they were written, so that an error
// found after variables were resolved still names the file, line and key of the original text.
// yaml-cpp's own nodes lose that once values are copied around, and carry no JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/project.h"

namespace nimbus::config {

struct Node {
  enum class Kind { Null, Bool, Number, String, Map, Seq };
  // Resolution progress of a string that may hold `${...}` variables. Only strings are ever
  // anything but Plain; a string read from a file starts Pending if it contains "${".
  enum class State { Plain, Pending, InProgress, Failed };

  Kind kind = Kind::Null;
  State state = State::Plain;
  // How many substitutions deep a Pending string sits (a value from ${file()} that holds more
  // variables, and so on): v3 gives up past 10, which is what ends self-including files.
  int nesting = 0;
  bool boolean = false;
  double number = 0;
  std::string text;  // A string's value; for other scalars the text as written.
  // Map: keys[i] names children[i], in file order. Seq: keys is empty.
  std::vector<std::string> keys;
  std::vector<SourceLocation> keyLocations;
  std::vector<Node> children;
  SourceLocation where;

  static Node makeString(std::string value, SourceLocation where);
  static Node makeNumber(double value, SourceLocation where);
  static Node makeBool(bool value, SourceLocation where);
  static Node makeNull(SourceLocation where);

  bool isScalar() const { return kind != Kind::Map && kind != Kind::Seq; }
  // Index of `key` among a map's children, or -1.
  int indexOf(std::string_view key) const;
  // "a mapping", "a list", "a string", "a number", "a boolean", "null": for messages.
  std::string kindName() const;
  // Marks every string below (and including) this node that contains "${" as Pending.
  void markVariables();
};

// A scalar as JavaScript's String() prints it, which is how the Framework turns numbers and
// booleans into strings (environment values, string interpolation). nullopt for null, maps and
// lists.
std::optional<std::string> scalarToString(const Node& node);

// A number as JavaScript prints it: 1024, 0.5, 1e+21.
std::string formatNumber(double value);

struct ParseProblem {
  SourceLocation where;
  std::string message;
};

// Parses YAML with the rules js-yaml applies for the Framework: YAML 1.2 core schema scalars,
// merge keys (`<<`), duplicate keys rejected, and the CloudFormation short-form tags (!Ref,
// !GetAtt, !Sub, ...) turned into their long form ({Ref: X}, {"Fn::GetAtt": [A, B]}, ...).
// `displayFile` is what locations name. An empty document parses to a null node.
std::variant<Node, std::vector<ParseProblem>> parseYaml(const std::string& text,
                                                        const std::string& displayFile);

// Parses JSON. nlohmann keeps no positions, so every value is located at `where`.
std::variant<Node, ParseProblem> parseJson(const std::string& text, const SourceLocation& where);

}  // namespace nimbus::config
