// The part of the Velocity Template Language (VTL) that API Gateway's mapping templates use:
// references ($a, $!a, ${a}, $a.b, $a.m(x), $a[0]), #set, #if/#elseif/#else, #foreach (with
// $foreach.hasNext, .index, .count), #define, #break, #stop, comments, and expressions (literals,
// lists, maps, ranges, comparisons, && || !, arithmetic). Values behave as the Java objects
// Velocity would see: strings with String's methods (split and replaceAll take regular
// expressions), lists, ordered maps with keySet() and get(), numbers, booleans, null.
// API Gateway's own variables ($input, $util, $context) are supplied by the caller
// (gateway/lambda_integration.cc). Not on the hot path of proxy integrations.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus::gateway::vtl {

struct Node;
class HostObject;
struct Value;

using List = std::vector<Value>;
using Map = std::vector<std::pair<std::string, Value>>;  // In insertion order, as Java's maps.

struct Value {
  enum class Kind { Null, Bool, Number, String, List, Map, Host, Block };
  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  bool integer = false;  // A whole number as Java's Integer/Long (rendered without ".0").
  std::string text;
  // Lists and maps are shared as Java references are: `$list.add(x)` changes every holder.
  std::shared_ptr<List> list;
  std::shared_ptr<Map> map;
  std::shared_ptr<HostObject> host;
  const std::vector<Node>* block = nullptr;  // A #define body, rendered where it is referenced.

  static Value null() { return {}; }
  static Value of(bool b);
  static Value of(double n, bool integer);
  static Value of(std::string s);
  static Value of(const char* s) { return of(std::string(s)); }
  static Value ofList(List items = {});
  static Value ofMap(Map entries = {});
  static Value ofHost(std::shared_ptr<HostObject> host);

  bool isNull() const { return kind == Kind::Null; }
  // A map entry by key, or nullptr.
  const Value* find(std::string_view key) const;
  // Adds or replaces a map entry.
  void put(std::string key, Value value);
};

// How Velocity prints a value: strings as they are, integers without a fraction, lists as
// "[a, b]" and maps as "{k=v}" (Java's toString), null as nothing (API Gateway prints an absent
// value as an empty string).
std::string toText(const Value& value);

// A JSON document as a Value (objects become maps in document order); nullopt when not JSON.
std::optional<Value> parseJson(std::string_view json);
// A Value as compact JSON text.
std::string toJson(const Value& value);

// An object of the caller's: `$input.json('$')` calls call("json", ...), `$input.body` asks
// property("body").
class HostObject {
 public:
  virtual ~HostObject() = default;
  virtual std::optional<Value> property(std::string_view name) = 0;
  // nullopt: no such method (the reference renders as nothing). A failure that must stop the
  // rendering sets `error`.
  virtual std::optional<Value> call(std::string_view name, std::vector<Value>& args,
                                    std::string& error) = 0;
};

class Template {
 public:
  Template();
  ~Template();
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

  // Parses `source`; on a syntax error, returns nullopt and sets `error` ("line 3: #end
  // without a block").
  static std::optional<Template> parse(std::string_view source, std::string& error);

  struct Result {
    bool ok = true;
    std::string output;
    std::string error;
  };
  // Renders with `variables` as the global context ($input, $context, ...); #set adds to it.
  Result render(std::map<std::string, Value> variables) const;

 private:
  std::unique_ptr<std::vector<Node>> nodes_;
};

}  // namespace nimbus::gateway::vtl
