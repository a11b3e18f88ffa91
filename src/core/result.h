// One result type for the request path: a value, or the error an AWS API answers with. Services
// never throw for expected failures; they return a Result and the wire layer turns its error
// into the protocol's error shape.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace nimbus {

// An error as AWS APIs report it: the exception name (`ValidationException`), the message the
// service words, and the HTTP status (400 for the caller's faults, 500 for the service's).
struct ServiceError {
  std::string code;
  std::string message;
  int status = 400;
};

// A value or the ServiceError that prevented it.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}             // NOLINT: implicit, like std::expected.
  Result(ServiceError error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const ServiceError& error() const { return std::get<1>(v_); }
  ServiceError takeError() { return std::move(std::get<1>(v_)); }

 private:
  std::variant<T, ServiceError> v_;
};

// A Result with no value: success, or an error.
struct Done {};
using Status = Result<Done>;
inline Status ok() {
  return Done{};
}

}  // namespace nimbus
