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
