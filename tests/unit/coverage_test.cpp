// SPDX-License-Identifier: MIT
// Coverage reports: lcov, Cobertura XML, coverage.py JSON, Go cover profiles.
#include <flow/coverage.hpp>

#include "unit/support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace flow;

TEST_CASE("line coverage from each report format") {
  CHECK(*parse_coverage("TN:\nSF:a.py\nLF:10\nLH:8\nend_of_record\nSF:b.py\nLF:30\nLH:12\nend_of_record\n",
                        CoverageFormat::lcov) == doctest::Approx(50.0));
  CHECK(*parse_coverage("SF:empty.py\nLF:0\nLH:0\nend_of_record\n", CoverageFormat::lcov) == 100.0);
  CHECK(*parse_coverage(R"(<?xml version="1.0" ?>
<coverage version="7.4" timestamp="1" lines-valid="200" lines-covered="173" line-rate="0.865" branch-rate="0">
  <packages/>
</coverage>)", CoverageFormat::cobertura) == doctest::Approx(86.5));
  CHECK(*parse_coverage(R"({"meta": {"version": "7.4"}, "files": {}, "totals": {"covered_lines": 90, "num_statements": 120,
    "percent_covered": 75.0, "missing_lines": 30}})", CoverageFormat::coverage_py) == doctest::Approx(75.0));
  CHECK(*parse_coverage("mode: set\nx/a.go:3.14,5.2 2 1\nx/a.go:7.2,9.3 3 0\nx/b.go:1.1,2.2 5 4\n", CoverageFormat::go) ==
        doctest::Approx(70.0));
}

TEST_CASE("not a report: nullopt, never a made-up figure") {
  CHECK_FALSE(parse_coverage("hello\n", CoverageFormat::lcov));
  CHECK_FALSE(parse_coverage("<coverage branch-rate=\"0.5\">", CoverageFormat::cobertura));
  CHECK_FALSE(parse_coverage("<coverage line-rate=\"1.5\">", CoverageFormat::cobertura));
  CHECK_FALSE(parse_coverage("{\"totals\": {}}", CoverageFormat::coverage_py));
  CHECK_FALSE(parse_coverage("not json", CoverageFormat::coverage_py));
  CHECK_FALSE(parse_coverage("x/a.go:3.14,5.2 2 1\n", CoverageFormat::go));  // no mode line
  CHECK_FALSE(parse_coverage("mode: set\ngarbage\n", CoverageFormat::go));
}

TEST_CASE("find_coverage reads the first report that parses, where tools write them") {
  test::TempDir dir;
  CHECK_FALSE(find_coverage(dir.path));
  std::ofstream(dir.path + "/coverage.out") << "mode: count\na.go:1.1,2.2 4 0\na.go:3.1,4.2 4 7\n";
  auto r = find_coverage(dir.path);
  REQUIRE(r);
  CHECK(r->percent == doctest::Approx(50.0));
  std::filesystem::create_directories(dir.path + "/coverage");
  std::ofstream(dir.path + "/coverage/lcov.info") << "LF:4\nLH:3\n";
  r = find_coverage(dir.path);
  REQUIRE(r);
  CHECK(r->path == dir.path + "/coverage/lcov.info");
  CHECK(r->percent == doctest::Approx(75.0));
}
