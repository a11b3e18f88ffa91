#include "core/http_message.h"

#include <unistd.h>

namespace nimbus {

namespace {
char lowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
}  // namespace

SpooledBody::~SpooledBody() {
  // ENOENT is the normal case when the consumer renamed the file into place; any other failure
  // leaves a file that the next start removes from the spool directory.
  if (!path.empty()) ::unlink(path.c_str());
}

FileBody::~FileBody() {
  if (fd >= 0) ::close(fd);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lowerAscii(a[i]) != lowerAscii(b[i])) return false;
  }
  return true;
}

const HttpHeader* findHeader(const std::vector<HttpHeader>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return &h;
  }
  return nullptr;
}

}  // namespace nimbus
