// The HTTP/1.1 server shared by the gateway, the AWS endpoint and each environment's Runtime API.
// Handlers are asynchronous: they receive a Responder and may answer later, from any thread,
// which is how the Runtime API holds `GET /invocation/next` open until there is work.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/http_message.h"

namespace boost::asio {
class io_context;
}

namespace nimbus::http {

// The write side of one request. Move-only; `send` may be called once, from any thread.
// Dropping a Responder without sending closes the connection (the client sees a reset), which
// is what a dying peer would observe; handlers always send unless they are shutting down.
class Responder {
 public:
  // Implemented by the connection that owns the request.
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void respond(HttpResponse&& response) = 0;
    virtual void abandon() = 0;
  };

  Responder() = default;
  explicit Responder(std::shared_ptr<Sink> sink) : sink_(std::move(sink)) {}
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  void send(HttpResponse&& response);
  explicit operator bool() const { return sink_ != nullptr; }

 private:
  std::shared_ptr<Sink> sink_;
};

struct ServerLimits {
  // Requests with a larger body are answered with `tooLarge` without reaching the handler.
  size_t maxBodyBytes = 16 * 1024 * 1024;
  // Where spooled request bodies are written (files named body-XXXXXX, mode 0600); empty: never
  // spool. The owner creates it, and removes files left there by a crash when it starts.
  std::string spoolDir;
  // The body limit for spooled requests, in place of maxBodyBytes: S3's largest single PUT
  // (5 GiB) plus room for the aws-chunked signature framing SDKs add around it.
  uint64_t maxSpooledBodyBytes = (5ull << 30) + (64ull << 20);
  // Asked once the request's header is read (an HttpRequest without body), on the connection's
  // I/O thread: true to write this request's body to a file in spoolDir instead of memory,
  // handed over as HttpRequest::spooledBody. Bodies smaller than spoolAboveBytes (by
  // Content-Length) stay in memory even when it says true; chunked bodies are spooled.
  std::function<bool(const HttpRequest& header)> spoolBody;
  // Bodies below this many bytes are cheaper in memory than in a file, and stay there.
  uint64_t spoolAboveBytes = 1 << 20;
  HttpResponse tooLarge{
      413, {{"Content-Type", "application/json"}}, R"({"message":"Request Entity Too Large"})"};
};

class HttpServer {
 public:
  using Handler = std::function<void(HttpRequest&&, Responder)>;

  HttpServer(boost::asio::io_context& io, Handler handler, ServerLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting. Returns the bound port (useful with port 0), or 0 with `error`
  // set when the address cannot be bound.
  uint16_t listen(const std::string& host, uint16_t port, std::string& error);

  // Stops accepting and closes every open connection. Pending Responders become no-ops.
  void stop();

  struct State;  // Shared with the connections, which may outlive the server object.

 private:
  std::shared_ptr<State> state_;
};

}  // namespace nimbus::http
