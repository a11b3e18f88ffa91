#include "aws/lambda/function_request.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace nimbus::aws {
namespace {

using Json = nlohmann::json;

std::optional<ApiError> settingsError(const Json& body) {
  FunctionSettings settings;
  return readFunctionSettings(body, settings);
}

TEST(FunctionRequest, ReadsEverySetting) {
  FunctionSettings s;
  auto e = readFunctionSettings(
      Json::parse(R"({"Role":"arn:aws:iam::000000000000:role/r","Handler":"h.main",
        "Runtime":"python3.12","Timeout":30,"MemorySize":256,"Description":"d",
        "Environment":{"Variables":{"AB":"1","B_2":"x"}},
        "DeadLetterConfig":{"TargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq"},
        "Architectures":["arm64"],"RevisionId":"rev"})"),
      s);
  ASSERT_FALSE(e) << e->message;
  EXPECT_EQ(s.timeoutSeconds, 30);
  EXPECT_EQ(s.memorySizeMb, 256);
  ASSERT_TRUE(s.environment);
  EXPECT_EQ(s.environment->size(), 2u);
  EXPECT_EQ(s.deadLetterTargetArn, "arn:aws:sqs:us-east-1:000000000000:dlq");
  EXPECT_EQ(s.architecture, "arm64");
  EXPECT_EQ(s.revisionId, "rev");
  EXPECT_FALSE(s.role->empty());
}

TEST(FunctionRequest, ModelConstraintsAreValidationExceptions) {
  auto e = settingsError(Json{{"Timeout", 901}});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "ValidationException");
  EXPECT_EQ(e->message,
            "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: "
            "Member must have value less than or equal to 900");
  e = settingsError(Json{{"MemorySize", 64}});
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("greater than or equal to 128"), std::string::npos);
  e = settingsError(Json{{"Role", "lambda-role"}});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "ValidationException");
  // Lambda's key pattern, [a-zA-Z]([a-zA-Z0-9_])+, wants two characters at least.
  e = settingsError(Json{{"Environment", {{"Variables", {{"A", "1"}}}}}});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "ValidationException");
  e = settingsError(Json{{"Architectures", {"sparc"}}});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "ValidationException");
}

TEST(FunctionRequest, LambdasOwnRulesAreInvalidParameterValue) {
  for (const Json& body :
       {Json{{"Runtime", "cobol1.0"}}, Json{{"Runtime", "java21"}},
        Json{{"Environment", {{"Variables", {{"AWS_REGION", "x"}}}}}},
        Json{{"Environment", {{"Variables", {{"BIG", std::string(5000, 'x')}}}}}},
        Json{{"DeadLetterConfig", {{"TargetArn", "arn:aws:lambda:us-east-1:0:function:f"}}}},
        Json{{"Layers", {"arn:aws:lambda:us-east-1:0:layer:l:1"}}}}) {
    auto e = settingsError(body);
    ASSERT_TRUE(e) << body.dump();
    EXPECT_EQ(e->code, "InvalidParameterValueException") << body.dump();
  }
}

TEST(FunctionRequest, CreateNeedsNameRoleCodeRuntimeAndHandler) {
  std::string name, zip;
  auto e = readCreateFunction(Json::object(), name, zip);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message,
            "1 validation error detected: Value null at 'functionName' failed to satisfy "
            "constraint: Member must not be null");
  Json body = {{"FunctionName", "arn:aws:lambda:us-east-1:000000000000:function:made"},
               {"Role", "arn:aws:iam::000000000000:role/r"},
               {"Code", {{"ZipFile", "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}}};
  e = readCreateFunction(body, name, zip);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "InvalidParameterValueException");  // No runtime and handler.
  body["Runtime"] = "python3.12";
  body["Handler"] = "main.handler";
  e = readCreateFunction(body, name, zip);
  ASSERT_FALSE(e) << e->message;
  EXPECT_EQ(name, "made");
  EXPECT_EQ(zip.size(), 22u);  // An empty zip: its end-of-directory record.
  body["Code"] = {{"S3Bucket", "b"}, {"S3Key", "k"}};
  e = readCreateFunction(body, name, zip);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "InvalidParameterValueException");
  body["FunctionName"] = "bad name!";
  e = readCreateFunction(body, name, zip);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "ValidationException");
}

TEST(FunctionRequest, BodiesThatAreNotJsonObjects) {
  Json out;
  for (const char* body : {"[1]", "{", "\"x\""}) {
    auto e = parseJsonBody(body, out);
    ASSERT_TRUE(e) << body;
    EXPECT_EQ(e->code, "InvalidRequestContentException");
  }
  EXPECT_FALSE(parseJsonBody("", out));  // No body is an empty request.
}

}  // namespace
}  // namespace nimbus::aws
