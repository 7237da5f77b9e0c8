// SPDX-License-Identifier: MIT
// flow::Errc, flow::Error and flow::Result<T>: how anticipated failures are returned.
#pragma once

#include <flow/config.hpp>

#include <string>
#include <utility>
#include <variant>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// What went wrong, as a stable category. Values never change; new ones are appended.
enum class Errc {
  ok = 0,
  io,           ///< reading or writing a file failed
  parse,        ///< the input could not be understood
  cycle,        ///< the dependency graph has a cycle
  conflict,     ///< the file changed under us in a way we cannot reconcile
  not_found,    ///< a named task, file or resource does not exist
  invalid_argument,
  canceled,
  spawn,        ///< a process could not be started
  config,       ///< a configuration value is invalid
};

/// Returns a short static name for `code`, such as "io" or "cycle".
FLOW_API const char* errc_name(Errc code) noexcept;

/// An anticipated failure. `message` is one lower-case line with no trailing period;
/// `line` is the 1-based line in the input it refers to, or 0.
struct Error {
  Errc code = Errc::ok;
  std::string message;
  int line = 0;
};

/// Wraps an Error so that Result<T> can be constructed from it unambiguously.
struct Unexpected {
  Error error;
};

inline Unexpected make_error(Errc code, std::string message, int line = 0) {
  return Unexpected{Error{code, std::move(message), line}};
}

/// A value or an Error, with std::expected's member names so that it can become an
/// alias of std::expected once C++23 is the minimum.
/// Thread safety: one thread at a time.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Unexpected e) : v_(std::in_place_index<1>, std::move(e.error)) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

/// Result<void>: success carries no value.
template <>
class Result<void> {
 public:
  Result() = default;
  Result(Unexpected e) : err_(std::move(e.error)), ok_(false) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  void value() const {}
  const Error& error() const& { return err_; }
  Error&& error() && { return std::move(err_); }

 private:
  Error err_;
  bool ok_ = true;
};

FLOW_END_NAMESPACE
}  // namespace flow
