// SPDX-License-Identifier: MIT
// The JSON reader (json_value.hpp) on Boost.JSON.
#include "support/json_value.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <string>

namespace flow::detail {

namespace {

// A parsed document and the memory it was parsed into: one allocation chain per
// document, released at once with its last part. A small document fits in `first`, so
// that parsing a journal line takes one allocation. `root` lives in `memory` too:
// assigning a value parsed there to a root in the default storage would copy it all.
struct Document {
  alignas(alignof(std::max_align_t)) unsigned char first[1024];
  boost::json::monotonic_resource memory{first, sizeof first};
  boost::json::value root = boost::json::value(boost::json::storage_ptr(&memory));
};

// Boost.JSON 1.81 (Debian 12's) rejects the \u escape of a lone UTF-16 surrogate, which
// JavaScript's JSON.stringify writes for a string cut between the two halves of a pair,
// as agents written for Node may do. Later releases accept it (allow_invalid_utf16);
// until then each such escape becomes U+FFFD and the text is parsed once more. nullopt
// when there was none: the text is invalid for another reason.
std::optional<std::string> without_lone_surrogates(std::string_view s) {
  auto surrogate_at = [&](std::size_t i) {  // 1: a leading half, 2: a trailing one, 0: neither
    if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u' || (s[i + 2] != 'd' && s[i + 2] != 'D')) return 0;
    const char x = static_cast<char>(s[i + 3] | 0x20);  // lower case
    return x == '8' || x == '9' || x == 'a' || x == 'b' ? 1 : x >= 'c' && x <= 'f' ? 2 : 0;
  };
  std::string out;
  bool changed = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    const int half = surrogate_at(i);
    if (half == 1 && surrogate_at(i + 6) == 2) {  // a whole pair
      out.append(s.substr(i, 12));
      i += 11;
    } else if (half != 0) {
      out += "\\ufffd";
      i += 5;
      changed = true;
    } else {  // any other escape: two characters (the text \\ud800 is an escaped backslash, then "ud800")
      out += s[i];
      if (i + 1 < s.size()) out += s[++i];
    }
  }
  if (!changed) return std::nullopt;
  return out;
}

}  // namespace

std::optional<JsonValue> JsonValue::parse(std::string_view text) {
  auto doc = std::make_shared<Document>();
  boost::json::parse_options options;
  options.max_depth = 64;
  boost::json::error_code ec;
  doc->root = boost::json::parse(text, ec, &doc->memory, options);
  if (ec) {
    const auto repaired = without_lone_surrogates(text);
    if (!repaired) return std::nullopt;
    ec.clear();
    doc->root = boost::json::parse(*repaired, ec, &doc->memory, options);
    if (ec) return std::nullopt;
  }
  const boost::json::value* root = &doc->root;
  return JsonValue(std::move(doc), root);
}

bool JsonValue::is_null() const noexcept { return !v_ || v_->is_null(); }
bool JsonValue::is_string() const noexcept { return v_ && v_->is_string(); }
bool JsonValue::is_number() const noexcept { return v_ && v_->is_number(); }
bool JsonValue::is_bool() const noexcept { return v_ && v_->is_bool(); }
bool JsonValue::is_array() const noexcept { return v_ && v_->is_array(); }
bool JsonValue::is_object() const noexcept { return v_ && v_->is_object(); }

JsonValue JsonValue::operator[](std::string_view key) const {
  const boost::json::object* o = v_ ? v_->if_object() : nullptr;
  const boost::json::value* m = o ? o->if_contains(key) : nullptr;
  return m ? JsonValue(doc_, m) : JsonValue();
}

std::vector<JsonValue> JsonValue::items() const {
  std::vector<JsonValue> out;
  if (const boost::json::array* a = v_ ? v_->if_array() : nullptr) {
    out.reserve(a->size());
    for (const boost::json::value& item : *a) out.push_back(JsonValue(doc_, &item));
  }
  return out;
}

std::vector<std::pair<std::string_view, JsonValue>> JsonValue::members() const {
  std::vector<std::pair<std::string_view, JsonValue>> out;
  if (const boost::json::object* o = v_ ? v_->if_object() : nullptr) {
    out.reserve(o->size());
    for (const boost::json::key_value_pair& m : *o) out.emplace_back(m.key(), JsonValue(doc_, &m.value()));
  }
  return out;
}

std::string_view JsonValue::str(std::string_view fallback) const noexcept {
  const boost::json::string* s = v_ ? v_->if_string() : nullptr;
  return s ? std::string_view(*s) : fallback;
}

double JsonValue::num(double fallback) const noexcept {
  if (!v_) return fallback;
  if (const auto* d = v_->if_double()) return *d;
  if (const auto* i = v_->if_int64()) return static_cast<double>(*i);
  if (const auto* u = v_->if_uint64()) return static_cast<double>(*u);
  return fallback;
}

bool JsonValue::boolean(bool fallback) const noexcept {
  const bool* b = v_ ? v_->if_bool() : nullptr;
  return b ? *b : fallback;
}

}  // namespace flow::detail
