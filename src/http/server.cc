#include "http/server.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <limits>
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

// Spooled bodies reach the file, and file bodies the socket, in pieces of this size: large
// enough that a 5 GB object costs few system calls, small enough that one piece never holds an
// I/O thread (shared by every connection) for more than a fraction of a millisecond.
constexpr size_t kPieceBytes = 1 << 20;

// Bodies larger than this (or chunked) are read through a buffer of kReadBufferBytes, the most
// Beast reads at once; smaller ones through what the header left, without an allocation.
constexpr uint64_t kLargeBodyBytes = 16 * 1024;
constexpr size_t kReadBufferBytes = 64 * 1024;

// How long a connection closed after an early error answer (413 before the body was read) keeps
// reading and discarding what the client still sends, so that the client reads the answer
// instead of a reset (closing a socket with unread input sends RST, which can destroy it).
constexpr auto kLingerTime = std::chrono::seconds(2);
// What an open-ended body (server-sent events) may have waiting for a slow reader.
constexpr size_t kMaxPendingStreamBytes = 4 << 20;

const HttpResponse& internalError() {
  static const HttpResponse response{
      500, {{"Content-Type", "application/json"}}, R"({"message":"Internal Server Error"})"};
  return response;
}

// An owned file descriptor (closed once, never copied).
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }

  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Writes all of [data, data + size) to fd; returns 0, or the errno of the failure.
int writeAll(int fd, const char* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : EIO;
    done += static_cast<size_t>(n);
  }
  return 0;
}

// A Beast body type for reading a chunked request body into a file as it arrives. The parser
// hands it the decoded body (chunked framing removed); it gathers kPieceBytes and writes them with
// one write(2). There is no fsync: the consumer decides whether the file must be durable.
struct SpoolFileBody {
  struct value_type {
    int fd = -1;        // The session's spool file; owned by the session, not by the body.
    uint64_t size = 0;  // Bytes written to the file so far.
    int error = 0;      // errno of a failed write; the request is then answered 500.
    std::unique_ptr<char[]> piece;
    size_t pending = 0;  // Bytes of `piece` not yet written.
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(bhttp::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<uint64_t>&, beast::error_code& ec) {
      if (!body_.piece) body_.piece = std::make_unique<char[]>(kPieceBytes);
      ec = {};
    }

