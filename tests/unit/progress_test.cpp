// SPDX-License-Identifier: MIT
// The live view's screen, rendered from run events without a terminal.
#include "cli/progress.hpp"

#include <flow/tasks_md.hpp>

#include <doctest/doctest.h>

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
  CHECK(screen.find("50%  5s") != std::string::npos);  // 5 s of the 10 s this run has measured
  CHECK(screen.find("\u2713 T001 Create the app") != std::string::npos);
  CHECK(screen.find("Failed: 1 tasks") != std::string::npos);
  CHECK(screen.find("\u2717 T003 auth: auth failures are not retried") != std::string::npos);
  CHECK(screen.find("Estimated completion:") != std::string::npos);
  CHECK(screen.find("\x1b[") == std::string::npos);  // no color codes when asked for none
  CHECK(cli::render(s, true).find("\x1b[31m") != std::string::npos);
}
