// SPDX-License-Identifier: MIT
// Line coverage from lcov, Cobertura XML, coverage.py JSON and Go cover profiles.
#include <flow/coverage.hpp>

#include <flow/tasks_file.hpp>

#include "support/json_value.hpp"
#include "support/text.hpp"

#include <cstdlib>
#include <filesystem>
#include <utility>

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

// The unsigned integer right after `key` at the start of `line`.
std::optional<double> number_after(std::string_view line, std::string_view key) {
  if (line.substr(0, key.size()) != key) return std::nullopt;
  const std::string digits(detail::trim(line.substr(key.size())));
  char* end = nullptr;
  const double v = std::strtod(digits.c_str(), &end);
  if (end == digits.c_str() || v < 0) return std::nullopt;
  return v;
}

std::optional<double> lcov(std::string_view text) {
  double found = 0, hit = 0;
  bool any = false;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = detail::trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (auto v = number_after(line, "LF:")) found += *v, any = true;
    if (auto v = number_after(line, "LH:")) hit += *v;
  }
  if (!any) return std::nullopt;
  return found > 0 ? 100.0 * hit / found : 100.0;
}

std::optional<double> cobertura(std::string_view text) {
  const std::size_t tag = text.find("<coverage");
  if (tag == std::string_view::npos) return std::nullopt;
  const std::size_t close = text.find('>', tag);
  const std::string_view attrs = text.substr(tag, close == std::string_view::npos ? std::string_view::npos : close - tag);
  const std::size_t at = attrs.find(" line-rate=\"");
  if (at == std::string_view::npos) return std::nullopt;
  const std::string value(attrs.substr(at + 12, attrs.find('"', at + 12) - (at + 12)));
  char* end = nullptr;
  const double rate = std::strtod(value.c_str(), &end);
  if (end == value.c_str() || rate < 0 || rate > 1) return std::nullopt;
  return 100.0 * rate;
}

std::optional<double> coverage_py(std::string_view text) {
  auto v = detail::JsonValue::parse(text);
  if (!v) return std::nullopt;
  const detail::JsonValue& totals = (*v)["totals"];
  if (totals["percent_covered"].is_number()) return totals["percent_covered"].num();
  if (totals["num_statements"].is_number() && totals["covered_lines"].is_number())
    return totals["num_statements"].num() > 0 ? 100.0 * totals["covered_lines"].num() / totals["num_statements"].num() : 100.0;
  return std::nullopt;
}

std::optional<double> go(std::string_view text) {
  if (text.substr(0, 5) != "mode:") return std::nullopt;
  double statements = 0, covered = 0;
  // file.go:12.2,14.16 3 1  — the last two fields: statements, count.
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string line(detail::trim(text.substr(0, nl)));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.rfind("mode:", 0) == 0) continue;
    const std::size_t last = line.rfind(' ');
    const std::size_t mid = last == std::string::npos ? std::string::npos : line.rfind(' ', last - 1);
    if (mid == std::string::npos) return std::nullopt;
    const double n = std::strtod(line.c_str() + mid + 1, nullptr);
    const double count = std::strtod(line.c_str() + last + 1, nullptr);
    statements += n;
    if (count > 0) covered += n;
  }
  return statements > 0 ? 100.0 * covered / statements : 100.0;
}

}  // namespace

std::optional<double> parse_coverage(std::string_view text, CoverageFormat format) {
  switch (format) {
    case CoverageFormat::lcov: return lcov(text);
    case CoverageFormat::cobertura: return cobertura(text);
    case CoverageFormat::coverage_py: return coverage_py(text);
    case CoverageFormat::go: return go(text);
  }
  return std::nullopt;
}

std::optional<CoverageReport> find_coverage(const std::string& dir) {
  static const std::pair<const char*, CoverageFormat> places[] = {
      {"coverage/lcov.info", CoverageFormat::lcov},
      {"lcov.info", CoverageFormat::lcov},
      {"coverage/cobertura-coverage.xml", CoverageFormat::cobertura},
      {"coverage.xml", CoverageFormat::cobertura},
      {"cobertura.xml", CoverageFormat::cobertura},
      {"coverage.json", CoverageFormat::coverage_py},
      {"coverage.out", CoverageFormat::go},
      {"cover.out", CoverageFormat::go},
  };
  for (const auto& [rel, format] : places) {
    const std::string path = dir + "/" + rel;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) continue;
    auto text = read_file(path, std::size_t{1} << 30);  // reports of large projects run to hundreds of MiB
    if (!text) continue;
    if (auto pct = parse_coverage(*text, format)) return CoverageReport{path, *pct};
  }
  return std::nullopt;
}

FLOW_END_NAMESPACE
}  // namespace flow
