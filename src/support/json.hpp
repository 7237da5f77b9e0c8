// SPDX-License-Identifier: MIT
// A minimal streaming JSON writer: the CLI's --json output and the journal. Internal.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace flow::detail {

/// Writes one JSON value into a string. Keys and values are appended in call order;
/// the writer inserts commas. Invalid UTF-8 in strings becomes U+FFFD so the output is
/// always valid JSON.
class Json {
 public:
  Json& begin_object() { value_prefix(); out_ += '{'; first_.push_back(true); return *this; }
  Json& end_object() { out_ += '}'; first_.pop_back(); return *this; }
  Json& begin_array() { value_prefix(); out_ += '['; first_.push_back(true); return *this; }
  Json& end_array() { out_ += ']'; first_.pop_back(); return *this; }
  Json& key(std::string_view k) {
    comma();
    write_string(k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  Json& value(std::string_view s) { value_prefix(); write_string(s); return *this; }
  Json& value(const char* s) { return value(std::string_view(s)); }
  Json& value(const std::string& s) { return value(std::string_view(s)); }
  Json& value(bool b) { value_prefix(); out_ += b ? "true" : "false"; return *this; }
  Json& value(long long n) { value_prefix(); out_ += std::to_string(n); return *this; }
  Json& value(int n) { return value(static_cast<long long>(n)); }
  Json& value(std::size_t n) { return value(static_cast<long long>(n)); }
  Json& value(double d) {
    value_prefix();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", d);
    out_ += buf;
    return *this;
  }
  Json& null() { value_prefix(); out_ += "null"; return *this; }
  template <class T>
  Json& field(std::string_view k, const T& v) { key(k); return value(v); }

  [[nodiscard]] const std::string& str() const { return out_; }

 private:
  void comma() {
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
    }
  }
  void value_prefix() {
    if (after_key_) { after_key_ = false; return; }
    comma();
  }
  void write_string(std::string_view s) {
    out_ += '"';
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      switch (c) {
        case '"': out_ += "\\\""; continue;
        case '\\': out_ += "\\\\"; continue;
        case '\n': out_ += "\\n"; continue;
        case '\r': out_ += "\\r"; continue;
        case '\t': out_ += "\\t"; continue;
        default: break;
      }
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out_ += buf;
        continue;
      }
      if (c < 0x80) { out_ += static_cast<char>(c); continue; }
      const std::size_t n = valid_utf8_at(s, i);
      if (n == 0) { out_ += "\xEF\xBF\xBD"; continue; }
      out_.append(s.data() + i, n);
      i += n - 1;
    }
    out_ += '"';
  }
  static std::size_t valid_utf8_at(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
    return n;
  }

  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace flow::detail
