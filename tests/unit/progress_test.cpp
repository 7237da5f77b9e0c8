// SPDX-License-Identifier: MIT
// The live view's screen, rendered from run events without a terminal.
#include "cli/progress.hpp"
#include "cli/display_width.hpp"
#include "cli/history.hpp"

#include <filesystem>
#include <fstream>

#include <flow/tasks_md.hpp>

#include <doctest/doctest.h>
#include <unistd.h>
#include <fmt/core.h>

using namespace flow;

TEST_CASE("the live view shows progress, running tasks, completions, failures and an ETA range") {
  auto g = build_graph(parse_tasks_md("## Phase 1: Setup\n- [ ] T001 Create the app\n- [ ] T002 [P] Write a.py\n"
                                      "- [ ] T003 [P] Write b.py\n- [ ] T004 Wire it up\n"));
  REQUIRE(g);
  cli::ProgressState s;
  s.graph = &*g;
  s.workers = 2;
  s.on_event({"run-started", 0, -1, 0, ""});
  s.on_event({"started", 0, 0, 1, ""});
  s.on_event({"succeeded", 10, 0, 1, ""});
  s.on_event({"started", 10, 1, 1, ""});
  s.on_event({"started", 10, 2, 1, ""});
  s.on_event({"failed", 12, 2, 1, "auth: auth failures are not retried"});
  s.now = 15;
  const std::string screen = cli::render(s, false);
  INFO(screen);
  CHECK(screen.find("Flow Implementation Progress") != std::string::npos);
  CHECK(screen.find("Phase: Phase 1: Setup") != std::string::npos);
  CHECK(screen.find("Status: In Progress") != std::string::npos);
  CHECK(screen.find("25% (1/4 tasks)") != std::string::npos);
  CHECK(screen.find("Currently Executing (1 parallel):") != std::string::npos);
  CHECK(screen.find("[T002] Write a.py") != std::string::npos);
  CHECK(screen.find("46%  5s") != std::string::npos);  // 5 s of the ~11 s this run has measured (the prior weighs little)
  CHECK(screen.find("\u2713 T001 Create the app") != std::string::npos);
  CHECK(screen.find("Failed: 1 task") != std::string::npos);
  CHECK(screen.find("\u2717 T003 (1 attempt) auth: auth failures are not retried") != std::string::npos);
  CHECK(screen.find("Estimated completion: in ") != std::string::npos);
  CHECK(screen.find("(80%: ") != std::string::npos);
  CHECK(screen.find("Bottleneck: ") != std::string::npos);
  CHECK(screen.find("\x1b[") == std::string::npos);  // no color codes when asked for none
  CHECK(cli::render(s, true).find("\x1b[31m") != std::string::npos);
}

TEST_CASE("the live view names a resource that a running task holds and a ready one needs") {
  auto g = build_graph(parse_tasks_md("## Phase 1: Setup\n- [ ] T001 [P] Migrate in a.py\n- [ ] T002 [P] Seed in b.py\n"
                                      "- [ ] T003 [P] Other in c.py\n"));
  REQUIRE(g);
  cli::ProgressState s;
  s.graph = &*g;
  s.workers = 3;
  s.resources = {{"db"}, {"db"}, {}};
  s.on_event({"run-started", 0, -1, 0, ""});
  s.on_event({"started", 0, 0, 1, ""});
  s.on_event({"started", 0, 2, 1, ""});
  s.now = 5;
  const std::string screen = cli::render(s, false);
  INFO(screen);
  CHECK(screen.find("Bottleneck: T002 waits for resource db (held by T001)") != std::string::npos);
  s.resources.clear();   // unknown resources: nothing to name but the critical path
  CHECK(cli::render(s, false).find("waits for resource") == std::string::npos);
}

