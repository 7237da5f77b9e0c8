// SPDX-License-Identifier: MIT
// The JSON writer (json.hpp) on Boost.JSON.
#include "support/json.hpp"

#include "support/text.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace flow::detail {

namespace {

// Boost.JSON copies strings as they are: bytes that are not UTF-8 would make a line no
// JSON reader (Boost's included) accepts. Each invalid byte becomes U+FFFD.
boost::json::string valid_utf8(std::string_view s, boost::json::storage_ptr sp = {}) {
  std::size_t bad = find_invalid_utf8(s);
  if (bad == std::string_view::npos) return boost::json::string(s, std::move(sp));
  boost::json::string out(std::move(sp));
  while (bad != std::string_view::npos) {
    out.append(s.substr(0, bad));
    out.append("\xEF\xBF\xBD");
    s.remove_prefix(bad + 1);
    bad = find_invalid_utf8(s);
  }
  out.append(s);
  return out;
}

// Boost.JSON prints every double in exponent form with all its digits (0.034 as
// 3.4000000000000002E-2). Whole numbers (lines, pids, counts passed as doubles) print as
// integers, exactly; others are kept to the 6 significant digits the journal and the
// events have always carried, so readers see the values they saw before.
boost::json::value number(double d) {
  if (!std::isfinite(d)) return nullptr;  // no JSON number for it
  if (std::trunc(d) == d && std::fabs(d) < 9.0e15) return static_cast<std::int64_t>(d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", d);
  return std::strtod(buf, nullptr);
}

}  // namespace

struct Json::Impl {
  // The document's values all live in one memory, released with it: a journal line or
  // an event is then a single allocation (or none, within `first`), not one per value.
  // Values made in another storage would be copied, not moved, into this one.
  alignas(alignof(std::max_align_t)) unsigned char first[1024];
  boost::json::monotonic_resource memory{first, sizeof first};
  boost::json::storage_ptr sp{&memory};
  boost::json::value root = boost::json::value(sp);
  std::vector<boost::json::value*> open;  // the containers not ended yet, innermost last
  boost::json::string key;
  mutable std::string out;

  // Puts `v` where the next value goes; returns where it now is. Pointers into an open
  // container stay valid: only its innermost child is ever added to.
  boost::json::value* place(boost::json::value v) {
    if (open.empty()) {
      root = std::move(v);
      return &root;
    }
    boost::json::value& at = *open.back();
    if (auto* a = at.if_array()) {
      a->push_back(std::move(v));
      return &a->back();
    }
    auto& o = at.as_object();
    return &o.insert_or_assign(key, std::move(v)).first->value();
  }
};

Json::Json() : impl_(std::make_unique<Impl>()) {}
Json::~Json() = default;
Json::Json(Json&&) noexcept = default;
Json& Json::operator=(Json&&) noexcept = default;

Json& Json::begin_object() {
  impl_->open.push_back(impl_->place(boost::json::object(impl_->sp)));
  return *this;
}
Json& Json::end_object() {
  impl_->open.pop_back();
  return *this;
}
Json& Json::begin_array() {
  impl_->open.push_back(impl_->place(boost::json::array(impl_->sp)));
  return *this;
}
Json& Json::end_array() { return end_object(); }
Json& Json::key(std::string_view k) {
  impl_->key = valid_utf8(k);
  return *this;
}
Json& Json::value(std::string_view s) {
  impl_->place(valid_utf8(s, impl_->sp));
  return *this;
}
Json& Json::value(bool b) {
  impl_->place(b);
  return *this;
}
Json& Json::value(long long n) {
  impl_->place(static_cast<std::int64_t>(n));
  return *this;
}
Json& Json::value(double d) {
  impl_->place(number(d));
  return *this;
}
Json& Json::null() {
  impl_->place(nullptr);
  return *this;
}
Json& Json::serialized(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec, impl_->sp);
  impl_->place(ec ? boost::json::value(nullptr) : std::move(v));
  return *this;
}

const std::string& Json::str() const {
  impl_->out = boost::json::serialize(impl_->root);
  return impl_->out;
}

std::string json_string(std::string_view s) { return boost::json::serialize(boost::json::value(valid_utf8(s))); }

}  // namespace flow::detail
