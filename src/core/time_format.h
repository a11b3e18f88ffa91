// Wall-clock timestamps: now, and the text forms AWS events and logs use.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace nimbus {

using WallTime = std::chrono::system_clock::time_point;

int64_t epochMillis(WallTime t);

// Milliseconds since the epoch by the wall clock, now: what AWS timestamps count.
int64_t nowMs();

// "21/Apr/2020:15:08:21 +0000": API Gateway's requestContext.time / requestTime.
std::string apiGatewayTime(WallTime t);

// "2020-04-21T15:08:21.067Z": ISO 8601 in UTC with milliseconds (logs, records).
std::string isoTimeMillis(WallTime t);

// "2020/04/21": the date prefix of Lambda log stream names.
std::string logStreamDate(WallTime t);

// The UTC time of `epochMs` (to the second) written by strftime's `format`
// ("%Y-%m-%dT%H:%M:%SZ", "%d/%m/%y %H:%M:%S"): the forms AWS's texts use beside the ones above.
std::string utcText(int64_t epochMs, const char* format);

}  // namespace nimbus
