// End-to-end SQS throughput: N clients each loop SendMessageBatch (10) -> ReceiveMessage (up to
// 10) -> DeleteMessageBatch (what it received) against a real `nimbus serve`, over keep-alive
// HTTP/1.1 with the JSON protocol, every send and delete durable (fsync'd) before its answer.
// Figures are messages sent, received and deleted per second.
//
// References measured in the same run:
// - the store alone: the same three durable writes per round (10 puts, 10 receive updates, 10
//   deletes) straight into the SQLite store, without HTTP, parsing or queue logic;
// - the HTTP floor: three requests per round to an endpoint that does no work
//   (GET /_nimbus/info), i.e. what the transport and server cost before SQS does anything.
//
//   build/bench/sqs_bench [seconds-per-case=5] [concurrencies=1,4,16,64]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/ids.h"
#include "store/sqlite/sqlite_store.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// --- a minimal blocking HTTP/1.1 client --------------------------------------------------------

class Connection {
 public:
  explicit Connection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      std::perror("sqs_bench: connect");
      std::exit(1);
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { ::close(fd_); }

  // Sends one request and returns the response body; exits on a non-200 status.
  std::string request(const std::string& head, const std::string& body) {
    std::string out = head;
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    out += body;
    for (size_t sent = 0; sent < out.size();) {
      ssize_t n = ::send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) fail("send");
      sent += static_cast<size_t>(n);
    }
    size_t headerEnd;
    while ((headerEnd = in_.find("\r\n\r\n")) == std::string::npos) readMore();
    int status = std::atoi(in_.c_str() + 9);
    size_t length = 0;
    std::string headers = in_.substr(0, headerEnd);
    for (auto& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (auto p = headers.find("content-length:"); p != std::string::npos) {
      length = std::strtoul(headers.c_str() + p + 15, nullptr, 10);
    }
    while (in_.size() < headerEnd + 4 + length) readMore();
    std::string responseBody = in_.substr(headerEnd + 4, length);
    in_.erase(0, headerEnd + 4 + length);
    if (status != 200) {
      std::fprintf(stderr, "sqs_bench: HTTP %d: %s\n", status, responseBody.c_str());
      std::exit(1);
    }
    return responseBody;
  }

 private:
  void readMore() {
    char buffer[65536];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) fail("recv");
    in_.append(buffer, static_cast<size_t>(n));
  }
  [[noreturn]] static void fail(const char* what) {
    std::perror(what);
    std::exit(1);
  }

  int fd_ = -1;
  std::string in_;
};

std::string sqsHead(uint16_t port, const char* action) {
  return "POST / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS." + action +
         "\r\n";
}

// --- nimbus serve, started and stopped ----------------------------------------------------------

class Nimbus {
 public:
  Nimbus(const fs::path& binary, const fs::path& dir) {
    int out[2];
    if (::pipe(out) != 0) std::exit(1);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::close(out[1]);
      if (::chdir(dir.c_str()) != 0) _exit(127);
      ::execl(binary.c_str(), binary.c_str(), "serve", "--port", "0", "--aws-port", "0",
              "--no-watch", nullptr);
      _exit(127);
    }
    ::close(out[1]);
    std::string text;
    char buffer[4096];
    while (text.find("AWS endpoint http://") == std::string::npos ||
           text.find(')', text.find("AWS endpoint http://")) == std::string::npos) {
      ssize_t n = ::read(out[0], buffer, sizeof buffer);
      if (n <= 0) {
        std::fprintf(stderr, "sqs_bench: nimbus did not start:\n%s\n", text.c_str());
        std::exit(1);
      }
      text.append(buffer, static_cast<size_t>(n));
    }
    size_t at = text.find("AWS endpoint http://");
    size_t colon = text.find(':', at + 20);
    port_ = static_cast<uint16_t>(std::atoi(text.c_str() + colon + 1));
    // Keep draining its output so that it never blocks on a full pipe.
    drain_ = std::thread([fd = out[0]] {
      char b[4096];
      while (::read(fd, b, sizeof b) > 0) {
      }
      ::close(fd);
    });
  }
  ~Nimbus() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    drain_.join();
  }
  uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::thread drain_;
};

// --- the cases ----------------------------------------------------------------------------------

struct Figures {
  double messagesPerSecond = 0;
  double roundMs = 0;  // Mean time of one send -> receive -> delete round.
};

