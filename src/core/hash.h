// Digests (OpenSSL).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nimbus {

// The raw 32-byte SHA-256 of `data`.
std::string sha256(std::string_view data);

// The raw 16-byte MD5 of `data` (names the Serverless Framework derives from a hash).
std::string md5(std::string_view data);

// Lower-case hexadecimal of `bytes` (two digits per byte).
std::string hexEncode(std::string_view bytes);

// The bytes of hexadecimal text (either case); nullopt for an odd length or a non-hex digit.
std::optional<std::string> hexDecode(std::string_view hex);

}  // namespace nimbus