TEST_CASE("display width: wide characters take two columns, combining marks none") {
  using cli::display_width;
  CHECK(cli::codepoint_width(U'a') == 1);
  CHECK(cli::codepoint_width(U'\u4E2D') == 2);    // 中
  CHECK(cli::codepoint_width(U'\uAC00') == 2);    // 가
  CHECK(cli::codepoint_width(U'\uFF21') == 2);    // fullwidth A
  CHECK(cli::codepoint_width(U'\U0001F600') == 2);
  CHECK(cli::codepoint_width(U'\u0301') == 0);    // combining acute
  CHECK(cli::codepoint_width(U'\u200B') == 0);    // zero width space
  CHECK(cli::codepoint_width(U'\u00E9') == 1);
  CHECK(cli::codepoint_width(U'\u2588') == 1);    // the bar's block
  CHECK(display_width("abc") == 3);
  CHECK(display_width("\u4E2D\u6587") == 4);
  CHECK(display_width("e\u0301") == 1);
  CHECK(display_width("\x1b[31mred\x1b[0m") == 3);
  CHECK(display_width("\xff") == 1);            // an invalid byte takes a column
  CHECK(cli::printable("a\x1b[2Jb\tc") == "a [2Jb c");
}

TEST_CASE("fit cuts by display columns, never inside a wide character") {
  using cli::fit;
  CHECK(fit("hello", 10) == "hello");
  CHECK(fit("hello", 10, true) == "hello     ");
  CHECK(fit("hello world", 6) == "hello\u2026");
  CHECK(fit("\u4E2D\u6587\u5B57\u7B26", 6) == "\u4E2D\u6587\u2026");   // 4 + 1 columns: a third would not fit
  CHECK(cli::display_width(fit("\u4E2D\u6587\u5B57\u7B26", 6, true)) == 6);
  CHECK(fit("cafe\u0301 au lait", 5) == "cafe\u0301\u2026");         // the mark stays with its letter
  CHECK(fit("\x1b[31mredder\x1b[0m", 4) == "\x1b[31mred\u2026\x1b[0m");
}

namespace {

// A run of 40 [P] tasks with CJK descriptions, 12 running, some done, one failed twice
// and one that failed once and recovered.
cli::ProgressState busy_state(const TaskGraph& g) {
  cli::ProgressState s;
  s.graph = &g;
  s.workers = 12;
  s.on_event({"run-started", 0, -1, 0, ""});
  for (int t = 0; t < 20; ++t) {
    s.on_event({"started", 0, t, 1, ""});
    s.on_event({"succeeded", 5.0 + t, t, 1, ""});
  }
  s.on_event({"started", 25, 20, 1, ""});
  s.on_event({"failed", 26, 20, 1, "exit: exit 1"});
  s.on_event({"retry", 26, 20, 2, "in 1 s"});
  s.on_event({"started", 27, 20, 2, ""});
  s.on_event({"failed", 28, 20, 2, "exit: exit 1"});
  s.on_event({"started", 25, 21, 1, ""});
  s.on_event({"failed", 26, 21, 1, "exit: exit 1"});
  s.on_event({"retry", 26, 21, 2, "in 1 s"});
  s.on_event({"started", 27, 21, 2, ""});
  s.on_event({"succeeded", 28, 21, 2, ""});
  for (int t = 22; t < 34; ++t) {
    s.on_event({"started", 28, t, 1, ""});
    s.on_event({"activity", 29, t, 1, "editing \u6587\u4EF6 src/module_with_a_long_name.py"});
  }
  s.now = 40;
  return s;
}

}  // namespace

TEST_CASE("a frame never is wider or taller than the screen, and lists collapse") {
  std::string text = "## Phase 1: Build\n";
  for (int i = 1; i <= 40; ++i)
    text += fmt::format("- [ ] T{:03} [P] \u5B9E\u73B0\u6A21\u5757 number {} in src/m{}.py with a long description\n", i, i, i);
  auto g = build_graph(parse_tasks_md(text));
  REQUIRE(g);
  const cli::ProgressState s = busy_state(*g);
  for (int cols : {40, 60, 80, 120, 200})
    for (int rows : {10, 24, 50}) {
      const auto lines = cli::render_lines(s, cli::Frame{true, cols - 1, rows, false});
      std::string all;
      for (const auto& l : lines) all += l + "\n";
      INFO(cols << "x" << rows << "\n" << all);
      CHECK(lines.size() <= static_cast<std::size_t>(rows));
      for (const auto& l : lines) CHECK(cli::display_width(l) <= cols - 1);
      CHECK(all.find("Flow Implementation Progress") != std::string::npos);
      CHECK(all.find("Estimated completion") != std::string::npos);
      CHECK(all.find("Completed:") != std::string::npos);
      if (rows >= 24) {
        CHECK(all.find("Currently Executing (12 parallel)") != std::string::npos);
        CHECK(all.find("more completed") != std::string::npos);
        CHECK(all.find("T021 (2 attempts)") != std::string::npos);   // one line per failed task
      }
      CHECK(all.find("T022 (") == std::string::npos);                  // a recovered task is no failure
      if (rows == 10) CHECK(all.find("more running") != std::string::npos);
    }
}

