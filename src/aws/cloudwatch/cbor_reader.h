// Reads a CBOR data item (RFC 8949) into a JSON tree, as Smithy RPC v2 requests arrive.
// nlohmann::json's own reader refuses tags 0 to 5, and tag 1 (epoch seconds) is exactly what
// clients put around every timestamp; here a tag is dropped and its content kept, so that a
// timestamp reads as its number of seconds.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace nimbus::aws::cloudwatch {

// The item, or nullopt when the bytes are not exactly one well-formed item (or nest deeper than
// 64 levels). Map keys must be text; byte strings become JSON binary values.
std::optional<nlohmann::json> readCbor(std::string_view bytes);

}  // namespace nimbus::aws::cloudwatch
