// Plain HTTP request and response values, independent of any HTTP library, so that the gateway
// logic, event builders and tests never include Boost.Beast.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus {

struct HttpHeader {
  std::string name;  // As the client sent it; lookups are case-insensitive.
  std::string value;
};

// A request body the server wrote to a file instead of memory (see http::ServerLimits::spoolBody),
// because S3 objects (up to 5 GB) must never sit in memory. The file is removed when the last
// reference goes, unless the consumer moved it elsewhere (rename) first — removal then fails
// harmlessly. Not copyable: two owners of one path would remove it twice.
struct SpooledBody {
  SpooledBody() = default;
  SpooledBody(const SpooledBody&) = delete;
  SpooledBody& operator=(const SpooledBody&) = delete;
  // Removes `path` (unlink), ignoring ENOENT: the consumer may have renamed the file away.
  ~SpooledBody();

  std::string path;   // Absolute path, in ServerLimits::spoolDir; the file has mode 0600.
  uint64_t size = 0;  // Bytes in the file: the decoded body (chunked transfer-encoding removed).
};

struct HttpRequest {
  std::string method;               // "GET", "POST", ...
  std::string target;               // Raw request target: path plus optional "?query", undecoded.
  std::vector<HttpHeader> headers;  // In arrival order; repeated names stay separate entries.
  std::string body;                 // Raw bytes; empty when spooledBody is set.
  std::string sourceIp;
  std::string protocol = "HTTP/1.1";
  // Set when the server wrote the body to a file instead of `body`. Shared so that the consumer
  // may keep the file past the handler call (or rename it into place) without copying it.
  std::shared_ptr<SpooledBody> spooledBody;
};

// Bytes of an open file sent as a response body without reading them all into memory, so that
// a 5 GB object is served in pieces. Not copyable: it owns the descriptor.
struct FileBody {
  FileBody() = default;
  FileBody(const FileBody&) = delete;
  FileBody& operator=(const FileBody&) = delete;
  // Closes `fd` when it is open.
  ~FileBody();

  int fd = -1;          // Owned: closed on destruction. Read with pread, so its offset is unused.
  uint64_t offset = 0;  // First byte to send (a Range request's start).
  uint64_t length = 0;  // Bytes to send; the response's Content-Length.
};

// The write side of a response body that has no end fixed in advance (server-sent events): the
// server sends the header, then each piece as it is written, and closes the connection when the
// stream is closed or dropped. Thread-safe.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Queues `piece`; false once the client has gone (or too much is waiting for it), after which
  // the writer should drop the stream.
  virtual bool write(std::string piece) = 0;
  virtual void close() = 0;
};

struct HttpResponse {
  int status = 200;
  std::vector<HttpHeader> headers;  // Repeated names (Set-Cookie) stay separate entries.
  std::string body;                 // Raw bytes; ignored when fileBody is set.
  // Set to stream the body from a file; shared so that a response (and its tooLarge-style
  // templates) stays copyable while the descriptor has one owner.
  std::shared_ptr<FileBody> fileBody;
  // Set to answer with an open-ended body: called with the stream once the header is sent.
  std::function<void(std::shared_ptr<BodyStream>)> openStream;
};

// Case-insensitive ASCII comparison, as HTTP header names compare.
bool iequals(std::string_view a, std::string_view b);

// The first header with that name, or nullptr.
const HttpHeader* findHeader(const std::vector<HttpHeader>& headers, std::string_view name);

}  // namespace nimbus
