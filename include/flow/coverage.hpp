// SPDX-License-Identifier: MIT
// Reading the line coverage a test command produced, for testing.coverageTarget.
#pragma once

#include <flow/config.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// The coverage report formats flow reads.
enum class CoverageFormat {
  lcov,        ///< lcov .info: LF:/LH: per file
  cobertura,   ///< Cobertura XML: line-rate on <coverage>
  coverage_py, ///< coverage.py JSON: totals.percent_covered
  go,          ///< a Go cover profile: "mode:" then file:range statements count
};

/// The line coverage in `text`, in percent; nullopt if it is not a report of `format`.
/// Pure.
[[nodiscard]] FLOW_API std::optional<double> parse_coverage(std::string_view text, CoverageFormat format);

/// A report found in a directory.
struct CoverageReport {
  std::string path;
  double percent = 0;
};

/// Looks for a report in `dir` where test tools write them (coverage/lcov.info,
/// lcov.info, coverage.xml, cobertura.xml, coverage.json, coverage.out, cover.out,
/// coverage/cobertura-coverage.xml) and reads the first one that parses.
[[nodiscard]] FLOW_API std::optional<CoverageReport> find_coverage(const std::string& dir);

FLOW_END_NAMESPACE
}  // namespace flow
