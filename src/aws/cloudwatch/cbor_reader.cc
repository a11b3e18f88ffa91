#include "aws/cloudwatch/cbor_reader.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace nimbus::aws::cloudwatch {

using nlohmann::json;

namespace {

constexpr int kMaxDepth = 64;

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  bool item(json& out, int depth) {
    if (depth > kMaxDepth || pos_ >= bytes_.size()) return false;
    auto initial = static_cast<uint8_t>(bytes_[pos_++]);
    int major = initial >> 5;
    int info = initial & 0x1f;
    if (major == 7) return simple(info, out);
    uint64_t argument = 0;
    bool indefinite = info == 31;
    if (!indefinite && !readArgument(info, argument)) return false;
    switch (major) {
      case 0:
        if (indefinite) return false;
        out = argument;
        return true;
      case 1:
        if (indefinite || argument > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return false;
        }
        out = -1 - static_cast<int64_t>(argument);
        return true;
      case 2:
      case 3: {
        std::string text;
        if (!string(major, indefinite, argument, text)) return false;
        if (major == 3) {
          out = std::move(text);
        } else {
          out = json::binary(std::vector<uint8_t>(text.begin(), text.end()));
        }
        return true;
      }
      case 4: {
        out = json::array();
        for (uint64_t i = 0; indefinite || i < argument; ++i) {
          if (indefinite && atBreak()) break;
          json element;
          if (!item(element, depth + 1)) return false;
          out.push_back(std::move(element));
        }
        return true;
      }
      case 5: {
        out = json::object();
        for (uint64_t i = 0; indefinite || i < argument; ++i) {
          if (indefinite && atBreak()) break;
          json key;
          json value;
          if (!item(key, depth + 1) || !key.is_string() || !item(value, depth + 1)) return false;
          out[key.get<std::string>()] = std::move(value);
        }
        return true;
      }
      case 6:
        // A tag: its content stands for it (tag 1 around a timestamp's seconds).
        if (indefinite) return false;
        return item(out, depth + 1);
      default:
        return false;
    }
  }

  bool done() const { return pos_ == bytes_.size(); }

 private:
  bool readArgument(int info, uint64_t& out) {
    if (info < 24) {
      out = static_cast<uint64_t>(info);
      return true;
    }
    int length = info == 24 ? 1 : info == 25 ? 2 : info == 26 ? 4 : info == 27 ? 8 : 0;
    if (length == 0 || pos_ + length > bytes_.size()) return false;
    out = 0;
    for (int i = 0; i < length; ++i) out = (out << 8) | static_cast<uint8_t>(bytes_[pos_++]);
    return true;
  }

  bool atBreak() {
    if (pos_ < bytes_.size() && static_cast<uint8_t>(bytes_[pos_]) == 0xff) {
      ++pos_;
      return true;
    }
    return false;
  }

  // A definite string, or the chunks of an indefinite one (each a definite string of the same
  // major type).
  bool string(int major, bool indefinite, uint64_t length, std::string& out) {
    if (!indefinite) {
      if (length > bytes_.size() - pos_) return false;
      out.append(bytes_.substr(pos_, length));
      pos_ += length;
      return true;
    }
    while (!atBreak()) {
      if (pos_ >= bytes_.size()) return false;
      auto initial = static_cast<uint8_t>(bytes_[pos_++]);
      uint64_t chunk = 0;
      if ((initial >> 5) != major || !readArgument(initial & 0x1f, chunk) ||
          !string(major, false, chunk, out)) {
        return false;
      }
    }
    return true;
  }

  bool simple(int info, json& out) {
    switch (info) {
      case 20:
        out = false;
        return true;
      case 21:
        out = true;
        return true;
      case 22:
      case 23:
        out = nullptr;  // null, undefined
        return true;
      case 25: {
        uint64_t bits = 0;
        if (!readArgument(25, bits)) return false;
        out = halfToDouble(static_cast<uint16_t>(bits));
        return true;
      }
      case 26: {
        uint64_t bits = 0;
        if (!readArgument(26, bits)) return false;
        auto b32 = static_cast<uint32_t>(bits);
        float f = 0;
        std::memcpy(&f, &b32, sizeof f);
        out = static_cast<double>(f);
        return true;
      }
      case 27: {
        uint64_t bits = 0;
        if (!readArgument(27, bits)) return false;
        double d = 0;
        std::memcpy(&d, &bits, sizeof d);
        out = d;
        return true;
      }
      default:
        return false;
    }
  }

  static double halfToDouble(uint16_t half) {
    int exponent = (half >> 10) & 0x1f;
    int mantissa = half & 0x3ff;
    double value = 0;
    if (exponent == 0) {
      value = std::ldexp(mantissa, -24);
    } else if (exponent != 31) {
      value = std::ldexp(mantissa + 1024, exponent - 25);
    } else {
      value = mantissa == 0 ? std::numeric_limits<double>::infinity()
                            : std::numeric_limits<double>::quiet_NaN();
    }
    return (half & 0x8000) ? -value : value;
  }

  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<json> readCbor(std::string_view bytes) {
  Reader reader(bytes);
  json out;
  if (!reader.item(out, 0) || !reader.done()) return std::nullopt;
  return out;
}

}  // namespace nimbus::aws::cloudwatch
