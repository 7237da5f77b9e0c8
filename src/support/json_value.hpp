// SPDX-License-Identifier: MIT
// The JSON reader of agents' event streams (untrusted lines), the journal and small
// JSON files: a facade over Boost.JSON (json_value.cpp), so that its headers stay out of
// this one. Internal.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::json {
class value;
}

namespace flow::detail {

/// One parsed JSON value, or a part of one: every part shares the parsed document, which
/// lives as long as any of them. Objects keep their members in order.
/// Thread safety: immutable (copies may be used on any thread).
class JsonValue {
 public:
  /// A null value (what a missing member reads as).
  JsonValue() = default;

  /// Parses one JSON text (surrounding whitespace allowed). nullopt if it is not valid
  /// JSON (UTF-8 included) or nests deeper than 64 levels.
  static std::optional<JsonValue> parse(std::string_view text);

  [[nodiscard]] bool is_null() const noexcept;
  [[nodiscard]] bool is_string() const noexcept;
  [[nodiscard]] bool is_number() const noexcept;
  [[nodiscard]] bool is_bool() const noexcept;
  [[nodiscard]] bool is_array() const noexcept;
  [[nodiscard]] bool is_object() const noexcept;

  /// The member `key` of an object; a null value when absent or not an object, so
  /// lookups chain: v["message"]["content"].
  JsonValue operator[](std::string_view key) const;
  /// The items of an array (empty for anything else).
  [[nodiscard]] std::vector<JsonValue> items() const;
  /// The members of an object in order (empty for anything else).
  [[nodiscard]] std::vector<std::pair<std::string_view, JsonValue>> members() const;

  /// Typed reads with a fallback for a missing or differently typed value. A string
  /// read stays valid as long as this value (or any part of its document) lives.
  [[nodiscard]] std::string_view str(std::string_view fallback = {}) const noexcept;
  [[nodiscard]] double num(double fallback = 0) const noexcept;
  [[nodiscard]] bool boolean(bool fallback = false) const noexcept;

 private:
  JsonValue(std::shared_ptr<const void> doc, const boost::json::value* v) : doc_(std::move(doc)), v_(v) {}
  std::shared_ptr<const void> doc_;        // keeps the parsed document (and its memory) alive
  const boost::json::value* v_ = nullptr;  // nullptr: absent, read as null
};

}  // namespace flow::detail