TEST_CASE("the final frame says how the run ended and what is left") {
  auto g = build_graph(parse_tasks_md("## Phase 1: Setup\n- [ ] T001 One\n- [ ] T002 Two\n- [ ] T003 Three\n"));
  REQUIRE(g);
  cli::ProgressState s;
  s.graph = &*g;
  s.on_event({"run-started", 0, -1, 0, ""});
  s.on_event({"started", 0, 0, 1, ""});
  s.on_event({"failed", 3, 0, 1, "exit: exit 2"});
  s.on_event({"run-finished", 4, -1, 0, ""});
  std::string screen = cli::render(s, false);
  INFO(screen);
  CHECK(screen.find("Status: Finished with failures") != std::string::npos);
  CHECK(screen.find("Left: 2 not done (T002 T003)") != std::string::npos);
  CHECK(screen.find("\u2717 T001 (1 attempt) exit: exit 2") != std::string::npos);
  CHECK(screen.find("In Progress") == std::string::npos);
  CHECK(screen.find("Estimated completion") == std::string::npos);

  cli::ProgressState i;
  i.graph = &*g;
  i.on_event({"run-started", 0, -1, 0, ""});
  i.on_event({"started", 0, 0, 1, ""});
  i.on_event({"interrupted", 1, -1, 0, "no new task starts; running ones finish"});
  i.now = 2;
  screen = cli::render(i, false);
  CHECK(screen.find("Stopping (Ctrl-C): no new task starts; waiting for T001") != std::string::npos);
  i.on_event({"succeeded", 3, 0, 1, ""});
  i.on_event({"run-finished", 3, -1, 0, ""});
  screen = cli::render(i, false);
  CHECK(screen.find("Status: Stopped after Ctrl-C") != std::string::npos);
  CHECK(screen.find("Left: 2 not done (T002 T003)") != std::string::npos);
}

TEST_CASE("a task past its estimate shows how long it ran over, not 99%") {
  auto g = build_graph(parse_tasks_md("## Phase 1: Setup\n- [ ] T001 One\n- [ ] T002 Two\n"));
  REQUIRE(g);
  cli::ProgressState s;
  s.graph = &*g;
  s.on_event({"run-started", 0, -1, 0, ""});
  s.on_event({"started", 0, 0, 1, ""});
  s.on_event({"succeeded", 10, 0, 1, ""});
  s.on_event({"started", 10, 1, 1, ""});
  s.now = 35;
  const std::string screen = cli::render(s, false);
  INFO(screen);
  CHECK(screen.find("99%") == std::string::npos);
  CHECK(screen.find("over 25s") != std::string::npos);
}

