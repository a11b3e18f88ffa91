// Package globs, matched as micromatch matches them with {dot: true}.
#include "client/glob.h"

#include <gtest/gtest.h>

namespace nimbus::client {
namespace {

bool match(const std::string& pattern, const std::string& path) {
  std::string problem;
  auto glob = Glob::compile(pattern, &problem);
  EXPECT_TRUE(glob) << pattern << ": " << problem;
  return glob && glob->matches(path);
}

TEST(Glob, StarStaysWithinASegmentAndMatchesDotFiles) {
  EXPECT_TRUE(match("*.js", "app.js"));
  EXPECT_FALSE(match("*.js", "src/app.js"));
  EXPECT_TRUE(match("*", ".env"));
  EXPECT_TRUE(match(".env*", ".env.prod"));
  EXPECT_TRUE(match("src/*.js", "src/.hidden.js"));
  EXPECT_FALSE(match("src/*", "src/a/b.js"));
  EXPECT_TRUE(match("a?c", "abc"));
  EXPECT_FALSE(match("a?c", "a/c"));
  EXPECT_TRUE(match("yarn-*.log", "yarn-error.log"));
  EXPECT_FALSE(match("yarn-*.log", "logs/yarn-error.log"));
}

TEST(Glob, GlobstarSpansSegments) {
  EXPECT_TRUE(match("**", "a/b/c.txt"));
  EXPECT_TRUE(match("**/*.js", "app.js"));
  EXPECT_TRUE(match("**/*.js", "a/b/app.js"));
  EXPECT_FALSE(match("**/*.js", "a/b/app.ts"));
  EXPECT_TRUE(match(".git/**", ".git/objects/ab/cdef"));
  EXPECT_TRUE(match("node_modules/**", "node_modules"));
  EXPECT_FALSE(match("node_modules/**", "node_modules2/x"));
  EXPECT_TRUE(match("a/**/b", "a/b"));
  EXPECT_TRUE(match("a/**/b", "a/x/y/b"));
  EXPECT_FALSE(match("a/**/b", "a/xb"));
  EXPECT_TRUE(match("a/**/**/b", "a/x/b"));
  EXPECT_TRUE(match("**/test/**", "src/test/x.js"));
  EXPECT_TRUE(match("src/**/*.test.js", "src/a/b.test.js"));
}

TEST(Glob, AnchoredAtTheServiceFolder) {
  // As micromatch without matchBase: a bare name matches only at the top.
  EXPECT_TRUE(match(".gitignore", ".gitignore"));
  EXPECT_FALSE(match(".gitignore", "sub/.gitignore"));
  EXPECT_TRUE(match("./handler.js", "handler.js"));
  EXPECT_FALSE(match("handler.js", "handler.jsx"));
}

TEST(Glob, BracesClassesAndExtglobs) {
  EXPECT_TRUE(match("src/{a,b}.js", "src/b.js"));
  EXPECT_FALSE(match("src/{a,b}.js", "src/c.js"));
  EXPECT_TRUE(match("{src,lib}/**/*.{js,json}", "lib/x/data.json"));
  EXPECT_TRUE(match("file{1..3}.txt", "file2.txt"));
  EXPECT_FALSE(match("file{1..3}.txt", "file4.txt"));
  EXPECT_TRUE(match("v{01..10}", "v07"));
  EXPECT_TRUE(match("{a}", "{a}"));
  EXPECT_TRUE(match("[abc].txt", "b.txt"));
  EXPECT_FALSE(match("[!abc].txt", "b.txt"));
  EXPECT_TRUE(match("[^abc].txt", "d.txt"));
  EXPECT_TRUE(match("[a-c]x", "bx"));
  EXPECT_TRUE(match("[[:digit:]].log", "7.log"));
  EXPECT_TRUE(match("@(a|b).js", "a.js"));
  EXPECT_FALSE(match("@(a|b).js", "c.js"));
  EXPECT_TRUE(match("+(ab).js", "abab.js"));
  EXPECT_TRUE(match("*(x).js", ".js"));
  EXPECT_TRUE(match("!(test)", "src"));
  EXPECT_FALSE(match("!(test)", "test"));
  EXPECT_TRUE(match("a\\*b", "a*b"));
  EXPECT_FALSE(match("a\\*b", "axb"));
  EXPECT_TRUE(match("a.b", "a.b"));
  EXPECT_FALSE(match("a.b", "axb"));
  EXPECT_TRUE(match("a+(b)", "abb"));
  EXPECT_TRUE(match("c++/x", "c++/x"));
}

TEST(Glob, LeadingBangNegates) {
  EXPECT_TRUE(match("!*.js", "a.ts"));
  EXPECT_FALSE(match("!*.js", "a.js"));
  EXPECT_TRUE(match("!!*.js", "a.js"));
}

TEST(Glob, BraceExpansion) {
  auto expanded = expandBraces("a/{b,c{1..2}}/d");
  ASSERT_TRUE(expanded);
  EXPECT_EQ(*expanded, (std::vector<std::string>{"a/b/d", "a/c1/d", "a/c2/d"}));
  EXPECT_EQ(*expandBraces("x{a..c}"), (std::vector<std::string>{"xa", "xb", "xc"}));
  EXPECT_EQ(*expandBraces("no{brace"), std::vector<std::string>{"no\\{brace"});
  EXPECT_FALSE(expandBraces("{1..100}{1..100}", 1000));
}

}  // namespace
}  // namespace nimbus::client
