// SPDX-License-Identifier: MIT
// The JSON writer (support/json.hpp) on Boost.JSON: what the journal, the events and the
// --json outputs are made of, read back with the reader.
#include "support/json.hpp"
#include "support/json_value.hpp"

#include <doctest/doctest.h>

#include <string>

using flow::detail::Json;
using flow::detail::JsonValue;

TEST_CASE("json writer: order, nesting, numbers and literals") {
  Json j;
  j.begin_object().field("b", 1).field("a", "x").key("list").begin_array().value(true).null().begin_object().end_object()
      .end_array().field("n", std::size_t{7}).field("neg", -3LL).end_object();
  CHECK(j.str() == R"({"b":1,"a":"x","list":[true,null,{}],"n":7,"neg":-3})");
  // Whole numbers print as integers, exactly (a pid past 999999 too); others keep the 6
  // significant digits the journal has always had; infinities have no JSON number.
  Json n;
  n.begin_array().value(3.0).value(4194303.0).value(0.034).value(1.0 / 3).value(-2.5).value(1e300 * 1e300).end_array();
  CHECK(n.str() == "[3,4194303,3.4E-2,3.33333E-1,-2.5E0,null]");
  auto back = JsonValue::parse(n.str());
  REQUIRE(back);
  CHECK(back->items()[2].num() == 0.034);
  CHECK(back->items()[3].num() == 0.333333);
}

TEST_CASE("json writer: a value that is JSON text already goes in as a value") {
  Json part;
  part.begin_object().field("id", "T001").key("files").begin_array().value("a.py").end_array().end_object();
  Json j;
  j.begin_object().field("seq", 3).key("features").begin_array().serialized(part.str()).serialized("not json").end_array()
      .end_object();
  CHECK(j.str() == R"({"seq":3,"features":[{"id":"T001","files":["a.py"]},null]})");
}

TEST_CASE("json writer: escapes and invalid UTF-8 always give valid JSON") {
  const std::string nasty = std::string("q\"b\\s/\n\r\t\x01\x1f") + "\xc3\xa9" + "\xff" + "\xed\xa0\x80" + "\xe2\x82";
  Json j;
  j.begin_object().field(nasty, nasty).end_object();
  CHECK(j.str().find('\xff') == std::string::npos);
  CHECK(j.str().find("\\u0001") != std::string::npos);
  auto v = JsonValue::parse(j.str());
  REQUIRE(v);  // Boost.JSON, which checks UTF-8, reads it back
  const std::string want = std::string("q\"b\\s/\n\r\t\x01\x1f") + "\xc3\xa9" + "\xef\xbf\xbd" +
                           "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" + "\xef\xbf\xbd\xef\xbf\xbd";
  REQUIRE(v->members().size() == 1);
  CHECK(v->members()[0].first == want);
  CHECK(v->members()[0].second.str() == want);
  CHECK(flow::detail::json_string("a\"b") == R"("a\"b")");
}
