// SPDX-License-Identifier: MIT
// A small JSON reader for agents' event streams (untrusted lines). Internal.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flow::detail {

/// One parsed JSON value. Objects keep their members in order; lookups are linear,
/// which suits the small objects of an event stream.
class JsonValue {
 public:
  enum class Type { null, boolean, number, string, array, object };

  /// Parses one JSON text (surrounding whitespace allowed). nullopt if it is not valid
  /// JSON or nests deeper than 64 levels.
  static std::optional<JsonValue> parse(std::string_view text);

  [[nodiscard]] Type type() const noexcept { return type_; }
  [[nodiscard]] bool is_null() const noexcept { return type_ == Type::null; }
  [[nodiscard]] bool is_string() const noexcept { return type_ == Type::string; }
  [[nodiscard]] bool is_number() const noexcept { return type_ == Type::number; }
  [[nodiscard]] bool is_array() const noexcept { return type_ == Type::array; }
  [[nodiscard]] bool is_object() const noexcept { return type_ == Type::object; }

  /// The member `key` of an object; a shared null value when absent or not an object,
  /// so lookups chain: v["message"]["content"].
  const JsonValue& operator[](std::string_view key) const noexcept;
  /// The items of an array (empty for anything else).
  [[nodiscard]] const std::vector<JsonValue>& items() const noexcept { return items_; }
  /// The keys of an object, parallel to its values in items() (empty for anything else).
  [[nodiscard]] const std::vector<std::string>& keys() const noexcept { return keys_; }

  /// Typed reads with a fallback for a missing or differently typed value.
  [[nodiscard]] std::string_view str(std::string_view fallback = {}) const noexcept {
    return type_ == Type::string ? std::string_view(text_) : fallback;
  }
  [[nodiscard]] double num(double fallback = 0) const noexcept { return type_ == Type::number ? number_ : fallback; }
  [[nodiscard]] bool boolean(bool fallback = false) const noexcept { return type_ == Type::boolean ? bool_ : fallback; }

 private:
  friend class JsonReader;
  Type type_ = Type::null;
  bool bool_ = false;
  double number_ = 0;
  std::string text_;                                   // strings
  std::vector<JsonValue> items_;                       // arrays; object values
  std::vector<std::string> keys_;                      // object keys, parallel to items_
};

}  // namespace flow::detail
