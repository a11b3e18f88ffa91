#include "core/s3_names.h"

#include <cctype>

namespace nimbus {

bool isValidBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  auto edge = [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c));
  };
  if (!edge(name.front()) || !edge(name.back())) return false;
  for (char c : name) {
    if (!edge(c) && c != '.' && c != '-') return false;
  }
  if (name.find("..") != std::string_view::npos) return false;
  if (name.starts_with("xn--") || name.starts_with("sthree-") || name.ends_with("-s3alias") ||
      name.ends_with("--ol-s3")) {
    return false;
  }
  // Not formatted as an IP address (192.168.5.4).
  int dots = 0;
  bool digitsAndDots = true;
  for (char c : name) {
    if (c == '.')
      ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c)))
      digitsAndDots = false;
  }
  return !(digitsAndDots && dots == 3);
}

}  // namespace nimbus
