// A libFuzzer target for DynamoDB's expression parsers and evaluators (built with
// -DNIMBUS_FUZZ=ON and clang). The first byte chooses the expression kind, the rest is the
// expression. Whatever parses is evaluated on a few items; every refusal must be a
// ValidationException, and a failed update must leave its item unchanged. Run:
//   build-fuzz/tests/aws/dynamodb/dynamodb_expressions_fuzzer -max_len=4200 -timeout=2
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "aws/dynamodb/expressions.h"

namespace {

using namespace nimbus::aws::dynamodb;  // NOLINT: a fuzzer's single translation unit.

Item itemOf(std::string_view json) {
  auto item = itemFromJson(json);
  return item.ok() ? *item : Item{};
}

struct Environment {
  std::map<std::string, std::string> names{{"#n", "name"}, {"#k", "key"}, {"#p", "p"}};
  Item values = itemOf(R"({":s":{"S":"x"},":n":{"N":"1"},":n2":{"N":"2"},":l":{"L":[{"N":"1"}]},)"
                       R"(":m":{"M":{"k":{"S":"v"}}},":b":{"BOOL":true},":t":{"S":"N"},)"
                       R"(":ss":{"SS":["x","y"]},":ns":{"NS":["1","5"]},":bin":{"B":"AQ=="}})");
  std::vector<Item> items{
      {},
      itemOf(R"({"p":{"S":"x"},"c":{"N":"3"}})"),
      itemOf(R"({"p":{"S":"x"},"c":{"N":"2"},"a":{"S":"xyz"},"b":{"N":"1"},"n":{"N":"7"},)"
             R"("name":{"M":{"b":{"L":[{"N":"1"},{"N":"2"},{"S":"z"},{"M":{}}]}}},)"
             R"("l":{"L":[{"N":"1"},{"M":{"z":{"NULL":true}}},{"S":"x"}]},"ss":{"SS":["x"]},)"
             R"("ns":{"NS":["1","2"]},"m":{"M":{"x":{"S":"v"},"y":{"BS":["AQ=="]}}}})"),
  };
};

void check(bool condition) {
  if (!condition) std::abort();
}

void checkRefusal(const nimbus::ServiceError& error) {
  check(error.code == "ValidationException" && error.status == 400 && !error.message.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Environment env;
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  ExpressionContext context;
  context.names = &env.names;
  context.values = &env.values;
  switch (data[0] % 5) {
    case 0:
    case 1: {
      auto parsed =
          parseCondition(text, data[0] % 5 ? "FilterExpression" : "ConditionExpression", context);
      if (!parsed) return checkRefusal(parsed.error()), 0;
      for (const auto& item : env.items) parsed->matches(item);
      break;
    }
    case 2: {
      auto parsed = parseKeyCondition(text, context, "p", "c", Type::kS, Type::kN);
      if (!parsed) return checkRefusal(parsed.error()), 0;
      for (const auto& item : env.items) {
        for (const auto& entry : item) parsed->sortMatches(entry.second);
      }
      break;
    }
    case 3: {
      auto parsed = parseUpdate(text, context);
      if (!parsed) return checkRefusal(parsed.error()), 0;
      for (const auto& original : env.items) {
        Item item = original;
        auto status = parsed->apply(item);
        if (!status) {
          checkRefusal(status.error());
          check(itemToJson(item) == itemToJson(original));
        }
      }
      break;
    }
    default: {
      auto parsed = parseProjection(text, context);
      if (!parsed) return checkRefusal(parsed.error()), 0;
      for (const auto& item : env.items) parsed->apply(item);
      break;
    }
  }
  auto used = checkAllUsed(context);
  if (!used) checkRefusal(used.error());
  return 0;
}
