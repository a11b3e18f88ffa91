#include "core/url.h"

namespace nimbus {

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool needsDecoding(std::string_view in, bool plusAsSpace) {
  for (char c : in) {
    if (c == '%' || (plusAsSpace && c == '+')) return true;
  }
  return false;
}

void appendPercentDecoded(std::string& out, std::string_view in, bool plusAsSpace) {
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = hexValue(in[i + 1]);
      int lo = hexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>((hi << 4) | lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plusAsSpace && c == '+' ? ' ' : c);
  }
}

std::string percentDecode(std::string_view in, bool plusAsSpace) {
  std::string out;
  out.reserve(in.size());
  appendPercentDecoded(out, in, plusAsSpace);
  return out;
}

std::string queryParameter(std::string_view query, std::string_view name) {
  std::string found;
  bool seen = false;
  forEachQueryParameter(query, [&](std::string_view n, std::string_view v) {
    if (!seen && n == name) {
      found = std::string(v);
      seen = true;
    }
  });
  return found;
}

}  // namespace nimbus
