#include "aws/dynamodb/decimal.h"

#include <gtest/gtest.h>

namespace nimbus::aws::dynamodb {
namespace {

std::string canonical(std::string_view text) {
  auto d = Decimal::parse(text);
  return d ? d->toString() : "error: " + d.error().message;
}

TEST(Decimal, ReadsBackInDynamoDbsCanonicalForm) {
  EXPECT_EQ(canonical("00042"), "42");
  EXPECT_EQ(canonical("-0"), "0");
  EXPECT_EQ(canonical("1.5E2"), "150");
  EXPECT_EQ(canonical("1.0"), "1");
  EXPECT_EQ(canonical("+5"), "5");
  EXPECT_EQ(canonical("0.00100"), "0.001");
  EXPECT_EQ(canonical("-12.340e-3"), "-0.01234");
  EXPECT_EQ(canonical(".5"), "0.5");
  EXPECT_EQ(canonical("5."), "5");
  EXPECT_EQ(canonical("1e100"), "1" + std::string(100, '0'));
  EXPECT_EQ(canonical("1234567895171680000000000000000000000000"),
            "1234567895171680000000000000000000000000");
}

TEST(Decimal, RefusesWhatDynamoDbRefuses) {
  for (const char* bad :
       {"", "-", "abc", "1e", "1+2", "1.2.3", " 5", "5 ", "+e2", "0x10", "NaN", "Infinity"}) {
    auto d = Decimal::parse(bad);
    ASSERT_FALSE(d) << bad;
    EXPECT_EQ(d.error().code, "ValidationException");
  }
  EXPECT_EQ(Decimal::parse("1234567890123456789012345678901234567891").error().message,
            "Attempting to store more than 38 significant digits in a Number");
  EXPECT_NE(Decimal::parse("1E126").error().message.find("Number overflow"), std::string::npos);
  EXPECT_NE(Decimal::parse("1E-131").error().message.find("Number underflow"), std::string::npos);
  EXPECT_TRUE(Decimal::parse("9.9999999999999999999999999999999999999E+125"));
  EXPECT_TRUE(Decimal::parse("1E-130"));
}

TEST(Decimal, AddsAndSubtractsExactlyTo38Digits) {
  auto sum = [](std::string_view a, std::string_view b) {
    auto r = Decimal::add(*Decimal::parse(a), *Decimal::parse(b));
    return r ? r->toString() : "error: " + r.error().message;
  };
  auto difference = [](std::string_view a, std::string_view b) {
    auto r = Decimal::subtract(*Decimal::parse(a), *Decimal::parse(b));
    return r ? r->toString() : "error: " + r.error().message;
  };
  EXPECT_EQ(sum("0.1", "0.2"), "0.3");
  EXPECT_EQ(sum("99999999999999999999999999999999999998", "1"),
            "99999999999999999999999999999999999999");
  EXPECT_EQ(
      sum("12345678901234567890123456789012345678", "-12345678901234567890123456789012345677"),
      "1");
  EXPECT_EQ(difference("1", "1"), "0");
  EXPECT_EQ(difference("-5", "2.5"), "-7.5");
  EXPECT_EQ(sum("1e100", "1e100"), "2" + std::string(100, '0'));
  EXPECT_EQ(sum("99999999999999999999999999999999999999", "1"), "1" + std::string(38, '0'));
  EXPECT_EQ(sum("99999999999999999999999999999999999999", "0.1").rfind("error:", 0), 0u);
}

TEST(Decimal, OrdersNumerically) {
  auto d = [](std::string_view s) { return *Decimal::parse(s); };
  EXPECT_LT(d("-10"), d("-9"));
  EXPECT_LT(d("-0.5"), d("0"));
  EXPECT_LT(d("0"), d("0.001"));
  EXPECT_LT(d("0.12"), d("0.123"));
  EXPECT_LT(d("9"), d("10"));
  EXPECT_EQ(d("1.0"), d("1"));
  EXPECT_EQ(d("100"), d("1e2"));
}

}  // namespace
}  // namespace nimbus::aws::dynamodb
