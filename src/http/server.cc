#include "http/server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <ctime>
#include <mutex>
#include <optional>
#include <unordered_set>

namespace nimbus::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// RFC 7231 IMF-fixdate, recomputed at most once per second per thread.
const std::string& currentHttpDate() {
  thread_local std::time_t cachedSecond = 0;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now != cachedSecond) {
    std::tm parts{};
    gmtime_r(&now, &parts);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &parts);
    cached = buf;
    cachedSecond = now;
  }
  return cached;
}

}  // namespace

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (sink_) sink_->abandon();
    sink_ = std::move(other.sink_);
  }
  return *this;
}

Responder::~Responder() {
  if (sink_) sink_->abandon();
}

void Responder::send(HttpResponse&& response) {
  if (!sink_) return;
  auto sink = std::move(sink_);
  sink->respond(std::move(response));
}

class Session;

struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
  State(asio::io_context& io, Handler h, ServerLimits l)
      : io(io), acceptor(asio::make_strand(io)), handler(std::move(h)), limits(std::move(l)) {}

  void accept();
  void forget(Session* session);

  asio::io_context& io;
  tcp::acceptor acceptor;
  Handler handler;
  ServerLimits limits;
  std::mutex mutex;
  bool stopped = false;
  std::unordered_set<std::shared_ptr<Session>> sessions;
};

// One client connection. Reads a request, hands it to the handler, writes the answer, repeats
// while the client keeps the connection alive. All socket work runs on the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::State> server)
      : stream_(std::move(socket)), server_(std::move(server)) {
    beast::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) sourceIp_ = remote.address().to_string();
  }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

  void close() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      self->stream_.close();
    });
  }

  // Called by the Responder's sink from any thread.
  void respond(uint64_t generation, HttpResponse&& response) {
    asio::dispatch(stream_.get_executor(),
                   [self = shared_from_this(), generation, r = std::move(response)]() mutable {
                     if (generation == self->generation_) self->write(std::move(r));
                   });
  }

  void abandon(uint64_t generation) {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this(), generation] {
      if (generation == self->generation_) self->finish();
    });
  }

 private:
  class Sink : public Responder::Sink {
   public:
    Sink(std::shared_ptr<Session> session, uint64_t generation)
        : session_(std::move(session)), generation_(generation) {}
    void respond(HttpResponse&& response) override {
      session_->respond(generation_, std::move(response));
    }
    void abandon() override { session_->abandon(generation_); }

   private:
    std::shared_ptr<Session> session_;
    uint64_t generation_;
  };

  void read() {
    parser_.emplace();
    parser_->body_limit(server_->limits.maxBodyBytes);
    parser_->header_limit(64 * 1024);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      keepAlive_ = false;
      write(HttpResponse(server_->limits.tooLarge));
      return;
    }
    if (ec) {
      if (ec != bhttp::error::end_of_stream && ec != asio::error::operation_aborted &&
          ec != asio::error::connection_reset && ec != asio::error::eof) {
        // A malformed request gets 400, as any HTTP front end would answer.
        if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
          keepAlive_ = false;
          write(HttpResponse{
              400, {{"Content-Type", "application/json"}}, R"({"message":"Bad Request"})"});
          return;
        }
      }
      finish();
      return;
    }
    auto message = parser_->release();
    keepAlive_ = message.keep_alive();
    version_ = message.version();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.headers.reserve(16);
    for (const auto& field : message) {
      request.headers.push_back(
          HttpHeader{std::string(field.name_string()), std::string(field.value())});
    }
    request.body = std::move(message.body());
    request.sourceIp = sourceIp_;
    request.protocol = version_ == 10 ? "HTTP/1.0" : "HTTP/1.1";
    ++generation_;
    server_->handler(std::move(request),
                     Responder(std::make_shared<Sink>(shared_from_this(), generation_)));
  }

  void write(HttpResponse&& response) {
    ++generation_;  // A request is answered at most once.
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
    out->version(version_);
    out->result(static_cast<unsigned>(response.status));
    bool hasDate = false;
    for (auto& h : response.headers) {
      if (iequals(h.name, "Date")) hasDate = true;
      if (iequals(h.name, "Content-Length") || iequals(h.name, "Transfer-Encoding")) continue;
      out->insert(h.name, h.value);
    }
    if (!hasDate) out->set(bhttp::field::date, currentHttpDate());
    out->body() = std::move(response.body);
    out->keep_alive(keepAlive_);
    out->prepare_payload();
    bhttp::async_write(stream_, *out,
                       [self = shared_from_this(), out](beast::error_code ec, size_t) {
                         if (ec || !out->keep_alive()) {
                           self->finish();
                           return;
                         }
                         self->read();
                       });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    server_->forget(this);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpServer::State> server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string sourceIp_;
  uint64_t generation_ = 0;
  unsigned version_ = 11;
  bool keepAlive_ = true;
  bool finished_ = false;
};

void HttpServer::State::accept() {
  acceptor.async_accept(asio::make_strand(io),
                        [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                          if (ec) {
                            if (ec == asio::error::operation_aborted) return;
                            std::lock_guard lock(self->mutex);
                            if (self->stopped) return;
                          } else {
                            socket.set_option(tcp::no_delay(true), ec);
                            auto session = std::make_shared<Session>(std::move(socket), self);
                            {
                              std::lock_guard lock(self->mutex);
                              if (self->stopped) return;
                              self->sessions.insert(session);
                            }
                            session->start();
                          }
                          self->accept();
                        });
}

void HttpServer::State::forget(Session* session) {
  std::lock_guard lock(mutex);
  for (auto it = sessions.begin(); it != sessions.end(); ++it) {
    if (it->get() == session) {
      sessions.erase(it);
      return;
    }
  }
}

HttpServer::HttpServer(asio::io_context& io, Handler handler, ServerLimits limits)
    : state_(std::make_shared<State>(io, std::move(handler), std::move(limits))) {}

HttpServer::~HttpServer() {
  stop();
}

uint16_t HttpServer::listen(const std::string& host, uint16_t port, std::string& error) {
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    error = "invalid listen address '" + host + "': " + ec.message();
    return 0;
  }
  tcp::endpoint endpoint(address, port);
  auto& acceptor = state_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message();
    return 0;
  }
  uint16_t bound = acceptor.local_endpoint().port();
  state_->accept();
  return bound;
}

void HttpServer::stop() {
  std::unordered_set<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->stopped) return;
    state_->stopped = true;
    sessions.swap(state_->sessions);
  }
  asio::dispatch(state_->acceptor.get_executor(), [state = state_] {
    beast::error_code ec;
    state->acceptor.close(ec);
  });
  for (auto& s : sessions) s->close();
}

}  // namespace nimbus::http
