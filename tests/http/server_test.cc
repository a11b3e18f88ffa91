#include "http/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

namespace nimbus::http {
namespace {

namespace fs = std::filesystem;

// Deterministic, non-repeating-looking bytes, so that a misplaced piece shows as a mismatch.
std::string makeData(size_t size, uint32_t seed) {
  std::string data(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < size; ++i) {
    x = x * 1664525u + 1013904223u;
    data[i] = static_cast<char>(x >> 24);
  }
  return data;
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool dirEmpty(const fs::path& dir) {
  return fs::directory_iterator(dir) == fs::directory_iterator();
}

// Requests handed to the handler, for the test thread to inspect.
class Inbox {
 public:
  void push(HttpRequest&& request) {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
    cv_.notify_all();
  }
  HttpRequest pop() {
    std::unique_lock lock(mutex_);
    // A request that never reaches the handler fails the test instead of hanging it.
    if (!cv_.wait_for(lock, std::chrono::seconds(30), [&] { return !requests_.empty(); })) {
      ADD_FAILURE() << "no request reached the handler";
      return HttpRequest();
    }
    HttpRequest request = std::move(requests_.front());
    requests_.pop_front();
    return request;
  }
  size_t size() {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<HttpRequest> requests_;
};

// An HttpServer on a loopback port 0, run by one I/O thread, with a temporary spool directory.
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "nimbus-http-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    spoolDir_ = dir_ / "incoming";
    fs::create_directories(spoolDir_);
  }

  void TearDown() override {
    if (server_) server_->stop();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    fs::remove_all(dir_);
  }

  ServerLimits spoolingLimits() {
    ServerLimits limits;
    limits.spoolDir = spoolDir_.string();
    limits.spoolBody = [](const HttpRequest& header) {
      return header.target.starts_with("/spool");
    };
    return limits;
  }

  void start(ServerLimits limits, HttpServer::Handler handler) {
    server_ = std::make_unique<HttpServer>(io_, std::move(handler), std::move(limits));
    std::string error;
    port_ = server_->listen("127.0.0.1", 0, error);
    ASSERT_NE(port_, 0) << error;
    thread_ = std::thread([this] { io_.run(); });
  }

  // Answers 200 "ok" to every request after keeping it in the inbox.
  void startRecording(ServerLimits limits) {
    start(std::move(limits), [this](HttpRequest&& request, Responder responder) {
      inbox_.push(std::move(request));
      responder.send(HttpResponse{200, {{"Content-Type", "text/plain"}}, "ok"});
    });
  }

  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  uint16_t port_ = 0;
  fs::path dir_;
  fs::path spoolDir_;
  Inbox inbox_;
};

struct RawResponse {
  int status = 0;
  std::vector<HttpHeader> headers;
  std::string body;

  std::string header(std::string_view name) const {
    auto* h = findHeader(headers, name);
    return h ? h->value : std::string();
  }
};

// A blocking client on a plain socket, so that tests see exactly what goes over the wire
// (interim 100 answers, bodies or their absence, several requests on one connection).
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval timeout{30, 0};  // A server that never answers fails the test instead of hanging it.
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Sends `data` as chunked transfer-encoding, in chunks of `chunk` bytes and a last short one.
  bool sendChunked(std::string_view data, size_t chunk) {
    while (!data.empty()) {
      size_t n = std::min(chunk, data.size());
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", n);
      if (!send(size) || !send(data.substr(0, n)) || !send("\r\n")) return false;
      data.remove_prefix(n);
    }
    return send("0\r\n\r\n");
  }

  // Everything up to and including `marker`; empty when the connection ends first.
  std::string readUntil(std::string_view marker) {
    for (;;) {
      auto at = pending_.find(marker);
      if (at != std::string::npos) {
        std::string out = pending_.substr(0, at + marker.size());
        pending_.erase(0, at + marker.size());
        return out;
      }
      if (!fill()) return {};
    }
  }

  std::string readExact(size_t size) {
    while (pending_.size() < size) {
      if (!fill()) return {};
    }
    std::string out = pending_.substr(0, size);
    pending_.erase(0, size);
    return out;
  }

  // True when the server closed the connection (after whatever it still had to send).
  bool closedByServer() {
    while (fill()) {
    }
    return eof_;
  }