    template <class ConstBufferSequence>
    size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      size_t taken = 0;
      for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
           ++it) {
        asio::const_buffer buffer = *it;
        const char* data = static_cast<const char*>(buffer.data());
        size_t left = buffer.size();
        while (left > 0) {
          size_t n = std::min(left, kPieceBytes - body_.pending);
          std::memcpy(body_.piece.get() + body_.pending, data, n);
          body_.pending += n;
          data += n;
          left -= n;
          taken += n;
          if (body_.pending == kPieceBytes && !flush(ec)) return taken;
        }
      }
      ec = {};
      return taken;
    }

    void finish(beast::error_code& ec) {
      ec = {};
      flush(ec);
    }

   private:
    bool flush(beast::error_code& ec) {
      body_.error = writeAll(body_.fd, body_.piece.get(), body_.pending);
      if (body_.error) {
        ec = beast::error_code(body_.error, boost::system::generic_category());
        return false;
      }
      body_.size += body_.pending;
      body_.pending = 0;
      return true;
    }

    value_type& body_;
  };
};

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
      : io(io), acceptor(asio::make_strand(io)), handler(std::move(h)), limits(std::move(l)) {
    // SpooledBody promises an absolute path, whatever the process's directory is later.
    if (!limits.spoolDir.empty()) {
      std::error_code ec;
      auto absolute = std::filesystem::absolute(limits.spoolDir, ec);
      if (!ec) limits.spoolDir = absolute.lexically_normal().string();
    }
  }

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

  // Reads the next request's header alone, so that where its body goes (memory or a spool
  // file), its limit and the 100-continue answer are decided before any of it is read.
  void read() {
    isHead_ = false;
    headerParser_.emplace();
    // The limit depends on the header (spooled or not), so it is checked in onHeader. Not
    // boost::none: Beast 1.74 compares Content-Length with the optional, and none loses.
    headerParser_->body_limit(std::numeric_limits<uint64_t>::max());
    headerParser_->header_limit(64 * 1024);
    bhttp::async_read_header(
        stream_, buffer_, *headerParser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->onHeader(ec); });
  }

  void onHeader(beast::error_code ec) {
    if (ec) return onReadError(ec);
    const auto& header = headerParser_->get();
    keepAlive_ = header.keep_alive();
    version_ = header.version();
    isHead_ = header.method() == bhttp::verb::head;
    request_ = HttpRequest();
    request_.method = std::string(header.method_string());
    request_.target = std::string(header.target());
    request_.headers.reserve(16);
    for (const auto& field : header) {
      request_.headers.push_back(
          HttpHeader{std::string(field.name_string()), std::string(field.value())});
    }
    request_.sourceIp = sourceIp_;
    request_.protocol = version_ == 10 ? "HTTP/1.0" : "HTTP/1.1";

    const ServerLimits& limits = server_->limits;
    bool hasBody = !headerParser_->is_done();
    auto contentLength = headerParser_->content_length();  // None when chunked.
    bool spool = hasBody && !limits.spoolDir.empty() && limits.spoolBody &&
                 (!contentLength || *contentLength >= limits.spoolAboveBytes) &&
                 limits.spoolBody(request_);
    uint64_t bodyLimit = spool ? limits.maxSpooledBodyBytes : limits.maxBodyBytes;
    if (contentLength && *contentLength > bodyLimit) {
      // Refused before any of the body is read; a client waiting for 100 Continue sends none.
      return answerEarly(HttpResponse(limits.tooLarge));
    }
    if (spool && !openSpoolFile()) return answerEarly(HttpResponse(internalError()));

    auto expect = header[bhttp::field::expect];
    if (hasBody && version_ >= 11 &&
        iequals(std::string_view(expect.data(), expect.size()), "100-continue")) {
      // botocore and curl wait (up to a second) for this before sending the body.
      static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(stream_, asio::buffer(kContinue, sizeof kContinue - 1),
                        [self = shared_from_this(), bodyLimit](beast::error_code wec, size_t) {
                          if (wec) return self->finish();
                          self->readBody(bodyLimit);
                        });
      return;
    }
    readBody(bodyLimit);
  }

  // Creates this request's spool file (mode 0600, close-on-exec, a unique name).
  bool openSpoolFile() {
    std::string path = server_->limits.spoolDir + "/body-XXXXXX";
    int fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) return false;
    spoolFile_.reset(fd);
    spooled_ = std::make_shared<SpooledBody>();
    spooled_->path = std::move(path);
    return true;
  }

  // Moves the header into a parser of the body type chosen in onHeader (Beast allows it while
  // no body byte has been read) and reads the body.
  void readBody(uint64_t bodyLimit) {
    auto contentLength = headerParser_->content_length();
    if (spooled_ && contentLength) return readSpooledLength(*contentLength);
    if (!headerParser_->is_done() && (!contentLength || *contentLength > kLargeBodyBytes)) {
      // Beast reads no more than the buffer's free capacity at a time, and a header leaves it
      // near 512 bytes: a large body would cost a system call and a handler per 512 bytes.
      buffer_.reserve(kReadBufferBytes);
    }
    if (spooled_) {
      spoolParser_.emplace(std::move(*headerParser_));
      headerParser_.reset();
      spoolParser_->body_limit(bodyLimit);
      spoolParser_->get().body().fd = spoolFile_.get();
      bhttp::async_read(
          stream_, buffer_, *spoolParser_,
          [self = shared_from_this()](beast::error_code ec, size_t) { self->onSpooledBody(ec); });
      return;
    }
    parser_.emplace(std::move(*headerParser_));
    headerParser_.reset();
    parser_->body_limit(bodyLimit);
    if (parser_->is_done()) return onBody({});
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->onBody(ec); });
  }

  // A Content-Length body needs no parsing: it is read from the socket straight into a 1 MiB
  // piece and written to the spool file, sparing Beast's 64 KiB reads and its copy (S3 PUTs
  // and upload parts are sent this way; the chunked ones go through SpoolFileBody).
  void readSpooledLength(uint64_t length) {
    headerParser_.reset();
    piece_ = std::make_unique<char[]>(kPieceBytes);
    // What the header's read already took from the socket; bytes past the body are the next
    // request's, and stay in buffer_.
    size_t early = static_cast<size_t>(std::min<uint64_t>(buffer_.size(), length));
    std::memcpy(piece_.get(), buffer_.data().data(), early);
    buffer_.consume(early);
    spoolPending_ = early;
    spoolRemaining_ = length - early;
    spoolWritten_ = 0;
    continueSpooledLength();
  }

  void continueSpooledLength() {
    if (spoolPending_ == kPieceBytes || (spoolRemaining_ == 0 && spoolPending_ > 0)) {
      if (writeAll(spoolFile_.get(), piece_.get(), spoolPending_) != 0) {
        piece_.reset();
        spoolFile_.reset();
        spooled_.reset();  // Removes the partial file before the client hears of the failure.
        return answerEarly(HttpResponse(internalError()));
      }
      spoolWritten_ += spoolPending_;
      spoolPending_ = 0;
    }
    if (spoolRemaining_ == 0) {
      piece_.reset();
      spoolFile_.reset();
      spooled_->size = spoolWritten_;
      request_.spooledBody = std::move(spooled_);
      return dispatchRequest();
    }
    size_t want =
        static_cast<size_t>(std::min<uint64_t>(kPieceBytes - spoolPending_, spoolRemaining_));
    stream_.async_read_some(asio::buffer(piece_.get() + spoolPending_, want),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) {
                                self->piece_.reset();
                                return self->onReadError(ec);
                              }
                              self->spoolPending_ += n;
                              self->spoolRemaining_ -= n;
                              self->continueSpooledLength();
                            });
  }

  // Gives back what readBody reserved for a large body, so that idle keep-alive connections
  // stay small.
  void releaseReadBuffer() {
    if (buffer_.capacity() >= kReadBufferBytes) buffer_.shrink_to_fit();
  }

  void onBody(beast::error_code ec) {
    releaseReadBuffer();
    if (ec == bhttp::error::body_limit) return answerEarly(HttpResponse(server_->limits.tooLarge));
    if (ec) return onReadError(ec);
    request_.body = std::move(parser_->get().body());
    parser_.reset();
    dispatchRequest();
  }

  void onSpooledBody(beast::error_code ec) {
    releaseReadBuffer();
    int writeError = spoolParser_->get().body().error;
    uint64_t size = spoolParser_->get().body().size;
    spoolParser_.reset();
    spoolFile_.reset();
    if (ec) {
      spooled_.reset();  // Removes the partial file before the client hears of the failure.
      if (ec == bhttp::error::body_limit) {
        return answerEarly(HttpResponse(server_->limits.tooLarge));
      }
      if (writeError) return answerEarly(HttpResponse(internalError()));
      return onReadError(ec);
    }
    spooled_->size = size;
    request_.spooledBody = std::move(spooled_);
    dispatchRequest();
  }

  void dispatchRequest() {
    ++generation_;
    server_->handler(std::move(request_),
                     Responder(std::make_shared<Sink>(shared_from_this(), generation_)));
  }

  void onReadError(beast::error_code ec) {
    spooled_.reset();
    spoolFile_.reset();
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
  }

  // Answers without reading (the rest of) the body, then closes: the connection cannot carry
  // another request while an unknown part of this one's body is still in flight.
  void answerEarly(HttpResponse&& response) {
    keepAlive_ = false;
    linger_ = true;
    write(std::move(response));
  }

  void write(HttpResponse&& response) {
    ++generation_;  // A request is answered at most once.
    std::shared_ptr<FileBody> file = std::move(response.fileBody);
    bool hasDate = false;
    const HttpHeader* handlerLength = nullptr;
    bhttp::fields fields;
    for (auto& h : response.headers) {
      if (iequals(h.name, "Date")) hasDate = true;
      if (iequals(h.name, "Content-Length")) {
        // Kept for HEAD only: its answer describes the GET's body without carrying it (S3's
        // HeadObject reports the object's size this way).
        if (!handlerLength) handlerLength = &h;
        continue;
      }
      if (iequals(h.name, "Transfer-Encoding")) continue;
      fields.insert(h.name, h.value);
    }
    if (!hasDate) fields.set(bhttp::field::date, currentHttpDate());

    if (file && !isHead_) return writeFile(std::move(fields), response.status, std::move(file));
    if (response.openStream && !isHead_) {
      return writeStream(std::move(fields), response.status, std::move(response.openStream));
    }

    auto out = makeResponse<bhttp::string_body>(response.status, std::move(fields));
    if (isHead_) {
      if (handlerLength) {
        out->set(bhttp::field::content_length, handlerLength->value);
      } else {
        out->content_length(file ? file->length : response.body.size());
      }
    } else {
      out->body() = std::move(response.body);
      out->prepare_payload();
    }
    bhttp::async_write(stream_, *out,
                       [self = shared_from_this(), out](beast::error_code ec, size_t) {
                         self->afterResponse(ec);
                       });
  }

  template <class Body>
  std::shared_ptr<bhttp::response<Body>> makeResponse(int status, bhttp::fields&& fields) {
    auto out = std::make_shared<bhttp::response<Body>>();
    static_cast<bhttp::fields&>(out->base()) = std::move(fields);
    out->version(version_);
    out->result(static_cast<unsigned>(status));
    out->keep_alive(keepAlive_);
    return out;
  }

  // Sends the header, then `file->length` bytes from `file->offset`, a piece at a time.
  void writeFile(bhttp::fields&& fields, int status, std::shared_ptr<FileBody> file) {
    auto out = makeResponse<bhttp::empty_body>(status, std::move(fields));
    out->content_length(file->length);  // No prepare_payload: the body is not Beast's.
    bhttp::async_write(
        stream_, *out,
        [self = shared_from_this(), out, file = std::move(file)](beast::error_code ec, size_t) {
          if (ec) return self->finish();
          self->sendFilePiece(file, 0);
        });
  }

  // An open-ended body: the header without a length, then pieces as the stream's owner writes
  // them; the body ends when the connection closes, so it is never kept alive.
  struct StreamState {
    std::atomic<bool> gone{false};   // The client left, or the stream was closed.
    std::atomic<size_t> pending{0};  // Bytes written by the owner, not yet sent.
  };

  class StreamSink : public BodyStream {
   public:
    StreamSink(std::shared_ptr<Session> session, std::shared_ptr<StreamState> state)
        : session_(std::move(session)), state_(std::move(state)) {}
    ~StreamSink() override { close(); }

    bool write(std::string piece) override {
      if (state_->gone) return false;
      if (state_->pending.fetch_add(piece.size()) + piece.size() > kMaxPendingStreamBytes) {
        // A reader this far behind is not reading: give up on it rather than hold memory.
        close();
        return false;
      }
      asio::dispatch(session_->stream_.get_executor(),
                     [self = session_, p = std::move(piece)]() mutable {
                       self->queueStreamPiece(std::move(p));
                     });
      return true;
    }

    void close() override {
      if (state_->gone.exchange(true)) return;
      // Runs after every piece written before it, which the strand keeps in order.
      asio::dispatch(session_->stream_.get_executor(), [self = session_] { self->endStream(); });
    }

   private:
    std::shared_ptr<Session> session_;
    std::shared_ptr<StreamState> state_;
  };

  void writeStream(bhttp::fields&& fields, int status,
                   std::function<void(std::shared_ptr<BodyStream>)> open) {
    keepAlive_ = false;
    auto out = makeResponse<bhttp::empty_body>(status, std::move(fields));
    bhttp::async_write(
        stream_, *out,
        [self = shared_from_this(), out, open = std::move(open)](beast::error_code ec, size_t) {
          if (ec) return self->finish();
          // The stream waits for pieces as long as it lasts: no timeout.
          self->stream_.expires_never();
          self->streamState_ = std::make_shared<StreamState>();
          open(std::make_shared<StreamSink>(self, self->streamState_));
        });
  }

  void queueStreamPiece(std::string piece) {
    if (finished_) return;
    streamQueue_.push_back(std::move(piece));
    if (streamQueue_.size() == 1) writeStreamPiece();
  }

  void writeStreamPiece() {
    if (streamQueue_.empty()) {
      if (streamEnding_) finish();
      return;
    }
    asio::async_write(stream_, asio::buffer(streamQueue_.front()),
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) {
                          self->streamQueue_.clear();
                          return self->finish();
                        }
                        self->streamState_->pending -= self->streamQueue_.front().size();
                        self->streamQueue_.pop_front();
                        self->writeStreamPiece();
                      });
  }

  void endStream() {
    streamEnding_ = true;
    if (streamQueue_.empty()) finish();
  }

  void sendFilePiece(const std::shared_ptr<FileBody>& file, uint64_t sent) {
    if (sent == file->length) return afterResponse({});
    if (!piece_) piece_ = std::make_unique<char[]>(kPieceBytes);
    size_t want = static_cast<size_t>(std::min<uint64_t>(kPieceBytes, file->length - sent));
    size_t have = 0;
    while (have < want) {
      ssize_t n = ::pread(file->fd, piece_.get() + have, want - have,
                          static_cast<off_t>(file->offset + sent + have));
      if (n < 0 && errno == EINTR) continue;
      // The file ends early or cannot be read: the promised Content-Length cannot be kept, and
      // closing is the only way left to tell the client the body is incomplete.
      if (n <= 0) return finish();
      have += static_cast<size_t>(n);
    }
    asio::async_write(
        stream_, asio::buffer(piece_.get(), want),
        [self = shared_from_this(), file, next = sent + want](beast::error_code ec, size_t) {
          if (ec) return self->finish();
          self->sendFilePiece(file, next);
        });
  }

  void afterResponse(beast::error_code ec) {
    piece_.reset();  // 1 MiB is not kept by idle connections.
    if (ec) return finish();
    if (!keepAlive_) return linger_ ? lingerThenFinish() : finish();
    read();
  }

  // Stops sending, then discards what the client still sends until it closes or kLingerTime
  // passes, so that its unread body does not turn the close into a reset that loses the answer.
  void lingerThenFinish() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return finish();
    stream_.expires_after(kLingerTime);
    if (!piece_) piece_ = std::make_unique<char[]>(kPieceBytes);
    discard();
  }

  void discard() {
    stream_.async_read_some(asio::buffer(piece_.get(), kPieceBytes),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->finish();
                              self->discard();
                            });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    if (streamState_) streamState_->gone = true;  // Its owner stops writing.
    spooled_.reset();
    spoolFile_.reset();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    server_->forget(this);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpServer::State> server_;
  beast::flat_buffer buffer_;
  // One of these is in use at a time: the header parser until the header is read, then the
  // one for the body's destination.
  std::optional<bhttp::request_parser<bhttp::empty_body>> headerParser_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::request_parser<SpoolFileBody>> spoolParser_;
  HttpRequest request_;                   // The request being read, body aside.
  std::shared_ptr<SpooledBody> spooled_;  // The spool file's owner until the handler gets it.
  FileDescriptor spoolFile_;              // Open for writing while the body arrives.
  // The 1 MiB piece of a spooled Content-Length body or a FileBody on its way, or the drain.
  std::unique_ptr<char[]> piece_;
  uint64_t spoolRemaining_ = 0;  // Body bytes of readSpooledLength not yet read.
  uint64_t spoolWritten_ = 0;    // Body bytes of readSpooledLength in the file.
  size_t spoolPending_ = 0;      // Bytes of piece_ read but not yet written.
  std::string sourceIp_;
  uint64_t generation_ = 0;
  unsigned version_ = 11;
  bool keepAlive_ = true;
  bool isHead_ = false;
  bool linger_ = false;  // Close with lingerThenFinish (the request's body was not all read).
  bool finished_ = false;
  // An open-ended body being written (writeStream): its state shared with the owner's sink, and
  // the pieces waiting, oldest first.
  std::shared_ptr<StreamState> streamState_;
  bool streamEnding_ = false;
  std::deque<std::string> streamQueue_;
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