// Runs `round` (returning messages completed) on `clients` threads for `seconds`.
template <typename MakeWorker>
Figures measure(int clients, double seconds, MakeWorker makeWorker) {
  std::atomic<long> messages = 0, rounds = 0;
  std::atomic<bool> running = true;
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto round = makeWorker(c);
      while (running.load(std::memory_order_relaxed)) {
        messages += round();
        ++rounds;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  running = false;
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  Figures f;
  f.messagesPerSecond = static_cast<double>(messages) / elapsed;
  f.roundMs = rounds ? elapsed * 1000.0 * clients / static_cast<double>(rounds) : 0;
  return f;
}

std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

Figures sqsRound(uint16_t port, int clients, double seconds, const std::string& queueUrl) {
  return measure(clients, seconds, [port, queueUrl](int client) {
    auto connection = std::make_shared<Connection>(port);
    auto counter = std::make_shared<long>(0);
    auto parser = std::make_shared<simdjson::dom::parser>();
    std::string payload(200, 'x');  // A small JSON-ish event body.
    return [=]() -> long {
      std::string send = "{\"QueueUrl\":" + jsonString(queueUrl) + ",\"Entries\":[";
      for (int i = 0; i < 10; ++i) {
        if (i) send += ',';
        send += "{\"Id\":\"m" + std::to_string(i) + "\",\"MessageBody\":\"" +
                std::to_string(client) + "-" + std::to_string((*counter)++) + payload + "\"}";
      }
      send += "]}";
      connection->request(sqsHead(port, "SendMessageBatch"), send);
      std::string received = connection->request(
          sqsHead(port, "ReceiveMessage"),
          "{\"QueueUrl\":" + jsonString(queueUrl) + ",\"MaxNumberOfMessages\":10}");
      simdjson::dom::element doc;
      if (parser->parse(received).get(doc)) std::exit(1);
      simdjson::dom::array messages;
      if (doc["Messages"].get(messages)) return 0;
      std::string del = "{\"QueueUrl\":" + jsonString(queueUrl) + ",\"Entries\":[";
      long n = 0;
      for (auto m : messages) {
        std::string_view handle = m["ReceiptHandle"].get_string().value();
        if (n) del += ',';
        del += "{\"Id\":\"d" + std::to_string(n) +
               "\",\"ReceiptHandle\":" + jsonString(std::string(handle)) + "}";
        ++n;
      }
      del += "]}";
      connection->request(sqsHead(port, "DeleteMessageBatch"), del);
      return n;
    };
  });
}

Figures httpFloor(uint16_t port, int clients, double seconds) {
  return measure(clients, seconds, [port](int) {
    auto connection = std::make_shared<Connection>(port);
    std::string head = "GET /_nimbus/info HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    return [=]() -> long {
      for (int i = 0; i < 3; ++i) connection->request(head, "");
      return 10;
    };
  });
}

Figures storeOnly(const fs::path& dir, int clients, double seconds) {
  std::string error;
  auto store =
      nimbus::store::openSqliteStore(dir / ("store-" + std::to_string(clients) + ".db"), error);
  if (!store) {
    std::fprintf(stderr, "sqs_bench: %s\n", error.c_str());
    std::exit(1);
  }
  std::atomic<int64_t> nextSeq = 1;
  auto figures = measure(clients, seconds, [&](int) {
    return [&]() -> long {
      auto commit = [&](nimbus::store::SqsWrite w) {
        std::mutex m;
        std::condition_variable cv;
        bool done = false;
        store->writeSqsMessages(std::move(w), [&](std::string) {
          std::lock_guard lock(m);
          done = true;
          cv.notify_one();
        });
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return done; });
      };
      int64_t first = nextSeq.fetch_add(10);
      nimbus::store::SqsWrite puts, updates, deletes;
      for (int64_t s = first; s < first + 10; ++s) {
        puts.puts.push_back({.seq = s,
                             .queueId = 1,
                             .messageId = nimbus::newUuid(),
                             .body = std::string(210, 'x'),
                             .attributes = std::string("\x01\0\0\0\0\0\0\0\0", 9),
                             .sentAtMs = 1});
        updates.updates.push_back({s, 30000, 1, 1, s});
        deletes.deletes.push_back(s);
      }
      commit(std::move(puts));
      commit(std::move(updates));
      commit(std::move(deletes));
      return 10;
    };
  });
  store->stop();
  return figures;
}

std::vector<int> parseList(const char* text) {
  std::vector<int> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::atoi(item.c_str()));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
  std::vector<int> concurrencies = parseList(argc > 2 ? argv[2] : "1,4,16,64");
  fs::path self = fs::canonical("/proc/self/exe");
  fs::path binary = std::getenv("NIMBUS_BIN") ? fs::path(std::getenv("NIMBUS_BIN"))
                                              : self.parent_path().parent_path() / "nimbus";
  fs::path dir = fs::temp_directory_path() / ("nimbus-sqs-bench-" + nimbus::randomHex(8));
  fs::create_directories(dir);

  std::printf("SQS end to end: send batch 10 -> receive 10 -> delete batch 10, %.0f s per case\n",
              seconds);
  std::printf("%-12s %14s %14s %14s %14s\n", "clients", "sqs msg/s", "round ms", "store msg/s",
              "http msg/s");
  {
    Nimbus nimbus(binary, dir);
    uint16_t port = nimbus.port();
    Connection setup(port);
    std::string created = setup.request(sqsHead(port, "CreateQueue"), "{\"QueueName\":\"bench\"}");
    std::string url = created.substr(created.find("http://"));
    url = url.substr(0, url.find('"'));
    for (int clients : concurrencies) {
      Figures sqs = sqsRound(port, clients, seconds, url);
      Figures store = storeOnly(dir, clients, seconds);
      Figures http = httpFloor(port, clients, seconds);
      std::printf("%-12d %14.0f %14.2f %14.0f %14.0f\n", clients, sqs.messagesPerSecond,
                  sqs.roundMs, store.messagesPerSecond, http.messagesPerSecond);
      std::fflush(stdout);
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
