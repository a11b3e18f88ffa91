#include "config/variable_syntax.h"

#include <gtest/gtest.h>

namespace nimbus::config {
namespace {

Template parsed(std::string_view text) {
  auto result = parseTemplate(text);
  if (auto* error = std::get_if<SyntaxError>(&result)) {
    ADD_FAILURE() << "unexpected syntax error: " << error->message;
    return {};
  }
  return std::get<Template>(result);
}

std::string syntaxError(std::string_view text) {
  auto result = parseTemplate(text);
  if (auto* error = std::get_if<SyntaxError>(&result)) return error->message;
  ADD_FAILURE() << "expected a syntax error for " << text;
  return "";
}

TEST(VariableSyntax, PlainTextHasNoVariables) {
  auto t = parsed("just text");
  ASSERT_EQ(t.parts.size(), 1u);
  EXPECT_FALSE(t.hasVariables());
  EXPECT_EQ(t.parts[0].text, "just text");
}

TEST(VariableSyntax, SingleVariableWithAddress) {
  auto t = parsed("${opt:stage}");
  ASSERT_TRUE(t.isSingleVariable());
  const auto& source = t.parts[0].variable->sources.at(0);
  EXPECT_EQ(source.kind, VariableSource::Kind::Typed);
  EXPECT_EQ(source.type, "opt");
  ASSERT_TRUE(source.hasAddress);
  EXPECT_EQ(source.address.literal.text, "stage");
  EXPECT_EQ(t.parts[0].variable->text, "${opt:stage}");
}

TEST(VariableSyntax, FallbackChainOfSourcesThenQuotedLiteral) {
  auto t = parsed("${env:A, env:B, 'x, y'}");
  const auto& sources = t.parts.at(0).variable->sources;
  ASSERT_EQ(sources.size(), 3u);
  EXPECT_EQ(sources[0].type, "env");
  EXPECT_EQ(sources[1].type, "env");
  EXPECT_EQ(sources[1].address.literal.text, "B");
  EXPECT_EQ(sources[2].kind, VariableSource::Kind::Literal);
  EXPECT_EQ(sources[2].literal.text, "x, y");
}

TEST(VariableSyntax, LiteralFallbacksKeepTheirType) {
  auto number = parsed("${opt:memory, 1024}").parts[0].variable->sources.at(1).literal;
  EXPECT_EQ(number.kind, Node::Kind::Number);
  EXPECT_EQ(number.number, 1024);
  auto boolean = parsed("${opt:flag, false}").parts[0].variable->sources.at(1).literal;
  EXPECT_EQ(boolean.kind, Node::Kind::Bool);
  EXPECT_FALSE(boolean.boolean);
  auto null = parsed("${opt:x, null}").parts[0].variable->sources.at(1).literal;
  EXPECT_EQ(null.kind, Node::Kind::Null);
  auto quoted = parsed("${opt:x, \"a \\\"b\\\"\"}").parts[0].variable->sources.at(1).literal;
  EXPECT_EQ(quoted.text, "a \"b\"");
}

TEST(VariableSyntax, NestedVariableAsFallback) {
  auto t = parsed("${opt:stage, ${env:STAGE, 'dev'}}");
  const auto& sources = t.parts.at(0).variable->sources;
  ASSERT_EQ(sources.size(), 2u);
  ASSERT_EQ(sources[1].kind, VariableSource::Kind::Nested);
  EXPECT_EQ(sources[1].nested->sources.at(0).type, "env");
  EXPECT_EQ(sources[1].nested->sources.at(1).literal.text, "dev");
}

TEST(VariableSyntax, VariablesInsideParamsAndAddress) {
  auto t = parsed("${file(./config.${opt:stage}.yml):db.${env:KEY}}");
  const auto& source = t.parts.at(0).variable->sources.at(0);
  EXPECT_EQ(source.type, "file");
  ASSERT_EQ(source.params.size(), 1u);
  EXPECT_FALSE(source.params[0].isLiteral);
  EXPECT_EQ(source.params[0].text.parts.size(), 3u);
  EXPECT_FALSE(source.address.isLiteral);
  EXPECT_EQ(source.address.text.parts.at(0).text, "db.");
}

TEST(VariableSyntax, InterpolationSplitsTextAndVariables) {
  auto t = parsed("${self:service}-${sls:stage}-table");
  ASSERT_EQ(t.parts.size(), 4u);
  EXPECT_TRUE(t.parts[0].variable);
  EXPECT_EQ(t.parts[1].text, "-");
  EXPECT_TRUE(t.parts[2].variable);
  EXPECT_EQ(t.parts[3].text, "-table");
  EXPECT_FALSE(t.isSingleVariable());
}

TEST(VariableSyntax, CloudFormationSubstitutionsStayText) {
  auto t = parsed("arn:aws:s3:::${AWS::AccountId}-${Bucket}");
  EXPECT_FALSE(t.hasVariables());
  EXPECT_EQ(t.parts.at(0).text, "arn:aws:s3:::${AWS::AccountId}-${Bucket}");
  auto mixed = parsed("${AWS::Region}-${opt:stage}");
  EXPECT_TRUE(mixed.hasVariables());
  EXPECT_EQ(mixed.parts.at(0).text, "${AWS::Region}-");
}

TEST(VariableSyntax, BackslashEscapesAVariable) {
  auto t = parsed("\\${opt:stage} and \\\\${opt:stage}");
  ASSERT_EQ(t.parts.size(), 2u);
  EXPECT_EQ(t.parts[0].text, "${opt:stage} and \\");
  EXPECT_TRUE(t.parts[1].variable);
}

TEST(VariableSyntax, Errors) {
  EXPECT_NE(syntaxError("${opt:stage").find("missing closing"), std::string::npos);
  EXPECT_NE(syntaxError("${opt:stage, dev}").find("quote a string fallback"), std::string::npos);
  EXPECT_NE(syntaxError("${self:${AWS::Region}}").find("invalid variable type"), std::string::npos);
  EXPECT_NE(syntaxError("${opt:a, 'x', env:B}").find("must be the last"), std::string::npos);
  EXPECT_NE(syntaxError("${file(a}").find("invalid variable param"), std::string::npos);
}

}  // namespace
}  // namespace nimbus::config
