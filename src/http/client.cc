#include "http/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace nimbus::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

ClientResult sendRequest(const std::string& host, uint16_t port, const HttpRequest& request,
                         std::chrono::milliseconds timeout) {
  ClientResult result;
  asio::io_context io;
  beast::tcp_stream stream(io);
  asio::ip::tcp::resolver resolver(io);
  beast::error_code ec;
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) {
    result.error = "cannot resolve " + host + ": " + ec.message();
    return result;
  }
  stream.expires_after(timeout);
  bhttp::request<bhttp::string_body> out;
  out.method_string(request.method);
  out.target(request.target.empty() ? "/" : request.target);
  out.version(11);
  out.set(bhttp::field::host, host + ":" + std::to_string(port));
  for (const auto& h : request.headers) out.insert(h.name, h.value);
  out.body() = request.body;
  out.prepare_payload();

  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1024ull * 1024 * 1024);
  beast::flat_buffer buffer;
  bool done = false;
  stream.async_connect(endpoints, [&](beast::error_code cec, const auto&) {
    if (cec) {
      ec = cec;
      return;
    }
    bhttp::async_write(stream, out, [&](beast::error_code wec, size_t) {
      if (wec) {
        ec = wec;
        return;
      }
      bhttp::async_read(stream, buffer, parser, [&](beast::error_code rec, size_t) {
        ec = rec;
        done = !rec;
      });
    });
  });
  io.run();
  if (!done) {
    result.error = ec ? ec.message() : "no response";
    return result;
  }
  auto message = parser.release();
  result.ok = true;
  result.response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    result.response.headers.push_back(
        HttpHeader{std::string(field.name_string()), std::string(field.value())});
  }
  result.response.body = std::move(message.body());
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  return result;
}

}  // namespace nimbus::http
