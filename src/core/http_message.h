// Plain HTTP request and response values, independent of any HTTP library, so that the gateway
// logic, event builders and tests never include Boost.Beast.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nimbus {

struct HttpHeader {
  std::string name;  // As the client sent it; lookups are case-insensitive.
  std::string value;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // Raw request target: path plus optional "?query", undecoded.
  std::vector<HttpHeader> headers;  // In arrival order; repeated names stay separate entries.
  std::string body;                 // Raw bytes.
  std::string sourceIp;
  std::string protocol = "HTTP/1.1";
};

struct HttpResponse {
  int status = 200;
  std::vector<HttpHeader> headers;  // Repeated names (Set-Cookie) stay separate entries.
  std::string body;                 // Raw bytes.
};

// Case-insensitive ASCII comparison, as HTTP header names compare.
bool iequals(std::string_view a, std::string_view b);

// The first header with that name, or nullptr.
const HttpHeader* findHeader(const std::vector<HttpHeader>& headers, std::string_view name);

}  // namespace nimbus
