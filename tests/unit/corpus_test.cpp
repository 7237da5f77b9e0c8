// SPDX-License-Identifier: MIT
// Every real tasks.md parses without errors, and hand-checked golden files stay true.
#include <flow/tasks_md.hpp>

#include "unit/support.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

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
