// Globs as the Serverless Framework matches package patterns: micromatch with `dot: true`,
// against paths relative to the service folder ("src/app.js", "node_modules/x/index.js").
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::client {

// One compiled glob. What it understands, as micromatch does:
//   *  any run of characters within a path segment (leading dots too)
//   ?  one character other than '/'
//   ** as a whole segment: any number of segments ("a/**" also matches "a" itself)
//   [abc] [a-z] [!a] [^a] [[:alpha:]]  character classes
//   {a,b} {1..3} {a..c}                 braces, expanded before matching
//   @(a|b) *(a|b) +(a|b) ?(a|b) !(a|b)  extglobs
//   \x                                  x literally
// A leading "./" is dropped, and a leading '!' inverts the match (micromatch's negation).
class Glob {
 public:
  // nullopt, with `problem` set, when the pattern cannot be compiled.
  static std::optional<Glob> compile(std::string_view pattern, std::string* problem = nullptr);

  bool matches(std::string_view path) const;

 private:
  // One per brace expansion. Most package globs are a plain path or "dir/**" (the default and
  // dev-dependency excludes, hundreds of them in a big node_modules), so those are compared as
  // text; the others go through a regular expression, after a check of their literal start.
  struct Alternative {
    enum class Kind { Exact, Below, Regex } kind = Kind::Regex;
    std::string literal;  // Exact: the path; Below: the folder; Regex: what a match starts with.
    std::regex re;
  };
  std::vector<Alternative> alternatives_;
  bool negated_ = false;
};

// Brace expansion as micromatch's `braces` does it: "a/{b,c}/{1..2}" gives a/b/1, a/b/2, a/c/1,
// a/c/2. A brace with no comma and no range stays as written; "\{" is literal. Returns at most
// `limit` patterns (nullopt when there would be more).
std::optional<std::vector<std::string>> expandBraces(std::string_view pattern, size_t limit = 4096);

// The regular expression (ECMAScript) one brace-free glob stands for; exposed for tests.
std::string globToRegex(std::string_view glob);

}  // namespace nimbus::client
