#include "aws/dynamodb/decimal.h"

#include <algorithm>

namespace nimbus::aws::dynamodb {

namespace {

// DynamoDB's range: magnitudes from 1E-130 up to (but excluding) 1E+126. With the value written
// 0.d1d2... x 10^exponent, that is exponents -129 through 126.
constexpr int kMinExponent = -129;
constexpr int kMaxExponent = 126;

ServiceError invalid(std::string message) {
  return ServiceError{"ValidationException", std::move(message), 400};
}

ServiceError notANumber() {
  return invalid("A value provided cannot be converted into a number");
}

ServiceError tooManyDigits() {
  return invalid("Attempting to store more than 38 significant digits in a Number");
}

ServiceError overflow() {
  return invalid(
      "Number overflow. Attempting to store a number with magnitude larger than supported range");
}

ServiceError underflow() {
  return invalid(
      "Number underflow. Attempting to store a number with magnitude smaller than supported "
      "range");
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// Unsigned integers as digit strings, most significant first, without leading zeros ("" is 0).
int compareMagnitude(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string addMagnitudes(const std::string& a, const std::string& b) {
  std::string out;
  out.reserve(std::max(a.size(), b.size()) + 1);
  int carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
    int d = carry;
    if (i < a.size()) d += a[a.size() - 1 - i] - '0';
    if (i < b.size()) d += b[b.size() - 1 - i] - '0';
    out.push_back(static_cast<char>('0' + d % 10));
    carry = d / 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// a - b for a >= b.
std::string subtractMagnitudes(const std::string& a, const std::string& b) {
  std::string out;
  out.reserve(a.size());
  int borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int d = (a[a.size() - 1 - i] - '0') - borrow;
    if (i < b.size()) d -= b[b.size() - 1 - i] - '0';
    borrow = d < 0;
    out.push_back(static_cast<char>('0' + (d + 10) % 10));
  }
  while (out.size() > 1 && out.back() == '0') out.pop_back();
  std::reverse(out.begin(), out.end());
  if (out == "0") out.clear();
  return out;
}

}  // namespace

Result<Decimal> Decimal::parse(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  // Mantissa digits, with the position of the decimal point among them.
  std::string mantissa;
  long pointAt = -1;
  bool anyDigit = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (isDigit(c)) {
      mantissa.push_back(c);
      anyDigit = true;
    } else if (c == '.' && pointAt < 0) {
      pointAt = static_cast<long>(mantissa.size());
    } else {
      break;
    }
  }
  if (!anyDigit || mantissa.size() > 100000) return notANumber();
  long exponent10 = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool expNegative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) expNegative = text[i++] == '-';
    bool expDigit = false;
    for (; i < text.size() && isDigit(text[i]); ++i) {
      expDigit = true;
      // Saturate: anything this large is out of range either way.
      if (exponent10 < 1000000) exponent10 = exponent10 * 10 + (text[i] - '0');
    }
    if (!expDigit) return notANumber();
    if (expNegative) exponent10 = -exponent10;
  }
  if (i != text.size()) return notANumber();
  if (pointAt < 0) pointAt = static_cast<long>(mantissa.size());

  // value = 0.mantissa x 10^(pointAt + exponent10); strip leading zeros (each lowers the
  // exponent) and trailing zeros (which change nothing).
  size_t lead = mantissa.find_first_not_of('0');
  Decimal d;
  if (lead == std::string::npos) return d;  // Zero, whatever its sign or exponent.
  long exponent = pointAt + exponent10 - static_cast<long>(lead);
  size_t last = mantissa.find_last_not_of('0');
  d.digits_ = mantissa.substr(lead, last - lead + 1);
  d.negative_ = negative;
  if (d.digits_.size() > static_cast<size_t>(kMaxDigits)) return tooManyDigits();
  if (exponent > kMaxExponent) return overflow();
  if (exponent < kMinExponent) return underflow();
  d.exponent_ = static_cast<int32_t>(exponent);
  return d;
}

std::string Decimal::toString() const {
  if (digits_.empty()) return "0";
  std::string out;
  if (negative_) out.push_back('-');
  long n = static_cast<long>(digits_.size());
  if (exponent_ >= n) {
    out += digits_;
    out.append(static_cast<size_t>(exponent_ - n), '0');
  } else if (exponent_ > 0) {
    out.append(digits_, 0, static_cast<size_t>(exponent_));
    out.push_back('.');
    out.append(digits_, static_cast<size_t>(exponent_));
  } else {
    out += "0.";
    out.append(static_cast<size_t>(-exponent_), '0');
    out += digits_;
  }
  return out;
}

Result<Decimal> Decimal::add(const Decimal& a, const Decimal& b) {
  if (a.isZero()) return b;
  if (b.isZero()) return a;
  // Write both as integers times 10^scale (scale = exponent - digit count), at the smaller scale.
  long scaleA = a.exponent_ - static_cast<long>(a.digits_.size());
  long scaleB = b.exponent_ - static_cast<long>(b.digits_.size());
  long scale = std::min(scaleA, scaleB);
  std::string ma = a.digits_ + std::string(static_cast<size_t>(scaleA - scale), '0');
  std::string mb = b.digits_ + std::string(static_cast<size_t>(scaleB - scale), '0');
  std::string magnitude;
  bool negative;
  if (a.negative_ == b.negative_) {
    magnitude = addMagnitudes(ma, mb);
    negative = a.negative_;
  } else {
    int c = compareMagnitude(ma, mb);
    if (c == 0) return Decimal{};
    magnitude = c > 0 ? subtractMagnitudes(ma, mb) : subtractMagnitudes(mb, ma);
    negative = c > 0 ? a.negative_ : b.negative_;
  }
  size_t lead = magnitude.find_first_not_of('0');
  if (lead == std::string::npos) return Decimal{};
  size_t last = magnitude.find_last_not_of('0');
  Decimal out;
  out.negative_ = negative;
  out.digits_ = magnitude.substr(lead, last - lead + 1);
  long exponent = scale + static_cast<long>(magnitude.size() - lead);
  if (exponent > kMaxExponent) return overflow();
  if (out.digits_.size() > static_cast<size_t>(kMaxDigits)) return tooManyDigits();
  if (exponent < kMinExponent) return underflow();
  out.exponent_ = static_cast<int32_t>(exponent);
  return out;
}

Result<Decimal> Decimal::subtract(const Decimal& a, const Decimal& b) {
  Decimal negated = b;
  if (!negated.isZero()) negated.negative_ = !negated.negative_;
  return add(a, negated);
}

std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) {
  // Sign classes: negative < zero < positive.
  auto signClass = [](const Decimal& d) { return d.isZero() ? 0 : (d.negative_ ? -1 : 1); };
  int sa = signClass(a), sb = signClass(b);
  if (sa != sb) return sa <=> sb;
  if (sa == 0) return std::strong_ordering::equal;
  // Same sign: compare magnitudes, then flip for negatives.
  std::strong_ordering magnitude = std::strong_ordering::equal;
  if (a.exponent_ != b.exponent_) {
    magnitude = a.exponent_ <=> b.exponent_;
  } else {
    int c = a.digits_.compare(b.digits_);
    magnitude = c <=> 0;
  }
  if (sa > 0) return magnitude;
  return 0 <=> magnitude;
}

size_t Decimal::storageSize() const {
  return (digits_.size() + 1) / 2 + 1;
}

}  // namespace nimbus::aws::dynamodb