  // One response; its body is read by Content-Length unless `head`.
  std::optional<RawResponse> readResponse(bool head = false) {
    std::string text = readUntil("\r\n\r\n");
    if (text.empty()) return std::nullopt;
    RawResponse response;
    response.status = std::atoi(text.c_str() + 9);
    size_t lineStart = text.find("\r\n") + 2;
    while (lineStart < text.size() - 2) {
      size_t lineEnd = text.find("\r\n", lineStart);
      std::string line = text.substr(lineStart, lineEnd - lineStart);
      size_t colon = line.find(':');
      size_t valueStart = line.find_first_not_of(' ', colon + 1);
      response.headers.push_back(HttpHeader{
          line.substr(0, colon), valueStart == std::string::npos ? "" : line.substr(valueStart)});
      lineStart = lineEnd + 2;
    }
    if (!head) {
      size_t length = std::strtoull(response.header("Content-Length").c_str(), nullptr, 10);
      response.body = readExact(length);
      if (response.body.size() != length) return std::nullopt;
    }
    return response;
  }

 private:
  bool fill() {
    char buffer[65536];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
      eof_ = n == 0;
      return false;
    }
    pending_.append(buffer, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string pending_;
};

void expectSpooled(HttpRequest request, const std::string& data, const fs::path& spoolDir) {
  EXPECT_TRUE(request.body.empty());
  ASSERT_NE(request.spooledBody, nullptr);
  fs::path path = request.spooledBody->path;
  EXPECT_TRUE(path.is_absolute());
  EXPECT_EQ(fs::canonical(path.parent_path()), fs::canonical(spoolDir));
  EXPECT_EQ(request.spooledBody->size, data.size());
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_TRUE(readFile(path) == data) << "spooled file differs from the body sent";
  request = HttpRequest();  // The handler's last reference goes.
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(dirEmpty(spoolDir));
}

TEST_F(ServerTest, SpoolsChunkedUploadToFile) {
  startRecording(spoolingLimits());
  std::string data = makeData(50 * 1000 * 1000 + 7, 1);
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(
      client.send("PUT /spool/big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  ASSERT_TRUE(client.sendChunked(data, 300 * 1000 + 11));
  auto response = client.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  HttpRequest request = inbox_.pop();
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.target, "/spool/big");
  expectSpooled(std::move(request), data, spoolDir_);
}

TEST_F(ServerTest, SpoolsContentLengthUploadToFile) {
  startRecording(spoolingLimits());
  std::string data = makeData(50 * 1000 * 1000, 2);
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send("PUT /spool/big HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                          std::to_string(data.size()) + "\r\n\r\n"));
  ASSERT_TRUE(client.send(data));
  auto response = client.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  expectSpooled(inbox_.pop(), data, spoolDir_);

  // The connection stays usable for the next request.
  ASSERT_TRUE(client.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n"));
  response = client.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(inbox_.pop().target, "/next");
}

TEST_F(ServerTest, SpooledBodyEndsWhereItsContentLengthSays) {
  ServerLimits limits = spoolingLimits();
  limits.spoolAboveBytes = 0;
  startRecording(limits);
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  // The body and the next request arrive together, within the header's first read.
  ASSERT_TRUE(
      client.send("PUT /spool/tiny HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
                  "0123456789"
                  "GET /next HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(client.readResponse());
  ASSERT_TRUE(client.readResponse());
  expectSpooled(inbox_.pop(), "0123456789", spoolDir_);
  EXPECT_EQ(inbox_.pop().target, "/next");
}

TEST_F(ServerTest, KeepsSmallOrUnselectedBodiesInMemory) {
  startRecording(spoolingLimits());
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  // Below spoolAboveBytes: in memory although the predicate says spool.
  std::string small = makeData(1000, 3);
  ASSERT_TRUE(
      client.send("PUT /spool/small HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + small));
  auto response = client.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200) << response->body;
  HttpRequest request = inbox_.pop();
  EXPECT_EQ(request.spooledBody, nullptr);
  EXPECT_TRUE(request.body == small);

  // The predicate says no: in memory, whatever the size.
  std::string large = makeData(3 << 20, 4);
  ASSERT_TRUE(client.send("POST /lambda HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                          std::to_string(large.size()) + "\r\n\r\n" + large));
  response = client.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200) << response->body;
  request = inbox_.pop();
  EXPECT_EQ(request.spooledBody, nullptr);
  EXPECT_TRUE(request.body == large);
  EXPECT_TRUE(dirEmpty(spoolDir_));
}

TEST_F(ServerTest, AnswersContinueBeforeReadingTheBody) {
  startRecording(spoolingLimits());
  std::string data = makeData(2 << 20, 5);
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(
      client.send("PUT /spool/obj HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                  "Content-Length: " +
                  std::to_string(data.size()) + "\r\n\r\n"));
  // Nothing of the body is sent until the interim answer arrives.
  EXPECT_EQ(client.readUntil("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(client.send(data));
  auto response = client.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  expectSpooled(inbox_.pop(), data, spoolDir_);
}

TEST_F(ServerTest, RefusesAnOversizedExpectedBodyWithoutContinue) {
  ServerLimits limits = spoolingLimits();
  limits.maxSpooledBodyBytes = 4 << 20;
  startRecording(limits);
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(
      client.send("PUT /spool/obj HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                  "Content-Length: 5000000\r\n\r\n"));
  auto response = client.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_TRUE(client.closedByServer());
  EXPECT_EQ(inbox_.size(), 0u);
  EXPECT_TRUE(dirEmpty(spoolDir_));
}

TEST_F(ServerTest, OverLimitSpooledBodyIsRefusedAndItsFileRemoved) {
  ServerLimits limits = spoolingLimits();
  limits.maxSpooledBodyBytes = 3 << 20;
  startRecording(limits);
  std::string data = makeData(8 << 20, 6);
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(
      client.send("PUT /spool/big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  // The server stops reading the body midway; it drains the rest, so sending may finish or not.
  std::thread sender([&] { client.sendChunked(data, 256 << 10); });
  auto response = client.readResponse();
  sender.join();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(inbox_.size(), 0u);
  EXPECT_TRUE(dirEmpty(spoolDir_));  // Removed before the answer was sent.

  // Over the limit by Content-Length, without Expect: refused at the header, no file made.
  RawClient second(port_);
  ASSERT_TRUE(second.connected());
  ASSERT_TRUE(second.send("PUT /spool/big HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                          std::to_string(data.size()) + "\r\n\r\n"));
  std::thread sender2([&] { second.send(data); });
  response = second.readResponse();
  sender2.join();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_TRUE(dirEmpty(spoolDir_));
}

TEST_F(ServerTest, StreamsAFileRangeAndKeepsTheConnection) {
  std::string content = makeData(3 << 20, 7);
  fs::path file = dir_ / "object";
  {
    std::ofstream out(file, std::ios::binary);
    out << content;
  }
  const uint64_t offset = 1000003, length = (2 << 20) + 5;
  start(ServerLimits{}, [&](HttpRequest&& request, Responder responder) {
    if (request.target == "/file") {
      HttpResponse response;
      response.status = 206;
      response.headers.push_back({"Content-Type", "application/octet-stream"});
      response.body = "ignored";
      response.fileBody = std::make_shared<FileBody>();
      response.fileBody->fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      response.fileBody->offset = offset;
      response.fileBody->length = length;
      return responder.send(std::move(response));
    }
    responder.send(HttpResponse{200, {}, "second"});
  });
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send("GET /file HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto response = client.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 206);
  EXPECT_EQ(response->header("Content-Length"), std::to_string(length));
  EXPECT_EQ(response->header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(response->header("Connection"), "");
  EXPECT_TRUE(response->body == content.substr(offset, length)) << "range bytes differ";

  ASSERT_TRUE(client.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n"));
  response = client.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "second");
}

TEST_F(ServerTest, HeadKeepsTheHandlersContentLengthAndSendsNoBody) {
  start(ServerLimits{}, [](HttpRequest&& request, Responder responder) {
    if (request.target == "/object") {
      // As S3's HeadObject answers: the object's size, no body.
      return responder.send(HttpResponse{200, {{"Content-Length", "5368709120"}}, ""});
    }
    if (request.target == "/page") {
      // A handler that does not know HEAD: its body is dropped, its length reported.
      return responder.send(HttpResponse{200, {}, "hello world"});
    }
    if (request.target == "/file") {
      HttpResponse response;
      response.fileBody = std::make_shared<FileBody>();  // No descriptor: HEAD reads nothing.
      response.fileBody->length = 42;
      return responder.send(std::move(response));
    }
    responder.send(HttpResponse{200, {{"Content-Length", "999"}}, "second"});
  });
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send("HEAD /object HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto response = client.readResponse(true);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->header("Content-Length"), "5368709120");

  ASSERT_TRUE(client.send("HEAD /page HTTP/1.1\r\nHost: x\r\n\r\n"));
  response = client.readResponse(true);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->header("Content-Length"), "11");

  ASSERT_TRUE(client.send("HEAD /file HTTP/1.1\r\nHost: x\r\n\r\n"));
  response = client.readResponse(true);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->header("Content-Length"), "42");

  // Other methods: the server computes Content-Length, whatever the handler set. The response
  // starting right after the HEAD answers' headers shows that they carried no body.
  ASSERT_TRUE(client.send("GET /other HTTP/1.1\r\nHost: x\r\n\r\n"));
  response = client.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->header("Content-Length"), "6");
  EXPECT_EQ(response->body, "second");
}

}  // namespace
}  // namespace nimbus::http
