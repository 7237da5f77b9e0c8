// SPDX-License-Identifier: MIT
// Every real tasks.md parses without errors, and hand-checked golden files stay true.
#include <flow/tasks_md.hpp>

#include "unit/support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace flow;

TEST_CASE("every corpus file parses with no error-level diagnostic and holds the invariants") {
  const auto files = test::corpus_files();
  REQUIRE(files.size() >= 49);
  std::size_t tasks = 0;
  for (const std::string& f : files) {
    INFO(f);
    const std::string text = test::slurp(f);
    const Plan p = parse_tasks_md(text);
    for (const Diagnostic& d : p.diagnostics)
      CHECK_MESSAGE(d.severity != Severity::error, d.line << ": " << d.message);
    CHECK_FALSE(p.tasks.empty());
    test::check_invariants(text, p);
    tasks += p.tasks.size();
  }
  MESSAGE("corpus: " << files.size() << " files, " << tasks << " tasks");
}

// Golden files under tests/data/golden were produced by this renderer and then checked
// line by line against their sources. Set FLOW_UPDATE_GOLDEN=1 to rewrite them after a
// deliberate change, and check the diff by hand again.
TEST_CASE("golden renderings of selected corpus files") {
  const bool update = std::getenv("FLOW_UPDATE_GOLDEN") != nullptr;
  int checked = 0;
  for (const auto& e : std::filesystem::directory_iterator(test::data_path("golden"))) {
    if (e.path().extension() != ".txt") continue;
    const std::string name = e.path().stem().string();
    INFO(name);
    const std::string text = test::slurp(test::data_path("corpus/" + name));
    const std::string got = test::render_tasks(parse_tasks_md(text));
    if (update) {
      std::ofstream(e.path(), std::ios::binary) << got;
      continue;
    }
    const std::string want = test::slurp(e.path().string());
    CHECK(got == want);
    ++checked;
  }
  if (!update) CHECK(checked >= 10);
}

namespace {

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t b = 0;
  while (b < s.size()) {
    std::size_t e = s.find('\n', b);
    if (e == std::string::npos) e = s.size();
    out.push_back(s.substr(b, e - b));
    b = e + 1;
  }
  return out;
}

}  // namespace

// The task lists under tests/data/golden-tasks were written by reading each corpus file,
// not from flow's output: one line a task that flow should execute or track, in document
// order (`L<line> <ID> <state> <form>[ P][ <story>]`). Section headings, mirror lines that
// re-list declared tasks, nested boxes and anything in code or comments are absent.
// On a mismatch the message names each line that is missing and each that is extra.
TEST_CASE("golden task lists of corpus files, written by reading the files") {
  int checked = 0;
  for (const auto& e : std::filesystem::directory_iterator(test::data_path("golden-tasks"))) {
    if (e.path().extension() != ".txt") continue;
    const std::string name = e.path().stem().string();
    INFO(name);
    const std::string text = test::slurp(test::data_path("corpus/" + name));
    const std::vector<std::string> got = split_lines(test::render_task_list(parse_tasks_md(text)));
    const std::vector<std::string> want = split_lines(test::slurp(e.path().string()));
    std::string missing;
    std::string extra;
    for (const std::string& w : want)
      if (std::find(got.begin(), got.end(), w) == got.end()) missing += "\n  " + w;
    for (const std::string& g : got)
      if (std::find(want.begin(), want.end(), g) == want.end()) extra += "\n  " + g;
    CHECK_MESSAGE(missing.empty(), "expected, not produced:" << missing);
    CHECK_MESSAGE(extra.empty(), "produced, not expected:" << extra);
    CHECK_MESSAGE(got == want, "the task lists differ (order, or the lines above)");
    ++checked;
  }
  CHECK(checked >= 30);
}