TEST_CASE("history comes from the journal's task-finished lines, for the tasks still in the plan") {
  namespace fs = std::filesystem;
  const auto dir = fs::temp_directory_path() / ("flow-history-" + std::to_string(::getpid()));
  fs::create_directories(dir / ".flow");
  fs::create_directories(dir / "other");
  const std::string text = "## Phase 1: Setup\n- [ ] T001 One in a.py\n- [ ] T002 [US1] Two\n- [ ] T003 Three\n";
  { std::ofstream(dir / "tasks.md") << text; }
  // Another feature's file: its T001 is another task, of the polish kind.
  { std::ofstream(dir / "other/tasks.md") << "## Phase 9: Polish\n- [ ] T001 [US1] Tidy up in b.py\n"; }
  const std::string self = (dir / "tasks.md").string(), other = (dir / "other/tasks.md").string();
  {
    std::ofstream j(dir / ".flow/implementation.log");
    // Spelled with ./: the same file.
    j << R"({"ts":"2026-01-01T00:00:00Z","run":"r1","event":"run-started","tasks_md":")" << (dir / "./tasks.md").string() << "\"}\n"
      << R"({"ts":"2026-01-01T00:00:09Z","run":"r1","event":"task-finished","task":"T001","line":2,"attempt":1,"outcome":"succeeded","seconds":12.5,"cpu_seconds":1})" "\n"
      << R"({"ts":"2026-01-01T00:00:09Z","run":"r1","event":"attempt-failed","task":"T002","line":3,"attempt":1,"seconds":3})" "\n"
      << R"({"ts":"2026-01-01T00:00:19Z","run":"r1","event":"task-finished","task":"T002","line":3,"attempt":2,"outcome":"succeeded","seconds":40})" "\n"
      << R"({"ts":"2026-01-01T00:00:29Z","run":"r1","event":"task-finished","task":"T099","line":9,"attempt":1,"outcome":"succeeded","seconds":7})" "\n"
      // T003's line said something else then: another task.
      << R"({"ts":"2026-01-01T00:00:39Z","run":"r1","event":"task-finished","task":"T003","line":4,"text":"- [ ] T003 Something else","outcome":"succeeded","seconds":300})" "\n"
      << R"({"ts":"2026-01-01T00:01:00Z","run":"r2","event":"run-started","tasks_md":")" << other << "\"}\n"
      << R"({"ts":"2026-01-01T00:01:09Z","run":"r2","event":"task-finished","task":"T001","line":2,"attempt":1,"outcome":"succeeded","seconds":99})" "\n"
      // A dry run's lines, and a line whose run did not start in the journal: not learned from.
      << R"({"ts":"2026-01-01T00:02:00Z","run":"r3","event":"run-started","tasks_md":")" << self << R"(","dry_run":true})" "\n"
      << R"({"ts":"2026-01-01T00:02:09Z","run":"r3","event":"task-finished","task":"T003","line":4,"outcome":"succeeded","seconds":1})" "\n"
      << R"({"ts":"2026-01-01T00:03:09Z","run":"r4","event":"task-finished","task":"T003","line":4,"outcome":"succeeded","seconds":2})" "\n";
  }
  const Plan plan = parse_tasks_md(text);
  const auto h = cli::read_history(dir.string(), self, plan, text);
  REQUIRE(h.size() == 3);
  CHECK(h[0].task_id == "T001");
  CHECK(h[0].seconds == 12.5);
  CHECK(h[0].files == 1);
  CHECK(h[1].seconds == 40);
  CHECK(h[1].labels == std::vector<std::string>{"US1"});
  // The other feature's T001: its own kind and size, no ID and no story of this file.
  CHECK(h[2].task_id.empty());
  CHECK(h[2].seconds == 99);
  CHECK(h[2].phase_kind == PhaseKind::polish);
  CHECK(h[2].files == 1);
  CHECK(h[2].labels.empty());
  int samples = 0;
  const auto est = cli::history_estimates(dir.string(), self, plan, text, &samples);
  CHECK(samples == 3);
  CHECK(est[0].expected == 12.5);
  CHECK(est[0].basis == "task");
  CHECK(est[2].basis == "phase");   // T003: its own earlier times were another task's
  CHECK(est[2].expected == doctest::Approx(26.25));   // the median of the setup phase's two
  // Seen from the other feature: this file's T001 is not its T001.
  const std::string other_text = "## Phase 9: Polish\n- [ ] T001 [US1] Tidy up in b.py\n";
  const Plan other_plan = parse_tasks_md(other_text);
  const auto from_other = cli::history_estimates(dir.string(), other, other_plan, other_text);
  CHECK(from_other[0].expected == 99);
  CHECK(from_other[0].basis == "task");
  CHECK(cli::read_history((dir / "nowhere").string(), self, plan, text).empty());
  fs::remove_all(dir);
}

