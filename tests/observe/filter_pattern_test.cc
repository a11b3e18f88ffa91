#include "observe/filter_pattern.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <regex>
#include <string>
#include <vector>

namespace nimbus::observe {
namespace {

FilterPattern compile(std::string_view pattern) {
  Result<FilterPattern> parsed = FilterPattern::parse(pattern);
  EXPECT_TRUE(parsed.ok()) << pattern << ": " << (parsed.ok() ? "" : parsed.error().message);
  if (!parsed.ok()) return *FilterPattern::parse("");
  return *parsed;
}

// Which of `events` the pattern matches, by index, to compare against AWS's documented lists.
std::vector<int> matching(std::string_view pattern, const std::vector<std::string>& events) {
  FilterPattern filter = compile(pattern);
  std::vector<int> matched;
  for (size_t i = 0; i < events.size(); ++i) {
    if (filter.matches(events[i])) matched.push_back(static_cast<int>(i) + 1);
  }
  return matched;
}

std::string errorOf(std::string_view pattern) {
  Result<FilterPattern> parsed = FilterPattern::parse(pattern);
  if (parsed.ok()) return "(accepted)";
  EXPECT_EQ(parsed.error().code, "InvalidParameterException");
  EXPECT_EQ(parsed.error().status, 400);
  return parsed.error().message;
}

using Literals = std::vector<std::string>;

// ---- Empty patterns ----

TEST(FilterPatternTest, EmptyOrBlankPatternMatchesEverything) {
  for (std::string_view pattern : {"", "   ", "\t \n", "\"\""}) {
    FilterPattern filter = compile(pattern);
    EXPECT_TRUE(filter.matchesEverything()) << pattern;
    EXPECT_TRUE(filter.matches("anything at all"));
    EXPECT_TRUE(filter.matches(""));
    EXPECT_TRUE(filter.requiredLiterals().empty());
  }
  EXPECT_FALSE(compile("ERROR").matchesEverything());
  EXPECT_FALSE(compile("-ERROR").matchesEverything());
}

// ---- Unstructured terms ----

TEST(FilterPatternTest, SingleTermMatchesAsCaseSensitiveSubstring) {
  FilterPattern filter = compile("ERROR");
  EXPECT_TRUE(filter.matches("[ERROR] A fatal exception has occurred"));
  EXPECT_TRUE(filter.matches("Exiting with ERRORCODE: -1"));  // AWS's example: not word-bound.
  EXPECT_TRUE(filter.matches("[ERROR 400] BAD REQUEST"));
  EXPECT_FALSE(filter.matches("error: lower case"));
  EXPECT_FALSE(filter.matches("Error"));
  EXPECT_FALSE(filter.matches(""));
  EXPECT_EQ(filter.requiredLiterals(), Literals{"ERROR"});
}

TEST(FilterPatternTest, ExcludedTermRemovesEvents) {
  // AWS: `"ERROR" - "Exiting"` excludes "Exiting with ERRORCODE: -1".
  FilterPattern filter = compile("\"ERROR\" - \"Exiting\"");
  EXPECT_TRUE(filter.matches("[ERROR] A fatal exception has occurred"));
  EXPECT_FALSE(filter.matches("Exiting with ERRORCODE: -1"));
  EXPECT_EQ(filter.requiredLiterals(), Literals{"ERROR"});

  FilterPattern onlyExclusion = compile("-DEBUG");
  EXPECT_TRUE(onlyExclusion.matches("INFO started"));
  EXPECT_FALSE(onlyExclusion.matches("DEBUG details"));
  EXPECT_TRUE(onlyExclusion.requiredLiterals().empty());
}

TEST(FilterPatternTest, MultipleTermsAreAllRequired) {
  FilterPattern filter = compile("ERROR Exception");
  EXPECT_TRUE(filter.matches("[ERROR] Caught IllegalArgumentException"));
  EXPECT_TRUE(filter.matches("[ERROR] Unhandled Exception"));
  EXPECT_FALSE(filter.matches("[ERROR] Unhandled failure"));
  EXPECT_FALSE(filter.matches("[WARN] Exception"));
  EXPECT_EQ(filter.requiredLiterals(), (Literals{"ERROR", "Exception"}));

  FilterPattern words = compile("Failed to process the request");
  EXPECT_TRUE(words.matches("[WARN] Failed to process the request"));
  EXPECT_TRUE(words.matches("[ERROR] Unable to continue: Failed to process the request"));
  EXPECT_TRUE(words.matches("the request Failed to process"));  // Order does not matter.
  EXPECT_FALSE(words.matches("[WARN] Failed to process"));
}

TEST(FilterPatternTest, OrAlternativesFromAwsExample) {
  const std::vector<std::string> events = {"ERROR WARN message", "ERROR message", "WARN message"};
  EXPECT_EQ(matching("ERROR", events), (std::vector<int>{1, 2}));
  EXPECT_EQ(matching("?ERROR ?WARN", events), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(matching("ERROR WARN", events), (std::vector<int>{1}));
  EXPECT_EQ(matching("ERROR -WARN", events), (std::vector<int>{2}));
  EXPECT_EQ(matching("?ERROR ?WARN -message", events), (std::vector<int>{}));
  EXPECT_EQ(matching("message ?ERROR ?NOPE", events), (std::vector<int>{1, 2}));
}

TEST(FilterPatternTest, AlternativesRequireNothingUnlessAlone) {
  EXPECT_TRUE(compile("?ERROR ?WARN").requiredLiterals().empty());
  EXPECT_EQ(compile("?ERROR").requiredLiterals(), Literals{"ERROR"});
  EXPECT_EQ(compile("user ?ERROR ?WARN").requiredLiterals(), Literals{"user"});
}

TEST(FilterPatternTest, QuotedPhrasesMatchExactly) {
  FilterPattern phrase = compile("\"INTERNAL SERVER ERROR\"");
  EXPECT_TRUE(phrase.matches("[ERROR 500] INTERNAL SERVER ERROR"));
  EXPECT_FALSE(phrase.matches("[ERROR 500] INTERNAL ERROR SERVER"));
  EXPECT_FALSE(phrase.matches("internal server error"));
  EXPECT_EQ(phrase.requiredLiterals(), Literals{"INTERNAL SERVER ERROR"});

  // Characters a bare term cannot hold are fine inside quotes.
  EXPECT_TRUE(compile("\"[ERROR]\"").matches("[ERROR] boom"));
  EXPECT_FALSE(compile("\"[ERROR]\"").matches("ERROR boom"));
  EXPECT_TRUE(compile("\"user:42\" \"a-b.c\"").matches("user:42 wrote a-b.c"));
  EXPECT_TRUE(compile("\"{\\\"level\\\":\"").matches("{\"level\":\"error\"}"));
  EXPECT_TRUE(compile("\"C:\\\\temp\"").matches("opened C:\\temp"));
  EXPECT_TRUE(compile("?\"time out\" ?\"timed out\"").matches("request timed out"));
  EXPECT_TRUE(compile("-\"health check\"").matches("GET /users"));
  EXPECT_FALSE(compile("-\"health check\"").matches("GET /health check"));
}

TEST(FilterPatternTest, BareTermsTakeLettersDigitsAndUnderscores) {
  EXPECT_TRUE(compile("status_code 404").matches("status_code=404"));
  EXPECT_TRUE(compile("ERROR_42").matches("code ERROR_42 raised"));
  EXPECT_TRUE(compile("  ERROR   ").matches("ERROR"));
}

TEST(FilterPatternTest, RegexTerms) {
  FilterPattern authorized = compile("%AUTHORIZED%");
  EXPECT_TRUE(authorized.matches("[ERROR 401] UNAUTHORIZED REQUEST"));
  EXPECT_TRUE(authorized.matches("[SUCCESS 200] AUTHORIZED REQUEST"));
  EXPECT_FALSE(authorized.matches("authorized"));
  EXPECT_EQ(authorized.requiredLiterals(), Literals{"AUTHORIZED"});

  const std::vector<std::string> cats = {"hat trick", "the cat", "a chat", "bat"};
  EXPECT_EQ(matching("%^[hc]at%", cats), (std::vector<int>{1}));
  EXPECT_EQ(matching("%[hc]at$%", cats), (std::vector<int>{2, 3}));
  EXPECT_EQ(matching("%[abc]at%", cats), (std::vector<int>{2, 4}));
  EXPECT_EQ(matching("%[a-c]at%", cats), (std::vector<int>{2, 4}));

  const std::vector<std::string> colours = {"color", "colour", "colouur"};
  EXPECT_EQ(matching("%colou?r%", colours), (std::vector<int>{1, 2}));
  EXPECT_EQ(matching("%colou*r%", colours), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(matching("%colou+r%", colours), (std::vector<int>{2, 3}));
  EXPECT_EQ(matching("%^col.ur$%", colours), (std::vector<int>{2}));

  EXPECT_EQ(matching("%^a{3,5}$%", {"aa", "aaa", "aaaaa", "aaaaaa"}), (std::vector<int>{2, 3}));
  EXPECT_EQ(matching("%gray|grey%", {"gray", "grey", "green"}), (std::vector<int>{1, 2}));
  EXPECT_EQ(matching("%[Ee]rror|[Ff]ail%", {"Error", "error", "failed", "ok"}),
            (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(compile("%10\\.10\\.0\\.1%").matches("from 10.10.0.1"));
  EXPECT_FALSE(compile("%10\\.10\\.0\\.1%").matches("from 10x10x0x1"));
  FilterPattern ip = compile("%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%");
  EXPECT_TRUE(ip.matches("client 192.168.1.20 connected"));
  EXPECT_FALSE(ip.matches("client localhost connected"));
  EXPECT_EQ(ip.requiredLiterals(), Literals{"."});
  // Characters the syntax cannot take are written as hex escapes.
  EXPECT_TRUE(compile("%f\\x28x\\x29%").matches("call f(x)"));
  // Combined with terms.
  EXPECT_TRUE(compile("ERROR %user.\\d+%").matches("ERROR user 42"));
  EXPECT_FALSE(compile("ERROR %user=\\d+%").matches("ERROR user=x"));
  EXPECT_FALSE(compile("-%^DEBUG%").matches("DEBUG noise"));
  EXPECT_TRUE(compile("-%^DEBUG%").matches("not DEBUG"));
}

TEST(FilterPatternTest, BadTermsAreRejectedLikeCloudWatch) {
  EXPECT_EQ(errorOf("ERROR:"), "Invalid character(s) in term ':'");
  EXPECT_EQ(errorOf("?Status: timeout"), "Invalid character(s) in term ':'");
  EXPECT_EQ(errorOf("`ERROR"), "Invalid character(s) in term '`'");
  EXPECT_EQ(errorOf("foo(bar"), "Invalid character(s) in term '('");
  EXPECT_EQ(errorOf("a-b"), "Invalid character(s) in term '-'");
  EXPECT_EQ(errorOf("ERROR ,"), "Invalid character(s) in term ','");
  EXPECT_EQ(errorOf("\"quoted\"tail"), "Invalid character(s) in term 't'");
  EXPECT_EQ(errorOf("\"unterminated"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("ERROR \"open"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("ERROR -"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("?"), "Invalid filter pattern");
}

TEST(FilterPatternTest, RegexTermsRequireTheTextEveryMatchHolds) {
  auto literalsOf = [](std::string_view pattern) { return compile(pattern).requiredLiterals(); };
  EXPECT_EQ(literalsOf("%user.\\d+.logged%"), Literals{"logged"});
  EXPECT_EQ(literalsOf("%colou?r%"), Literals{"colo"});
  EXPECT_EQ(literalsOf("%ab+c%"), Literals{"ab"});
  EXPECT_EQ(literalsOf("%^[hc]at$%"), Literals{"at"});
  EXPECT_EQ(literalsOf("%10\\.10\\.0\\.1%"), Literals{"10.10.0.1"});
  EXPECT_EQ(literalsOf("%f\\x28x\\x29%"), Literals{"f"});
  EXPECT_EQ(literalsOf("%[a|b]xyz%"), Literals{"xyz"});
  EXPECT_TRUE(literalsOf("%a{3,5}%").empty());
  EXPECT_TRUE(literalsOf("%[Ee]rror|[Ff]ail%").empty());
  EXPECT_TRUE(literalsOf("%.*%").empty());
  EXPECT_TRUE(literalsOf("?%abc% ?%def%").empty());
  // The required text is checked first, and the regex still decides.
  EXPECT_FALSE(compile("%^logged%").matches("user logged in"));
  EXPECT_TRUE(compile("%ab+c%").matches("xabbbcx"));
  EXPECT_FALSE(compile("%ab+c%").matches("xabx"));
}

// The regex matcher against std::regex (ECMAScript) on random patterns of the supported syntax.
TEST(FilterPatternTest, RegexAgreesWithEcmaScript) {
  const std::vector<std::string> atoms = {"a",      "b",     "c",   ".",      "[ab]", "[^a]",
                                          "\\d",    "\\w",   "\\s", "[a-c1]", "x",    "\\.",
                                          "[\\d_]", "\\x61", "-",   "_",      "1",    "\\W"};
  const std::vector<std::string> quantifiers = {"",    "",      "",     "*",     "+",  "?",
                                                "{2}", "{1,2}", "{0,}", "{0,1}", "*?", "+?"};
  const std::string alphabet = "abcx1_. -";
  std::mt19937 random(20261208);
  auto pick = [&](size_t n) { return static_cast<size_t>(random() % n); };
  int compared = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string body;
    size_t branches = 1 + (pick(4) == 0);
    for (size_t b = 0; b < branches; ++b) {
      if (b > 0) body += '|';
      if (pick(4) == 0) body += '^';
      size_t length = 1 + pick(4);
      for (size_t i = 0; i < length; ++i) {
        body += atoms[pick(atoms.size())] + quantifiers[pick(quantifiers.size())];
      }
      if (pick(4) == 0) body += '$';
      if (pick(8) == 0) body += "\\b";
    }
    Result<FilterPattern> ours = FilterPattern::parse("%" + body + "%");
    ASSERT_TRUE(ours.ok()) << body << ": " << ours.error().message;
    std::regex reference(body, std::regex::ECMAScript);
    for (int t = 0; t < 20; ++t) {
      std::string text;
      size_t length = pick(12);
      for (size_t i = 0; i < length; ++i) text += alphabet[pick(alphabet.size())];
      bool expected = std::regex_search(text, reference);
      ASSERT_EQ(ours->matches(text), expected) << "%" << body << "% on '" << text << "'";
      ++compared;
    }
  }
  EXPECT_EQ(compared, 60000);
}

TEST(FilterPatternTest, RegexRepeatsStayCheapOnLongLines) {
  // The required "b" is there, so the matcher itself has to fail every way of splitting the
  // a's between the repeats; remembering failed positions keeps that polynomial.
  const std::string line = std::string(1000, 'a') + "xb";
  EXPECT_FALSE(compile("%^a*a*a*a*a*a*a*a*b%").matches(line));
  EXPECT_FALSE(compile("%a+a+a+a+a+a+b%").matches(line));
  EXPECT_FALSE(compile("%^.*.*.*.*=$%").matches(line + "=x"));
  EXPECT_TRUE(compile("%a*a*a*a*a*a*a*a*xb$%").matches(line));
  EXPECT_TRUE(compile("%^a+a+a+a+x%").matches(line));
}

TEST(FilterPatternTest, BadRegexesAreRejected) {
  EXPECT_EQ(errorOf("%something!%"), "Invalid character(s) in term '!'");
  EXPECT_EQ(errorOf("%(a|b)%"), "Invalid character(s) in term '('");
  EXPECT_EQ(errorOf("%a b%"), "Invalid character(s) in term ' '");
  EXPECT_EQ(errorOf("%caf\xc3\xa9%"), "Invalid character(s) in term '\xc3'");
  EXPECT_EQ(errorOf("%abc"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("%%"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("%[abc%"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("%a{2,1}%"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("%*a%"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("%a**%"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("%a{x}%"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("%^*%"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("%[z-a]%"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("%\\q%"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("%\\xZZ%"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("%abc\\%"), "Invalid filter pattern");
}

// ---- JSON patterns ----

const char* const kTrailEvent = R"({
  "eventType": "UpdateTrail",
  "sourceIPAddress": "111.111.111.111",
  "arrayKey": ["value", "another value"],
  "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
  "SomeObject": null,
  "ThisFlag": true
})";

TEST(FilterPatternTest, JsonDocumentedFiltersMatch) {
  for (std::string_view pattern : {
           "{ $.eventType = \"UpdateTrail\" }",
           "{ $.sourceIPAddress != 123.123.* }",
           "{ $.arrayKey[0] = \"value\" }",
           "{ $.objectList[1].id = 2 }",
           "{ $.SomeObject IS NULL }",
           "{ $.SomeOtherObject NOT EXISTS }",
           "{ $.ThisFlag IS TRUE }",
           "{$.eventType=UpdateTrail}",
           "{ $.arrayKey[1] = \"another value\" }",
           "{ $.objectList[0].name = a }",
           "{ $.sourceIPAddress = 111.111.* }",
       }) {
    EXPECT_TRUE(compile(pattern).matches(kTrailEvent)) << pattern;
  }
}

TEST(FilterPatternTest, JsonDocumentedFiltersReject) {
  for (std::string_view pattern : {
           "{ $.eventType = \"CreateTrail\" }",
           "{ $.eventType != \"UpdateTrail\" }",
           "{ $.sourceIPAddress != 111.111.* }",
           "{ $.arrayKey[2] = \"value\" }",
           "{ $.objectList[1].id = 1 }",
           "{ $.objectList[1].missing = 2 }",
           "{ $.eventType[0] = \"UpdateTrail\" }",  // Not an array.
           "{ $.SomeObject NOT EXISTS }",
           "{ $.eventType IS NULL }",
           "{ $.Missing IS NULL }",
           "{ $.ThisFlag IS FALSE }",
           "{ $.eventType IS TRUE }",
           "{ $.Missing = * }",
           "{ $.Missing != \"x\" }",  // Absent fields fail `!=` too.
           "{ $.SomeObject = * }",
       }) {
    EXPECT_FALSE(compile(pattern).matches(kTrailEvent)) << pattern;
  }
}

TEST(FilterPatternTest, JsonSelectorOnArrayOrObjectNeverMatches) {
  // AWS: both {$.users = 1} and {$.users != 1} fail when users is an array.
  const std::string event = R"({"users": [1, 2, 3], "user": {"id": 1}})";
  EXPECT_FALSE(compile("{ $.users = 1 }").matches(event));
  EXPECT_FALSE(compile("{ $.users != 1 }").matches(event));
  EXPECT_FALSE(compile("{ $.user = * }").matches(event));
  EXPECT_FALSE(compile("{ $.user != \"x\" }").matches(event));
  EXPECT_TRUE(compile("{ $.users[2] = 3 }").matches(event));
  EXPECT_TRUE(compile("{ $.user.id = 1 }").matches(event));
}

const char* const kUsersEvent = R"({
  "user": {"id": 1, "email": "John.Stiles@example.com"},
  "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
  "actions": ["GET", "PUT", "DELETE"],
  "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]
})";

TEST(FilterPatternTest, JsonCompoundConditionsFromAwsExamples) {
  EXPECT_TRUE(compile(R"({ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") })")
                  .matches(kUsersEvent));
  EXPECT_FALSE(
      compile(R"({ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" })")
          .matches(kUsersEvent));
  // && binds tighter than ||.
  EXPECT_TRUE(
      compile(
          R"({ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch })")
          .matches(kUsersEvent));
  EXPECT_FALSE(
      compile(
          R"({ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch })")
          .matches(kUsersEvent));
  EXPECT_TRUE(compile("{ $.coordinates[1][2] = 6 && $.actions[1] = PUT }").matches(kUsersEvent));
  EXPECT_TRUE(compile("{ (($.user.id = 1)) }").matches(kUsersEvent));
  EXPECT_TRUE(compile("{ $.a = 1 || $.b = 2 || $.user.id = 1 }").matches(kUsersEvent));
  EXPECT_FALSE(compile("{ $.user.id = 1 && $.users[1].id = 2 }").matches(kUsersEvent));
}

TEST(FilterPatternTest, JsonOrFromAwsExample) {
  const std::vector<std::string> events = {R"({"foo": "bar"})", R"({"foo": "baz"})"};
  EXPECT_EQ(matching("{$.foo = bar}", events), (std::vector<int>{1}));
  EXPECT_EQ(matching("{$.foo = baz }", events), (std::vector<int>{2}));
  EXPECT_EQ(matching("{$.foo = bar || $.foo = baz }", events), (std::vector<int>{1, 2}));
}

TEST(FilterPatternTest, JsonNumericComparisons) {
  const std::string event =
      R"({"latency": 1500, "numbers": [9999, 0.001], "processes": [0, 0, 0, 0, {"averageRuntime": 55.5}],
          "errorCode": 400, "delta": -7, "ratio": 2.5e-3, "big": 18446744073709551615})";
  for (std::string_view pattern : {
           "{ $.latency >= 500 }",
           "{ $.latency >= 1500 }",
           "{ $.numbers[0] < 10e3 }",
           "{ $.numbers[1] < 10e-3 }",
           "{ $.processes[4].averageRuntime <= 55.5 }",
           "{ $.errorCode = 400 }",
           "{ $.errorCode = 400.0 }",
           "{ $.errorCode != 500 }",
           "{ $.latency > +1000 }",
           "{ $.delta < -5 }",
           "{ $.delta = -7 }",
           "{ $.ratio = 0.0025 }",
           "{ $.ratio > 2E-3 }",
           "{ $.big > 1e19 }",
           "{ $.latency = * }",
           "{ $.errorCode = 4* }",
           "{ $.errorCode = \"400\" }",
       }) {
    EXPECT_TRUE(compile(pattern).matches(event)) << pattern;
  }
  for (std::string_view pattern : {
           "{ $.latency < 500 }",
           "{ $.latency > 1500 }",
           "{ $.numbers[0] > 10e3 }",
           "{ $.errorCode != 400 }",
           "{ $.errorCode = 5* }",
           "{ $.delta > 0 }",
           "{ $.missing < 1 }",
           "{ $.numbers > 1 }",
       }) {
    EXPECT_FALSE(compile(pattern).matches(event)) << pattern;
  }
}

TEST(FilterPatternTest, JsonNumericConditionsDoNotReadStrings) {
  const std::string event = R"({"latency": "1500", "flag": false})";
  EXPECT_FALSE(compile("{ $.latency > 1000 }").matches(event));
  EXPECT_TRUE(compile("{ $.latency = 1500 }").matches(event));  // The text "1500".
  EXPECT_TRUE(compile("{ $.flag IS FALSE }").matches(event));
  EXPECT_TRUE(compile("{ $.flag = false }").matches(event));
  EXPECT_FALSE(compile("{ $.flag > 0 }").matches(event));
}

TEST(FilterPatternTest, JsonStringWildcards) {
  const std::vector<std::string> events = {R"({"e": "PutEvent"})", R"({"e": "GetEvent"})",
                                           R"({"e": "EventId"})",  R"({"e": "EventName"})",
                                           R"({"e": "Ev*ent"})",   R"({"e": "Event"})"};
  EXPECT_EQ(matching("{ $.e = *Event }", events), (std::vector<int>{1, 2, 6}));
  EXPECT_EQ(matching("{ $.e = Event* }", events), (std::vector<int>{3, 4, 6}));
  EXPECT_EQ(matching("{ $.e = \"Ev*ent\" }", events), (std::vector<int>{5}));
  EXPECT_EQ(matching("{ $.e = *ven* }", events), (std::vector<int>{1, 2, 3, 4, 6}));
  EXPECT_EQ(matching("{ $.e = * }", events), (std::vector<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(matching("{ $.e != *Event }", events), (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(matching(R"({ $.e = "*Event" })", events), (std::vector<int>{1, 2, 6}));
}

TEST(FilterPatternTest, JsonStringsAreCaseSensitiveAndUnescaped) {
  const std::string event = R"({"msg": "say \"hi\"", "path": "a\/b", "level": "ERROR"})";
  EXPECT_TRUE(compile(R"({ $.msg = "say \"hi\"" })").matches(event));
  EXPECT_TRUE(compile(R"({ $.path = "a/b" })").matches(event));
  EXPECT_TRUE(compile("{ $.level = ERROR }").matches(event));
  EXPECT_FALSE(compile("{ $.level = error }").matches(event));
}

TEST(FilterPatternTest, JsonRegexValues) {
  const std::string event = R"({"level": "ERROR", "path": "/api/v2/users"})";
  EXPECT_TRUE(compile("{ $.level = %^ERR% }").matches(event));
  EXPECT_FALSE(compile("{ $.level = %^RR% }").matches(event));
  EXPECT_TRUE(compile("{ $.level != %^WARN% }").matches(event));
  EXPECT_TRUE(compile("{ $.path = %/v\\d+/% && $.level = ERROR }").matches(event));
  EXPECT_FALSE(compile("{ $.missing = %.*% }").matches(event));
}

TEST(FilterPatternTest, JsonPatternsNeedAJsonEvent) {
  FilterPattern filter = compile("{ $.level = \"ERROR\" }");
  EXPECT_TRUE(filter.matches(R"({"level":"ERROR"})"));
  EXPECT_TRUE(filter.matches("  {\"level\":\"ERROR\"}\n"));
  EXPECT_FALSE(filter.matches("level ERROR"));
  EXPECT_FALSE(filter.matches(""));
  EXPECT_FALSE(filter.matches(R"({"level":"ERROR")"));  // Truncated.
  EXPECT_FALSE(filter.matches(R"({"level":"ERROR"} trailing)"));
  // A Lambda line: timestamp, request id and level before the JSON. AWS matches JSON patterns
  // against whole-JSON events only.
  EXPECT_FALSE(
      filter.matches("2026-12-08T01:02:03.456Z\t8f5c8a52-3b5f-4d0e-9b7a-1f2e3d4c5b6a\tERROR\t{"
                     "\"level\":\"ERROR\"}"));
  EXPECT_TRUE(compile("{ $[1].id = 7 }").matches(R"([{"id": 6}, {"id": 7}])"));
  EXPECT_TRUE(compile("{ $.level-name = x && $.snake_case = y }")
                  .matches(R"({"level-name": "x", "snake_case": "y"})"));
  EXPECT_TRUE(filter.requiredLiterals().empty());
}

TEST(FilterPatternTest, BadJsonPatternsAreRejectedLikeCloudWatch) {
  EXPECT_EQ(errorOf("{ $.a = \"x\""), "If a filter pattern starts with '{' it must end with '}'");
  EXPECT_EQ(errorOf("{$.kubernetes.namespace_name=\"abc\" &&"),
            "If a filter pattern starts with '{' it must end with '}'");
  EXPECT_EQ(errorOf("{ $.\"sc-status\" = 5* }"), "Invalid character(s) in term '$.\"'");
  EXPECT_EQ(errorOf("{ a = 1 }"), "Invalid character(s) in term 'a'");
  EXPECT_EQ(errorOf("{ $.a:b = 1 }"), "Invalid character(s) in term '$.a:'");
  EXPECT_EQ(errorOf("{ $.a[x] = 1 }"), "Invalid character(s) in term '$.a[x'");
  EXPECT_EQ(errorOf("{ $.a = 1 & $.b = 2 }"), "Invalid character(s) in term '&'");
  EXPECT_EQ(errorOf("{ $.a = foo@bar }"), "Invalid character(s) in term '@'");
  EXPECT_EQ(errorOf("{ $.a = %a!% }"), "Invalid character(s) in term '!'");
  EXPECT_EQ(errorOf("{}"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("{ $.a = }"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("{ $.a }"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("{ $.a == 1 }"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("{ $.a ! 1 }"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("{ $.a > abc }"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("{ $.a > \"5\" }"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("{ $.a < %5% }"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("{ ($.a = 1 }"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("{ $.a = 1) }"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("{ $.a = 1 && }"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("{ $.a = 1 $.b = 2 }"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("{ $.a IS MAYBE }"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("{ $.a = \"open }"), "Invalid filter pattern");
}

// ---- Space-delimited patterns ----

const std::vector<std::string> kAccessLog = {
    R"(127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534)",
    R"(127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324)",
    R"(127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355)",
    R"(127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534)",
    R"(127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 403 999)",
};

TEST(FilterPatternTest, DelimitedFieldsAndEllipsis) {
  const std::vector<int> all = {1, 2, 3, 4, 5};
  EXPECT_EQ(matching("[ip, user, username, timestamp, request, status_code, bytes]", kAccessLog),
            all);
  EXPECT_EQ(matching("[..., status_code, bytes]", kAccessLog), all);
  EXPECT_EQ(matching("[ip, user, ..., status_code, bytes]", kAccessLog), all);
  EXPECT_EQ(matching("[ip, user, ...]", kAccessLog), all);
  EXPECT_EQ(matching("[...]", kAccessLog), all);
  EXPECT_EQ(matching("[..., ...]", kAccessLog), all);
  // Field counts must line up when there is no ellipsis.
  EXPECT_EQ(matching("[ip, user, username, timestamp, request, status_code]", kAccessLog),
            std::vector<int>{});
  EXPECT_EQ(matching("[a, b, c, d, e, f, g, h]", kAccessLog), std::vector<int>{});
  EXPECT_EQ(matching("[a, b, c, d, e, f, g, h, ...]", kAccessLog), std::vector<int>{});
}

TEST(FilterPatternTest, DelimitedConditionsFromAwsExamples) {
  EXPECT_EQ(
      matching("[ip, user, username, timestamp, request, status_code, bytes > 1000]", kAccessLog),
      (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(
      matching("[ip, user, username, timestamp, request, status_code = 200, bytes]", kAccessLog),
      (std::vector<int>{1, 3}));
  EXPECT_EQ(
      matching("[ip, user, username, timestamp, request, status_code = 4*, bytes]", kAccessLog),
      (std::vector<int>{4, 5}));
  EXPECT_EQ(matching("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]",
                     kAccessLog),
            (std::vector<int>{4, 5}));
  EXPECT_EQ(matching("[ip, user, username, timestamp, request, status_code = 4* && "
                     "status_code != 403, bytes]",
                     kAccessLog),
            (std::vector<int>{4}));
  EXPECT_EQ(matching("[ip, user, username, timestamp, request, status_code = 403 || "
                     "status_code = 404, bytes]",
                     kAccessLog),
            (std::vector<int>{4, 5}));
  EXPECT_EQ(matching("[..., status = 4* || status = 5*, bytes]", kAccessLog),
            (std::vector<int>{2, 4, 5}));
  // The trailing empty field takes the last value (AWS's extracted-fields example).
  EXPECT_EQ(matching("[..., request=*.html*, status_code=4*,]", kAccessLog),
            (std::vector<int>{4, 5}));
  // Brackets and quotes are not part of a field's value.
  EXPECT_EQ(matching("[ip, user, username, timestamp = 10/Oct/2000:13:35:22*, ...]", kAccessLog),
            (std::vector<int>{2}));
  EXPECT_EQ(matching("[ip, user, username, timestamp, request = \"GET /index.html HTTP/1.0\", "
                     "...]",
                     kAccessLog),
            (std::vector<int>{4, 5}));
  EXPECT_EQ(matching("[ip = 127.0.0.1, user = -, username = frank, ...]", kAccessLog),
            (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(matching("[..., bytes >= 1534 && bytes <= 4355]", kAccessLog),
            (std::vector<int>{1, 3, 4}));
  EXPECT_EQ(matching("[..., status = %^5\\d\\d$%, bytes]", kAccessLog), (std::vector<int>{2}));
}

TEST(FilterPatternTest, DelimitedWordsFromAwsOrExample) {
  const std::vector<std::string> events = {"ERROR WARN message", "ERROR message", "WARN message",
                                           "INFO message"};
  EXPECT_EQ(matching("[w1=ERROR, w2]", events), (std::vector<int>{2}));
  EXPECT_EQ(matching("[w1=ERROR || w1=WARN, w2]", events), (std::vector<int>{2, 3}));
  EXPECT_EQ(matching("[w1!=ERROR&&w1!=WARN, w2]", events), (std::vector<int>{4}));
  EXPECT_EQ(matching("[w1=ERROR, ...]", events), (std::vector<int>{1, 2}));
  EXPECT_EQ(matching("[..., w = WARN, last]", events), (std::vector<int>{1, 3}));
  EXPECT_EQ(matching("[(w1 = ERROR || w1 = INFO) && w1 != INFO, ...]", events),
            (std::vector<int>{1, 2}));
}

TEST(FilterPatternTest, DelimitedEllipsesBacktrack) {
  const std::vector<std::string> events = {"a x b y c", "x y", "y x", "x x y y", "x"};
  EXPECT_EQ(matching("[..., f = x, ..., g = y, ...]", events), (std::vector<int>{1, 2, 4}));
  EXPECT_EQ(matching("[..., f = x, g = y, ...]", events), (std::vector<int>{2, 4}));
  EXPECT_EQ(matching("[..., f = x]", events), (std::vector<int>{3, 5}));
  EXPECT_EQ(matching("[f = x, ...]", events), (std::vector<int>{2, 4, 5}));
  EXPECT_EQ(matching("[..., f = x, ...]", events), (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(matching("[..., f = x, ..., g = x, ...]", events), (std::vector<int>{4}));
  // Many `...` over a long line stay cheap.
  std::string longLine;
  for (int i = 0; i < 2000; ++i) longLine += "w ";
  EXPECT_FALSE(compile("[..., a = x, ..., b = y, ..., c = z, ..., d = q]").matches(longLine));
  EXPECT_TRUE(compile("[..., a = w, ..., b = w, ..., c = w, ..., d = w]").matches(longLine));
}

TEST(FilterPatternTest, DelimitedNumbersCompareNumerically) {
  EXPECT_TRUE(compile("[a, b = 200]").matches("x 200.0"));
  EXPECT_TRUE(compile("[a, b = 2e2]").matches("x 200"));
  EXPECT_TRUE(compile("[a, b != 200]").matches("x 201"));
  EXPECT_TRUE(compile("[a, b < -1.5]").matches("x -2"));
  EXPECT_FALSE(compile("[a, b > 10]").matches("x abc"));
  EXPECT_FALSE(compile("[a, b > 10]").matches("x 9"));
  EXPECT_TRUE(compile("[a, b = abc]").matches("x abc"));
}

TEST(FilterPatternTest, DelimitedLambdaLines) {
  const std::string line =
      "2026-12-08T01:02:03.456Z\t8f5c8a52-3b5f-4d0e-9b7a-1f2e3d4c5b6a\tERROR\tboom happened";
  EXPECT_TRUE(compile("[timestamp, requestId, level = ERROR, ...]").matches(line));
  EXPECT_FALSE(compile("[timestamp, requestId, level = INFO, ...]").matches(line));
  EXPECT_TRUE(compile("[..., word = happened]").matches(line));
  EXPECT_TRUE(compile("[timestamp = 2026-12-08*, ...]").matches(line));
}

TEST(FilterPatternTest, DelimitedRequiredLiterals) {
  EXPECT_EQ(compile("[..., request = *html*, status_code = 4*, bytes]").requiredLiterals(),
            (Literals{"html", "4"}));
  EXPECT_EQ(compile("[w1 = ERROR && w1 != x, w2]").requiredLiterals(), Literals{"ERROR"});
  EXPECT_TRUE(compile("[a = 200]").requiredLiterals().empty());
  EXPECT_TRUE(compile("[a = x || a = y]").requiredLiterals().empty());
  EXPECT_TRUE(compile("[a = *, b]").requiredLiterals().empty());
  EXPECT_TRUE(compile("[a != x]").requiredLiterals().empty());
  EXPECT_EQ(compile("[a = %x\\d%]").requiredLiterals(), Literals{"x"});
  EXPECT_TRUE(compile("[a = %x|y%]").requiredLiterals().empty());
  EXPECT_EQ(compile("[a = %xyz%]").requiredLiterals(), Literals{"xyz"});
}

TEST(FilterPatternTest, BadDelimitedPatternsAreRejectedLikeCloudWatch) {
  EXPECT_EQ(errorOf("[a, b"), "If a filter pattern starts with '[' it must end with ']'");
  EXPECT_EQ(errorOf("[time, level=ERROR, "),
            "If a filter pattern starts with '[' it must end with ']'");
  // A condition on one field naming another, as AWS's old example did, is refused.
  EXPECT_EQ(errorOf("[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]"),
            "Invalid filter pattern");
  EXPECT_EQ(errorOf("[]"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("[a = ]"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("[a = , b]"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("[a > x]"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("[a b]"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("[= x]"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("[a = \"x]"), "Invalid filter pattern");
  EXPECT_EQ(errorOf("[a:b]"), "Invalid character(s) in term ':'");
  EXPECT_EQ(errorOf("[a = x | a = y]"), "Invalid character(s) in term '|'");
  EXPECT_EQ(errorOf("[a = {x}]"), "Invalid character(s) in term '{'");
}

// ---- Value semantics ----

TEST(FilterPatternTest, CopiesShareTheCompiledPattern) {
  FilterPattern original = compile("ERROR -DEBUG");
  FilterPattern copy = original;
  FilterPattern assigned = compile("");
  assigned = copy;
  EXPECT_TRUE(copy.matches("ERROR x"));
  EXPECT_FALSE(assigned.matches("ERROR DEBUG"));
  EXPECT_EQ(&original.requiredLiterals(), &copy.requiredLiterals());
}

// ---- Throughput, by hand ----
// ./filter_pattern_test --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
// Prints ns/event over a million Lambda-style lines; asserts nothing about time.

TEST(FilterPatternTest, DISABLED_Throughput) {
  constexpr int kEvents = 1'000'000;
  std::vector<std::string> lines;
  lines.reserve(1000);
  for (int i = 0; i < 1000; ++i) {
    char line[200];
    if (i % 10 == 0) {
      std::snprintf(line, sizeof line,
                    R"({"level":"%s","user":%d,"latency":%d,"message":"user logged in"})",
                    i % 20 == 0 ? "ERROR" : "INFO", i, i * 7 % 2000);
    } else {
      std::snprintf(line, sizeof line,
                    "2026-12-08T01:02:03.%03dZ\t8f5c8a52-3b5f-4d0e-9b7a-%012d\t%s\tuser %d "
                    "logged in",
                    i % 1000, i, i % 7 == 0 ? "ERROR" : "INFO", i);
    }
    lines.emplace_back(line);
  }
  for (std::string_view pattern :
       {"ERROR", "user logged -DEBUG", "?ERROR ?WARN", "%user.\\d+.logged%",
        "{ $.level = \"ERROR\" && $.latency > 500 }", "[ts, id, level = ERROR, ...]"}) {
    FilterPattern filter = compile(pattern);
    size_t matched = 0;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kEvents; ++i) matched += filter.matches(lines[i % lines.size()]);
    auto elapsed = std::chrono::steady_clock::now() - start;
    double ns = std::chrono::duration<double, std::nano>(elapsed).count() / kEvents;
    std::printf("%-45s %7.1f ns/event (%zu matched)\n", std::string(pattern).c_str(), ns, matched);
  }
  // JSON-only stream, where every event is parsed.
  FilterPattern json = compile("{ $.level = \"ERROR\" && $.latency > 500 }");
  std::vector<std::string> jsonLines;
  for (const std::string& line : lines) {
    if (line[0] == '{') jsonLines.push_back(line);
  }
  size_t matched = 0;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kEvents; ++i) matched += json.matches(jsonLines[i % jsonLines.size()]);
  auto elapsed = std::chrono::steady_clock::now() - start;
  std::printf("%-45s %7.1f ns/event (%zu matched)\n", "(all-JSON events) same JSON pattern",
              std::chrono::duration<double, std::nano>(elapsed).count() / kEvents, matched);
}

}  // namespace
}  // namespace nimbus::observe
