// Identifiers in the forms AWS uses: request ids (UUID v4), API Gateway request ids.
#pragma once

#include <string>

namespace nimbus {

// A random UUID v4 in lower-case 8-4-4-4-12 form, as Lambda request ids are.
std::string newUuid();

// A random string of `length` characters from [A-Za-z0-9], e.g. an API id or log stream suffix.
std::string randomAlnum(size_t length, bool lowerOnly = false);

// A new X-Ray trace root, "Root=1-{8 hex digits of epoch seconds}-{24 random hex digits}", as
// API Gateway and Lambda put in X-Amzn-Trace-Id and Lambda-Runtime-Trace-Id.
std::string newTraceRoot();

// A 32-hex-digit random string (log stream names use one).
std::string randomHex(size_t length);

}  // namespace nimbus
