// SPDX-License-Identifier: MIT
// The JSON writer of the CLI's --json outputs, the journal and the events: a small
// facade over Boost.JSON (json.cpp), so that its headers stay out of this one. Internal.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace flow::detail {

/// Builds one JSON value, then serializes it with Boost.JSON. Keys and values are appended
/// in call order (objects keep that order). Invalid UTF-8 in strings becomes U+FFFD so the
/// output is always valid JSON. Numbers that are not whole are kept to 6 significant digits
/// (what the journal and the events have always carried); whole ones print as integers.
/// Thread safety: one thread at a time.
class Json {
 public:
  Json();
  ~Json();
  Json(Json&&) noexcept;
  Json& operator=(Json&&) noexcept;
  Json(const Json&) = delete;
  Json& operator=(const Json&) = delete;

  Json& begin_object();
  Json& end_object();
  Json& begin_array();
  Json& end_array();
  Json& key(std::string_view k);
  Json& value(std::string_view s);
  Json& value(const char* s) { return value(std::string_view(s)); }
  Json& value(const std::string& s) { return value(std::string_view(s)); }
  Json& value(bool b);
  Json& value(long long n);
  Json& value(int n) { return value(static_cast<long long>(n)); }
  Json& value(std::size_t n) { return value(static_cast<long long>(n)); }
  Json& value(double d);
  Json& null();
  /// A value that is JSON text already (another Json's str()), parsed and put in as it
  /// is; text that is not JSON becomes null.
  Json& serialized(std::string_view json);
  template <class T>
  Json& field(std::string_view k, const T& v) { key(k); return value(v); }

  /// The value written so far, serialized (containers not ended yet are closed in it).
  [[nodiscard]] const std::string& str() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// `s` as one JSON string (quotes included), with the writer's escapes and UTF-8 repair.
std::string json_string(std::string_view s);

}  // namespace flow::detail
