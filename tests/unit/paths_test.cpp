// SPDX-License-Identifier: MIT
// Path normalization and confinement.
#include "core/tasks_md_internal.hpp"

#include <doctest/doctest.h>

using flow::detail::normalize_path;

TEST_CASE("normalize_path collapses . and .. and keeps directories") {
  std::string p = "./src//models/../lib/./x.py";
  CHECK(normalize_path(p));
  CHECK(p == "src/lib/x.py");
  p = "src/models/";
  CHECK(normalize_path(p));
  CHECK(p == "src/models/");
  p = "/abs/./x";
  CHECK(normalize_path(p));
  CHECK(p == "/abs/x");
}

TEST_CASE("normalize_path refuses paths that climb out of the root") {
  for (std::string p : {"../x", "a/../../x", "..", "src/../../etc/passwd"}) {
    INFO(p);
    CHECK_FALSE(normalize_path(p));
  }
}

TEST_CASE("find_paths rejects home, drive letters and climbing paths") {
  std::vector<flow::PathRef> out;
  std::vector<std::string> rejected;
  flow::detail::find_paths("edit ~/x.c and c:\\Dev\\a.cs and ../../etc/passwd.txt and ok/file.py", out, rejected);
  REQUIRE(out.size() == 1);
  CHECK(out[0].path == "ok/file.py");
  CHECK(rejected.size() == 3);
}
