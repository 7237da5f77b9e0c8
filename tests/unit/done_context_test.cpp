// SPDX-License-Identifier: MIT
// The "done so far" selection of a prompt: relevant finished work first, bounded however
// long the run.
#include "core/done_context.hpp"
#include "unit/support.hpp"

#include <flow/graph.hpp>
#include <flow/tasks_md.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace flow;
using flow::test::graph_of;
using flow::test::index_of;
using flow::detail::DoneLimits;
using flow::detail::DoneLog;
using flow::detail::DoneReason;
using flow::detail::DoneSelection;

namespace {

std::string id3(int n) {
  std::string s = std::to_string(n);
  return "T" + std::string(s.size() < 3 ? 3 - s.size() : 0, '0') + s;
}

std::string line_of(const TaskGraph& g, int t) { return g.plan().tasks[static_cast<std::size_t>(t)].id + " done"; }

// What was shown, as "T001:p,T002:f" (p prerequisite, f same file, s same story).
std::string shown(const TaskGraph& g, const DoneSelection& s) {
  std::string out;
  for (const auto& it : s.shown) {
    if (!out.empty()) out += ",";
    out += g.plan().tasks[static_cast<std::size_t>(it.task)].id + ":" +
           (it.reason == DoneReason::prerequisite ? "p" : it.reason == DoneReason::same_file ? "f" : "s");
  }
  return out;
}

}  // namespace

TEST_SUITE("done context") {
  TEST_CASE("a long sequential run: the prompt of the last task is as small as the second's") {
    std::string text = "## Phase 1: Setup\n";
    for (int i = 1; i <= 500; ++i) text += "- [ ] " + id3(i) + " step " + std::to_string(i) + " in f" + std::to_string(i) + ".py\n";
    const TaskGraph g = graph_of(text);
    DoneLog log(g);
    const DoneLimits limits{5, 4096};
    std::size_t second = 0;
    DoneSelection last;
    for (int t = 0; t < g.task_count(); ++t) {
      const DoneSelection s = log.select(t, limits);
      CHECK(s.finished == t);
      CHECK(s.shown.size() <= limits.max_lines);
      CHECK(s.others == s.finished - static_cast<int>(s.shown.size()));
      if (t == 1) second = s.shown.size();
      if (t == g.task_count() - 1) last = s;
      if (t > 0) {
        // Its one prerequisite first, then the most recent work of its phase.
        REQUIRE(!s.shown.empty());
        CHECK(s.shown.front().task == t - 1);
        CHECK(s.shown.front().reason == DoneReason::prerequisite);
        CHECK(*s.shown.front().line == line_of(g, t - 1));
      }
      log.add(t, line_of(g, t));
    }
    CHECK(last.shown.size() == limits.max_lines);
    CHECK(second == 1);
    CHECK(last.others == 499 - 5);
    CHECK(last.story_done == 499);
    CHECK(last.story_total == 500);
  }

  TEST_CASE("a task that touched the same file long ago is shown before recent unrelated work") {
    std::string text = "## Phase 1: Setup\n- [ ] T001 Create app/x.py\n";
    for (int i = 2; i <= 60; ++i) text += "- [ ] " + id3(i) + " [P] Write doc" + std::to_string(i) + ".md\n";
    text += "- [ ] T061 [P] Extend app/x.py\n";
    const TaskGraph g = graph_of(text);
    DoneLog log(g);
    for (int t = 0; t < 60; ++t) log.add(t, line_of(g, t));
    const DoneSelection s = log.select(index_of(g, "T061"), {3, 4096});
    // T001 is also T061's prerequisite ([P] tasks wait for the last task without [P]).
    CHECK(shown(g, s) == "T001:p,T060:s,T059:s");
    CHECK(s.others == 57);

    // Without the edge: a [P] task after it in another phase that names the file.
    const TaskGraph h = graph_of("## Phase 1: Setup\n- [ ] T001 [P] Create app/x.py\n- [ ] T002 [P] Write a.md\n"
                                 "- [ ] T003 [P] Write b.md\n## Phase 2: Polish\n- [ ] T004 [P] Extend app/x.py\n"
                                 "- [ ] T005 [P] Write c.md\n- [ ] T006 [P] Fix app/x.py\n");
    DoneLog l2(h);
    for (const char* id : {"T001", "T002", "T003", "T004", "T005"}) l2.add(index_of(h, id), line_of(h, index_of(h, id)));
    const DoneSelection s2 = l2.select(index_of(h, "T006"), {2, 4096});
    CHECK(shown(h, s2) == "T004:f,T001:f");
    CHECK(s2.gates.size() == 1);  // phase 1, named rather than listed
    CHECK(s2.others == 3);
  }

  TEST_CASE("a phase gate is named, not expanded into every task before it") {
    std::string text = "## Phase 1: Setup\n";
    for (int i = 1; i <= 100; ++i) text += "- [ ] " + id3(i) + " [P] setup step " + std::to_string(i) + "\n";
    text += "## Phase 2: User Story 1 - Login (Priority: P1)\n- [ ] T101 [US1] first story task\n";
    const TaskGraph g = graph_of(text);
    DoneLog log(g);
    for (int t = 0; t < 100; ++t) log.add(t, line_of(g, t));
    const DoneSelection s = log.select(index_of(g, "T101"), {8, 4096});
    REQUIRE(s.gates.size() == 1);
    CHECK(s.gates[0].find("Phase 1") != std::string::npos);
    CHECK(s.shown.empty());  // nothing of its story is done; setup is summarised by the gate
    CHECK(s.others == 100);
    CHECK(s.story_done == 0);
    CHECK(s.story_total == 1);
  }

  TEST_CASE("the byte cap holds however long the lines are, and a shorter line may still fit") {
    std::string text = "## Phase 1: Setup\n";
    for (int i = 1; i <= 20; ++i) text += "- [ ] " + id3(i) + " step\n";
    const TaskGraph g = graph_of(text);
    DoneLog log(g);
    for (int t = 0; t < 19; ++t) log.add(t, g.plan().tasks[static_cast<std::size_t>(t)].id + std::string(t == 17 ? 900 : 10, 'x'));
    const DoneLimits limits{50, 200};
    const DoneSelection s = log.select(19, limits);
    std::size_t bytes = 0;
    for (const auto& it : s.shown) bytes += it.line->size() + 3;
    CHECK(bytes <= limits.max_bytes);
    // T018 (900 bytes) is skipped, not the end of the list: T017 and older still come.
    CHECK(s.shown.front().task == 18);
    CHECK(s.shown.size() == 11);  // 11 lines of 14 bytes (+3) fit in 200
    for (const auto& it : s.shown) CHECK(it.task != 17);
  }

  TEST_CASE("a task is added once; unfinished tasks are never shown") {
    const TaskGraph g = graph_of("- [ ] T001 a in x.py\n- [ ] T002 b in x.py\n- [ ] T003 c in x.py\n");
    DoneLog log(g);
    log.add(0, "T001 a");
    log.add(0, "T001 a again");
    CHECK(log.finished() == 1);
    const DoneSelection s = log.select(2);
    CHECK(shown(g, s) == "T001:f");  // T002, its prerequisite, has not finished
    CHECK(*s.shown[0].line == "T001 a");
  }
}
