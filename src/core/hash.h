// Digests (OpenSSL).
#pragma once

#include <string>
#include <string_view>

namespace nimbus {

// The raw 32-byte SHA-256 of `data`.
std::string sha256(std::string_view data);

// Lower-case hexadecimal of `bytes` (two digits per byte).
std::string hexEncode(std::string_view bytes);

}  // namespace nimbus
