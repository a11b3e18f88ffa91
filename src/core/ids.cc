#include "core/ids.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>

namespace nimbus {

namespace {

// One generator per thread: no lock on the request path, seeded from the OS.
std::mt19937_64& generator() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

}  // namespace

std::string newUuid() {
  uint64_t hi = generator()();
  uint64_t lo = generator()();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // Version 4.
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  int pos = 0;
  auto put = [&](uint64_t v, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
      out[pos++] = kHex[(v >> (i * 4)) & 0xF];
    }
  };
  put(hi, 16);
  put(lo, 16);
  return out;
}

std::string randomAlnum(size_t length, bool lowerOnly) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  size_t range = lowerOnly ? 36 : 62;
  std::uniform_int_distribution<size_t> pick(0, range - 1);
  std::string out(length, ' ');
  for (auto& c : out) c = kChars[pick(generator())];
  return out;
}

std::string newTraceRoot() {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  char time[16];
  std::snprintf(time, sizeof time, "%08llx", static_cast<unsigned long long>(secs));
  return std::string("Root=1-") + time + "-" + randomHex(24);
}

std::string randomHex(size_t length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(length, '0');
  for (auto& c : out) c = kHex[generator()() & 0xF];
  return out;
}

}  // namespace nimbus
