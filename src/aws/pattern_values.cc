#include "aws/pattern_values.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>

namespace nimbus::aws {

namespace {

int64_t quantize(double v) {
  return static_cast<int64_t>(std::llround(v * 100000.0));
}

// Parses an IPv4 or IPv6 address into network byte order.
bool parseIp(std::string_view text, std::array<unsigned char, 16>& bytes, bool& ipv6) {
  char buffer[64];
  if (text.size() >= sizeof buffer) return false;
  text.copy(buffer, text.size());
  buffer[text.size()] = '\0';
  bytes.fill(0);
  if (inet_pton(AF_INET, buffer, bytes.data()) == 1) {
    ipv6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, buffer, bytes.data()) == 1) {
    ipv6 = true;
    return true;
  }
  return false;
}

}  // namespace

bool numbersEqual(double a, double b) {
  if (std::fabs(a) <= 1e9 && std::fabs(b) <= 1e9) return quantize(a) == quantize(b);
  return a == b;
}

int compareNumbers(double a, double b) {
  if (numbersEqual(a, b)) return 0;
  return a < b ? -1 : 1;
}

bool iequalsAscii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool CidrBlock::contains(std::string_view address) const {
  std::array<unsigned char, 16> bytes{};
  bool v6 = false;
  if (!parseIp(address, bytes, v6) || v6 != ipv6) return false;
  int bits = prefixBits;
  for (size_t i = 0; bits > 0; ++i, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xFF : static_cast<unsigned char>(0xFF << (8 - bits));
    if ((bytes[i] & mask) != (network[i] & mask)) return false;
  }
  return true;
}

std::string parseCidr(std::string_view text, CidrBlock& out) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos || text.find('/', slash + 1) != std::string_view::npos) {
    return "Malformed CIDR, one '/' required";
  }
  std::string_view address = text.substr(0, slash);
  std::string bits(text.substr(slash + 1));
  char* end = nullptr;
  long prefix = std::strtol(bits.c_str(), &end, 10);
  if (bits.empty() || *end != '\0') return "Malformed CIDR, mask bits must be an integer";
  if (!parseIp(address, out.network, out.ipv6)) {
    return "Nonstandard IP address: " + std::string(address);
  }
  long maxBits = out.ipv6 ? 128 : 32;
  if (prefix < 0 || prefix > maxBits) {
    return fmt::format("Malformed CIDR, mask bits must be between 0 and {}", maxBits);
  }
  out.prefixBits = static_cast<int>(prefix);
  return "";
}

}  // namespace nimbus::aws
