// Value comparisons shared by SNS filter policies and EventBridge event patterns, which AWS
// matches with the same engine: numbers compared to five decimal places, ASCII case-insensitive
// equality, and CIDR blocks (IPv4 and IPv6).
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace nimbus::aws {

// Numbers compare with five digits after the decimal point, as SNS and EventBridge document.
bool numbersEqual(double a, double b);
// -1, 0 or 1.
int compareNumbers(double a, double b);

bool iequalsAscii(std::string_view a, std::string_view b);

// A CIDR block: "10.0.0.0/24", "2001:db8::/32".
struct CidrBlock {
  std::array<unsigned char, 16> network{};  // Network byte order; 4 or 16 bytes used.
  bool ipv6 = false;
  int prefixBits = 0;

  // Whether `address` (IPv4 or IPv6 text) is inside the block.
  bool contains(std::string_view address) const;
};

// Parses "ADDRESS/BITS". Returns the refusal's text ("Malformed CIDR, one '/' required",
// "Nonstandard IP address: ...") or an empty string.
std::string parseCidr(std::string_view text, CidrBlock& out);

}  // namespace nimbus::aws
