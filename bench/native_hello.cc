// A `provided` runtime written against the Runtime API with nothing but POSIX sockets: the
// lower bound of what an invocation costs in nimbus, with no interpreter in the way. It answers
// every event with a fixed payload-2.0 response.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

int connectTo(const std::string& hostPort) {
  auto colon = hostPort.find(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(hostPort.c_str() + colon + 1)));
  inet_pton(AF_INET, hostPort.substr(0, colon).c_str(), &addr.sin_addr);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  return fd;
}

void sendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) std::exit(1);
    off += static_cast<size_t>(n);
  }
}

// Reads one HTTP response; returns its head and fills `body`.
std::string readResponse(int fd, std::string& buffer, std::string& body) {
  for (;;) {
    auto end = buffer.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::string head = buffer.substr(0, end);
      size_t length = 0;
      for (const char* name : {"Content-Length: ", "content-length: "}) {
        auto p = head.find(name);
        if (p != std::string::npos)
          length = std::strtoul(head.c_str() + p + std::strlen(name), nullptr, 10);
      }
      while (buffer.size() < end + 4 + length) {
        char chunk[65536];
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n <= 0) std::exit(0);
        buffer.append(chunk, static_cast<size_t>(n));
      }
      body = buffer.substr(end + 4, length);
      buffer.erase(0, end + 4 + length);
      return head;
    }
    char chunk[65536];
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) std::exit(0);
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace

int main() {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (!api) return 1;
  int fd = connectTo(api);
  std::string buffer, body;
  const std::string answer =
      R"({"statusCode":200,"headers":{"content-type":"text/plain"},"body":"Hello from native code!"})";
  for (;;) {
    sendAll(fd, "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: runtime\r\n\r\n");
    std::string head = readResponse(fd, buffer, body);
    auto p = head.find("Lambda-Runtime-Aws-Request-Id: ");
    if (p == std::string::npos) p = head.find("lambda-runtime-aws-request-id: ");
    if (p == std::string::npos) return 1;
    p += std::strlen("Lambda-Runtime-Aws-Request-Id: ");
    std::string requestId = head.substr(p, head.find("\r\n", p) - p);
    sendAll(fd, "POST /2018-06-01/runtime/invocation/" + requestId +
                    "/response HTTP/1.1\r\nHost: runtime\r\nContent-Length: " +
                    std::to_string(answer.size()) + "\r\n\r\n" + answer);
    readResponse(fd, buffer, body);
  }
}
