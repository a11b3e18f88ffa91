// Standard base64 (RFC 4648, with padding), as API Gateway and Lambda use for binary bodies.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nimbus {

std::string base64Encode(std::string_view bytes);

// Decodes standard base64; whitespace is skipped and missing padding tolerated.
// Returns nullopt for characters outside the alphabet.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace nimbus