TEST_CASE("a task whose ladder ran out is shown as needing attention, apart from plain failures") {
  auto g = build_graph(parse_tasks_md("## Phase 1: Setup\n- [ ] T001 [P] One in a.py\n- [ ] T002 [P] Two in b.py\n"
                                      "- [ ] T003 [P] Three in c.py\n"));
  REQUIRE(g);
  cli::ProgressState s;
  s.graph = &*g;
  s.workers = 3;
  s.on_event({"run-started", 0, -1, 0, ""});
  s.on_event({"started", 0, 0, 1, ""});
  s.on_event({"started", 0, 1, 1, ""});
  s.on_event({"started", 0, 2, 1, ""});
  s.on_event({"failed", 2, 0, 3, "validation: gave up after 3 attempts"});
  s.on_event({"needs-attention", 2, 0, 3, "gave up after 3 attempts"});
  s.on_event({"failed", 3, 1, 1, "auth: auth failures are not retried"});
  s.now = 4;
  std::string screen = cli::render(s, false);
  INFO(screen);
  CHECK(screen.find("! T001 (1 attempt) needs attention: validation: gave up after 3 attempts") != std::string::npos);
  CHECK(screen.find("\u2717 T002 (1 attempt) auth: auth failures are not retried") != std::string::npos);
  CHECK(screen.find("Needs attention: 1") != std::string::npos);
  // Retried (flow retry): it runs again and is nobody's to look at.
  s.on_event({"started", 5, 0, 4, ""});
  screen = cli::render(s, false);
  CHECK(screen.find("Needs attention") == std::string::npos);
}

TEST_CASE("the live view: cost per task and run, \"not reported\" without one, limits, fallbacks, the budget") {
  auto g = build_graph(parse_tasks_md("- [ ] T001 [P] Write a.py\n- [ ] T002 [P] Write b.py\n- [ ] T003 [P] Write c.py\n"));
  REQUIRE(g);
  cli::ProgressState quiet;
  quiet.graph = &*g;
  quiet.on_event({"run-started", 0, -1, 0, ""});
  quiet.on_event({"started", 0, 0, 1, ""});
  CHECK(cli::render(quiet, false).find("Cost:") == std::string::npos);  // nothing has ended yet
  quiet.on_event({"succeeded", 5, 0, 1, ""});
  CHECK(cli::render(quiet, false).find("Cost: not reported") != std::string::npos);
  CHECK(cli::render(quiet, false).find("$0.0000") == std::string::npos);

  cli::ProgressState s;
  s.graph = &*g;
  s.workers = 2;
  s.on_event({"run-started", 0, -1, 0, ""});
  s.on_event({"started", 0, 0, 1, ""});
  s.on_event({"started", 0, 1, 1, ""});
  s.on_event({"cost", 5, 0, 1, "0.012500"});
  s.on_event({"succeeded", 5, 0, 1, ""});
  s.on_event({"concurrency", 6, -1, 0, "claude: at most 1 of 2 workers (rate limited)"});
  s.on_event({"started", 7, 2, 1, ""});
  s.on_event({"fallback", 7, 2, 1, "on codex (claude's rate-limit gate is closed)"});
  s.on_event({"budget-reached", 8, -1, 0, "the run has cost $1.0000, its budget is $1.0000 (budget.maxCostUsd): nothing new starts"});
  s.now = 9;
  const std::string screen = cli::render(s, false);
  INFO(screen);
  CHECK(screen.find("\u2713 T001 Write a.py ($0.0125)") != std::string::npos);
  CHECK(screen.find("Cost: $0.0125") != std::string::npos);
  CHECK(screen.find("Agents: claude: at most 1 of 2 workers (rate limited)") != std::string::npos);
  CHECK(screen.find("on codex (claude's rate-limit gate is closed)") != std::string::npos);
  CHECK(screen.find("Budget: the run has cost $1.0000") != std::string::npos);
  s.on_event({"concurrency", 40, -1, 0, "claude: at most 2 of 2 workers (recovered)"});
  CHECK(cli::render(s, false).find("Agents:") == std::string::npos);
}
