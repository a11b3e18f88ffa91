// DynamoDB's number type: an exact decimal of up to 38 significant digits, with a magnitude
// between 1E-130 and 9.9999999999999999999999999999999999999E+125 (or zero). No floating point
// is involved anywhere: values are kept as their digits and a decimal exponent.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace nimbus::aws::dynamodb {

class Decimal {
 public:
  static constexpr int kMaxDigits = 38;

  Decimal() = default;  // Zero.

  // Parses number text as DynamoDB accepts it ("12", "-0.5", "1.2e+3", "  7" is refused).
  // Errors are DynamoDB's ValidationExceptions ("The parameter cannot be converted to a numeric
  // value", "Attempting to store more than 38 significant digits in a Number", "Number
  // overflow. ...", "Number underflow. ...").
  static Result<Decimal> parse(std::string_view text);

  // The canonical text DynamoDB answers with: no exponent, no trailing fractional zeros, no
  // leading zeros, "-" only for negative values ("1.50" -> "1.5", "1e3" -> "1000", "-0" -> "0").
  std::string toString() const;

  bool isZero() const { return digits_.empty(); }
  bool negative() const { return negative_; }

  // Exact sum and difference. Errors when the result needs more than 38 significant digits or
  // leaves the range, worded as DynamoDB words them.
  static Result<Decimal> add(const Decimal& a, const Decimal& b);
  static Result<Decimal> subtract(const Decimal& a, const Decimal& b);

  // Numeric order (1.0 == 1, -2 < 1).
  friend std::strong_ordering operator<=>(const Decimal& a, const Decimal& b);
  friend bool operator==(const Decimal& a, const Decimal& b) {
    return a.negative_ == b.negative_ && a.exponent_ == b.exponent_ && a.digits_ == b.digits_;
  }

  // Bytes DynamoDB counts for the number in item sizes: about one byte per two significant
  // digits plus one.
  size_t storageSize() const;

 private:
  // Value = (negative ? -1 : 1) * 0.d1d2d3... * 10^exponent_, with digits_ holding d1d2d3...
  // as ASCII, no leading or trailing zeros; empty for zero (negative_ false, exponent_ 0).
  bool negative_ = false;
  int32_t exponent_ = 0;
  std::string digits_;
};

}  // namespace nimbus::aws::dynamodb
