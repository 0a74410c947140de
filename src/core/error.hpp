#pragma once
// Errors cross layers as values. An Error carries the catalogue entry of the APIG v2 dialect
// (HTTP status, APIG.xxxx code, message) plus a kind, so that other dialects (ModelArts, Keystone)
// can render the same failure in their own shape without the rule being written twice.
#include <string>
#include <utility>
#include <variant>

namespace gh::core {

enum class ErrorKind {
  kBadRequest,    // malformed input or a value that breaks a rule
  kUnauthorized,  // no / bad credentials
  kForbidden,     // authenticated but not allowed (incl. ownership)
  kNotFound,      // the addressed resource does not exist
  kQuota,         // a limit would be exceeded
  kConflict,      // uniqueness violated
  kUnavailable,   // the store is unreachable
  kInternal,      // a bug or an unexpected failure
};

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  int http_status = 500;
  std::string code;     // e.g. "APIG.3004"
  std::string message;  // e.g. "App 9ed8… does not exist"
  std::string param;    // the offending parameter, when there is one
};

// Result<T>: either a T or an Error. Minimal stand-in for std::expected (C++23).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() {
  return Unit{};
}

}  // namespace gh::core
