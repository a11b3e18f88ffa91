// Reading operation inputs from the one JSON tree all three protocols are read into: query
// requests carry every scalar as text, JSON and CBOR as typed values, so each reader accepts both.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace nimbus::aws::cloudwatch::input {

// The member, or null when it is absent or null.
const nlohmann::json* member(const nlohmann::json& object, std::string_view key);

// A string member (a number is given as its text).
std::optional<std::string> text(const nlohmann::json* value);
// A number, or text that is one ("1.5", "NaN"); nullopt when it is neither.
std::optional<double> number(const nlohmann::json* value);
// A boolean, or "true"/"false".
std::optional<bool> boolean(const nlohmann::json* value);
// Epoch seconds (a number, as JSON and CBOR send them) or ISO 8601 text (as the query protocol
// sends them: "2026-12-08T00:37:00Z", "2026-12-08T00:37:00.123+01:00"), in epoch milliseconds.
std::optional<int64_t> timestampMs(const nlohmann::json* value);
// The elements of a list member; an empty query parameter ("MetricData=") counts as empty.
// nullopt when the member is not a list.
std::optional<std::vector<const nlohmann::json*>> list(const nlohmann::json* value);

}  // namespace nimbus::aws::cloudwatch::input
