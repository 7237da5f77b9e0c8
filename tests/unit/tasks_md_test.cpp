// SPDX-License-Identifier: MIT
// One test per rule and per pitfall of FORMAT.md, plus generated variants.
#include <flow/graph.hpp>
#include <flow/tasks_md.hpp>

#include "core/tasks_md_internal.hpp"
#include "unit/support.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>

using namespace flow;

namespace {

const Task& only_task(const Plan& p) {
  REQUIRE(p.tasks.size() == 1);
  return p.tasks[0];
}

const Diagnostic* find_diag(const Plan& p, std::string_view code) {
  for (const Diagnostic& d : p.diagnostics)
    if (d.code == code) return &d;
  return nullptr;
}

const Skipped* find_skip(const Plan& p, int line) {
  for (const Skipped& s : p.skipped)
    if (s.line == line) return &s;
  return nullptr;
}

std::vector<std::string> ids(const Plan& p) {
  std::vector<std::string> out;
  for (const Task& t : p.tasks) out.push_back(t.id);
  return out;
}

std::vector<std::string> paths(const Task& t) {
  std::vector<std::string> out;
  for (const PathRef& p : t.paths) out.push_back(p.path);
  return out;
}

const Task& task_named(const Plan& p, std::string_view id) {
  for (const Task& t : p.tasks)
    if (t.id == id) return t;
  FAIL("no task " << id);
  return p.tasks[0];
}

std::string deps(const Task& t) {
  std::string out;
  for (const DepRef& r : t.depends_on) {
    if (!out.empty()) out += ",";
    out += r.first;
    if (r.last != r.first) out += ".." + r.last;
  }
  return out;
}

}  // namespace

TEST_SUITE("task recognition") {
  TEST_CASE("a canonical task line") {
    const std::string text = "- [ ] T012 [P] [US1] Create User model in src/models/user.py\n";
    Plan p = parse_tasks_md(text);
    const Task& t = only_task(p);
    CHECK(t.id == "T012");
    CHECK(t.line == 1);
    CHECK(t.state == TaskState::pending);
    CHECK(t.form == TaskForm::checkbox);
    CHECK(t.parallel);
    CHECK(t.story == 1);
    CHECK(t.story_label == "US1");
    CHECK(t.description == "Create User model in src/models/user.py");
    CHECK(paths(t) == std::vector<std::string>{"src/models/user.py"});
    CHECK(text[t.mark_offset] == ' ');
    CHECK(t.mark_offset == 3);
    CHECK(p.diagnostics.empty());
  }

  TEST_CASE("every bullet form is a task") {
    Plan p = parse_tasks_md("- [ ] T001 a\n* [ ] T002 b\n+ [ ] T003 c\n1. [ ] T004 d\n2) [ ] T005 e\n");
    CHECK(ids(p) == std::vector<std::string>{"T001", "T002", "T003", "T004", "T005"});
  }

  TEST_CASE("ID forms: suffix, hierarchical, hyphen, prefixes, bare dotted, bold, colon") {
    Plan p = parse_tasks_md(
        "- [ ] T006a [P] Write contract test\n"
        "- [X] T3.0.1 Create directory\n"
        "- [X] **T-101**: 安裝必要的依賴套件\n"
        "- [ ] **A001** Something\n"
        "- [ ] DB-003 Migrar el esquema\n"
        "- [X] 1.2 Add `PipelineMode` type\n"
        "- [x] T005: Add quick-plan workflow option\n"
        "- [ ] T1001 After converge\n"
        "- [ ] **T007 [P]** Define ShellType enum in src/shell.rs\n"
        "- [ ] T008. Dotted separator\n"
        "- [ ] T009 — Dash separator\n");
    CHECK(ids(p) == std::vector<std::string>{"T006a", "T3.0.1", "T-101", "A001", "DB-003", "1.2", "T005",
                                             "T1001", "T007", "T008", "T009"});
    CHECK(p.tasks[2].description == "安裝必要的依賴套件");
    CHECK(p.tasks[6].description == "Add quick-plan workflow option");
    CHECK(p.tasks[8].parallel);
    CHECK(p.tasks[8].description == "Define ShellType enum in src/shell.rs");
    CHECK(p.tasks[9].description == "Dotted separator");
    CHECK(p.tasks[10].description == "Dash separator");
  }

  TEST_CASE("requirement and success-criterion items beside tasks are checks, not tasks") {
    // krate-audio's "Requirements Verification" and the Spanish "Criterios de Aceptación":
    // an agent must not be sent to "SC-001: Create 8-tap pattern within 30 seconds".
    Plan p = parse_tasks_md(
        "## Phase 1\n- [ ] T001 Build the editor\n- [X] T002 Save presets\n"
        "## Success Criteria\n- [ ] SC-001: Create 8-tap pattern within 30 seconds\n- [X] FR-002 Persist presets\n"
        "## Criterios de Aceptación\n- [ ] CA-003 No se ejecuta T008 hasta cumplir CA-001\n- [ ] NFR-004 p95 < 200 ms\n"
        "- [ ] CHK005 Are errors named?\n- [ ] AC-6 Logs kept\n");
    CHECK(ids(p) == std::vector<std::string>{"T001", "T002"});
    std::vector<int> lines;
    for (const Skipped& s : p.skipped)
      if (s.reason == SkipReason::criterion) lines.push_back(s.line);
    CHECK(lines == std::vector<int>{5, 6, 8, 9, 10, 11});
    CHECK(p.phases.size() == 1);
    // A file of criteria alone is that list: its items stay tasks.
    Plan only = parse_tasks_md("## Acceptance\n- [ ] AC-001 Sign-up under 2 minutes\n- [ ] AC-002 Email validated\n");
    CHECK(ids(only) == std::vector<std::string>{"AC-001", "AC-002"});
  }

  TEST_CASE("a heading task and the bold or checkbox task after it are two tasks; a parent ID is a section") {
    Plan p = parse_tasks_md(
        "## Phase 1\n### T005 Build the service\n\nDetail.\n\n- **T006** Write tests in `t.py`\n"
        "- **T007** Docs\n### T008 Sub\n- [ ] T008.1 first\n- [ ] T008.2 second\n"
        "### T010 Wire it\n- [ ] T011 Route in `r.py`\n### T012 Split\n- [ ] T012a part\n");
    CHECK(ids(p) == std::vector<std::string>{"T005", "T006", "T007", "T008.1", "T008.2", "T010", "T011", "T012a"});
    CHECK(p.tasks[0].body_last == 4);  // the body ends before the bold task
    CHECK(p.tasks[1].form == TaskForm::bold_item);
    CHECK(p.tasks[1].paths.size() == 1);
    std::vector<int> sections;
    for (const Skipped& s : p.skipped)
      if (s.reason == SkipReason::section) sections.push_back(s.line);
    CHECK(sections == std::vector<int>{8, 13});
  }

  // generacy-ai/generacy 199: `### T041 Verify success criteria` over `- **SC-001**: …`
  // items was a section, and each criterion a task for an agent.
  TEST_CASE("bold criteria under a heading task are its body, not tasks that make it a section") {
    const Plan p = parse_tasks_md(
        "## Phase 9: Final Validation\n### T040 Run the test suite\n- Execute all unit tests\n\n"
        "### T041 Verify success criteria\n**Tests**: Review results against the spec\n"
        "- **SC-001**: Webhook-to-enqueue latency < 500ms (T028)\n- **SC-002**: Linking accuracy > 95%\n\n"
        "### T042 Type checking\n- **T043** Lint in `a.ts`\n");
    CHECK(ids(p) == std::vector<std::string>{"T040", "T041", "T042", "T043"});
    REQUIRE(p.tasks.size() == 4);
    CHECK(p.tasks[1].body_first == 6);
    CHECK(p.tasks[1].body_last == 8);
    CHECK(p.skipped.empty());
  }

  TEST_CASE("a heading that starts with an ID is a task without a checkbox") {
    Plan p = parse_tasks_md("## Phase 1: Setup\n\n### T001 — Add UPDATE_ELEMENT action to AppContext reducer\n\n"
                            "```bash\nmkdir -p src\n```\n\n### T002: Create Directory Structure\nBody text\n");
    REQUIRE(p.tasks.size() == 2);
    CHECK(p.tasks[0].form == TaskForm::heading);
    CHECK(p.tasks[0].mark_offset == Task::npos);
    CHECK(p.tasks[0].description == "Add UPDATE_ELEMENT action to AppContext reducer");
    CHECK(p.tasks[0].body_first == 5);
    CHECK(p.tasks[0].body_last == 7);
    CHECK(p.tasks[1].description == "Create Directory Structure");
    // Its state is the check mark that would end its heading: none yet, at the line's end.
    CHECK(p.tasks[0].has_marks());
    CHECK(p.tasks[0].check_offset == p.tasks[0].span.offset + p.tasks[0].span.length);
    CHECK(p.tasks[0].check_length == 0);
    CHECK(find_diag(p, "no-checkbox") == nullptr);
  }

  // generacy-ai/generacy (40 of its task files): `### T001 [DONE] [US5] Add …` marks what
  // was finished; it read pending, and every finished task ran again.
  TEST_CASE("a task without a checkbox whose labels say DONE is done") {
    const Plan p = parse_tasks_md("## Phase 1: Setup\n### T001 [DONE] [P] [US1] Add type in src/a.ts\n"
                                  "### T002 [Completed] Add schema in src/b.ts\n### T003 [US1] Wire it in src/c.ts\n"
                                  "- **T004** [DONE] Add d\n- **T005 [done]** Add e\n- **T006** Add f\n"
                                  "- [ ] T007 [DONE] Its box says it\n");
    REQUIRE(p.tasks.size() == 7);
    const TaskState want[] = {TaskState::done, TaskState::done, TaskState::pending, TaskState::done,
                              TaskState::done, TaskState::pending, TaskState::pending};
    for (std::size_t i = 0; i < 7; ++i) {
      CAPTURE(p.tasks[i].id);
      CHECK(p.tasks[i].state == want[i]);
    }
    CHECK(p.tasks[0].parallel);
    CHECK(p.tasks[0].story_label == "US1");
  }

  // SeiyaIwabuchi/solo-dev-quest-app 002 (`- [ ] T103 Deploy to Firebase Hosting … -
  // SKIPPED`, its only pending work) and angenor/esg_mefali_v2 010 (24 `[DEFERRED]`
  // tasks): flow would have deployed, and built what the author put off.
  TEST_CASE("a pending task its words set aside is neither done nor pending") {
    const Plan p = parse_tasks_md(
        "# Tasks\n- [ ] T001 Deploy to Firebase Hosting (web version for demo) - SKIPPED\n"
        "- [ ] T002 ~~Publish release to npm~~\n- [ ] T003 [P] [DEFERRED] Frontend Nuxt\n"
        "- [ ] T004 Create factories (SKIPPED - no contrib factories needed)\n"
        "- [ ] T005 Update handler; if cancelled, display \"Deletion cancelled. Task #X preserved.\"\n"
        "- [ ] T006 Map the [CANCELLED] state to a badge\n- [ ] T007 Re-run the suite (skipped)\n"
        "- [ ] T008 Handle orders \xE2\x80\x94 **CANCELLED**\n- [ ] T009 Add the ~~old~~ new parser\n"
        "- [ ] T010 [N/A] Windows installer\n- [ ] T011 Show N/A when the value is missing (N/A)\n"
        "- [x] T012 Done thing - SKIPPED\n- [ ] T013 Wire it (DEFERRED: waits for F30).\n"
        "### T014 [DEFERRED] Heading task\n- [ ] T015 Uses T013 (depends on T013)\n"
        // Rickwen1126/notebooklm-controller 001: a struck title, then why.
        "- [ ] T016 ~~Implement downloadFile browser tool~~ \xE2\x86\x92 BLOCKED by T-SB04/T-SB05\n"
        "- [ ] T017 [P] ~~Implement OS notification~~ \xE2\x80\x94 DEFERRED post-MVP. Requires node-notifier\n"
        "- [ ] T018 ~~Add the XML reader~~ Add the JSON reader\n"
        // JoseBeraun/Kryon 001: `⛔ BLOQUEADA (DEP-2)`, which its legend says never starts.
        "- [ ] T019 [US4] \xE2\x9B\x94 BLOQUEADA (DEP-2) Implementar el adaptador real\n"
        "- [ ] T020 BLOCKED (vendor API) Wire payments\n- [ ] T021 BLOCKED by T015 until it lands\n");
    REQUIRE(p.tasks.size() == 21);
    const std::string want = "oooopppopopdoopoopoop";
    for (std::size_t i = 0; i < p.tasks.size(); ++i) {
      CAPTURE(p.tasks[i].id);
      const TaskState s = want[i] == 'o' ? TaskState::other : want[i] == 'd' ? TaskState::done : TaskState::pending;
      CHECK(p.tasks[i].state == s);
    }
    // What names one waits for it, and says why in its own words.
    const auto g = build_graph(p);
    REQUIRE(g.has_value());
    const Diagnostic* held = nullptr;
    for (const Diagnostic& d : g->diagnostics())
      if (d.code == "held-by-mark") held = &d;
    REQUIRE(held != nullptr);
    CHECK(held->message.find("T015 waits for T013 (depends on T013), which the file sets aside") != std::string::npos);
  }

  // Jesn/AccountBox 001: `- [ ] **T045** … （跳过：时间限制，可手动测试替代）` (skipped: no
  // time, test by hand instead) ran as pending work.
  TEST_CASE("an aside in Chinese, Japanese or Korean that sets a task aside") {
    const Plan p = parse_tasks_md(
        "- [ ] T001 前端单元测试：`a.test.tsx`（跳过：时间限制，可手动测试替代）\n"
        "- [ ] T002 E2E テスト (スキップ)\n- [ ] T003 마이그레이션 （취소됨）\n"
        "- [ ] T004 添加取消按钮 (取消按钮)\n- [ ] T005 运行测试（跳过测试）\n"
        "- [ ] T006 跳过：这不是结尾\n- [ ] T007 検証 （見送り、次のリリース）\n");
    REQUIRE(p.tasks.size() == 7);
    const std::string want = "ooopppo";
    for (std::size_t i = 0; i < p.tasks.size(); ++i) {
      CAPTURE(p.tasks[i].id);
      CHECK(p.tasks[i].state == (want[i] == 'o' ? TaskState::other : TaskState::pending));
    }
  }

  // IreneMargherita 001 ends with `## Backlog (candidates for spec 002+)` over B1–B7: not
  // this plan's work, which flow would have run after it.
  TEST_CASE("tasks under a Backlog, Future Work or Out of Scope heading are set aside") {
    const Plan p = parse_tasks_md(
        "## Phase A\n- [x] T001 Scaffold\n## Phase 6: Future-proofing\n- [ ] T002 Pin the versions\n"
        "## Backlog (candidates for spec 002+)\n- [ ] B1 Resume PDF\n- [ ] B2 Contact form\n"
        "## \xF0\x9F\x94\xAE Future Enhancements\n- [ ] T003 Dark mode\n## Out of Scope\n- [ ] T004 Payments\n"
        "## Backlogged bugs fixed here\n- [ ] T005 Fix the login\n");
    REQUIRE(p.tasks.size() == 7);
    const std::string want = "dpoooop";
    for (std::size_t i = 0; i < p.tasks.size(); ++i) {
      CAPTURE(p.tasks[i].id);
      const TaskState st = want[i] == 'o' ? TaskState::other : want[i] == 'd' ? TaskState::done : TaskState::pending;
      CHECK(p.tasks[i].state == st);
    }
  }

  // shiro-jwjang/obsidrive 001: `- [ ] T004 [P] .gitignore, README.md …` lost its dot: the
  // agent was told of `gitignore`, and `.github/workflows/ci.yml` became `github/…`.
  TEST_CASE("a dot that starts a name after the ID is the name's, not a separator") {
    const Plan p = parse_tasks_md("## Phase 1\n- [ ] T004 [P] .gitignore, README.md, CODEX.md\n"
                                  "- [ ] T005 .github/workflows/ci.yml create\n- [ ] T006. Create src/a.py\n"
                                  "- [ ] T007 **.eslintrc.json** add\n");
    REQUIRE(p.tasks.size() == 4);
    CHECK(p.tasks[0].description == ".gitignore, README.md, CODEX.md");
    REQUIRE(!p.tasks[0].paths.empty());
    CHECK(p.tasks[0].paths[0].path == ".gitignore");
    CHECK(p.tasks[1].description == ".github/workflows/ci.yml create");
    REQUIRE(p.tasks[1].paths.size() == 1);
    CHECK(p.tasks[1].paths[0].path == ".github/workflows/ci.yml");
    CHECK(p.tasks[2].description == "Create src/a.py");
  }

  // h3y6e/cxg's plan (`- [x] T007 (P) Implement input resolution …`): cc-sdd and Kiro mark
  // parallel tasks `(P)`; it was read as words, and 16 tasks ran one at a time.
  TEST_CASE("(P) after the ID marks a parallel task as [P] does") {
    const Plan p = parse_tasks_md("## Phase 1\n- [ ] T007 (P) Implement input resolution in src/in.go\n"
                                  "- [ ] T008 (P) [US3] Implement assembly in src/asm.go\n"
                                  "- [ ] T009 Implement output (P) in src/out.go\n- [ ] T010 (Phase 2) Wire it\n");
    REQUIRE(p.tasks.size() == 4);
    CHECK(p.tasks[0].parallel);
    CHECK(p.tasks[0].description == "Implement input resolution in src/in.go");
    CHECK(p.tasks[1].parallel);
    CHECK(p.tasks[1].story == 3);
    CHECK_FALSE(p.tasks[2].parallel);  // a (P) inside the words is the words'
    CHECK_FALSE(p.tasks[3].parallel);
  }

  // A Japanese cc-sdd plan ends its parallel tasks' lines with `(並行可)`; `(P)` may end a
  // line too. Its 2.1-2.4 ran one at a time.
  TEST_CASE("(P) or (並行可) ending a task's line marks it parallel") {
    const Plan p = parse_tasks_md("- [ ] 1. Item\n- [ ] 1.1 テストを足す (並行可)\n- [ ] 1.2 Add the parser (P)\n"
                                  "- [ ] 1.3 テストを足す（並行可）\n- [ ] 1.4 Keep (P) in words\n- [ ] 1.5 Read doc(P)\n");
    REQUIRE(p.tasks.size() == 5);
    CHECK(p.tasks[0].parallel);
    CHECK(p.tasks[1].parallel);
    CHECK(p.tasks[2].parallel);
    CHECK_FALSE(p.tasks[3].parallel);
    CHECK_FALSE(p.tasks[4].parallel);
  }

  // snicmakino/kolt's cc-sdd plan: `  - _Depends: 1.1, 1.2_` lost its last ID, and
  // `_Depends: 7.3_` all of it, so validation tasks ran beside the work they validate: the
  // underscore closing the emphasis was read as part of a name (`7.3_x`).
  TEST_CASE("an emphasis underscore after an ID ends the ID") {
    const Plan p = parse_tasks_md("- [ ] 1.1 First\n- [ ] 1.2 Second\n- [ ] 2.1 Third\n  - _Depends: 1.1, 1.2_\n"
                                  "- [ ] 2.2 Fourth\n  - _Depends: 2.1_\n- [ ] T001 a\n- [ ] T002 b\n  - __Depends on T001__\n"
                                  "- [ ] T003 Edit `T002_notes.md` and T001_x\n");
    REQUIRE(p.tasks.size() == 7);
    const auto deps = [&](std::size_t i) {
      std::vector<std::string> got;
      for (const DepRef& d : p.tasks[i].depends_on) got.push_back(d.first);
      return got;
    };
    CHECK(deps(2) == std::vector<std::string>{"1.1", "1.2"});
    CHECK(deps(3) == std::vector<std::string>{"2.1"});
    CHECK(deps(5) == std::vector<std::string>{"T001"});
    CHECK(deps(6).empty());  // names that start with an ID
  }

  // FAIR-DM 011: `- [x] ⚠️ Reopened T018 (reopened — BUG-001) …`; spec-kit's
  // global-agent-memory: `- [ ] - [X] T002 …` after an edit gone wrong. Neither line is a
  // task, and they were listed only under --verbose: 4 and 10 tasks missing, silently.
  TEST_CASE("a checkbox that names a missing task after other words is a warning") {
    Plan p = parse_tasks_md("## Phase 1: Setup\n- [ ] T001 Create a.py\n"
                            "- [ ] \u26a0\ufe0f T002 (reopened \u2014 BUG-001) Fix b.py\n"
                            "- [ ] - [X] T003 Create c.py\n- [ ] Check that T001 works\n- [ ] Run the T-800 demo\n"
                            "- [x] \u26a0\ufe0f Reopened T004 [US1] (reopened) Create urls.py\n- [x] ~~T005 Add polyline~~\n"
                            "- [x] Updated T006-T008 with the bit values\n- [x] Updated T009 with the bit values\n");
    CHECK(ids(p) == std::vector<std::string>{"T001"});
    std::vector<int> lines;
    for (const Diagnostic& d : p.diagnostics)
      if (d.code == "id-not-first") {
        CHECK(d.severity == Severity::warning);
        lines.push_back(d.line);
      }
    CHECK(lines == std::vector<int>{3, 4, 7});  // T001 is a task: line 5 is a check of it
  }

  TEST_CASE("a bold list item that starts with an ID is a task") {
    Plan p = parse_tasks_md("- **T001** — Modèles SQLAlchemy `app/models/credit_data.py`\n- **Note**: not a task\n");
    const Task& t = only_task(p);
    CHECK(t.form == TaskForm::bold_item);
    CHECK(t.description == "Modèles SQLAlchemy `app/models/credit_data.py`");
    CHECK(paths(t) == std::vector<std::string>{"app/models/credit_data.py"});
    CHECK_FALSE(t.has_marks());  // its state is the journal's
    CHECK(find_diag(p, "no-checkbox") != nullptr);
  }

  TEST_CASE("priority and story legends in bold are not tasks") {
    Plan p = parse_tasks_md("- **P0**: critical\n- **P1**: high\n- **US1**: story\n- [ ] T001 real\n");
    CHECK(ids(p) == std::vector<std::string>{"T001"});
  }

  TEST_CASE("a file without IDs makes its top-level checkboxes tasks named by line") {
    Plan p = parse_tasks_md("# Tasks\n\n- [x] Create `src/i18n/` directory\n- [ ] Add tests\n  - [ ] nested\n");
    CHECK(ids(p) == std::vector<std::string>{"L3", "L4"});
    CHECK(p.tasks[0].form == TaskForm::unnumbered);
    CHECK(p.tasks[0].state == TaskState::done);
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"src/i18n/"});
    CHECK(find_diag(p, "no-ids") != nullptr);
  }

  // Ryotaverse69/suptia-kiro (`- [ ] 2. 基本UIコンポーネントの実装` over the files it makes),
  // 0xenzyme/agent-harness (`- [x] P0 Simplify …` over its spec and goal): a box without an
  // ID lost the lines under it, so its agent was given the title alone, and its files
  // were unknown.
  TEST_CASE("in a file without IDs, a task's body is the lines under its box") {
    const Plan p = parse_tasks_md(
        "# Plan\n\n- [ ] 1. Build the UI components\n  - components/ui/Button.tsx (primary, ghost)\n"  // 3
        "  - components/ui/Card.tsx\n\n  - [ ] a nested step\n  - _Requirements: 2.1_\n"              // 5
        "- [ ] 2. Wire the layout and\n  keep it responsive\n  ```\n  npm run build\n  ```\n"         // 9
        "Some prose at the margin.\n- [ ] 3. Done without a body\n## Notes\n  - not a body\n");      // 14
    REQUIRE(ids(p) == std::vector<std::string>{"L3", "L9", "L15"});
    CHECK(p.tasks[0].body_first == 4);
    CHECK(p.tasks[0].body_last == 8);
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"components/ui/Button.tsx", "components/ui/Card.tsx"});
    CHECK(p.tasks[1].description == "2. Wire the layout and keep it responsive");
    CHECK(p.tasks[1].body_first == 10);
    CHECK(p.tasks[1].body_last == 13);  // the code block under it, not the prose at the margin
    CHECK(p.tasks[2].body_first == 0);  // a heading ends it
    // In a file with IDs such boxes are no tasks, and their lines are read as before.
    const Plan q = parse_tasks_md("- [ ] Setup\n  - [ ] T001 nested\n- [ ] T002 Real task in src/a.py\n  - src/b.py\n");
    REQUIRE(ids(q) == std::vector<std::string>{"T002"});
    CHECK(paths(q.tasks[0]) == std::vector<std::string>{"src/a.py", "src/b.py"});
  }

  // Mehnazar/todo-app-phase-2: the last of a task heading's acceptance criteria, `- [ ]
  // UTF-8 encoding configured for Windows`, ran as task "UTF-8"; Ryotaverse69/suptia-kiro's
  // `## 📋 実装チェックリスト` (implementation checklist) ran its 19 boxes as work.
  TEST_CASE("a criterion that starts like an ID, and a checklist named in Japanese, are not work") {
    const Plan p = parse_tasks_md("### Task I-3.2: Implement the operations\n**Acceptance Criteria:**\n"
                                  "- [ ] All 5 functions implemented\n- [ ] UTF-8 encoding configured for Windows\n\n"
                                  "### Task I-4.1: Menu\n- [ ] step\n");
    CHECK(ids(p) == std::vector<std::string>{"I-3.2", "I-4.1"});
    CHECK(p.tasks[0].body_last == 4);
    const Plan q = parse_tasks_md("## Phase 1: Setup\n- [ ] Build the grid\n- [ ] Build the card\n"
                                  "## \xF0\x9F\x93\x8B \xE5\xAE\x9F\xE8\xA3\x85\xE3\x83\x81\xE3\x82\xA7\xE3\x83\x83\xE3\x82\xAF"
                                  "\xE3\x83\xAA\xE3\x82\xB9\xE3\x83\x88\n- [ ] colours match\n- [ ] fonts load\n");
    CHECK(ids(q) == std::vector<std::string>{"L2", "L3"});
  }

  // 1noseA/shiftan2: 92 boxes without IDs, five of them `- [ ] H3制約実装（…）` ("implement
  // constraint H3"). H2–H6 were read as task IDs: those five ran, and the 87 others (43
  // pending) were skipped as no-id.
  TEST_CASE("a word that runs on into Japanese or Chinese is not a task ID") {
    const Plan p = parse_tasks_md("## Sprint 1\n- [x] FastAPI \xE9\xAA\xA8\xE6\xA0\xBC\n"
                                  "- [ ] H3\xE5\x88\xB6\xE7\xB4\x84\xE5\xAE\x9F\xE8\xA3\x85\xEF\xBC\x88" "flag\xEF\xBC\x89\n"
                                  "- [ ] H5\xE5\x88\xB6\xE7\xB4\x84\xE5\xAE\x9F\xE8\xA3\x85\n");
    CHECK(ids(p) == std::vector<std::string>{"L2", "L3", "L4"});
    // Punctuation after an ID, or a space, leaves it one.
    const Plan q = parse_tasks_md("- [ ] T001\xEF\xBC\x9A\xE4\xBD\x9C\xE6\x88\x90\n- [ ] T002\xE3\x80\x81\xE4\xBD\x9C\xE6\x88\x90\n"
                                  "- [ ] T003 \xE4\xBD\x9C\xE6\x88\x90\n- [ ] T004\xEF\xBC\x88P\xEF\xBC\x89\n"
                                  "- [ ] T005\xE3\x83\xBBT006 \xE7\xB5\xB1\xE5\x90\x88\n");  // T005・T006 統合
    CHECK(ids(q) == std::vector<std::string>{"T001", "T002", "T003", "T004", "T005"});
  }

  TEST_CASE("ID-less checkboxes in a file with IDs are skipped as no-id") {
    Plan p = parse_tasks_md("- [ ] T001 real\n\n- [ ] validate the thing\n");
    CHECK(ids(p) == std::vector<std::string>{"T001"});
    REQUIRE(p.skipped.size() == 1);
    CHECK(p.skipped[0].reason == SkipReason::no_id);
    CHECK(p.skipped[0].line == 3);
  }
}

TEST_SUITE("pitfalls") {
  TEST_CASE("1: the legend line and nested boxes are not tasks") {
    Plan p = parse_tasks_md("## Notes\n- [P] tasks = different files, no dependencies\n"
                            "- [ ] T001 Task\n    - [X] `package.json` contains cli-table3\n  - [ ] T002a nested subtask\n");
    CHECK(ids(p) == std::vector<std::string>{"T001"});
    REQUIRE(p.skipped.size() == 3);
    CHECK(p.skipped[0].reason == SkipReason::legend);
    CHECK(p.skipped[1].reason == SkipReason::nested);
    CHECK(p.skipped[2].reason == SkipReason::nested);
    CHECK(p.tasks[0].body_first == 4);
    CHECK(p.tasks[0].body_last == 5);
  }

  TEST_CASE("2: marks vary; other marks are not pending and are reported") {
    Plan p = parse_tasks_md("- [ ] T001 a\n- [x] T002 b\n- [X] T003 c\n- [~] T004 d\n- [-] T005 e\n- [/] T006 f\n");
    REQUIRE(p.tasks.size() == 6);
    CHECK(p.tasks[0].state == TaskState::pending);
    CHECK(p.tasks[1].state == TaskState::done);
    CHECK(p.tasks[2].state == TaskState::done);
    CHECK(p.tasks[3].state == TaskState::other);
    CHECK(p.tasks[4].state == TaskState::other);
    CHECK(p.tasks[5].state == TaskState::other);
    CHECK(p.tasks[3].mark == '~');
    std::size_t other = 0;
    for (const Skipped& s : p.skipped) other += s.reason == SkipReason::other_mark;
    CHECK(other == 3);
  }

  TEST_CASE("2: the done mark follows the file's majority, X on a tie") {
    CHECK(parse_tasks_md("- [x] T1 a\n- [x] T2 b\n- [X] T3 c\n").done_mark == 'x');
    CHECK(parse_tasks_md("- [x] T1 a\n- [X] T3 c\n").done_mark == 'X');
    CHECK(parse_tasks_md("- [ ] T1 a\n").done_mark == 'X');
  }

  TEST_CASE("4: duplicate IDs are warnings and both tasks are kept by line") {
    Plan p = parse_tasks_md("- [X] T044 first\n- [ ] T044 second\n");
    REQUIRE(p.tasks.size() == 2);
    CHECK(p.tasks[0].line == 1);
    CHECK(p.tasks[1].line == 2);
    const Diagnostic* d = find_diag(p, "duplicate-id");
    REQUIRE(d != nullptr);
    CHECK(d->severity == Severity::warning);
    CHECK(d->line == 2);
    CHECK(d->message.find("line 1") != std::string::npos);
    CHECK(p.task_at_line(2) == 1);
  }

  TEST_CASE("5: labels are positional, reordered, glued, inside bold; later brackets are not labels") {
    Plan p = parse_tasks_md(
        "- [ ] T001 [US1] [P] Reordered\n"
        "- [ ] T002 [FR-001][FR-002] Glued in app/lesson/[id].tsx\n"
        "- [ ] T003 [P1] Priority is not parallel\n"
        "- [ ] T004 [P]make glued marker\n"
        "- [ ] T005 Fix projects/[name]/page.tsx [P]\n"
        "- [ ] T006 [US-001] [Setup] Label forms\n"
        "- [ ] T007 [Reference](plan.md) is a link\n");
    REQUIRE(p.tasks.size() == 7);
    CHECK(p.tasks[0].parallel);
    CHECK(p.tasks[0].story == 1);
    CHECK(p.tasks[0].description == "Reordered");
    CHECK(p.tasks[1].labels == std::vector<std::string>{"FR-001", "FR-002"});
    CHECK(paths(p.tasks[1]) == std::vector<std::string>{"app/lesson/[id].tsx"});
    CHECK_FALSE(p.tasks[2].parallel);
    CHECK(p.tasks[2].priority == "P1");
    CHECK(p.tasks[3].parallel);
    CHECK(p.tasks[3].description == "make glued marker");
    CHECK_FALSE(p.tasks[4].parallel);
    CHECK(p.tasks[5].story == 1);
    CHECK(p.tasks[5].story_label == "US-001");
    CHECK(p.tasks[5].labels == std::vector<std::string>{"Setup"});
    CHECK(p.tasks[6].labels.empty());
    CHECK(p.tasks[6].description == "[Reference](plan.md) is a link");
  }

  TEST_CASE("6: explicit dependency forms on task lines") {
    Plan p = parse_tasks_md(
        "- [ ] T001 a\n- [ ] T002 b\n- [ ] T003 c\n- [ ] T004 d\n- [ ] T005 e\n- [ ] T006 f\n- [ ] T007 g\n"
        "- [ ] T012 Service (depends on T001, T002)\n"
        "- [ ] T013 Italic _(Depends on: T003)_\n"
        "- [ ] T014 Escaped \\_(Depends on: T004-T006)\\_\n"
        "- [ ] T015 [depends:T001,T002] Bracket field\n"
        "- [ ] T016 Configure in Azure Portal after T002 completes\n"
        "- [ ] T017 Same file (depends on T003, same file)\n"
        "- [ ] T018 En dash range (depends on T004–T007)\n"
        "- [ ] T019 Em dash range (depends on T004 — T007)\n"
        "- [ ] T020 Nothing _(Depends on: none)_\n"
        "- [ ] T021 Trailing [P2] [depends:T005]\n"
        "- [ ] T022 Body field\n  - **Dependencies**: T001, T003\n"
        "- [ ] T023 Missing (depends on T999)\n"
        "- [ ] T024 After 5 seconds and after US1 are not references\n"
        "- [ ] T025 Extend tests per US1/AC4 and X-T-5 and T1-A2 (partial)\n");
    auto by_id = [&](std::string_view id) -> const Task& { return task_named(p, id); };
    CHECK(deps(by_id("T012")) == "T001,T002");
    CHECK(deps(by_id("T013")) == "T003");
    CHECK(deps(by_id("T014")) == "T004..T006");
    CHECK(deps(by_id("T015")) == "T001,T002");
    CHECK(by_id("T015").depends_on[0].origin == RefOrigin::bracket_field);
    CHECK(deps(by_id("T016")) == "T002");
    CHECK(by_id("T016").depends_on[0].origin == RefOrigin::after_prose);
    CHECK(deps(by_id("T017")) == "T003");
    CHECK(deps(by_id("T018")) == "T004..T007");
    CHECK(deps(by_id("T019")) == "T004..T007");
    CHECK(deps(by_id("T020")).empty());
    CHECK(deps(by_id("T021")) == "T005");
    CHECK(deps(by_id("T022")) == "T001,T003");
    CHECK(by_id("T022").depends_on[0].origin == RefOrigin::field_line);
    CHECK(by_id("T022").depends_on[0].line == 19);
    CHECK(deps(by_id("T023")) == "T999");
    CHECK(deps(by_id("T024")).empty());
    const Diagnostic* d = find_diag(p, "unknown-reference");
    REQUIRE(d != nullptr);
    CHECK(d->message.find("T999") != std::string::npos);
    CHECK(d->severity == Severity::warning);
  }

  // The descriptions are the real lines (planet-explorer 010, esg_mefali_v2 010, and
  // public Spec-Kit files in Portuguese, Chinese and Japanese), cut short.
  // esg_mefali_v2 010: "dépend T010/T011": match_id refuses an ID followed by '/' (a
  // path such as `T1/notes.md`), so no edge was read, in any language.
  TEST_CASE("6: IDs joined by slashes are a list; an ID before a path is not") {
    const Plan p = parse_tasks_md(
        "- [ ] T001 a\n- [ ] T002 b\n- [ ] T003 c\n"
        "- [ ] T004 Wire it (depends on T001/T002)\n"
        "- [ ] T005 Templates (dépend T001/T002/T003)\n"
        "- [ ] T006 Notes after T001/README.md are kept\n");
    CHECK(deps(p.tasks[3]) == "T001,T002");
    CHECK(deps(p.tasks[4]) == "T001,T002,T003");
    CHECK(deps(p.tasks[5]).empty());
  }

  // charades 001: "Dependencies**: T003-T007 (data files), T009-T011 (settings fix)";
  // esg_mefali_v2 010: "dépend de T012 `email_delivery_log`, T017 Resend full, T018
  // retry": the list stopped at the aside, so T009-T011 and T017 were not waited for.
  TEST_CASE("6: an aside on one ID does not end the list") {
    const Plan p = parse_tasks_md(
        "- [ ] T001 a\n- [ ] T002 b\n- [ ] T003 c\n- [ ] T004 d\n- [ ] T005 e\n"
        "- [ ] T006 Build it (Dependencies: T001-T003 (data files), T005)\n"
        "- [ ] T007 Templates (dépend de T002 `email_delivery_log`, T004 full)\n"
        "- [ ] T008 Wire (depends on T001 (the model) and Task T003)\n"
        "- [ ] T009 Docs (depends on T001 (the model), which T005 extends)\n"
        "- [ ] T010 More (depends on T002 (see T004), T005)\n"
        "- [ ] T011 Last (after T003 (`c.py`))\n");
    CHECK(deps(p.tasks[5]) == "T001..T003,T005");
    CHECK(deps(p.tasks[6]) == "T002,T004");
    CHECK(deps(p.tasks[7]) == "T001,T003");
    CHECK(deps(p.tasks[8]) == "T001");  // the clause after the aside is no list
    CHECK(deps(p.tasks[9]) == "T002");  // an aside naming a task is not skipped over
    CHECK(deps(p.tasks[10]) == "T003");
  }

  // esg_mefali_v2 010: "dépend de T012 `email_delivery_log`, T017 Resend full, T018
  // retry": a few bare words after an ID inside a list that has gone on past its first
  // item are an aside too; T018 was not waited for. After the first item such words are
  // the sentence going on ("after T001 completes, T002 runs"), and after a comma an ID
  // followed by "is", "can", "runs"… starts a clause of its own: "depends on T010 (the
  // schema), T011 is independent" waited for T011.
  TEST_CASE("6: bare words on an ID in a list, and a clause after a comma") {
    const Plan p = parse_tasks_md(
        "- [ ] T001 a\n- [ ] T002 b\n- [ ] T003 c\n- [ ] T004 d\n- [ ] T005 e\n"
        "- [ ] T006 Reset (dépend de T001 `email_delivery_log`, T002 Resend full, T003 retry)\n"
        "- [ ] T007 Model (depends on T001 (the schema), T002 is independent)\n"
        "- [ ] T008 Job (after T001 completes, T002 runs it)\n"
        "- [ ] T009 Wire (depends on T001, T002, T003 can start at once)\n"
        "- [ ] T010 Docs (depends on T001 and T002 are merged)\n"
        "- [ ] T011 Ship (depends on T001, T002 Resend full, T004 and T005)\n");
    CHECK(deps(p.tasks[5]) == "T001,T002,T003");
    CHECK(deps(p.tasks[6]) == "T001");
    CHECK(deps(p.tasks[7]) == "T001");
    CHECK(deps(p.tasks[8]) == "T001,T002");
    CHECK(deps(p.tasks[9]) == "T001,T002");  // "and" before it: both, whatever follows
    CHECK(deps(p.tasks[10]) == "T001,T002,T004,T005");
  }

  // On task lines in public plans: "(needs T011, T012)", "(waits for T001)", "(prereq:
  // T003)", "[blocked-by:T004]" were no dependency, while "(requires …)" was.
  TEST_CASE("6: needs, waits for, prereq and blocked-by on a task's line") {
    const Plan p = parse_tasks_md(
        "- [ ] T001 a\n- [ ] T002 b\n- [ ] T003 c\n- [ ] T004 d\n"
        "- [ ] T005 [P] e (needs T001, T002)\n- [ ] T006 [P] f (waits for T003)\n- [ ] T007 [P] g (prereq: T001)\n"
        "- [ ] T008 [P] h [blocked-by:T004]\n- [ ] T009 [P] i (Prerequisites: T002)\n- [ ] T010 [P] j (waits on T001)\n"
        "- [ ] T011 [P] k (no prereq: T001; the needs of T002's users)\n");
    CHECK(deps(p.tasks[4]) == "T001,T002");
    CHECK(deps(p.tasks[5]) == "T003");
    CHECK(deps(p.tasks[6]) == "T001");
    CHECK(deps(p.tasks[7]) == "T004");
    CHECK(deps(p.tasks[8]) == "T002");
    CHECK(deps(p.tasks[9]) == "T001");
    CHECK(deps(p.tasks[10]).empty());
  }

  // "Depends on T010 through T012", "Tasks 1 thru 3": the range read its first task only.
  TEST_CASE("6: a range written with through or thru") {
    const Plan p = parse_tasks_md(
        "- [ ] T001 a\n- [ ] T002 b\n- [ ] T003 c\n"
        "- [ ] T004 Report (depends on T001 through T003)\n"
        "- [ ] T005 Docs (after T001 thru T002)\n"
        "- [ ] T006 Notes (depends on T001 through the night)\n");
    CHECK(deps(p.tasks[3]) == "T001..T003");
    CHECK(deps(p.tasks[4]) == "T001..T002");
    CHECK(deps(p.tasks[5]) == "T001");
  }

  // `deps`, as task files in public repositories write it: inline, as a field line, as a
  // list label, after an arrow, as a table column.
  TEST_CASE("6: deps as a key, a field, a list label and a column") {
    const Plan p = parse_tasks_md(
        "## Phase 1\n\n- [ ] T001 a\n- [ ] T002 b\n"
        "- [ ] T003 [P] Inline (deps: T001, T002)\n"
        "- [ ] T004 [P] Field line\n  - Deps: T001\n"
        "- [ ] T005 [P] Bracket [deps: T002]\n"
        "- [ ] T006 [P] Arrow → deps: T001\n"
        "- [ ] T007 [P] List\n  **Deps:**\n  - T002\n"
        "- [ ] T008 [P] None (deps: none)\n"
        "- [ ] T009 [P] Update the deps in `package.json` (see T001's notes)\n"
        "- [ ] T010 [P] Sentence then label. Deps:\n  - T001 (the config)\n");
    CHECK(deps(task_named(p, "T003")) == "T001,T002");
    CHECK(deps(task_named(p, "T004")) == "T001");
    CHECK(task_named(p, "T004").depends_on[0].origin == RefOrigin::field_line);
    CHECK(deps(task_named(p, "T005")) == "T002");
    CHECK(deps(task_named(p, "T006")) == "T001");
    CHECK(deps(task_named(p, "T007")) == "T002");
    CHECK(deps(task_named(p, "T008")).empty());
    CHECK(deps(task_named(p, "T009")).empty());
    CHECK(deps(task_named(p, "T010")) == "T001");
    const Plan bold = parse_tasks_md("## Phase 1\n\n- **T001**: First.\n- **T002**: Second.\n  Deps: T001.\n");
    CHECK(deps(task_named(bold, "T002")) == "T001");
    const Plan table = parse_tasks_md("| Status | ID | Task | Deps |\n|---|---|---|---|\n| [ ] | T001 | a | – |\n"
                                      "| [ ] | T002 | b | T001 |\n");
    CHECK(deps(task_named(table, "T002")) == "T001");
  }

  TEST_CASE("6: dependency wording in Spanish, Portuguese, French, Chinese and Japanese") {
    Plan p = parse_tasks_md(
        "- [ ] T001 a\n- [ ] T002 b\n- [ ] T003 c\n- [ ] T004 d\n- [ ] T005 e\n- [ ] T006 f\n"
        "- [ ] T007 g\n- [ ] T008 h\n- [ ] T009 i\n- [ ] T010 j\n- [ ] T011 k\n- [ ] T012 l\n"
        "- [ ] T013 Añadir `COUNTING_HINTS` (T002) al `CountingChallenge` devuelto (depende de T001, T002)\n"
        "- [ ] T014 Cobrir os limites de borda em `backend/tests/contract/test_limites.py` (depende de T005 e T006)\n"
        "- [ ] T015 [DEFERRED] templates Jinja (dépend de T007 full + US3/US4).\n"
        "- [ ] T016 [DEFERRED] /admin/email-deliveries — dépend T012.\n"
        "- [ ] T017 Ampliar `backend/tests/unit/omitted-items.test.ts` (después de T008) con `report.omittedByChoice`\n"
        "- [ ] T018 Smoke prod (após T009-T011 prod)\n"
        "- [ ] T019 OrbitConnections 连线子组件（P0，依赖 T001）\n"
        "- [ ] T020 实现 versionManager（依赖：T003、T004）\n"
        "- [ ] T021 Dockerfile にも同様の修正を適用する（依存: T002、並列実行可能）\n"
        "- [ ] T022 Lexer に Trivia サポートを実装（T012 に依存）\n"
        "- [ ] T023 エラー回復を実装（T005 の後に実行）\n"
        "- [ ] T024 路由逻辑与客户端适配器无关（T024 不依赖 T001）\n"
        "- [ ] T025 処理を実装（T003 に依存しない）\n"
        "- [ ] T026 Esperar después de 5 segundos; requiere 3 pasos; 依赖 2 个库\n"
        "- [ ] T027 Dependências: T002 e T003\n"
        "- [ ] T028 實作登入頁（T004 完成後）\n- [ ] T029 路由（没有 依赖 T001）\n");
    auto by_id = [&](std::string_view id) -> const Task& { return task_named(p, id); };
    // "" where the key is denied or no ID follows it (a prose number is not a reference).
    const std::pair<std::string_view, std::string_view> want[] = {
        {"T013", "T001,T002"}, {"T014", "T005,T006"}, {"T015", "T007"}, {"T016", "T012"},
        {"T017", "T008"},      {"T018", "T009..T011"}, {"T019", "T001"}, {"T020", "T003,T004"},
        {"T021", "T002"},      {"T022", "T012"},      {"T023", "T005"}, {"T024", ""},
        {"T025", ""},          {"T026", ""},          {"T027", "T002,T003"}, {"T028", "T004"},
        {"T029", ""}};
    for (const auto& [id, refs] : want) {
      INFO(id);
      CHECK(deps(by_id(id)) == refs);
    }
    for (std::string_view id : {"T017", "T018", "T023"}) {
      INFO(id);
      REQUIRE_FALSE(by_id(id).depends_on.empty());
      CHECK(by_id(id).depends_on[0].origin == RefOrigin::after_prose);
    }
  }

  TEST_CASE("6: dependency sections become statements; heading dependencies are kept") {
    Plan p = parse_tasks_md(
        "## Parallel Group A - Templates\n- [x] T001: Create a.md\n- [x] T002: Create b.md\n"
        "## Sequential - Skill Update [depends:A]\n- [x] T003: Update SKILL.md\n"
        "### Inline Rename (depends on T001)\n- [ ] T004 rename\n"
        "## Dependencies & Execution Order\n\n- T011 blocks T014–T017\n- T001 → T002 → T003\n"
        "- User Story 2 depends on US1\n- Some prose without references\n"
        "```text\nTrack A: T003 → T004\n```\n## Notes\n- T001 → T002 not a statement here\n");
    REQUIRE(p.phases.size() == 2);
    CHECK(p.phases[0].title == "Parallel Group A - Templates");
    CHECK(p.phases[1].depends_on_groups == std::vector<std::string>{"A"});
    REQUIRE(p.groups.size() == 3);
    CHECK(p.groups[2].title == "Inline Rename (depends on T001)");
    REQUIRE(p.groups[2].depends_on.size() == 1);
    CHECK(p.groups[2].depends_on[0].first == "T001");
    REQUIRE(p.statements.size() == 4);
    CHECK(p.statements[0].text == "T011 blocks T014–T017");
    CHECK(p.statements[0].line == 10);
    CHECK(p.statements[0].section == "Dependencies & Execution Order");
    CHECK(p.statements[1].text == "T001 → T002 → T003");
    CHECK(p.statements[2].text == "User Story 2 depends on US1");
    CHECK(p.statements[3].text == "Track A: T003 → T004");
    CHECK(p.statements[3].in_code);
  }

  // `#### Dependencies` over `- T001 (the config)` in a heading task's body: the list was
  // its body and nothing more, so a [P] task ran beside the task it waits for. A label
  // with nothing after it opens such a list; its items that start with an ID name them.
  TEST_CASE("6: a task's list of dependencies under a label or a heading in its body") {
    const auto deps = [](const Task& t) {
      std::string out;
      for (const DepRef& d : t.depends_on) out += d.first + (d.last != d.first ? "-" + d.last : "") + "@" + std::to_string(d.line) + " ";
      return out;
    };
    const Plan p = parse_tasks_md(
        "# Tasks\n\n## Phase 1\n\n### T001 [P] Config\n\nMake `src/config.py`.\n\n"
        "### T002 [P] Models\n\n**Depends on:**\n- T001 (config)\n  - T003 in a note under the item\n- T004\n\n"
        "Then write `src/models.py`.\n\n- T003 after the list ended\n\n"
        "### T003 [P] API\n\n- **Dependencies**:\n  - None\n- **Files**: `src/api.py`\n- T001 named after another label\n\n"
        "### T004 [P] Docs\n\n#### Prerequisites\n\n1. T001\n2. T002, T003\n3. T005-T006\n\n"
        "#### Steps\n\n- T003 in the steps\n\n"
        "### T005 [P] Notes\n\n#### Dependencies of the module graph\n\n- T001 in a heading that only starts so\n\n"
        "### T006 [P] More\n\n```\n**Depends on:**\n- T001\n```\n");
    REQUIRE(p.tasks.size() == 6);
    CHECK(deps(p.tasks[0]).empty());
    CHECK(deps(p.tasks[1]) == "T001@12 T004@14 ");
    CHECK(deps(p.tasks[2]).empty());
    CHECK(deps(p.tasks[3]) == "T001@31 T002@32 T003@32 T005-T006@33 ");
    CHECK(deps(p.tasks[4]).empty());
    CHECK(deps(p.tasks[5]).empty());
    for (const DepRef& d : p.tasks[1].depends_on) CHECK(d.origin == RefOrigin::field_line);
    // `### Task N:` plans name them by number.
    const Plan n = parse_tasks_md(
        "# Plan\n\n### Task 1: Models\n\nWrite `src/m.py`.\n\n### Task 2: API\n\n**Prerequisites:**\n- Task 1 complete\n\n"
        "Write `src/api.py`.\n\n### Task 3: Docs\n\n**Blocked by**:\n\n- Task 2\n- **Task 1**\n- The review\n- Task 9? No: ended\n");
    REQUIRE(n.tasks.size() == 3);
    CHECK(deps(n.tasks[1]) == "1@10 ");
    CHECK(deps(n.tasks[2]) == "2@18 1@19 ");
    // What a review found read as dependencies, two of them cycles that refused a file
    // that ran before: an item outside the list (less indented) going on with it, items
    // that say something of the other task, the document's list under the last task, a
    // heading of the task's level between `### Task N` headings. And bold IDs, a bold
    // label alone, links: read.
    const Plan r = parse_tasks_md(
        "# Tasks\n\n### T001 Config\n\nBody.\n\n"
        "### T002 Schema\n- **Depends on**:\n  - T001 (config)\n- T002a Write migration\n  - T003 reads these tables\n\n"
        "### T003 Models\n**Dependencies:**\n- T002 \xE2\x80\x94 merged\n- T004 and T005 build on this schema\n"
        "- T005 depends on this task\n\n"
        "### T004 API\n**Dependencies**\n- **T001** (config)\n- [T003](#t003-models)\n\n"
        "### T005 Docs\n\n#### Dependencies\n\n- T001 complete\n- T005 last\n");
    REQUIRE(r.tasks.size() == 5);
    CHECK(deps(r.tasks[1]) == "T001@9 ");
    CHECK(deps(r.tasks[2]) == "T002@15 ");
    CHECK(deps(r.tasks[3]) == "T001@21 T003@22 ");
    CHECK(deps(r.tasks[4]).empty());
    const Plan same_level = parse_tasks_md(
        "# Plan\n\n### Task 1: Config\nDo config.\n\n### Task 2: Models\nDo models.\n\n"
        "### Prerequisites\n- Task 2 merged\n- Task 1 deployed\n\n### Task 3: API\nDo API.\n");
    REQUIRE(same_level.tasks.size() == 3);
    for (const Task& t : same_level.tasks) CHECK(deps(t).empty());
    // Lists session 24's review found missed (the task ran beside what it waits for): an
    // item that starts with its state's mark or with "Tasks", a heading or label with a
    // note in parentheses, a checkbox task whose line ends with the label over items
    // nested under it, an item wrapped onto a line at its marker's indent (the items
    // after it were lost).
    const Plan m = parse_tasks_md(
        "# Tasks\n\n### T001 Config\n\nBody.\n\n### T002 Schema\n\nBody.\n\n"
        "### T003 Models\n\n**Depends on:**\n- \xE2\x9C\x85 T001 (config)\n- Tasks T001\xE2\x80\x93T002\n\n"
        "### T004 API\n\n#### Dependencies (must finish first)\n\n- T003\n\n"
        "### T005 Views\n\n**Requires (hard):**\n- T004 \xE2\x80\x94 the routes\n\n"
        "## Phase 2\n\n- [ ] T006 [P] Wire the app in `src/app.py`. Depends on:\n  - T005 (views)\n  - T001 (config)\n"
        "- [ ] T007 [P] Document it in `docs/app.md`\n\n"
        "### T008 Release\n\n**Depends on:**\n- T006 (the app, which\nreads the config)\n- T007 (docs)\n\n"
        "### T009 Notes\n\n**Depends on:**\n- \xE2\x9C\x85 T001 shipped the parser long ago\n- Task T008 and T003 follow it\n\n"
        "### T010 More\n\n**Depends on:**\n- T002 (schema)\n**Files:**\n- T003 (its file list)\n");
    REQUIRE(m.tasks.size() == 10);
    CHECK(deps(m.tasks[9]) == "T002@51 ");
    // What a review of those found read wrongly (two cycles that refused the file, a list
    // dropped): a note that takes the label back or turns it round, a line after a whole
    // item glued on as its wrapped text (`Unblocks: 👇` and the list under it; `Progress`
    // and items naming the task itself), `Requires:` ending a line over version numbers in
    // a file of numbered tasks. And siblings: a state's mark after the ID or before a
    // backticked one, a note on a label ending a checkbox line.
    const Plan w = parse_tasks_md(
        "# Tasks\n\n### T001 Config\n\n#### Dependencies (downstream \xE2\x80\x94 these wait for this task)\n\n- T002 (models)\n\n"
        "### T002 [P] Models\n\n**Dependencies (optional, not blocking):**\n- T003 (app)\n\n"
        "### T003 [P] App\n\n**Depends on:**\n- T001 (config)\nUnblocks: \xF0\x9F\x91\x87\n- T004 (docs)\n\n"
        "### T004 [P] Docs\n\n#### Dependencies\n- T001 (config)\n- T002 (models)\nProgress\n- \xE2\x9C\x85 T004 scaffold merged\n\n"
        "### T005 [P] Ship\n\n**Depends on:**\n- T001 \xE2\x9C\x85\n- \xE2\x9C\x85 `T002` (models)\n- T003 (the app, which\n`src/app.py` holds)\n- T004\n\n"
        "## Phase 2\n\n- [ ] T006 Wire it in `src/wire.py`. Depends on (hard):\n  - T005 (ship)\n");
    REQUIRE(w.tasks.size() == 6);
    CHECK(deps(w.tasks[0]).empty());
    CHECK(deps(w.tasks[1]).empty());
    CHECK(deps(w.tasks[2]) == "T001@17 ");
    CHECK(deps(w.tasks[3]) == "T001@24 T002@25 ");
    CHECK(deps(w.tasks[4]) == "T001@32 T002@33 T003@34 T004@36 ");
    CHECK(deps(w.tasks[5]) == "T005@41 ");
    // (A second review:) notes that turn the label round without a word of denial, and
    // one that says what the items are: only a note that says they come first opens a list.
    const Plan round = parse_tasks_md(
        "# Plan\n\n### Task 1: Schema\n\n**Dependencies (incoming):**\n- None\n\n**Dependencies (outgoing):**\n"
        "- Task 2 (models read the schema)\n\n#### Dependencies (used by)\n- Task 2 (models)\n\n"
        "### Task 2: Models\n\n**Dependencies (incoming):**\n- Task 1 (schema)\n\n"
        "**Prerequisites (versions):**\n- 3.12 (Python)\n\n"
        "### Task 3: API\n\n**Dependencies (must complete before this task):**\n- Task 2 (models)\n\n"
        "**Dependencies (needed first by these):**\n- Task 4 (client)\n\n### Task 4: Client\n");
    REQUIRE(round.tasks.size() == 4);
    CHECK(deps(round.tasks[0]).empty());
    CHECK(deps(round.tasks[1]) == "1@17 ");
    CHECK(deps(round.tasks[2]) == "2@25 ");
    // (A third review:) bold items naming tasks declared above (`- **T001**: config
    // loader`) became duplicate tasks; an open parenthesis let `**Unblocks:**` continue an
    // item; item notes that take the dependency back; task numbers declared above under
    // `Requires:` (not versions).
    const Plan third = parse_tasks_md(
        "# Tasks\n\n### T001 Config\nWrite `src/config.py`.\n\n### T002 [P] Models\nWrite `src/models.py`.\n\n"
        "### T003 [P] API\nWrite `src/api.py`.\n\n**Depends on:**\n- **T001**: config loader\n- **T002** \xE2\x80\x94 data models\n\n"
        "### T004 [P] CLI\nWrite `src/cli.py`.\n\n**Depends on:**\n- T001 (config loader :(\n**Unblocks:**\n- T005\n\n"
        "### T005 [P] Docs\nWrite `docs/a.md`.\n\n**Dependencies:**\n- T001 (required)\n- T002 (optional \xE2\x80\x94 only for the examples)\n"
        "- T003 (nice to have, not blocking)\n");
    CHECK(ids(third) == std::vector<std::string>{"T001", "T002", "T003", "T004", "T005"});
    REQUIRE(third.tasks.size() == 5);
    CHECK(deps(third.tasks[2]) == "T001@13 T002@14 ");
    CHECK(deps(third.tasks[3]) == "T001@20 ");
    CHECK(deps(third.tasks[4]) == "T001@28 ");
    // Bold IDs under a `#### Dependencies` heading made the task's heading a section (old):
    // T003 never ran.
    const Plan under_heading = parse_tasks_md(
        "# Tasks\n\n### T001 Config\nWrite `src/config.py`.\n\n### T002 [P] Models\nWrite `src/models.py`.\n\n"
        "### T003 [P] API\nWrite `src/api.py`.\n\n#### Dependencies\n- **T001**\n- **T002** (models)\n\n"
        "### T004 [P] Docs\nWrite `docs/a.md`.\n");
    CHECK(ids(under_heading) == std::vector<std::string>{"T001", "T002", "T003", "T004"});
    REQUIRE(under_heading.tasks.size() == 4);
    CHECK(deps(under_heading.tasks[2]) == "T001@13 T002@14 ");
    const Plan openspec = parse_tasks_md(
        "# Tasks\n\n## 2. Exports\n\n- [ ] 2.1 [P] Implement invoices in `src/invoice.py`\n"
        "- [ ] 2.2 [P] Implement PDF export in `src/pdf.py`\n  - Requires:\n    - 2.1 (invoices)\n    - 60.1 (weasyprint)\n");
    REQUIRE(openspec.tasks.size() == 2);
    CHECK(deps(openspec.tasks[1]) == "2.1@8 ");
    const Plan numbered = parse_tasks_md(
        "# Tasks\n\n## 2. Runtime\n\n- [ ] 2.1 Pin the toolchain in .tool-versions. Requires:\n  - 3.12 (Python)\n"
        "- [ ] 2.2 Add the Dockerfile\n\n## 3. Services\n\n- [ ] 3.12 Add the worker\n");
    REQUIRE(numbered.tasks.size() == 3);
    CHECK(deps(numbered.tasks[0]).empty());
    const Plan versions = parse_tasks_md(
        "# Tasks\n\n## 1. Toolchain\n\n- [ ] 1.1 Pin the toolchain in .tool-versions\n  **Prerequisites:**\n  - 3.12 (Python)\n"
        "  - 2.1 (uv)\n- [ ] 1.2 Add the lock file uv.lock\n  **Depends on:**\n  - 1.1 (the toolchain)\n\n"
        "## 3. Release\n\n- [ ] 3.12 Tag the release\n");
    REQUIRE(versions.tasks.size() == 3);
    CHECK(deps(versions.tasks[0]).empty());
    CHECK(deps(versions.tasks[1]) == "1.1@11 ");
    // A bold task item after the list's items: a task, not a dependency (it was lost).
    const Plan bold = parse_tasks_md(
        "# Tasks\n\n- **T001** \xE2\x80\x94 Create config in src/config.py\n\n### T003 [P] App\nWrite `src/app.py`.\n"
        "**Depends on:**\n- T001 (the config, which\nthe app reads)\n- **T002** complete\n"
        "- **T004** \xE2\x80\x94 Write the user guide in docs/guide.md\n- **T002** \xE2\x80\x94 Create models in src/models.py\n");
    CHECK(ids(bold) == std::vector<std::string>{"T001", "T003", "T004", "T002"});
    REQUIRE(bold.tasks.size() == 4);
    CHECK(deps(bold.tasks[1]) == "T001@8 T002@10 ");
    // Items that say their task is done in a sentence, or copy its title (session 25's
    // misses: the list named nothing, and T003 ran beside them).
    const Plan worded = parse_tasks_md(
        "# Tasks\n\n- [ ] T001 [P] Create the config loader in `src/config.py`\n- [ ] T002 [P] Add models in `src/models.py`\n"
        "- [ ] T003 [P] Write the app in `src/app.py`\n  **Depends on:**\n  - T001 must be complete\n"
        "  - T002 Add models\n- [ ] T004 [P] Write docs in `docs/a.md`\n  **Depends on:**\n  - T001 needs to be done first\n"
        "  - T002 is merged\n- [ ] T005 [P] Write more in `docs/b.md`\n  **Depends on:**\n  - T001 is not complete\n"
        "  - T002 is the models\n  - T003 Add models\n  - T004 Write docs in docs/b.md\n");
    REQUIRE(worded.tasks.size() == 5);
    CHECK(deps(worded.tasks[2]) == "T001@7 T002@8 ");
    CHECK(deps(worded.tasks[3]) == "T001@11 T002@12 ");
    CHECK(deps(worded.tasks[4]).empty());
    // Labels written other ways (session 25's misses): the note after the colon or after
    // a dash, an emoji before the word, a section number. A note after a dash that does
    // not say they come first, or an emoji that is a word of its own, still no label.
    const Plan labels = parse_tasks_md(
        "# Tasks\n\n### T001 Config\n\n### T002 [P] Models\n\n**Depends on:** (must finish first)\n- T001\n\n"
        "### T003 [P] API\n\n#### Dependencies \xE2\x80\x94 must finish first\n\n- T001\n\n"
        "### T004 [P] Client\n\n#### \xE2\x9B\x93\xEF\xB8\x8F Dependencies\n\n- T001\n\n"
        "### T005 [P] Docs\n\n#### 4. Dependencies\n\n- T001\n\n"
        "### T006 [P] More\n\n#### Dependencies \xE2\x80\x94 what waits for this\n\n- T001\n\n"
        "### T007 [P] Last\n\n**Depends on:** (none yet)\n- T001 is done\n");
    REQUIRE(labels.tasks.size() == 7);
    CHECK(deps(labels.tasks[1]) == "T001@8 ");
    CHECK(deps(labels.tasks[2]) == "T001@14 ");
    CHECK(deps(labels.tasks[3]) == "T001@20 ");
    CHECK(deps(labels.tasks[4]) == "T001@26 ");
    CHECK(deps(labels.tasks[5]).empty());
    CHECK(deps(labels.tasks[6]).empty());
    // `completes first`, `must be in place` (session 26's misses); `in placement` is none.
    const Plan placed = parse_tasks_md(
        "# Tasks\n\n- [ ] T001 [P] Schema in `src/schema.py`\n- [ ] T002 [P] Models in `src/models.py`\n"
        "- [ ] T003 [P] App in `src/app.py`\n  **Depends on:**\n  - T001 completes first\n  - T002 must be in place\n"
        "- [ ] T004 [P] More in `src/more.py`\n  **Depends on:**\n  - T001 is in placement review\n");
    REQUIRE(placed.tasks.size() == 4);
    CHECK(deps(placed.tasks[2]) == "T001@7 T002@8 ");
    CHECK(deps(placed.tasks[3]).empty());
    // `Upstream:` as a field and a list label, `Dependencias:` as a list label (session
    // 26's misses); `upstream of T004` says the other way and names none.
    const Plan upstream = parse_tasks_md(
        "# Tasks\n\n- [ ] T001 [P] Schema in `a.py`\n- [ ] T002 [P] Models in `b.py`\n  - Upstream: T001\n"
        "- [ ] T003 [P] App in `c.py`\n\n  **Dependencias:**\n  - T001\n  - T002\n"
        "- [ ] T004 [P] Docs in `d.md`\n  **Upstream:**\n  - T003\n- [ ] T005 [P] More in `e.md` (upstream of T004)\n");
    REQUIRE(upstream.tasks.size() == 5);
    CHECK(deps(upstream.tasks[1]) == "T001@5 ");
    CHECK(deps(upstream.tasks[2]) == "T001@9 T002@10 ");
    CHECK(deps(upstream.tasks[3]) == "T003@13 ");
    CHECK(deps(upstream.tasks[4]).empty());
    // `- Tasks: 1, 2` and `- Task #3` under the label of a `### Task N:` plan.
    const Plan numbered_items = parse_tasks_md(
        "# Plan\n\n### Task 1: Schema\n\n### Task 2: Models\n\n### Task 3: API\n\n**Depends on:**\n- Tasks: 1, 2\n\n"
        "### Task 4: Client\n\n**Depends on:**\n- Task #3 (the API)\n");
    REQUIRE(numbered_items.tasks.size() == 4);
    CHECK(deps(numbered_items.tasks[2]) == "1@10 2@10 ");
    CHECK(deps(numbered_items.tasks[3]) == "3@15 ");
    // What an attack on those found (helper-59): an item that puts its task after this one
    // or speaks of others, a bold task whose title starts with a word of state, an item
    // that says not to wait.
    const Plan sentences = parse_tasks_md(
        "# Tasks\n\n- [ ] T001 [P] Schema in `src/schema.py`\n- [ ] T002 [P] Models in `src/models.py`\n"
        "- [ ] T003 [P] App in `src/app.py`\n  **Depends on:**\n  - T001 should be done after this one\n"
        "  - T002 must be completed before T001\n  - T001 is done separately, no need to wait\n"
        "  - T002 must be completed before any Phase 2 work\n- [ ] T004 [P] More in `src/more.py`\n  **Depends on:**\n"
        "  - T001 must be merged later\n  - T002 needs to be finished first\n\n"
        "### T006 Payments\n**Depends on:**\n- **T003** \xE2\x9C\x85\n\n- **T005** Finish the webhook handler in `src/hooks.py`\n");
    CHECK(ids(sentences) == std::vector<std::string>{"T001", "T002", "T003", "T004", "T006", "T005"});
    REQUIRE(sentences.tasks.size() == 6);
    CHECK(deps(sentences.tasks[2]).empty());
    CHECK(deps(sentences.tasks[3]) == "T002@14 ");
    CHECK(deps(sentences.tasks[4]) == "T003@18 ");
    // More ways to say it (helper-59's m1, m2, m4), and a title's first word alone is none.
    const Plan more = parse_tasks_md(
        "# Tasks\n\n- [ ] T001 [P] Create the config loader in `src/config.py`\n- [ ] T002 [P] Add models in `src/m.py`\n"
        "- [ ] T003 [P] App in `src/app.py`\n  **Depends on:**\n  - T001 must first be complete\n  - T002 needs to land first\n"
        "- [ ] T004 [P] Docs in `docs/a.md`\n  **Depends on:**\n  - T001 was completed\n  - T002 is required\n"
        "- [ ] T005 [P] More in `docs/b.md`\n  **Depends on:**\n  - T001 Create the config loader (read at startup)\n"
        "  - T002 Add models \xE2\x9C\x85\n- [ ] T006 [P] Last in `docs/c.md`\n  **Depends on:**\n  - T001 Ready the queue\n"
        "  - T002 is required by T005\n");
    REQUIRE(more.tasks.size() == 6);
    CHECK(deps(more.tasks[2]) == "T001@7 T002@8 ");
    CHECK(deps(more.tasks[3]) == "T001@11 T002@12 ");
    CHECK(deps(more.tasks[4]) == "T001@15 T002@16 ");
    CHECK(deps(more.tasks[5]).empty());
    // A list of the tasks that wait for it (helper-57's p2): read as its own, a cycle, and
    // the file was refused. A later task on it that says it waits for this one tells.
    const Plan dependents = parse_tasks_md(
        "# Tasks\n\n## Phase 1: Core\n\n### T001 Config\nWrite `src/config.py`.\n\n### T002 Models\nWrite `src/models.py`.\n\n"
        "**Dependencies:**\n- T003 (needs the models)\n- T004 (the client)\n\n## Phase 2: API\n\n"
        "### T003 API\nWrite `src/api.py`.\n\n**Depends on:** T002\n\n### T004 Client\nWrite `src/client.py`.\n\n"
        "**Depends on:** T003\n");
    REQUIRE(dependents.tasks.size() == 4);
    CHECK(deps(dependents.tasks[1]).empty());
    CHECK(deps(dependents.tasks[2]) == "T002@20 ");
    CHECK(deps(dependents.tasks[3]) == "T003@25 T002@13 ");
    const Diagnostic* said = find_diag(dependents, "dependents-list");
    REQUIRE(said != nullptr);
    CHECK(said->line == 12);
    CHECK(said->severity == Severity::info);
    // Not when none of them says so, nor in a file where one such list names a task before
    // its own (T005's: then T001's is as written too), nor under a label that says which
    // way (`Depends on:`): contradictions the graph reports as cycles.
    const Plan forward = parse_tasks_md(
        "### T001 A\n**Dependencies:**\n- T002\n- T003\n\n### T002 B\n\n### T003 C\n**Depends on:** T001\n\n"
        "### T004 D\n**Depends on:** T005\n\n### T005 E\n**Dependencies:**\n- T004\n- T003\n\n"
        "### T006 F\n**Dependencies:**\n- T007\n\n### T007 G\n**Depends on:** T002\n\n"
        "### T008 H\n**Depends on:**\n- T009\n\n### T009 I\n**Depends on:** T008\n");
    REQUIRE(forward.tasks.size() == 9);
    CHECK(deps(forward.tasks[0]) == "T002@3 T003@4 ");
    CHECK(deps(forward.tasks[1]).empty());
    CHECK(deps(forward.tasks[2]) == "T001@9 ");
    CHECK(deps(forward.tasks[3]) == "T005@12 ");
    CHECK(deps(forward.tasks[4]) == "T004@16 T003@17 ");
    CHECK(deps(forward.tasks[5]) == "T007@21 ");
    CHECK(deps(forward.tasks[7]) == "T009@28 ");
    CHECK(find_diag(forward, "dependents-list") == nullptr);  // T005's list names earlier tasks: as written
    CHECK(deps(forward.tasks[8]) == "T008@31 ");
    // A chain of such lists, one of them told (helper-59's b1: T003's list alone turned
    // round, the plan ran T003, T002, T001); an item that says it comes first (b2).
    const Plan chain = parse_tasks_md(
        "### T001 Schema\n**Dependencies:**\n- T002 (the models read the schema)\n\n### T002 Models\n**Dependencies:**\n"
        "- T003 (the exporter uses them)\n\n### T003 Exporter\n**Dependencies:**\n- T004 (the CLI calls it)\n\n"
        "### T004 CLI\n**Depends on:** T003\n");
    REQUIRE(chain.tasks.size() == 4);
    CHECK(deps(chain.tasks[0]).empty());
    CHECK(deps(chain.tasks[1]) == "T001@3 ");
    CHECK(deps(chain.tasks[2]) == "T002@7 ");
    CHECK(deps(chain.tasks[3]) == "T003@14 ");
    REQUIRE(find_diag(chain, "dependents-list") != nullptr);
    CHECK(find_diag(chain, "dependents-list")->line == 3);
    const Plan firm = parse_tasks_md(
        "### T001 A\n\n### T002 B\n**Dependencies:**\n- T004 (must be finished first: the validator)\n\n### T003 C\n\n"
        "### T004 D\n**Depends on:** T002\n");
    REQUIRE(firm.tasks.size() == 4);
    CHECK(deps(firm.tasks[1]) == "T004@5 ");
    CHECK(find_diag(firm, "dependents-list") == nullptr);
    // Told by a range (`Depends on: T001–T002` names T002 too); or by the phases: a task of
    // a later phase waits for the earlier phase's tasks, so as its own the list is a cycle.
    const Plan ranged = parse_tasks_md(
        "# Tasks\n\n- [ ] T001 Skeleton\n- [ ] T002 Config loader\n  - **Dependencies:**\n    - T004 (needs the config)\n"
        "- [ ] T003 Models\n- [ ] T004 Service\n  - **Depends on:** T001\xE2\x80\x93T002\n");
    REQUIRE(ranged.tasks.size() == 4);
    CHECK(deps(ranged.tasks[1]).empty());
    CHECK(deps(ranged.tasks[3]) == "T001-T002@9 T002@6 ");
    REQUIRE(find_diag(ranged, "dependents-list") != nullptr);
    CHECK(find_diag(ranged, "dependents-list")->message.find("T004 waits for T002 (line 9)") != std::string::npos);
    const std::string phased =
        "# Tasks\n\n## Phase 1: Setup\n\n- [ ] T001 Skeleton\n  - **Dependencies:**\n    - T003 (needs the skeleton)\n"
        "- [ ] T002 Config\n\n## Phase 2: Core\n\n- [ ] T003 Models\n- [ ] T004 Service\n";
    const Plan by_phase = parse_tasks_md(phased);
    CHECK(deps(by_phase.tasks[0]).empty());
    CHECK(deps(by_phase.tasks[2]) == "T001@7 ");
    REQUIRE(find_diag(by_phase, "dependents-list") != nullptr);
    CHECK(find_diag(by_phase, "dependents-list")->message.find("T003 is in a later phase than T001") != std::string::npos);
    CHECK(build_graph(by_phase).has_value());
    // Two user stories may run side by side: a list from one to the other is as written.
    std::string stories = phased;
    stories.replace(stories.find("Phase 1: Setup"), 14, "Phase 3: User Story 1 (Priority: P1)");
    stories.replace(stories.find("Phase 2: Core"), 13, "Phase 4: User Story 2 (Priority: P2)");
    const Plan story_lists = parse_tasks_md(stories);
    CHECK(deps(story_lists.tasks[0]) == "T003@7 ");
    CHECK(find_diag(story_lists, "dependents-list") == nullptr);
    CHECK(deps(m.tasks[2]) == "T001@14 T001-T002@15 ");
    CHECK(deps(m.tasks[3]) == "T003@21 ");
    CHECK(deps(m.tasks[4]) == "T004@26 ");
    CHECK(deps(m.tasks[5]) == "T005@31 T001@32 ");
    CHECK(deps(m.tasks[6]).empty());
    CHECK(deps(m.tasks[7]) == "T006@38 T007@40 ");
    CHECK(deps(m.tasks[8]).empty());
  }

  TEST_CASE("7: code fences of every kind and HTML comments hide tasks") {
    Plan p = parse_tasks_md(
        "```bash\n- [ ] T100 in backticks\n```\n"
        "~~~\n- [ ] T101 in tildes\n~~~\n"
        "````markdown\n```\n- [ ] T102 in a four-backtick fence\n```\n````\n"
        "<!--\n- [ ] T103 in a comment\n-->\n"
        "<!-- one line --> \n"
        "- [ ] T001 visible\n");
    CHECK(ids(p) == std::vector<std::string>{"T001"});
    std::size_t code = 0, comment = 0;
    for (const Skipped& s : p.skipped) {
      code += s.reason == SkipReason::in_code;
      comment += s.reason == SkipReason::in_comment;
    }
    CHECK(code == 3);
    CHECK(comment == 1);
  }

  TEST_CASE("7: an unclosed fence is reported where it opens") {
    Plan p = parse_tasks_md("- [ ] T001 a\n```\n- [ ] T002 swallowed\n");
    const Diagnostic* d = find_diag(p, "unclosed-fence");
    REQUIRE(d != nullptr);
    CHECK(d->line == 2);
    CHECK(ids(p) == std::vector<std::string>{"T001"});
  }

  TEST_CASE("8: a task is more than one line: wrapped text, sub-bullets, paths across lines") {
    Plan p = parse_tasks_md(
        "- [X] T001 Create branch and confirm `dotnet build` (backend) and\n"
        "  `nx build web` (frontend) are green; edit `apps/web/\n"
        "  - Validate message (non-empty)\n"
        "  - **Files**: Create `src/models/enums.rs`\n"
        "\n"
        "  More body after a blank line\n"
        "\n"
        "Not part of the body\n"
        "- [ ] T002 next\n");
    REQUIRE(p.tasks.size() == 2);
    const Task& t = p.tasks[0];
    CHECK(t.description ==
          "Create branch and confirm `dotnet build` (backend) and `nx build web` (frontend) are green; edit `apps/web/");
    CHECK(t.body_first == 2);
    CHECK(t.body_last == 6);
    CHECK(paths(t) == std::vector<std::string>{"apps/web/", "src/models/enums.rs"});
  }

  TEST_CASE("9: phase headings of many forms, kinds, stories and priorities") {
    Plan p = parse_tasks_md(
        "## Phase 1: Setup (Shared Infrastructure)\n- [ ] T001 a\n"
        "## Phase 2: Foundational (Blocking Prerequisites)\n- [ ] T002 b\n"
        "## Phase 3: User Story 6 - Coach Marks Attendance (Priority: P1) 🎯 PREREQUISITE\n"
        "### Tests for User Story 6\n- [ ] T003 [US6] c\n### Implementation for User Story 6\n- [ ] T004 [US6] d\n"
        "## Phase 3.2: Data Files Creation (Parallel) ⚠️ PRIORITY\n- [ ] T005 e\n"
        "## Phase A — Modèles & migration\n- [ ] T006 [US2] f\n"
        "## Phase 2: US1 - System Renaming (P1)\n- [ ] T007 g\n"
        "## Phase N: Polish & Cross-Cutting Concerns\n- [ ] T008 h\n");
    REQUIRE(p.phases.size() == 7);
    CHECK(p.phases[0].kind == PhaseKind::setup);
    CHECK(p.phases[0].number == "1");
    CHECK(p.phases[1].kind == PhaseKind::foundational);
    CHECK(p.phases[2].kind == PhaseKind::user_story);
    CHECK(p.phases[2].story == 6);
    CHECK(p.phases[2].priority == "P1");
    CHECK(p.phases[3].number == "3.2");
    CHECK(p.phases[3].kind == PhaseKind::other);
    CHECK(p.phases[4].number == "A");
    CHECK(p.phases[4].kind == PhaseKind::user_story);  // all its tasks are [US2]
    CHECK(p.phases[4].story == 2);
    CHECK(p.phases[5].story == 1);
    CHECK(p.phases[5].priority == "P1");
    CHECK(p.phases[6].kind == PhaseKind::polish);
    CHECK(p.groups.size() == 8);
    CHECK(p.tasks[2].group != p.tasks[3].group);
    CHECK(p.groups[static_cast<std::size_t>(p.tasks[2].group)].title == "Tests for User Story 6");
  }

  // LuisDomingo-devops/AI_manager writes "(Prioridad: P1)"; others write the word in
  // their language, some with a full-width colon. Before, only English was read.
  // heliohashinaga/storybook-ai 006: "T011 [P] Unit de `planner.ts` … em
  // `tests/unit/…/planner.test.ts`" under "Tests for User Story 1": the bare name is what
  // the test tests. It had been taken for T016's src/…/agents/planner.ts, and the two [P]
  // tasks shared a lock.
  TEST_CASE("9a: in a group of tests, the module a test file tests is not a file the task writes") {
    const std::string text =
        "## Phase 3: User Story 1\n### Tests for User Story 1\n"
        "- [ ] T011 [P] [US1] Unit de `planner.ts` em `tests/unit/agents/planner.test.ts`\n"
        "- [ ] T012 [P] [US1] Tests for `config.py` in `tests/test_config.py`\n"
        "- [ ] T013 [P] [US1] Contract test of `client.go` in `client_test.go`, fixtures in `helpers.go`\n"
        "### Implementation for User Story 1\n"
        "- [ ] T016 [P] [US1] Implementar `planner.ts` em `src/agents/planner.ts`\n"
        "- [ ] T017 [P] [US1] Write `config.py` in `app/config.py`, tested by `tests/test_config.py`\n"
        "- [ ] T018 [P] [US1] Write `client.go` and `helpers.go` in `pkg/`\n";
    const Plan p = parse_tasks_md(text);
    REQUIRE(p.tasks.size() == 6);
    auto paths = [&](int i) {
      std::string out;
      for (const PathRef& r : p.tasks[static_cast<std::size_t>(i)].paths) out += (out.empty() ? "" : " ") + r.path;
      return out;
    };
    CHECK(paths(0) == "tests/unit/agents/planner.test.ts");
    CHECK(paths(1) == "tests/test_config.py");
    CHECK(paths(2) == "client_test.go pkg/helpers.go");  // helpers.go is no test's module
    CHECK(paths(3) == "src/agents/planner.ts");
    // Outside a group of tests, a bare name beside a test file stays (it may be written).
    CHECK(paths(4) == "app/config.py tests/test_config.py");
  }

  TEST_CASE("9b: priorities in phase titles as other languages write them") {
    const std::pair<const char*, const char*> titles[] = {
        {"User Story 1 - Erradicación (Prioridad: P1)", "P1"},  {"User Story 2 - Regras (Prioridade: P2)", "P2"},
        {"User Story 3 - Schlüssel (Priorität: P3)", "P3"},     {"User Story 1 - Import (Priorité : P1)", "P1"},
        {"User Story 2 - Ricerca (Priorità: P2)", "P2"},       {"用户故事 1 - 登录 (优先级: P1)", "P1"},
        {"ユーザーストーリー 2 - 検索 (優先度：P2)", "P2"},     {"사용자 스토리 3 (우선순위: P3)", "P3"},
        {"User Story 4 - Priority order matters (P2)", "P2"}, {"Prioridad alta para el equipo", ""},
    };
    for (const auto& [title, want] : titles) {
      INFO(title);
      const Plan p = parse_tasks_md(std::string("## Phase 3: ") + title + "\n- [ ] T001 [US1] a\n");
      REQUIRE(p.phases.size() == 1);
      CHECK(p.phases[0].priority == want);
    }
  }

  // NiklasBlumenroth/cozychristmas 008: `## Phase 2: Fundament (blockiert alle User
  // Stories)` was a story phase (of no story) because it says "User Stories", so the
  // stories ran beside it, before the types and test files it creates.
  TEST_CASE("9: a heading that says it comes before all user stories is not a story phase") {
    const Plan p = parse_tasks_md(
        "## Phase 1: Setup\n- [ ] T001 a\n"
        "## Phase 2: Fundament (blockiert alle User Stories)\n- [ ] T002 b\n"
        "## Phase 3: Core (blocks all User Stories)\n- [ ] T003 c\n"
        "## Phase 4: Core types shared by all user stories\n- [ ] T004 d\n"
        "## Phase 5: Fundação (bloqueia todas as user stories)\n- [ ] T005 e\n"
        "## Phase 6: User Stories\n- [ ] T006 f\n");
    REQUIRE(p.phases.size() == 6);
    CHECK(p.phases[1].kind == PhaseKind::foundational);
    CHECK(p.phases[2].kind == PhaseKind::foundational);
    CHECK(p.phases[3].kind == PhaseKind::other);
    CHECK(p.phases[4].kind == PhaseKind::foundational);
    CHECK(p.phases[5].kind == PhaseKind::user_story);
  }

  // A corpus file's `Phase 2: 后端（US1-US3 的能力基础）` ("the backend, groundwork for
  // US1-US3") was read as US1's story phase, so it ran beside US2 and US3 instead of before.
  TEST_CASE("9: a heading that names several stories is no one story's phase") {
    const Plan p = parse_tasks_md(
        "## Phase 2: \u540e\u7aef\uff08US1-US3 \u7684\u80fd\u529b\u57fa\u7840\uff09\n- [ ] T001 a\n"
        "## Phase 3: Shared models (US1, US2)\n- [ ] T002 b\n"
        "## Phase 4: User Story 1 & 2 groundwork\n- [ ] T003 c\n"
        "## Phase 5: User Story 1 - Sign up (Priority: P1)\n- [ ] T004 d\n"
        "## Phase 6: US2 \u2013 Log in\n- [ ] T005 e\n");
    REQUIRE(p.phases.size() == 5);
    for (int i = 0; i < 3; ++i) {
      INFO(p.phases[static_cast<std::size_t>(i)].title);
      CHECK(p.phases[static_cast<std::size_t>(i)].story == 0);
      CHECK(p.phases[static_cast<std::size_t>(i)].kind != PhaseKind::user_story);
    }
    CHECK(p.phases[3].story == 1);
    CHECK(p.phases[4].story == 2);
  }

  TEST_CASE("9: phases may be H3 under a container H2") {
    Plan p = parse_tasks_md("## Task List\n### Phase 1: Setup\n- [ ] T001 a\n#### Backend\n- [ ] T002 b\n"
                            "### Phase 2: Core\n- [ ] T003 c\n");
    REQUIRE(p.phases.size() == 2);
    CHECK(p.phases[0].title == "Phase 1: Setup");
    CHECK(p.phases[0].level == 3);
    CHECK(p.groups[static_cast<std::size_t>(p.tasks[1].group)].title == "Backend");
  }

  TEST_CASE("9: tasks before any heading belong to an untitled phase") {
    Plan p = parse_tasks_md("- [ ] T001 a\n## Phase 1\n- [ ] T002 b\n");
    REQUIRE(p.phases.size() == 2);
    CHECK(p.phases[0].line == 0);
    CHECK(p.phases[0].title.empty());
  }

  // LuisDomingo-devops/AI_manager 001: `tests/backend/qa/test_qa_stress.py:L254-261` kept its
  // suffix as part of the path (a lock no other task shares), and
  // `app/utils/dev_seeder.py:L7,L17,L216` lost its path: two [P] tasks on one file ran together.
  TEST_CASE("10: line suffixes written with L are not part of the path") {
    const Plan p = parse_tasks_md("- [ ] T001 [P] Fix `tests/qa/test_stress.py:L254-261`\n"
                                  "- [ ] T002 [P] Fix tests/qa/test_stress.py:L83-L130\n"
                                  "- [ ] T003 [P] Fix `app/utils/dev_seeder.py:L7,L17,L216,L251`\n"
                                  "- [ ] T004 [P] Fix `app/utils/legal.py:Lib`\n");
    REQUIRE(p.tasks.size() == 4);
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"tests/qa/test_stress.py"});
    CHECK(paths(p.tasks[1]) == std::vector<std::string>{"tests/qa/test_stress.py"});
    CHECK(paths(p.tasks[2]) == std::vector<std::string>{"app/utils/dev_seeder.py"});
    CHECK(paths(p.tasks[3]) != std::vector<std::string>{"app/utils/legal.py"});
  }

  // MaximeMaigret2/arrete-prefectoraux 008: T001 names the test file, T002-T008 [P] say
  // "Même fichier : nouveau test …". They named no file, so seven agents wrote one file at
  // once, without a shared-file warning.
  TEST_CASE("10: a task in the same file as the one before it edits that file") {
    const Plan p = parse_tasks_md("## Phase 1\n- [ ] T001 Create `backend/tests/backfill.test.ts` with a first test\n"
                                  "- [ ] T002 [P] Même fichier : nouveau test (a)\n- [ ] T003 [P] Same file: test (b)\n"
                                  "- [ ] T004 [P] Test (c) in the same file, and `src/other.ts`\n"
                                  "## Phase 2\n- [ ] T005 Same file: test (d)\n- [ ] T006 Another test\n");
    REQUIRE(p.tasks.size() == 6);
    const std::vector<std::string> file{"backend/tests/backfill.test.ts"};
    CHECK(paths(p.tasks[1]) == file);
    CHECK(paths(p.tasks[2]) == file);
    CHECK(paths(p.tasks[3]) == std::vector<std::string>{"src/other.ts"});  // it names its own
    CHECK(paths(p.tasks[4]).empty());                                      // another phase
    CHECK(paths(p.tasks[5]).empty());
  }

  TEST_CASE("10: paths from backticks, in/at phrases, bare tokens, links, suffixes, braces") {
    Plan p = parse_tasks_md(
        "- [ ] T001 Update `src/preload/index.ts` and trials.tsx:160-178 at app/(tabs)/trials.tsx\n"
        "- [ ] T002 See [src/game/core/engine.ts](../../src/game/core/engine.ts) and README.md\n"
        "- [ ] T003 Create backend/src/institution/{domain,application}/ layers\n"
        "- [ ] T004 Fix apps/web/src/**tests**/app.test.ts\n"
        "- [ ] T005 Setup Next.js with Node.js, e.g. v1.2 and and/or CI/CD\n"
        "- [ ] T006 Edit ../outside.py and ~/home.c and /workspaces/caro/src/models/enums.rs\n"
        "- [ ] T007 Docs at .flow/docs/*.md in src/models\n"
        "- [ ] T008 Run `go build ./...` and `npm install @prisma/client`\n"
        "- [ ] T009 Test `tests/unit/svc.test.ts` (`svc.test.ts` covers it)\n");
    REQUIRE(p.tasks.size() == 9);
    CHECK(paths(p.tasks[8]) == std::vector<std::string>{"tests/unit/svc.test.ts"});
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"src/preload/index.ts", "app/(tabs)/trials.tsx"});
    CHECK(paths(p.tasks[1]) == std::vector<std::string>{"src/game/core/engine.ts", "README.md"});
    CHECK(paths(p.tasks[2]) ==
          std::vector<std::string>{"backend/src/institution/domain/", "backend/src/institution/application/"});
    CHECK(paths(p.tasks[3]) == std::vector<std::string>{"apps/web/src/__tests__/app.test.ts"});
    CHECK(paths(p.tasks[4]).empty());
    REQUIRE(p.tasks[5].paths.size() == 2);
    CHECK(p.tasks[5].paths[0].path == "~/home.c");
    CHECK(p.tasks[5].paths[1].path == "/workspaces/caro/src/models/enums.rs");
    CHECK(p.tasks[5].paths[1].absolute);
    CHECK(paths(p.tasks[6]) == std::vector<std::string>{".flow/docs/*.md", "src/models"});
    CHECK(p.tasks[6].paths[0].glob);
    CHECK(paths(p.tasks[7]).empty());
    std::size_t outside = 0;
    for (const Diagnostic& d : p.diagnostics) outside += d.code == "path-outside-repo";
    CHECK(outside == 1);  // ../outside.py (resolve_paths judges the absolute ones)
  }

  TEST_CASE("10: a file named in a folder, a bare name resolved across tasks, extensions in prose") {
    Plan p = parse_tasks_md(
        "- [ ] T011 Create ExcelPreview.jsx component in src/Preview/ExcelPreview.jsx\n"
        "- [ ] T012 Create styles.js in src/Preview/\n"
        "- [ ] T013 Implement loading in ExcelPreview.jsx\n"
        "- [ ] T014 Accept (.xlsx, .xls) and edit `.env` and .gitignore\n"
        "- [ ] T015 Touch index.ts\n- [ ] T016 Edit a/index.ts and b/index.ts\n");
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"src/Preview/ExcelPreview.jsx"});
    CHECK(paths(p.tasks[1]) == std::vector<std::string>{"src/Preview/styles.js"});
    CHECK(paths(p.tasks[2]) == std::vector<std::string>{"src/Preview/ExcelPreview.jsx"});
    CHECK(paths(p.tasks[3]) == std::vector<std::string>{".env", ".gitignore"});
    CHECK(paths(p.tasks[4]) == std::vector<std::string>{"index.ts"});  // ambiguous: kept as written
    // A name every folder of a kind has is no one folder's, though one task names only one:
    // `mod.rs` under `src/parser/` is not the `mod.rs` another task edits.
    const Plan q = parse_tasks_md(
        "- [ ] T001 Create src/parser/mod.rs and src/parser/lexer.rs\n- [ ] T002 Register the module in mod.rs\n"
        "- [ ] T003 Wire lexer.rs into the build\n");
    CHECK(paths(q.tasks[1]) == std::vector<std::string>{"mod.rs"});
    CHECK(paths(q.tasks[2]) == std::vector<std::string>{"src/parser/lexer.rs"});
  }

  // PoSeeReview 001: "Create IRestaurantService.cs interface in src/Po.SeeReview.Core/Interfaces/"
  // named a root file and a folder, which every [P] task of that folder then locked; spec-kit's
  // self-specification: "project-level agent context at `CLAUDE.md`" became another task's
  // `specs/…/CLAUDE.md` (a false shared file, and the wrong file in its prompt).
  TEST_CASE("10: a file's kind between it and its folder; a bare name written as the place") {
    Plan p = parse_tasks_md(
        "- [ ] T001 [P] Create IFoo.cs interface in src/Core/Interfaces/\n"
        "- [ ] T002 [P] Create `IBar.cs` abstract class in `src/Core/Interfaces/`\n"
        "- [ ] T003 Create config.py and docs in docs/\n"
        "- [ ] T004 [P] Create feature context at `specs/001-x/CLAUDE.md`\n"
        "- [ ] T005 [P] Create project-level context at `CLAUDE.md`\n"
        "- [ ] T006 Read CLAUDE.md again\n");
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"src/Core/Interfaces/IFoo.cs"});
    CHECK(paths(p.tasks[1]) == std::vector<std::string>{"src/Core/Interfaces/IBar.cs"});
    CHECK(paths(p.tasks[2]) == std::vector<std::string>{"config.py", "docs/"});  // "and docs": not its kind
    CHECK(paths(p.tasks[4]) == std::vector<std::string>{"CLAUDE.md"});
    CHECK(paths(p.tasks[5]) == std::vector<std::string>{"specs/001-x/CLAUDE.md"});  // no place: the one named
    // The graph (which warns of [P] tasks sharing a file) sees no file T001/T002 or
    // T004/T005 share.
    const auto g = build_graph(std::move(p));
    REQUIRE(g);
    for (const Diagnostic& d : g->diagnostics()) CHECK(d.code != "parallel-shared-file");
  }

  // StefanSchubert/sabi 002: `` `V1_5_0_1__….sql` erstellen in `…/version1_5_0/` `` (German
  // puts the verb last) and `` `A.java` und `B.java` erstellen in `…/services/` `` locked the
  // folder, so T002-T005 [P] ran one at a time, and files at the root that do not exist.
  // In English only the last of "a.js and b.js in src/" took the folder.
  TEST_CASE("10: every file of a list takes the folder after it; a German verb between them") {
    Plan p = parse_tasks_md(
        "- [ ] T001 [P] Flyway-Migration `V1__a.sql` erstellen in `db/migration/`\n"
        "- [ ] T002 [P] `A.java` und `B.java` erstellen in `x/services/`\n"
        "- [ ] T003 [P] Create a.js and b.js in src/comp/\n- [ ] T004 [P] Create c.js, d.js, e.js in lib/\n"
        "- [ ] T005 Edit main.py, then add tests in tests/\n");
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"db/migration/V1__a.sql"});
    CHECK(paths(p.tasks[1]) == std::vector<std::string>{"x/services/A.java", "x/services/B.java"});
    CHECK(paths(p.tasks[2]) == std::vector<std::string>{"src/comp/a.js", "src/comp/b.js"});
    CHECK(paths(p.tasks[3]) == std::vector<std::string>{"lib/c.js", "lib/d.js", "lib/e.js"});
    CHECK(paths(p.tasks[4]) == std::vector<std::string>{"main.py", "tests/"});
  }

  // innocentEdosa/tm 025: a storage key written as a template; AI-ERP-ITE/Watch-Faces 009:
  // `icon_{iconKey}.png`; gcmcnutt/autoc 014: `OutputDir/{timestamp}/`. A brace group with no
  // comma lists no alternatives (the shell leaves `{x}` as it is): it is a placeholder, and
  // the token names no file.
  TEST_CASE("10: a brace group without a comma is a placeholder, not an expansion") {
    Plan p = parse_tasks_md(
        "- [ ] T001 Store at `{tenantId}/content_item/{fileName}` and edit `src/api.ts`\n"
        "- [ ] T002 Scaffold `apps/{app-name}/src/`\n"
        "- [ ] T003 Draw `icon_{iconKey}.png` in src/icons.ts\n"
        "- [ ] T004 Create src/{a,b}.ts\n");
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"src/api.ts"});
    CHECK(paths(p.tasks[1]).empty());
    CHECK(paths(p.tasks[2]) == std::vector<std::string>{"src/icons.ts"});
    CHECK(paths(p.tasks[3]) == std::vector<std::string>{"src/a.ts", "src/b.ts"});
  }

  // notbadcode-dev/planet-explorer 010: "fuera de sus `*.constants.ts`" gave the path
  // ".constants.ts", and `**/*.ts` the absolute "/*.ts": the leading star was taken for
  // bold markers, which a code span cannot hold.
  TEST_CASE("10: a glob in backticks keeps its leading star") {
    Plan p = parse_tasks_md(
        "- [ ] T001 No literals outside `*.constants.ts`\n"
        "- [ ] T002 Lint `**/*.ts` and **src/app.ts**\n");
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"*.constants.ts"});
    REQUIRE(p.tasks[0].paths.size() == 1);
    CHECK(p.tasks[0].paths[0].glob);
    CHECK(paths(p.tasks[1]) == std::vector<std::string>{"**/*.ts", "src/app.ts"});
    for (const PathRef& r : p.tasks[1].paths) CHECK_FALSE(r.absolute);
  }

  TEST_CASE("12: frontmatter, BOM, CRLF, no final newline, a task spliced into the title") {
    const std::string text =
        "\xEF\xBB\xBF---\r\ndescription: x\r\n- [ ] T900 not a task\r\n---\r\n"
        "# Tasks: Jo- [x] T026 Implement tool\r\n"
        "## Phase 1\r\n- [ ] T001 Create `a.py`   \r\n- [X] T002 Last line";
    Plan p = parse_tasks_md(text);
    CHECK(p.bom);
    CHECK(p.crlf);
    CHECK(ids(p) == std::vector<std::string>{"T001", "T002"});
    CHECK(p.tasks[0].description == "Create `a.py`");
    CHECK(text.substr(p.tasks[0].span.offset, p.tasks[0].span.length) == "- [ ] T001 Create `a.py`   ");
    CHECK(text.substr(p.tasks[1].span.offset, p.tasks[1].span.length) == "- [X] T002 Last line");
    CHECK(p.line_count == 8);
    flow::test::check_invariants(text, p);
  }

  TEST_CASE("12: a one-space indent is still top level; two spaces is nested") {
    Plan p = parse_tasks_md(" - [X] T001 top\n  - [ ] T002 nested\n");
    CHECK(ids(p) == std::vector<std::string>{"T001"});
  }

  // dobryakov/sonaka: ` - [ ] T043 [P] …` after `- [ ] T042 …`, one column in, nine pending
  // tasks among them: all were read as T042's nested boxes, never run, and their files
  // became T042's, without a warning. An item indented less than the task's text is its
  // sibling (CommonMark); one under its text is nested.
  TEST_CASE("12: an item one column in after a task is its sibling, not its body") {
    for (const char* gap : {"", "\n"}) {
      INFO("gap: " << (*gap ? "a blank line" : "none"));
      const std::string text = std::string("## Phase 1\n- [ ] T001 Do A in `src/a.js`\n") + gap +
                               " - [ ] T002 [P] Do B in `src/b.js`\n - [x] T003 Do C in `src/c.js`\n"
                               "   - [ ] its check\n- **T004** Do D\n - **T005** Do E\n";
      const Plan p = parse_tasks_md(text);
      REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002", "T003", "T004", "T005"});
      CHECK(p.tasks[0].paths.size() == 1);
      CHECK(p.tasks[1].parallel);
      CHECK(p.tasks[2].state == TaskState::done);
      CHECK(p.tasks[2].body_first == p.tasks[2].line + 1);  // its own nested box
      test::check_invariants(text, p);
    }
    // Two columns in: nested, as before.
    CHECK(ids(parse_tasks_md("- [ ] T001 a\n  - [ ] T002 b\n")) == std::vector<std::string>{"T001"});
    // A detail one column in is still the task's: only a task's own item is a sibling.
    const Plan detail = parse_tasks_md("- [ ] T001 Create the model\n - Files: `src/model.txt`\n - Depends on: T002\n"
                                       "- [ ] T002 Create the schema\n");
    REQUIRE(ids(detail) == std::vector<std::string>{"T001", "T002"});
    CHECK(detail.tasks[0].paths.size() == 1);
    CHECK(detail.tasks[0].depends_on.size() == 1);
    CHECK(ids(parse_tasks_md("1. [ ] T001 a\n  - [ ] T002 b\n")) == std::vector<std::string>{"T001"});
  }

  TEST_CASE("12: a list indented two or three columns throughout is top level; nesting is relative to it") {
    // Up to three columns of indent is not nesting (CommonMark): such lists were skipped whole.
    Plan p = parse_tasks_md("## Phase 1\n  - [ ] T001 one\n  - [ ] T002 two\n    - [ ] T002a nested\n"
                            "## Phase 2\n   - [ ] T003 three\n\nText at the margin.\n\n  - [ ] T004 four\n");
    REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002", "T003", "T004"});
    REQUIRE(find_skip(p, 4) != nullptr);
    CHECK(find_skip(p, 4)->reason == SkipReason::nested);
    CHECK(p.tasks[2].phase == 1);
    // Four columns with no list before it stays what it was: not a task.
    CHECK(parse_tasks_md("## Phase 1\n    - [ ] T001 deep\n").tasks.empty());
  }

  TEST_CASE("12: a line that looks like a task but is not one is said, with its line") {
    // Each used to vanish: in no task list, in no skipped list, in no warning.
    const std::string text = "## Phase 1\n- [ ] T001 fine\n- [] T002 empty box\n-[ ] T003 no space\n"
                             "- [X]T004 glued\n> - [ ] T005 quoted\n<!-- - [ ] T006 commented -->\n"
                             "- [ ] T007 fine too\n- [] not a task: no ID\n";
    Plan p = parse_tasks_md(text);
    CHECK(ids(p) == std::vector<std::string>{"T001", "T007"});
    std::vector<int> lines;
    for (const Diagnostic& d : p.diagnostics)
      if (d.code == "malformed-task") lines.push_back(d.line);
    CHECK(lines == std::vector<int>{3, 4, 5, 6});
    REQUIRE(find_skip(p, 7) != nullptr);
    CHECK(find_skip(p, 7)->reason == SkipReason::in_comment);
    const Plan mac = parse_tasks_md("## Phase 1\r- [ ] T001 a\r- [ ] T002 b\r");
    const Diagnostic* cr = find_diag(mac, "cr-line-endings");
    REQUIRE(cr != nullptr);
    CHECK(cr->severity == Severity::warning);
    // No false alarm on the corpus's real files is checked by the corpus test.
  }

  TEST_CASE("12: a file that starts with a thematic break is Markdown, not frontmatter") {
    // The template's `---` separators: the first one used to hide everything up to the
    // second, so Phase 1 was never run.
    const std::string text = "---\n\n# Tasks\n\n## Phase 1: Setup\n- [ ] T001 one\n- [ ] T002 two\n\n---\n\n"
                             "## Phase 2: Core\n- [ ] T003 three\n";
    Plan p = parse_tasks_md(text);
    REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002", "T003"});
    CHECK(p.phases[static_cast<std::size_t>(p.tasks[0].phase)].title == "Phase 1: Setup");
    flow::test::check_invariants(text, p);
    // Frontmatter has keys: that block is still hidden, a heading in it is not YAML.
    CHECK(parse_tasks_md("---\ntitle: x\n---\n- [ ] T001 a\n").tasks.size() == 1);
    CHECK(ids(parse_tasks_md("---\nnote: x\n## Phase 1\n- [ ] T001 a\n---\n- [ ] T002 b\n")) ==
          std::vector<std::string>{"T001", "T002"});
  }
}

TEST_SUITE("totality") {
  TEST_CASE("a NUL byte is an error, never a crash") {
    const std::string text = std::string("- [ ] T001 a\n- [ ] T002 \0b\n", 26);
    Plan p = parse_tasks_md(text);
    const Diagnostic* d = find_diag(p, "nul-byte");
    REQUIRE(d != nullptr);
    CHECK(d->severity == Severity::error);
    CHECK(d->line == 2);
    CHECK(p.tasks.size() == 2);
  }

  TEST_CASE("invalid UTF-8 is a warning and the bytes are kept") {
    const std::string text = "- [ ] T001 caf\xE9\n";
    Plan p = parse_tasks_md(text);
    REQUIRE(find_diag(p, "invalid-utf8") != nullptr);
    CHECK(only_task(p).description == "caf\xE9");
  }

  TEST_CASE("empty input, lone newlines and no tasks") {
    CHECK(parse_tasks_md("").tasks.empty());
    CHECK(find_diag(parse_tasks_md(""), "no-tasks") != nullptr);
    CHECK(parse_tasks_md("\n\n\n").line_count == 3);
    CHECK(parse_tasks_md("- [").tasks.empty());
    CHECK(parse_tasks_md("- [ ]").tasks.empty());
    CHECK(parse_tasks_md("- [ ] T1").tasks.size() == 1);
  }

  // Task lists written as paragraphs (three of one public repository's files): in a file
  // with no task written otherwise, a paragraph that starts with a task's ID is a task.
  TEST_CASE("a task list written as paragraphs is read: state, labels, dependencies and body") {
    SUBCASE("one line each, labels ending the line") {
      const Plan p = parse_tasks_md(
          "# Tasks\n\n## Setup\nT001. Capture the baseline in `a.json`.  \nT002. Add `b.py`. [P]\n"
          "T003. Use it in `c.py`. [Depends: T001 T002]\nT004. Ship `d.py`. [X]\n");
      REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002", "T003", "T004"});
      for (const Diagnostic& d : p.diagnostics) CHECK_MESSAGE(d.severity == Severity::info, d.code);
      for (const Task& t : p.tasks) CHECK(t.form == TaskForm::paragraph);
      CHECK(p.tasks[0].description == "Capture the baseline in `a.json`.");
      CHECK(!p.tasks[0].parallel);
      CHECK(p.tasks[1].parallel);
      REQUIRE(p.tasks[2].depends_on.size() == 2);
      CHECK(p.tasks[2].depends_on[0].first == "T001");
      CHECK(p.tasks[2].depends_on[1].first == "T002");
      CHECK(p.tasks[2].state == TaskState::pending);
      CHECK(p.tasks[3].state == TaskState::done);
      CHECK(p.tasks[3].mark_offset == Task::npos);  // no mark written: the journal keeps its state
    }
    SUBCASE("bold IDs with labels, a note, and a Deps line under each") {
      const Plan p = parse_tasks_md(
          "# Tasks\n\n### Setup\n**T001** [X]: Create the script.  \nDeps: None.\n\n"
          "**T002 [P] [X]**: Add a test.  \nDeps: T001.\n\n**T003 (HIGH)**: Ship it.  \nDeps: T002.\n\n"
          "**T004 [X, superseded in 2.0]**: Old work.\n");
      REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002", "T003", "T004"});
      CHECK(p.tasks[0].state == TaskState::done);
      CHECK(p.tasks[0].description == "Create the script.");
      CHECK(p.tasks[1].state == TaskState::done);
      CHECK(p.tasks[1].parallel);
      REQUIRE(p.tasks[1].depends_on.size() == 1);
      CHECK(p.tasks[1].depends_on[0].first == "T001");
      CHECK(p.tasks[2].state == TaskState::pending);
      CHECK(p.tasks[2].description == "(HIGH): Ship it.");
      REQUIRE(p.tasks[2].depends_on.size() == 1);
      CHECK(p.tasks[2].depends_on[0].first == "T002");
      CHECK(p.tasks[3].state == TaskState::done);
      for (const Task& t : p.tasks) CHECK(t.labels.empty());
    }
    SUBCASE("[P] in a note after the ID or a Parallelizable field; the body up to the document's next paragraph") {
      const Plan p = parse_tasks_md(
          "Setup tasks\n\nT010. (Test [P]) Create the test. [X]\n- File: `a.py`\n\n  - more of it\n\n"
          "Polish & docs\n\nT020. (Core) Implement it.\n- Parallelizable: yes [P]\n\nT021) Document it.\n"
          "- Parallelizable: no\n");
      REQUIRE(ids(p) == std::vector<std::string>{"T010", "T020", "T021"});
      CHECK(p.tasks[0].parallel);
      CHECK(p.tasks[0].state == TaskState::done);
      CHECK(p.tasks[0].body_last == 6);  // `  - more of it`, not `Polish & docs`
      CHECK(p.tasks[1].parallel);  // its body says so
      CHECK(!p.tasks[2].parallel);
      CHECK(p.tasks[2].description == "Document it.");
    }
    SUBCASE("not where anything else is a task, nor IDs of requirements") {
      const Plan boxes = parse_tasks_md("- [ ] T001 a\n\nT002. prose that names a task.\nT003. more prose.\n");
      CHECK(ids(boxes) == std::vector<std::string>{"T001"});
      const Plan reqs = parse_tasks_md("# Spec\n\nFR-001: The system must log.\nFR-002: The system must retry.\n");
      CHECK(reqs.tasks.empty());
      const Diagnostic* d = find_diag(reqs, "no-tasks");
      REQUIRE(d != nullptr);
      CHECK(d->severity == Severity::warning);
    }
  }

  // Lines that start with task IDs of no one shape twice: no task read, and an error
  // naming the first of them. One such line, or lines in code, lists or headings, do not
  // make a task list: there, no tasks is a warning, as for prose.
  TEST_CASE("lines that start with task IDs but read as no task are an error at the first") {
    const Plan p = parse_tasks_md("Intro.\n\nT001. first\n\nTASK-2. second\n");
    CHECK(p.tasks.empty());
    const Diagnostic* d = find_diag(p, "no-tasks");
    REQUIRE(d != nullptr);
    CHECK(d->severity == Severity::error);
    CHECK(d->line == 3);
    CHECK(d->message.find("2 lines start with a task ID outside a list") != std::string::npos);
    for (const char* text : {"T001. One line of prose that starts with an ID.\n",
                             "```\nT001. in code\nT002. in code\n```\n",
                             "## Notes\n\n1.2 Section numbers\n1.3 are not IDs\n",
                             "| Req | Text |\n|---|---|\n| FR-001 | log |\n| FR-002 | retry |\n",
                             "| ID | Owner |\n|---|---|\n| T001 | me |\n",
                             "Just prose.\n"}) {
      INFO(text);
      const Plan q = parse_tasks_md(text);
      const Diagnostic* w = find_diag(q, "no-tasks");
      REQUIRE(w != nullptr);
      CHECK(w->severity == Severity::warning);
      CHECK(w->message == "no tasks found: nothing to run");
    }
  }

  // 0xkhdr/specd's tasks.md: `| T62 | craftsman | internal/core/reopen.go | - | go test … |`,
  // eight rows and no checkbox column. flow read no task, warned, and a run succeeded
  // having done nothing.
  TEST_CASE("a table of task rows without a checkbox column is an error at its first row") {
    const Plan p = parse_tasks_md("# Tasks\n\n| id | role | files | depends-on |\n|---|---|---|---|\n"
                                  "| T62 | craftsman | internal/core/reopen.go | - |\n| T69 | auditor | internal/core | T62 |\n");
    CHECK(p.tasks.empty());
    const Diagnostic* d = find_diag(p, "no-tasks");
    REQUIRE(d != nullptr);
    CHECK(d->severity == Severity::error);
    CHECK(d->line == 5);
    CHECK(d->message.find("2 table rows start with a task ID") != std::string::npos);
    // With a checkbox column its rows are tasks.
    const Plan q = parse_tasks_md("| Status | ID | Task |\n|---|---|---|\n| [ ] | T62 | Reopen |\n| [x] | T69 | Audit |\n");
    CHECK(ids(q) == std::vector<std::string>{"T62", "T69"});
  }

  // A status table under the heading tasks it mirrors, with one row more: that row's task
  // ran nowhere and nothing said so.
  TEST_CASE("one table row of no task flow reads, beside rows that mirror tasks, is a warning") {
    const Plan p = parse_tasks_md(
        "### T001 Create `src/a.py`\n\nWrite it.\n\n### T002 Create `src/b.py`\n\nWrite it.\n\n"
        "| ID | Task | Status |\n|---|---|---|\n| T001 | Create `src/a.py` | Todo |\n| T002 | Create `src/b.py` | Todo |\n"
        "| T003 | Create `src/c.py` | Todo |\n");
    CHECK(ids(p) == std::vector<std::string>{"T001", "T002"});
    const Diagnostic* d = find_diag(p, "unread-table");
    REQUIRE(d != nullptr);
    CHECK(d->severity == Severity::warning);
    CHECK(d->line == 13);
    CHECK(d->message.find("T003") != std::string::npos);
    // Rows that mirror tasks alone say nothing; nor does a table of other things with one
    // row whose ID looks like a task's (a test case, a threat).
    const Plan m = parse_tasks_md("- [ ] T001 Create `src/a.py`\n\n| ID | Status |\n|---|---|\n| T001 | Todo |\n");
    CHECK(find_diag(m, "unread-table") == nullptr);
    for (const char* table : {"| Case | Expect |\n|---|---|\n| T-1 | login ok |\n", "| Threat | Kind |\n|---|---|\n| T1 | Spoofing |\n"}) {
      CAPTURE(table);
      CHECK(find_diag(parse_tasks_md(std::string("- [ ] T001 Create `src/a.py`\n\n") + table), "unread-table") == nullptr);
    }
  }

  // A Spanish plan's `| T001 | [P] | Reemplazar … |`: the `[P]` cell was read as a checkbox
  // marked "P", so every task was "marked otherwise" and never ran, rows with an empty cell
  // were no tasks at all, and the file was read without a warning (exit 0).
  TEST_CASE("a table's [P] cell is the parallel marker, not a checkbox") {
    const Plan p = parse_tasks_md("| ID | [P] | Task | Depends on |\n|---|---|---|---|\n| T001 | [P] | Write a |  |\n"
                                  "| T002 | [P] | Write b |  |\n| T003 |  | Join | T001, T002 |\n");
    CHECK(p.tasks.empty());
    const Diagnostic* d = find_diag(p, "no-tasks");
    REQUIRE(d != nullptr);
    CHECK(d->severity == Severity::error);
    CHECK(d->line == 3);
    // With a checkbox column, the rows are tasks and `[P]` stays a marker beside it.
    const Plan q = parse_tasks_md("| [P] | ID | Task |\n|---|---|---|\n| [ ] | T001 | Write a |\n| [x] | T002 | Write b |\n");
    REQUIRE(q.tasks.size() == 2);
    CHECK(q.tasks[0].state == TaskState::pending);
    CHECK(q.tasks[1].state == TaskState::done);
  }

  // pangon/local-TTS-web-app's tasks.md: `| TASK-python-project-scaffold | Initialize … | P0 |
  // Done | … |`, tables of tasks under a header of ID and Status columns, whose IDs are
  // slugs of no task shape. flow warned "no tasks" and a run did nothing and exited 0; then
  // it refused the file. Its rows are tasks whose state is their Status cell.
  TEST_CASE("a table of tasks with an ID and a Status column and no checkbox: its rows are tasks") {
    const std::string text =
        "# Tasks\n\n| Symbol | Status |\n|---|---|\n| `Todo` | Not started |\n| `Done` | Completed |\n\n"
        "### Backend\n\n| ID | Task | Priority | Status | Dependencies | Files | Parallel |\n"
        "|----|------|---|---|---|---|---|\n"
        "| TASK-fastapi-app-skeleton | Create the app | P0 | Done | - | `app/main.py` | |\n"
        "| TASK-sqlite-schema-init | Create the schema | P0 | Todo | TASK-fastapi-app-skeleton | `app/db.py` | Yes |\n"
        "| TASK-sse | **Add SSE** | P1 | \xE2\x8F\xB3 | [TASK-fastapi-app-skeleton](#x), TASK-sqlite-schema-init | | |\n"
        "| TASK-gpu | Check the GPU | P1 | In Progress | None | | |\n"
        "| TASK-old | Drop the old API | P2 | Cancelled | TASK-missing | | |\n"
        "| TASK-new | Add the new API | P2 |  | | | |\n";
    const Plan p = parse_tasks_md(text);
    CHECK(p.count(Severity::error) == 0);
    REQUIRE(ids(p) == std::vector<std::string>{"TASK-fastapi-app-skeleton", "TASK-sqlite-schema-init", "TASK-sse",
                                               "TASK-gpu", "TASK-old", "TASK-new"});
    const std::vector<TaskState> want = {TaskState::done,  TaskState::pending, TaskState::pending,
                                         TaskState::other, TaskState::other,   TaskState::pending};
    for (std::size_t i = 0; i < want.size(); ++i) {
      const Task& t = p.tasks[i];
      INFO(t.id);
      CHECK(t.form == TaskForm::status_row);
      CHECK(t.state == want[i]);
      CHECK(t.has_marks());
      CHECK(t.line == static_cast<int>(12 + i));
      REQUIRE(t.status_offset != Task::npos);
    }
    const auto value = [&](const Task& t) { return text.substr(t.status_offset, t.status_length); };
    CHECK(value(p.tasks[0]) == "Done");
    CHECK(value(p.tasks[2]) == "\xE2\x8F\xB3");
    CHECK(value(p.tasks[5]).empty());
    CHECK(text.compare(p.tasks[5].status_offset - 2, 2, "| ") == 0);  // an empty cell: written after its space
    CHECK(p.tasks[2].description == "Add SSE");
    CHECK(p.tasks[0].priority == "P0");
    CHECK(p.tasks[1].parallel);
    CHECK_FALSE(p.tasks[0].parallel);
    REQUIRE(p.tasks[0].paths.size() == 1);
    CHECK(p.tasks[0].paths[0].path == "app/main.py");
    // The dependency cell: the IDs it names, whatever their shape; `-`, `None` or an empty
    // cell name none; an ID of no task is warned of.
    CHECK(p.tasks[0].no_dependencies);
    REQUIRE(p.tasks[1].depends_on.size() == 1);
    CHECK(p.tasks[1].depends_on[0].first == "TASK-fastapi-app-skeleton");
    REQUIRE(p.tasks[2].depends_on.size() == 2);
    CHECK(p.tasks[2].depends_on[0].first == "TASK-fastapi-app-skeleton");
    CHECK(p.tasks[2].depends_on[1].first == "TASK-sqlite-schema-init");
    CHECK(p.tasks[3].no_dependencies);
    CHECK(p.tasks[5].no_dependencies);
    const Diagnostic* unknown = find_diag(p, "unknown-reference");
    REQUIRE(unknown != nullptr);
    CHECK(unknown->line == 16);
    CHECK(unknown->message.find("TASK-missing") != std::string::npos);
    test::check_invariants(text, p);
    // A legend of states, an index of requirements or one row is no task list.
    for (const char* other : {"| Symbol | Status |\n|---|---|\n| Todo | Not started |\n| Done | Completed |\n",
                              "| ID | Requirement | Status |\n|---|---|---|\n| FR-1 | log | Approved |\n| FR-2 | retry | Draft |\n",
                              "| ID | Task | Status |\n|---|---|---|\n| TASK-a | Do it | Todo |\n"}) {
      INFO(other);
      const Plan q = parse_tasks_md(other);
      CHECK(q.tasks.empty());
      const Diagnostic* w = find_diag(q, "no-tasks");
      REQUIRE(w != nullptr);
      CHECK(w->severity == Severity::warning);
    }
  }

  // An adversarial pass over status rows, and drseanwing/forgemaster's and
  // ppablobr/my-agent-council's tables: rows passed over without a word, a table dropped
  // under a heading that names an order, ID-less checklists taken for the tasks, a State
  // column over the Status one, a header in Portuguese, states in other words.
  TEST_CASE("status rows: what a table writes is read, and a row flow cannot read is said") {
    const std::string text =
        "# Tracker\n\n| ID | Task | State | Status | Owner |\n|---|---|---|---|---|\n"
        "| [T001](#t001) | Link `a.txt` | New | Todo | ann |\n"            // 5: a link's text
        "| T002 \xF0\x9F\x86\x95 | Mark `b.txt` | New | \xF0\x9F\x9F\xA2 Done | ann |\n"  // 6: a mark after the ID
        "| T 003 | Spaced | New | Todo | ann |\n"                           // 7: no ID: said
        "| T004 | Short |\n"                                                 // 8: no Status cell: said
        "| T005 | A `tick | New | :hourglass: | ann |\n"                    // 9: a backtick nothing closes
        "| T006 | Reopened | Done | Done \xE2\x86\x92 Reopened | bob |\n"  // 10: not done
        "| T007 | Later | New | Todo \xE2\x8F\xB3 | bob |\n"              // 11
        "\n### 3.5 Parallel Group Scheduling\n\n| ID | Task | Status |\n|---|---|---|\n"
        "| T008 | Under an order's heading | A fazer |\n| T009 | Polish | GOTOWE |\n"
        "\n### Sign-off\n\n- [ ] All tasks completed\n- [ ] Tests passing\n";
    const Plan p = parse_tasks_md(text);
    CHECK(p.count(Severity::error) == 0);
    REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002", "T005", "T006", "T007", "T008", "T009"});
    const std::vector<TaskState> want = {TaskState::pending, TaskState::done,    TaskState::pending, TaskState::other,
                                         TaskState::pending, TaskState::pending, TaskState::done};
    for (std::size_t i = 0; i < want.size(); ++i) {
      INFO(p.tasks[i].id);
      CHECK(p.tasks[i].state == want[i]);
      CHECK(p.tasks[i].form == TaskForm::status_row);
    }
    CHECK(text.substr(p.tasks[0].status_offset, p.tasks[0].status_length) == "Todo");  // Status, not State
    std::vector<int> said;
    for (const Diagnostic& d : p.diagnostics)
      if (d.code == "status-row-unread") said.push_back(d.line);
    CHECK(said == std::vector<int>{7, 8});
    test::check_invariants(text, p);
    // A header in Portuguese.
    const Plan pt = parse_tasks_md("| ID | Tipo | T\xC3\xADtulo | Status |\n| --- | --- | --- | --- |\n"
                                   "| BL-001 | Chore | Estabelecer | Conclu\xC3\xAD" "do |\n| BL-002 | Docs | Guias | A fazer |\n");
    REQUIRE(ids(pt) == std::vector<std::string>{"BL-001", "BL-002"});
    CHECK(pt.tasks[0].state == TaskState::done);
    CHECK(pt.tasks[1].state == TaskState::pending);
    CHECK(pt.tasks[1].description == "Guias");
    // A task list written as paragraphs, with a table of the same IDs reporting on it: the
    // paragraphs are the tasks.
    const Plan para = parse_tasks_md("# Plan\n\nT001. Capture the baseline in `app/base.txt`.\n\n"
                                     "T002. Create `app/hello.txt`. Deps: T001.\n\n## Progress\n\n"
                                     "| ID | Task | Status |\n|---|---|---|\n| T001 | Baseline | Done |\n| T002 | Greeting | Todo |\n");
    REQUIRE(ids(para) == std::vector<std::string>{"T001", "T002"});
    CHECK(para.tasks[1].form == TaskForm::paragraph);
    CHECK(para.tasks[1].depends_on.size() == 1);
  }

  // thaleslaray/nossocrm's plan: its tasks T014–T053 are rows of tables with a Status column
  // (`✅`, `⏳`), beside ID-less test criteria boxes; flow had run the criteria.
  // A detail table and a summary table of the same status rows: each task was two tasks
  // (run twice), and a `✅` in the summary alone made the detail's row done.
  TEST_CASE("status rows a table above lists already are its mirror; their disagreement is said") {
    const Plan p = parse_tasks_md(
        "# Plan\n\n## Detail\n\n| ID | Task | Status |\n|---|---|---|\n| T001 | Write `a.txt` | Todo |\n"
        "| T002 | Write `b.txt` | Todo |\n\n## Summary\n\n| ID | Task | Status |\n|---|---|---|\n"
        "| T001 | Write a | Todo |\n| T002 | Write b | \xE2\x9C\x85 |\n");
    REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002"});
    CHECK(p.tasks[0].line == 7);
    CHECK(p.tasks[1].line == 8);
    CHECK(p.tasks[1].state == TaskState::pending);  // its own row's state
    for (int line : {14, 15}) {
      INFO(line);
      const Skipped* s = find_skip(p, line);
      REQUIRE(s);
      CHECK(s->reason == SkipReason::mirror);
    }
    const Diagnostic* d = find_diag(p, "status-row-disagrees");
    REQUIRE(d);
    CHECK(d->line == 15);
    CHECK(find_diag(p, "duplicate-id") == nullptr);

    // The summary first: its rows, a title each, were the tasks, and the detail's files and
    // order were dropped (the tasks ran with no file named). The row with most to say is the
    // task wherever it is; the summary's that says another state is the one warned of.
    const Plan q = parse_tasks_md(
        "# Plan\n\n## Summary\n\n| ID | Task | Status |\n|---|---|---|\n| T001 | Setup | Todo |\n"
        "| T002 | Model | \xE2\x9C\x85 |\n\n## Detail\n\n| ID | Task | Files | Depends | Status |\n|---|---|---|---|---|\n"
        "| T001 | Create the skeleton | `src/main.py` | \xE2\x80\x93 | Todo |\n| T002 | Create the model | `src/model.py` | T001 | Todo |\n");
    REQUIRE(ids(q) == std::vector<std::string>{"T001", "T002"});
    CHECK(q.tasks[0].line == 14);
    CHECK(q.tasks[1].line == 15);
    CHECK(q.tasks[1].paths.size() == 1);
    CHECK(q.tasks[1].depends_on.size() == 1);
    CHECK(q.tasks[1].state == TaskState::pending);
    for (int line : {7, 8}) {
      INFO(line);
      const Skipped* s = find_skip(q, line);
      REQUIRE(s);
      CHECK(s->reason == SkipReason::mirror);
    }
    d = find_diag(q, "status-row-disagrees");
    REQUIRE(d);
    CHECK(d->line == 8);
    // The summary behind the detail (flow marked the detail's row, done): not warned of.
    const Plan r = parse_tasks_md(
        "| ID | Task | Status |\n|---|---|---|\n| T001 | Write `a.txt` | Done |\n\n"
        "| ID | Task | Status |\n|---|---|---|\n| T001 | Write a | Todo |\n");
    REQUIRE(ids(r) == std::vector<std::string>{"T001"});
    CHECK(find_diag(r, "status-row-disagrees") == nullptr);
    // A table per phase, each numbered from T001: rows of one ID that name other files are
    // two tasks. The first runs, the other is warned of (it was dropped silently).
    const Plan two = parse_tasks_md(
        "## Phase 1\n\n| ID | Task | Files | Status |\n|---|---|---|---|\n| T001 | Create the models | `src/models.py` | Todo |\n"
        "| T002 | Create the API | `src/api.py` | Todo |\n\n## Phase 2\n\n| ID | Task | Files | Status |\n|---|---|---|---|\n"
        "| T001 | Create the page | `web/page.tsx` | Todo |\n| T002 | Create the form with validation | `web/form.tsx` | Todo |\n");
    REQUIRE(ids(two) == std::vector<std::string>{"T001", "T002"});
    CHECK(two.tasks[0].line == 5);
    CHECK(two.tasks[1].line == 6);
    std::vector<int> warned;
    for (const Diagnostic& w : two.diagnostics)
      if (w.code == "duplicate-id") warned.push_back(w.line);
    CHECK(warned == std::vector<int>{12, 13});
  }

  TEST_CASE("status rows beside ID-less boxes: the rows are the tasks, read only where nothing else is") {
    const std::string text =
        "## Phase 3: US1\n\n### Query Layer\n\n| ID | Task | File | Status | Parallel |\n|----|------|------|--------|----------|\n"
        "| T014 | Create the hook | `lib/hooks/a.ts` | \xE2\x9C\x85 | [P] |\n| T015 | Create the query | `lib/hooks/b.ts` | \xE2\x8F\xB3 | [P] |\n\n"
        "### Test Criteria\n- [x] Admin can create a unit\n- [ ] Admin can add members\n\n"
        "## Phase 4\n\n| ID | Task | File | Status | Parallel |\n|---|---|---|---|---|\n"
        "| T016 | Join them | `lib/c.ts` | \xE2\x8F\xB3 | |\n";
    const Plan p = parse_tasks_md(text);
    CHECK(p.count(Severity::error) == 0);
    REQUIRE(ids(p) == std::vector<std::string>{"T014", "T015", "T016"});
    CHECK(p.tasks[0].state == TaskState::done);
    CHECK(p.tasks[1].state == TaskState::pending);
    CHECK(p.tasks[1].parallel);
    CHECK_FALSE(p.tasks[2].parallel);
    CHECK(p.tasks[2].phase == 1);
    // The same table beside checkbox tasks of those IDs only reports on them: no task twice.
    const Plan mirror = parse_tasks_md("## Phase 1\n- [ ] T014 Create the hook\n- [ ] T015 Create the query\n\n" +
                                       text.substr(text.find("| ID")));
    CHECK(ids(mirror).size() >= 2);
    CHECK(std::none_of(mirror.tasks.begin(), mirror.tasks.end(), [](const Task& t) { return t.form == TaskForm::status_row; }));
    // A table of stories with a Status column beside a file's checkbox tasks is no task list.
    const Plan stories = parse_tasks_md("- [ ] T001 Write `a.py`\n- [ ] T002 Write `b.py`\n\n| ID | Title | Status |\n|---|---|---|\n"
                                        "| US1 | Login | Done |\n| US2 | Logout | Todo |\n");
    CHECK(ids(stories) == std::vector<std::string>{"T001", "T002"});
    // Without a Status column, a table of task rows is still refused: flow has nowhere to
    // keep their state.
    const Plan no_status = parse_tasks_md("| ID | Task | Files |\n|---|---|---|\n| T001 | Write | `a.py` |\n| T002 | Read | `b.py` |\n");
    CHECK(no_status.tasks.empty());
    CHECK(no_status.count(Severity::error) == 1);
  }

  TEST_CASE("a 100 MB single line is reported, not parsed") {
    std::string text = "- [ ] T001 ";
    text.append(100u << 20, 'a');
    text += "\n- [ ] T002 after\n";
    Plan p = parse_tasks_md(text);
    CHECK(find_diag(p, "line-too-long") != nullptr);
    CHECK(ids(p) == std::vector<std::string>{"T002"});
  }

  TEST_CASE("pathological brackets, backticks and braces stay linear") {
    std::string text = "- [ ] T001 ";
    for (int i = 0; i < 200000; ++i) text += "[`{a,";
    text += "\n";
    Plan p = parse_tasks_md(text);
    CHECK(p.tasks.size() == 1);
    // A long heading over many bold items (each read it again: 18 s for 60,000 under a
    // 1 MB one), and a long list of bold IDs under a dependency label (each looked for
    // among all the tasks above).
    std::string heading = "### T00001 A\n\n#### Notes " + std::string(200000, 'x') + ")\n";
    std::string list = "**Depends on:**\n";
    for (int i = 2; i < 20000; ++i) {
      const std::string id = "T" + std::to_string(10000 + i);
      heading += "- **" + id + "** x\n";
      list += "- **" + id + "** — the " + id + " part\n";
    }
    const Plan h = parse_tasks_md(heading);
    CHECK(h.tasks.size() == 19998);  // the heading holds them: a section
    const Plan l = parse_tasks_md(heading + "\n### T99999 Last\n\n" + list);
    REQUIRE(l.tasks.size() == 19999);
    CHECK(l.tasks.back().depends_on.size() == 19998);
    // A `Dependencies` list of 20,000 items naming five later tasks, each of which has
    // 4,000 dependencies of its own (each item was compared with all the task's others,
    // each listed task's list scanned once per item naming it).
    std::string lists = "### T000001 A\n\n**Dependencies:**\n";
    for (int i = 0; i < 20000; ++i) lists += "- T00000" + std::to_string(2 + i % 5) + "\n";
    for (int k = 2; k <= 6; ++k) {
      lists += "### T00000" + std::to_string(k) + " B\n\n**Depends on:**\n" + (k == 6 ? "- T000001\n" : "");
      for (int i = 0; i < 4000; ++i) lists += "- T" + std::to_string(100000 + i) + "\n";
    }
    for (int i = 0; i < 4000; ++i) lists += "### T" + std::to_string(100000 + i) + " C\n";
    // And 20,000 tasks whose own list names the one after them all, which has 4,000 (each
    // list looked through that task's).
    std::string owners;
    for (int i = 0; i < 20000; ++i) owners += "### T" + std::to_string(200000 + i) + " O\n**Dependencies:**\n- T999999\n";
    owners += "### T999999 Last\n**Depends on:**\n";
    for (int i = 0; i < 4000; ++i) owners += "- T" + std::to_string(300000 + i) + "\n";
    const Plan d = parse_tasks_md(lists + owners);
    REQUIRE(d.tasks.size() == 24007);
    CHECK(d.tasks[0].depends_on.empty());  // its dependents: T000006 waits for it
    CHECK(d.tasks[1].depends_on.size() == 4001);
    CHECK(d.tasks[5].depends_on.size() == 4001);
    CHECK(d.tasks[4006].depends_on.empty());  // all such lists in the file: T999999's dependents too
    CHECK(d.tasks[24006].depends_on.size() == 24000);
  }

  TEST_CASE("a long dependency heading is not copied onto every line under it") {
    // 1 MB of title over 600 statements: copied whole, 600 MB (1.7 GB at its peak).
    std::string text = "## Dependencies " + std::string(1000000, 'x') + "\u00e9\n";
    for (int i = 1; i <= 600; ++i) text += "- T" + std::to_string(1000 + i) + " before T2000\n";
    text += "## Phase 1\n- [ ] T2000 x\n";
    const Plan p = parse_tasks_md(text);
    REQUIRE(p.statements.size() == 600);
    std::size_t kept = 0;
    for (const Statement& s : p.statements) kept += s.text.size() + s.section.size();
    CHECK(kept < 2 * text.size());
    CHECK(p.statements[0].section == "Dependencies " + std::string(187, 'x'));
    // Cut at a character, never inside one.
    const Plan u = parse_tasks_md("## Dependencies " + std::string(184, 'x') + "\u00e9\u00e9\n- T1 before T2\n");
    REQUIRE(u.statements.size() == 1);
    CHECK(u.statements[0].section == "Dependencies " + std::string(184, 'x') + "\u00e9");
  }
}

TEST_SUITE("generated variants") {
  TEST_CASE("indentation, bullets, marks, ID forms, labels, line endings, BOM and fences") {
    const char* bullets[] = {"-", "*", "+", "1.", "7)"};
    const char* indents[] = {"", " "};
    const std::pair<char, TaskState> marks[] = {{' ', TaskState::pending}, {'x', TaskState::done},
                                                {'X', TaskState::done}, {'~', TaskState::other}};
    const std::pair<const char*, const char*> idforms[] = {
        {"T042", "T042"}, {"**T042**", "T042"}, {"T042:", "T042"}, {"**T042**:", "T042"}, {"T42a", "T42a"},
        {"T4.2.1", "T4.2.1"}, {"T-42", "T-42"}};
    const std::pair<const char*, bool> labels[] = {{"", false}, {"[P] ", true}, {"[P] [US3] ", true},
                                                   {"[US3] [P] ", true}, {"[P][US3] ", true}, {"[P1] ", false}};
    int cases = 0;
    for (const char* eol : {"\n", "\r\n"}) {
      for (bool bom : {false, true}) {
        for (const char* b : bullets) {
          for (const char* ind : indents) {
            for (auto [m, state] : marks) {
              for (auto [form, id] : idforms) {
                for (auto [lab, par] : labels) {
                  std::string line = std::string(ind) + b + " [" + m + "] " + form + " " + lab + "Do it in src/x.py";
                  std::string text = std::string(bom ? "\xEF\xBB\xBF" : "") + "## Phase 1" + eol + "```" + eol +
                                     "- [ ] T999 fenced" + eol + "```" + eol + line + eol;
                  Plan p = parse_tasks_md(text);
                  INFO(line);
                  REQUIRE(p.tasks.size() == 1);
                  const Task& t = p.tasks[0];
                  CHECK(t.id == id);
                  CHECK(t.state == state);
                  CHECK(t.parallel == par);
                  CHECK(t.description == "Do it in src/x.py");
                  CHECK(paths(t) == std::vector<std::string>{"src/x.py"});
                  CHECK(text[t.mark_offset] == m);
                  ++cases;
                }
              }
            }
          }
        }
      }
    }
    CHECK(cases == 2 * 2 * 5 * 2 * 4 * 7 * 6);
  }
}

TEST_SUITE("ids") {
  TEST_CASE("match_id accepts ID forms and rejects words") {
    using flow::detail::match_id;
    CHECK(match_id("T001 x") == 4);
    CHECK(match_id("T012a x") == 5);
    CHECK(match_id("T3.0.1:") == 6);
    CHECK(match_id("T-101**") == 5);
    CHECK(match_id("CA-003 ") == 6);
    CHECK(match_id("1.2 Add") == 3);
    CHECK(match_id("T001-T005") == 4);
    CHECK(match_id("1 apple") == 0);
    CHECK(match_id("T001and") == 0);
    CHECK(match_id("API returns") == 0);
    CHECK(match_id("T1.md") == 0);
    CHECK(match_id("Tabc") == 0);
    CHECK(match_id("ABCDE1") == 0);
    CHECK(match_id("1.5x faster") == 0);
    // Several numbers after a dashed prefix: one ID, not the first number (which made
    // every `### TASK-012-00N` one task, depending on itself).
    CHECK(match_id("TASK-012-001: x") == 12);
    CHECK(match_id("T-002-000-001 :") == 13);
    CHECK(match_id("DEF-026-009)") == 11);
    CHECK(match_id("T001-005") == 4);  // no dashed prefix: not joined
    // A series' letters after the dash: `T-SB04`, not `API-V2`.
    CHECK(match_id("T-SB04 [P] x") == 6);
    CHECK(match_id("T-HF01/") == 0);
    CHECK(match_id("API-V2 x") == 0);
    CHECK(match_id("T-SB4 x") == 0);
  }
}

TEST_SUITE("sections and mirrors (real shapes)") {
  TEST_CASE("a numbered heading with checkbox tasks under it is a section, not a task") {
    const Plan p = parse_tasks_md(
        "## Phase 2: Storage\n"
        "### 2.1 Storage Layer Tests\n"
        "- [X] T009 [P] Test the store in tests/store_test.py\n"
        "- [ ] T010 [P] Test the index in tests/index_test.py\n"
        "### 2.2 Storage Layer\n"
        "- [ ] T011 Implement the store in src/store.py\n"
        "## Phase 3: Search\n"
        "### 3.1 Search Tests\n"
        "#### 3.1.1 Tests (Write FIRST — Must FAIL)\n"
        "- [ ] T020 Test search in tests/search_test.py\n");
    CHECK(ids(p) == std::vector<std::string>{"T009", "T010", "T011", "T020"});
    REQUIRE(p.groups.size() >= 3);
    CHECK(p.groups[static_cast<std::size_t>(p.tasks[0].group)].title == "2.1 Storage Layer Tests");
    CHECK(p.groups[static_cast<std::size_t>(p.tasks[2].group)].title == "2.2 Storage Layer");
    CHECK(p.groups[static_cast<std::size_t>(p.tasks[3].group)].title == "3.1.1 Tests (Write FIRST — Must FAIL)");
    CHECK(p.tasks[0].group != p.tasks[2].group);
    for (int line : {2, 5, 8, 9}) {
      INFO(line);
      const Skipped* s = find_skip(p, line);
      REQUIRE(s);
      CHECK(s->reason == SkipReason::section);
    }
    CHECK(find_diag(p, "no-checkbox") == nullptr);
  }

  TEST_CASE("an ID'd phase heading with tasks in its sub-sections is a phase") {
    const Plan p = parse_tasks_md(
        "## F-02.4 · Upload\n- [ ] T001 a\n"
        "## F-02.5 · Artifact access control\n### Tests\n- [ ] T002 b\n### Code\n- [ ] T003 c\n");
    CHECK(ids(p) == std::vector<std::string>{"T001", "T002", "T003"});
    REQUIRE(p.phases.size() == 2);
    CHECK(p.phases[1].title == "F-02.5 · Artifact access control");
    CHECK(p.tasks[2].phase == 1);
  }

  TEST_CASE("headings that are tasks keep working: no checkbox task under them") {
    const Plan p = parse_tasks_md(
        "## Phase 1\n### T001 — Create the directories\n- [ ] src/ exists\n  - [ ] nested note\n"
        "Some text.\n### T002 — Add the reducer\n```bash\n- [ ] T009 in code\n```\n### T003: Wire it\n");
    CHECK(ids(p) == std::vector<std::string>{"T001", "T002", "T003"});
    for (const Task& t : p.tasks) CHECK(t.form == TaskForm::heading);
  }

  TEST_CASE("a bold list item with checkbox tasks under it is a section") {
    const Plan p = parse_tasks_md(
        "## Phase 1\n- **1.1 Storage**\n- [ ] T001 a\n- [ ] T002 b\n- **1.2 Search**\n- [ ] T003 c\n"
        "- **T004** — a bold task alone\n");
    REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002", "T003", "T004"});
    CHECK(p.tasks[3].form == TaskForm::bold_item);
    CHECK(p.groups[static_cast<std::size_t>(p.tasks[0].group)].title == "1.1 Storage");
    CHECK(p.groups[static_cast<std::size_t>(p.tasks[2].group)].title == "1.2 Search");
    REQUIRE(find_skip(p, 2));
    CHECK(find_skip(p, 2)->reason == SkipReason::section);
  }

  TEST_CASE("a checklist that re-lists heading tasks, some as ranges, is a mirror: no duplicate, no task") {
    const std::string text =
        "## Phase 1: Parameterization\n"
        "### LT001: Parameterize the suite\n**Dependencies**: None\n"
        "### LT002: Add the matrix\n**Dependencies**: LT001\n"
        "## Phase 2: Cleanup\n"
        "### LT021: Validate Cleanup on Success\n**Dependencies**: LT002\n"
        "## Enhancement Validation Checklist\n"
        "- [ ] LT001-LT002: Parameterization complete and validated\n"
        "- [ ] LT021: Cleanup validated on success\n";
    const Plan p = parse_tasks_md(text);
    CHECK(ids(p) == std::vector<std::string>{"LT001", "LT002", "LT021"});
    CHECK(find_diag(p, "duplicate-id") == nullptr);
    for (int line : {10, 11}) {
      INFO(line);
      const Skipped* s = find_skip(p, line);
      REQUIRE(s);
      CHECK(s->reason == SkipReason::mirror);
    }
  }

  // AI-Substrate/flow_squared 007: its 26 tasks are rows of a table with a box column; an
  // "Action Items" list (`- [x] T001 updated with pytest-asyncio`) and a test plan's
  // `#### T020: Integration Tests` took those tasks' place, and the phases they sit in
  // made a cycle: the file was refused (exit 2).
  TEST_CASE("a table of tasks with boxes outweighs a few notes and headings that name its tasks") {
    std::string text = "## Tasks\n| Status | ID | Task | Dependencies |\n|---|---|---|---|\n";
    for (int i = 1; i <= 6; ++i)
      text += "| [ ] | T00" + std::to_string(i) + " | Build part " + std::to_string(i) + " | " +
              (i > 1 ? "T00" + std::to_string(i - 1) : std::string("--")) + " |\n";
    text += "## Test Plan\n#### T005: Integration Tests\n| Test | Purpose |\n|---|---|\n| a | b |\n"
            "## Critical Insights\n**Action Items**:\n- [x] T001 updated with pytest-asyncio\n"
            "- [x] Added the async test pattern section\n- [x] T003 updated with the validation note\n";
    const Plan p = parse_tasks_md(text);
    CHECK(ids(p) == std::vector<std::string>{"T001", "T002", "T003", "T004", "T005", "T006"});
    for (const Task& t : p.tasks) {
      CAPTURE(t.id);
      CHECK(t.state == TaskState::pending);  // the rows' boxes, not the notes'
      CHECK(t.line == 3 + std::stoi(t.id.substr(1)));
    }
    for (int line : {11, 17, 19}) {
      INFO(line);
      const Skipped* s = find_skip(p, line);
      REQUIRE(s);
      CHECK(s->reason == SkipReason::mirror);
    }
    CHECK(build_graph(p).has_value());
    // A table that re-lists as many tasks as the headings declare stays their mirror.
    const Plan q = parse_tasks_md("### T001: A\n### T002: B\n### T003: C\n### T004: D\n## Status\n"
                                  "| Done | ID |\n|---|---|\n| [ ] | T001 |\n| [ ] | T002 |\n| [ ] | T003 |\n| [ ] | T004 |\n");
    REQUIRE(q.tasks.size() == 4);
    CHECK(q.tasks[0].form == TaskForm::heading);
  }

  TEST_CASE("a range at the head of a checkbox is a mirror, even of checkbox tasks") {
    const Plan p = parse_tasks_md(
        "- [x] T001 a\n- [x] T002 b\n- [ ] T003 c\n## Summary\n- [x] T001-T002: Setup complete\n"
        "- [ ] T001 – T003 all done\n"
        // Rickwen1126/notebooklm-controller 001: a tilde or a wave dash between the ends.
        "- [x] T001~T002: Browser tools v2（見上方 Agent Tools 區）\n- [ ] T002〜T003 again\n");
    CHECK(ids(p) == std::vector<std::string>{"T001", "T002", "T003"});
    for (int line : {5, 6, 7, 8}) {
      CAPTURE(line);
      REQUIRE(find_skip(p, line));
      CHECK(find_skip(p, line)->reason == SkipReason::mirror);
    }
    CHECK(find_diag(p, "duplicate-id") == nullptr);
  }

  TEST_CASE("a checkbox task listed twice stays two tasks with a duplicate warning (not a mirror)") {
    const Plan p = parse_tasks_md("- [X] T044 Build it\n- [X] T045 b\n## Later\n- [ ] T044 Build it\n");
    CHECK(ids(p) == std::vector<std::string>{"T044", "T045", "T044"});
    CHECK(find_diag(p, "duplicate-id") != nullptr);
  }

  // Rickwen1126/notebooklm-controller 001: `- [x] T028.1: Session-runner model 指定（見上方
  // Agent Runtime 區）` ("see above") re-lists T028.1, declared at line 74.
  TEST_CASE("a task listed again under its ID, saying see above, is a mirror") {
    const Plan p = parse_tasks_md(
        "- [ ] T028.1 [P] Add the model to createSession\n- [ ] T029 b\n## Summary\n"
        "- [ ] T028.1: Session-runner model（見上方 Agent Runtime 區）\n- [ ] T029 b (see above)\n"
        "- [ ] T030 c (see above)\n- [ ] T029 b（详见下文）\n");
    CHECK(ids(p) == std::vector<std::string>{"T028.1", "T029", "T030", "T029"});
    for (int line : {4, 5}) {
      CAPTURE(line);
      REQUIRE(find_skip(p, line));
      CHECK(find_skip(p, line)->reason == SkipReason::mirror);
    }
    CHECK(p.tasks[0].description == "Add the model to createSession");
    CHECK(p.tasks[2].line == 6);  // the first of its ID: a task, whatever it says
    REQUIRE(find_diag(p, "duplicate-id") != nullptr);  // no word says it is the same: both
    CHECK(find_diag(p, "duplicate-id")->line == 7);
  }

  TEST_CASE("every line of a Mermaid flowchart in a dependency section is a statement of its diagram") {
    const Plan p = parse_tasks_md(
        "- [ ] T001 a\n- [ ] T002 b\n## Dependencies\n"
        "```mermaid\n---\ntitle: order\n---\n%% note\nflowchart LR\n  Setup --> Build\n  T001 --> T002\n```\n"
        "```mermaid\nsequenceDiagram\n  T001->>T002: x\n```\n"
        "```text\ngraph TD\nT001 --> T002\n```\n"
        "T001 → T002\n");
    REQUIRE(p.statements.size() == 6);
    CHECK(p.statements[0].text == "flowchart LR");
    CHECK(p.statements[1].text == "Setup --> Build");  // no ID, yet kept: its nodes may be labelled elsewhere
    CHECK(p.statements[1].diagram == 4);
    CHECK(p.statements[2].diagram == 4);
    CHECK(p.statements[3].text == "T001->>T002: x");
    CHECK(p.statements[3].in_code);
    CHECK(p.statements[3].diagram == 0);
    CHECK(p.statements[4].diagram == 0);
    CHECK(p.statements[5].line == 21);
    CHECK_FALSE(p.statements[5].in_code);
    CHECK(p.statements[5].diagram == 0);
  }

  TEST_CASE("dependency prose in a code block is kept as a statement marked in_code") {
    const Plan p = parse_tasks_md(
        "- [ ] T001 a\n## Dependencies\n```text\nSetup -> Foundation -> US1 -> US2\n```\n"
        "<!--\n- T001 blocks T002\n-->\n");
    REQUIRE(p.statements.size() == 1);
    CHECK(p.statements[0].in_code);
  }

  TEST_CASE("markdown escapes are undone before a path is read; no path is absolute") {
    const Plan p = parse_tasks_md(
        "- [ ] T001 Configure ESLint (\\.eslintrc.json)\n"
        "- [ ] T002 Set the site title in `\\_config.yml`\n"
        "- [ ] T003 Add \\_\\_init\\_\\_.py; see src\\\\win\\\\x.cs\n");
    REQUIRE(p.tasks.size() == 3);
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{".eslintrc.json"});
    CHECK(paths(p.tasks[1]) == std::vector<std::string>{"_config.yml"});
    CHECK(paths(p.tasks[2]) == std::vector<std::string>{"__init__.py", "src/win/x.cs"});
    for (const Task& t : p.tasks)
      for (const PathRef& r : t.paths) CHECK_FALSE(r.absolute);
  }

  TEST_CASE("a bare feature-document name is marked so the runtime can resolve it beside tasks.md") {
    const Plan p = parse_tasks_md(
        "- [ ] T001 Update data-model.md with the Order entity\n"
        "- [ ] T002 Write contracts/orders.yaml and src/orders.py\n"
        "- [ ] T003 Edit docs/spec.md\n");
    REQUIRE(p.tasks.size() == 3);
    REQUIRE(p.tasks[0].paths.size() == 1);
    CHECK(p.tasks[0].paths[0].feature_doc);
    REQUIRE(p.tasks[1].paths.size() == 2);
    CHECK(p.tasks[1].paths[0].feature_doc);
    CHECK_FALSE(p.tasks[1].paths[1].feature_doc);
    REQUIRE(p.tasks[2].paths.size() == 1);
    CHECK_FALSE(p.tasks[2].paths[0].feature_doc);
  }

  TEST_CASE("resolve_paths: feature documents beside tasks.md, absolute paths made relative or dropped") {
    Plan p = parse_tasks_md(
        "- [ ] T001 Update data-model.md and plan.md\n"
        "- [ ] T002 Edit /repo/src/a.py and /etc/passwd.txt\n"
        "- [ ] T003 Write contracts/orders.yaml\n");
    PathContext ctx;
    ctx.root = "/repo";
    ctx.feature_dir = "specs/001-x";
    ctx.exists = [](std::string_view rel) { return rel == "specs/001-x/data-model.md" || rel == "specs/001-x/contracts/orders.yaml"; };
    resolve_paths(p, ctx);
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"specs/001-x/data-model.md", "plan.md"});
    CHECK(paths(p.tasks[1]) == std::vector<std::string>{"src/a.py"});
    CHECK(paths(p.tasks[2]) == std::vector<std::string>{"specs/001-x/contracts/orders.yaml"});
    for (const Task& t : p.tasks)
      for (const PathRef& r : t.paths) CHECK_FALSE(r.absolute);
    CHECK(find_diag(p, "path-outside-repo") != nullptr);
  }

  // gcmcnutt/autoc 020: `~/autoc/xiao/src/msplink.cpp` names the repository's own file (the
  // plan was written in ~/autoc), and `~/inav/…` another repository's; MrNawir/precta and
  // github/spec-kit write files from the repository's root: `/packages/db/package.json`,
  // `/templates/plan-template.md`. All of them were dropped, so those tasks locked nothing.
  TEST_CASE("resolve_paths: an absolute path through a folder named as the repository, or from its root") {
    Plan p = parse_tasks_md(
        "- [ ] T001 Edit `~/autoc/xiao/src/msplink.cpp` and `~/inav/src/fc_msp.c`\n"
        "- [ ] T002 Edit /workspaces/autoc/src/autoc/main.cpp and C:\\Users\\ann\\autoc\\README.md\n"
        "- [ ] T003 Create `/packages/db/package.json` and update `/templates/plan-template.md`\n"
        "- [ ] T004 Read `/etc/hosts`, `/tmp/out.log` and `/docs/new.md`; call `/api/users`\n"
        "- [ ] T005 Copy `~/../etc/x.conf` and `~ann/x.conf` and /srv/autoc/../../etc/y.conf\n");
    PathContext ctx;
    ctx.root = "/home/bob/autoc";
    ctx.exists = [](std::string_view rel) { return rel == "packages" || rel == "templates" || rel == "src" || rel == "etc" || rel == "tmp"; };
    resolve_paths(p, ctx);
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"xiao/src/msplink.cpp"});
    // Of two folders named autoc, the one whose next name the repository has.
    CHECK(paths(p.tasks[1]) == std::vector<std::string>{"src/autoc/main.cpp", "README.md"});
    CHECK(paths(p.tasks[2]) == std::vector<std::string>{"packages/db/package.json", "templates/plan-template.md"});
    // A system's folder, a first name the repository lacks, a route: none is its file.
    CHECK(paths(p.tasks[3]).empty());
    // Dot segments after `~` or a drive are never resolved against the repository.
    CHECK(paths(p.tasks[4]).empty());
    int outside = 0;
    for (const Diagnostic& d : p.diagnostics) outside += d.code == "path-outside-repo";
    CHECK(outside == 6);  // inav, out.log, new.md, and T005's three (`/etc/hosts` may be a route)
    for (const Task& t : p.tasks)
      for (const PathRef& r : t.paths) CHECK_FALSE(r.absolute);
  }

  // AI-Substrate/wormhole and jakkaj/skyecho-controller-app: every file is written from
  // the author's checkout (`/workspaces/vscode-bridge/…`, `/Users/jordanknight/github/…`),
  // named otherwise than the clone: each was dropped, so no task locked a file. A folder
  // under which a file the repository has is named is that checkout.
  TEST_CASE("resolve_paths: the author's checkout, named otherwise, known by a file the repository has") {
    Plan p = parse_tasks_md(
        "- [ ] T001 Create `/workspaces/vscode-bridge/packages/ext/src/rename.js`\n"
        "- [ ] T002 Update `/workspaces/vscode-bridge/packages/ext/src/manifest.json`\n"
        "- [ ] T003 Edit `/home/ann/inav/src/main.c`, `/usr/share/app/src/util.py` and `/opt/x/src/util.py`\n"
        "- [ ] T004 Add `/workspaces/vscode-bridge/docs/new.md`\n");
    PathContext ctx;
    ctx.root = "/home/bob/wormhole";
    ctx.exists = [](std::string_view rel) {
      return rel == "packages" || rel == "packages/ext/src/manifest.json" || rel == "src" || rel == "src/util.py";
    };
    resolve_paths(p, ctx);
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"packages/ext/src/rename.js"});
    CHECK(paths(p.tasks[1]) == std::vector<std::string>{"packages/ext/src/manifest.json"});
    // Another repository's file the repository lacks, a system's folder: none is its file.
    // (`/opt/x` has the repository's `src/util.py`: its checkout, as far as flow can tell.)
    CHECK(paths(p.tasks[2]) == std::vector<std::string>{"src/util.py"});
    // A file to be created, under the checkout that other files showed.
    CHECK(paths(p.tasks[3]) == std::vector<std::string>{"docs/new.md"});
    int outside = 0;
    for (const Diagnostic& d : p.diagnostics) outside += d.code == "path-outside-repo";
    CHECK(outside == 2);
    // A plan that writes its own files by relative paths: one file of the repository under
    // a folder may be a coincidence (the file a task ports from another repository); two
    // are a checkout. A server's folder (`/var/www`) is none.
    Plan q = parse_tasks_md(
        "- [ ] T001 Port `/home/ann/upstream/src/util.py` into `src/util.py`\n"
        "- [ ] T002 Read `/var/www/packages/ext/src/manifest.json`\n"
        "- [ ] T003 Edit `/work/old/packages/ext/src/manifest.json` and `/work/old/src/util.py`\n");
    resolve_paths(q, ctx);
    CHECK(paths(q.tasks[0]) == std::vector<std::string>{"src/util.py"});
    CHECK(paths(q.tasks[1]).empty());
    CHECK(paths(q.tasks[2]) == std::vector<std::string>{"packages/ext/src/manifest.json", "src/util.py"});
  }

  // Arishay/fullstack-todo-app T058 and T059: "redirect to /login" in two [P] tasks made
  // `flow check` say they would run one after the other (they do not: an absolute path
  // outside the repository is never locked), and `flow plan` warned of a path outside the
  // repository for each. A route, outside the repository and with no file's extension, is
  // dropped without a word; an absolute path inside the repository is its relative path.
  TEST_CASE("URL routes and slash commands name no file; an absolute file path is flagged and never locked") {
    Plan p = parse_tasks_md(
        "- [ ] T001 Add `GET /api/users/:id` handler and the `/api/users/:id` route in `src/routes/users.ts`\n"
        "- [ ] T002 [P] Navigate to /session/:sessionId on success (src/app/home.component.ts)\n"
        "- [ ] T003 [P] Run `/speckit.plan` then `/speckit.tasks` and commit\n"
        "- [ ] T004 [P] Redirect to /login after logout in src/a.ts\n- [ ] T005 [P] Add a link to /login in src/b.ts\n"
        "- [ ] T006 [P] Proxy `/api/*` and /docs/ in web/vite.config.ts\n- [ ] T007 Copy `/etc/app/config.yaml` to config/\n"
        "- [ ] T008 [P] Add `lint` to `/repo/Makefile`\n- [ ] T009 [P] Add `test` to `/repo/Makefile`\n");
    PathContext ctx;
    ctx.root = "/repo";
    resolve_paths(p, ctx);
    const auto g = build_graph(p);
    REQUIRE(g);
    int shared = 0;
    for (const Diagnostic& d : g->diagnostics())
      if (d.code == "parallel-shared-file") {
        ++shared;
        CHECK(d.message == "T008 and T009 are both [P] but both touch Makefile: they will run one after the other");
      }
    CHECK(shared == 1);
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"src/routes/users.ts"});
    CHECK(paths(p.tasks[1]) == std::vector<std::string>{"src/app/home.component.ts"});
    CHECK(paths(p.tasks[2]).empty());
    CHECK(paths(p.tasks[3]) == std::vector<std::string>{"src/a.ts"});
    CHECK(paths(p.tasks[4]) == std::vector<std::string>{"src/b.ts"});
    CHECK(paths(p.tasks[5]) == std::vector<std::string>{"web/vite.config.ts"});
    CHECK(paths(p.tasks[6]) == std::vector<std::string>{"config/"});
    CHECK(paths(p.tasks[7]) == std::vector<std::string>{"Makefile"});
    CHECK(paths(p.tasks[8]) == std::vector<std::string>{"Makefile"});
    int flagged = 0;
    for (const Diagnostic& d : p.diagnostics)
      if (d.code == "path-outside-repo") {
        ++flagged;
        CHECK(d.line == 7);
      }
    CHECK(flagged == 1);
  }

  TEST_CASE("a heading over heading tasks one level deeper is a section") {
    const Plan p = parse_tasks_md(
        "## Phase 1\n### P1.1: Hub Command Infrastructure (28 hours)\n#### T001: Create hub command router\n"
        "#### T002: Add help\n### P1.2: Docs\n#### T003: Write docs\n");
    CHECK(ids(p) == std::vector<std::string>{"T001", "T002", "T003"});
    REQUIRE(find_skip(p, 2));
    CHECK(find_skip(p, 2)->reason == SkipReason::section);
  }

  TEST_CASE("a range nothing else declares is one task named by the range, labels kept") {
    const Plan p = parse_tasks_md(
        "- [X] T029 a\n- [X] T030-T038 All band isolation tasks complete\n- [x] T039-T041 [US2] Validation tests\n"
        "- [ ] T042..T045 [DEFERRED] later\n- [~] T051+T052 [PARTIAL] half\n"
        "- [ ] T051 placeholder, one end of the pair only\n### T060-T062: Scenarios [P]\n");
    CHECK(ids(p) == std::vector<std::string>{"T029", "T030-T038", "T039-T041", "T042..T045", "T051+T052", "T051",
                                             "T060-T062"});
    CHECK(p.tasks[2].story_label == "US2");
    CHECK(p.tasks[3].labels == std::vector<std::string>{"DEFERRED"});
    CHECK(p.tasks[4].state == TaskState::other);
    CHECK(p.tasks[6].form == TaskForm::heading);
  }

  TEST_CASE("bold items that re-list checkbox tasks are mirrors; bold that runs on past the ID is a note") {
    const Plan p = parse_tasks_md(
        "# Tasks\n- **T029 rewritten**: from one setter to two\n- **T030 split into T030a-e**: smaller\n"
        "## Phase 1\n- [X] T029 a\n- [ ] T030a b\n- [ ] T047 c\n"
        "## Performance Targets Validation\n- **T047**: Startup time <100ms validation\n"
        "- **T029-T030a**: Complete safety validation\n- **T050** — a bold task of its own\n");
    CHECK(ids(p) == std::vector<std::string>{"T029", "T030a", "T047", "T050"});
    CHECK(find_diag(p, "duplicate-id") == nullptr);
    for (auto [line, reason] : {std::pair{2, SkipReason::note}, std::pair{3, SkipReason::note},
                                std::pair{9, SkipReason::mirror}, std::pair{10, SkipReason::mirror}}) {
      INFO(line);
      REQUIRE(find_skip(p, line));
      CHECK(find_skip(p, line)->reason == reason);
    }
  }

  // jackykarma/Verity FEAT-005 ends with a summary of each story's checks
  // (`- **ST-001**：单元测试验证初始化逻辑 …`, "unit tests verify the init logic"); its tasks are
  // `- [ ] T100 [P] [ST-001] …`. The six summary lines ran as tasks after all 53 real ones,
  // and the story order stated for ST-001…ST-006 was laid on them. In generacy's plans the
  // same happened to `- **SC-001**: …` and `- **FR-006**: …` lines.
  TEST_CASE("a bold item whose ID is of no kind the checkbox tasks have is a note") {
    const Plan p = parse_tasks_md(
        "## Phase 3: Story ST-001\n- [ ] T100 [P] [ST-001] Create a.kt\n- [ ] T101 [ST-001] Create b.kt\n"
        "- **T102** — a bold task of the same kind\n"
        "## Summary\n- **ST-001**: unit tests verify the init logic\n- **SC-001**: startup under 100 ms\n"
        "- **BUG-12**: fix later\n");
    CHECK(ids(p) == std::vector<std::string>{"T100", "T101", "T102"});
    for (int line : {6, 7, 8}) {
      INFO(line);
      REQUIRE(find_skip(p, line));
      CHECK(find_skip(p, line)->reason == SkipReason::note);
    }
    // A file of bold items alone keeps them, whatever their kind.
    const Plan bold = parse_tasks_md("## Phase 1\n- **ST-001**: first\n- **BUG-12**: second\n");
    CHECK(ids(bold) == std::vector<std::string>{"ST-001", "BUG-12"});
  }

  TEST_CASE("an upper-case letter suffix is part of the ID") {
    const Plan p = parse_tasks_md("- [X] T046 a\n- [X] T046B [P] [US3] Write failing test\n- [ ] T047 c\n");
    CHECK(ids(p) == std::vector<std::string>{"T046", "T046B", "T047"});
  }

  TEST_CASE("Kiro's optional star and a word mark such as [N/A] before an ID") {
    const Plan p = parse_tasks_md(
        "- [x] 1. Set up\n- [ ]* 2.3 Write property test for color contrast\n- [x]* 4.3 Done one\n"
        "- [N/A] T018-T019 [US2] Full success flow tests\n- [TODO] not a task\n- [Docs](x.md) link\n");
    CHECK(ids(p) == std::vector<std::string>{"2.3", "4.3", "T018-T019"});
    CHECK(p.tasks[0].state == TaskState::pending);
    CHECK(p.tasks[0].description == "Write property test for color contrast");
    CHECK(p.tasks[0].labels == std::vector<std::string>{"optional"});
    CHECK(p.tasks[1].state == TaskState::done);
    CHECK(p.tasks[2].state == TaskState::other);
    CHECK(p.tasks[2].story_label == "US2");
  }

  // inakanou/ArchiTrack: Kiro's numbered items over subtasks carry the dependencies of
  // their subtasks, by item number, range or subtask, after the Japanese word for task.
  TEST_CASE("a numbered item over its subtasks is their group, with the dependencies written under it") {
    const Plan p = parse_tasks_md(
        "## タスク一覧\n\n"
        "- [ ] 1. 基盤整備\n"                                            // line 3
        "- [x] 1.1 データモデル\n  - _Requirements: 1.1, 2.3_\n"
        "- [ ] 1.2 鍵の生成\n"
        "- [ ] 2. コア機能\n  - _Dependencies: タスク1完了（データモデル）_\n"  // lines 7, 8
        "- [ ] 2.1 JWT\n"
        "- [ ] 3. UI\n  - _Dependencies: タスク4.1-4.2完了_\n"           // lines 10, 11
        "- [ ] 3.1 画面\n  - _Dependencies: タスク2.1、タスク1.2_\n"
        "- [ ] 4. API\n  - _Dependencies: タスク2-3完了_\n"              // lines 14, 15
        "- [ ] 4.1 エンドポイント\n- [ ] 4.2 ミドルウェア\n"
        "- [ ] 5. Checkpoint\n  - _Dependencies: タスク3完了_\n"          // 18: no 5.x under it
        "- [ ] 6.1 Orphan subtask\n");
    // Item 5 has no subtask: a task of its own, named by its number, and an item too.
    REQUIRE(ids(p) == std::vector<std::string>{"1.1", "1.2", "2.1", "3.1", "4.1", "4.2", "5", "6.1"});
    REQUIRE(p.groups.size() == 6);  // the untitled one keeps 6.1
    CHECK(p.groups[1].title == "基盤整備");
    CHECK(p.groups[1].line == 3);
    CHECK(p.groups[1].item_number == "1");
    CHECK(p.groups[1].depends_on.empty());
    REQUIRE(p.groups[2].depends_on.size() == 1);
    CHECK(p.groups[2].depends_on[0].first == "1");  // the item, by its number
    CHECK(p.groups[2].depends_on[0].line == 8);
    REQUIRE(p.groups[3].depends_on.size() == 1);
    CHECK(p.groups[3].depends_on[0].first == "4.1");
    CHECK(p.groups[3].depends_on[0].last == "4.2");
    REQUIRE(p.groups[4].depends_on.size() == 1);
    CHECK(p.groups[4].depends_on[0].first == "2");
    CHECK(p.groups[4].depends_on[0].last == "3");
    CHECK(p.groups[0].item_number.empty());
    CHECK(p.tasks[7].group == 0);
    CHECK(p.tasks[0].group == 1);
    CHECK(p.tasks[5].group == 4);
    CHECK(p.tasks[6].description == "Checkpoint");
    REQUIRE(p.tasks[6].group == 5);
    CHECK(p.groups[5].item_number == "5");
    CHECK(p.groups[5].mark_offset == Task::npos);  // the task's box is its own
    REQUIRE(p.groups[5].depends_on.size() == 1);
    CHECK(p.groups[5].depends_on[0].first == "3");
    // A subtask's own field, the word before each ID; its requirements are no dependency.
    REQUIRE(p.tasks[3].depends_on.size() == 2);
    CHECK(p.tasks[3].depends_on[0].first == "2.1");
    CHECK(p.tasks[3].depends_on[1].first == "1.2");
    CHECK(p.tasks[0].depends_on.empty());
    // The items are sections; the one with no subtask under it stays an ID-less box.
    std::map<int, SkipReason> why;
    for (const Skipped& k : p.skipped) why[k.line] = k.reason;
    CHECK(why[3] == SkipReason::section);
    CHECK(why[14] == SkipReason::section);
    CHECK(why.count(18) == 0);
    CHECK(p.count(Severity::warning) == 0);
  }

  // phan-tuan-thanh/mpm and jonpru-aws/SpaceWeirdos nest Kiro's subtasks under their
  // items (`  - [x] 1.1 …` under `- [x] 1. …`). flow ran each item as one task (L18 …) with
  // its subtasks as its body, and ticked only the item.
  // RockyBoyRC/SpaceWeirdos ticked item 2 over an open 2.5; snicmakino/kolt left its items
  // open over finished subtasks. flow changes neither box (only one that agreed with its
  // subtasks), so it says so: the file and the run disagree until the user decides.
  TEST_CASE("a numbered item's box that disagrees with its subtasks is a warning") {
    const auto warnings = [](const Plan& p) {
      std::vector<std::pair<int, std::string>> out;
      for (const Diagnostic& d : p.diagnostics)
        if (d.code == "item-box-disagrees") out.emplace_back(d.line, d.message);
      return out;
    };
    const Plan p = parse_tasks_md(
        "- [x] 1. Ticked over an open one\n  - [x] 1.1 a\n  - [ ] 1.2 b\n  - [ ]* 1.3 optional\n"  // 1
        "- [x] 2. Ticked over two open\n  - [ ] 2.1 a\n  - [ ] 2.2 b\n"                               // 5
        "- [ ] 3. Open over done\n  - [x] 3.1 a\n  - [x] 3.2 b\n  - [ ]* 3.3 optional\n"             // 8
        "- [ ] 4. Open over done too\n  - [x] 4.1 a\n"                                                   // 12
        "- [x] 5. Agrees\n  - [x] 5.1 a\n  - [ ]* 5.2 optional\n"                                       // 14
        "- [ ] 6. Agrees\n  - [x] 6.1 a\n  - [ ] 6.2 b\n"                                               // 17
        "- [ ] 7. Only optional, open\n  - [x]* 7.1 a\n  - [ ]* 7.2 b\n");                             // 20
    const auto w = warnings(p);
    REQUIRE(w.size() == 3);
    CHECK(w[0].first == 1);
    CHECK(w[0].second == "item 1's box is ticked, but its subtask 1.2 is not: flow runs it and leaves the item's box as it is");
    CHECK(w[1].first == 5);
    CHECK(w[1].second.find("2 of its subtasks (2.1 …) are not: flow runs them") != std::string::npos);
    CHECK(w[2].first == 8);
    CHECK(w[2].second.find("items 3, 4 have open boxes, but their subtasks are all done") == 0);
    // One item alone says so in the singular; a file without items has none.
    const auto one = warnings(parse_tasks_md("- [ ] 1. Open\n  - [x] 1.1 a\n- [x] 2. Done\n  - [x] 2.1 b\n"));
    REQUIRE(one.size() == 1);
    CHECK(one[0].second.find("item 1's box is open, but its subtasks are all done") == 0);
    CHECK(warnings(parse_tasks_md("- [ ] T001 a\n- [x] T002 b\n")).empty());
  }

  // saitotm/md-todo writes `  - [x] 2.4.1 …` beside `  - [x] 2.4 …`, with its own body and
  // requirement: it was dropped as nested, and would never have run once reopened.
  TEST_CASE("a Kiro subtask numbered a level deeper, written beside its siblings, is a task") {
    const Plan p = parse_tasks_md("- [ ] 2. API\n  - [x] 2.4 List endpoint\n    - _Req: 1.3_\n"
                                  "  - [ ] 2.4.1 Document the list endpoint in `docs/api.md`\n    - errors too\n"
                                  "  - [ ] 2.5 Create endpoint\n");
    CHECK(ids(p) == std::vector<std::string>{"2.4", "2.4.1", "2.5"});
    CHECK(p.tasks[1].state == TaskState::pending);
    CHECK(p.tasks[1].body_first == 5);
  }

  TEST_CASE("Kiro's subtasks nested under their items are the tasks; an item without any is one") {
    const Plan p = parse_tasks_md(
        "# Implementation Plan\n\n"
        "- [x] 1. Data layer\n"                                    // 3
        "  - [x] 1.1 Add the migration in `db/001.sql`\n"
        "    - Create the `sprints` table\n"
        "    - _Requirements: 1.1, 4.1_\n"
        "  - [ ]* 1.2 Property test for the migration\n"        // 7
        "- [ ] 2. Checkpoint - Ensure all tests pass\n"            // 8
        "  - Ensure all tests pass, ask the user if questions arise.\n"
        "- [ ] 3. Service\n"                                       // 10
        "  - [ ] 3.1 Add the service\n"
        "  - [ ] 3.1a Add its validation\n"
        "      - [ ] 3.1.1 a step, deeper\n"                       // 13: nested under 3.1a
        "  - [ ] 4.1 Not item 3's\n"                              // 14: nested
        "- [ ] Write the changelog\n"                              // 15: no ID
        "  - [ ] 5.1 Not under an item\n");                       // 16: nested
    REQUIRE(ids(p) == std::vector<std::string>{"1.1", "1.2", "2", "3.1", "3.1a"});
    CHECK(p.tasks[0].state == TaskState::done);
    CHECK(p.tasks[0].body_first == 5);
    CHECK(p.tasks[0].body_last == 6);
    CHECK(p.tasks[0].description == "Add the migration in `db/001.sql`");
    REQUIRE(p.tasks[0].paths.size() == 1);
    CHECK(p.tasks[1].labels == std::vector<std::string>{"optional"});
    CHECK(p.tasks[2].description == "Checkpoint - Ensure all tests pass");
    CHECK(p.tasks[2].form == TaskForm::checkbox);
    CHECK(p.tasks[2].mark_offset == p.tasks[2].span.offset + 3);
    CHECK(p.tasks[4].description == "Add its validation");
    // Items 1 and 3 over their subtasks, and 2, are the groups, in order.
    REQUIRE(p.groups.size() == 3);
    CHECK(p.groups[0].item_number == "1");
    CHECK(p.groups[0].mark == 'x');
    CHECK(p.groups[1].item_number == "2");
    CHECK(p.groups[2].item_number == "3");
    CHECK(p.tasks[2].group == 1);
    CHECK(p.tasks[4].group == 2);
    std::map<int, SkipReason> why;
    for (const Skipped& k : p.skipped) why[k.line] = k.reason;
    CHECK(why[3] == SkipReason::section);
    CHECK(why[10] == SkipReason::section);
    CHECK(why[13] == SkipReason::nested);
    CHECK(why[14] == SkipReason::nested);
    CHECK(why[15] == SkipReason::no_id);
    CHECK(why[16] == SkipReason::nested);
    // Without a subtask under any item, numbered items are no tasks of their own.
    const Plan q = parse_tasks_md("- [ ] T001 Setup\n- [ ] 1. Verify the release\n  - [ ] check the tag\n");
    CHECK(ids(q) == std::vector<std::string>{"T001"});
    // A mirror line dropped before the items are read (`1.1-1.2` re-lists both) moves no
    // item onto another task.
    const Plan m = parse_tasks_md("- [ ] 1. Setup\n- [x] 1.1 a\n- [x] 1.2 b\n- [x] 1.1-1.2 Setup done\n"
                                  "- [ ] 2. Checkpoint\n- [ ] 3. API\n- [ ] 3.1 c\n");
    REQUIRE(ids(m) == std::vector<std::string>{"1.1", "1.2", "2", "3.1"});
    REQUIRE(m.groups.size() == 3);
    CHECK(m.groups[1].item_number == "2");
    CHECK(m.groups[1].title == "Checkpoint");
    CHECK(m.tasks[2].group == 1);
    CHECK(m.groups[2].item_number == "3");
    // In a file whose tasks have IDs of another kind, a numbered checklist stays one.
    const Plan t = parse_tasks_md("- [ ] T001 Setup\n## Manual checks\n- [ ] 1. Open the app\n  - [ ] 1.1 Check the login\n"
                                  "- [ ] 2. Log out\n");
    CHECK(ids(t) == std::vector<std::string>{"T001"});
  }

  // goataka/attendance-kit: `- [ ] T001 … にドキュメントディレクトリを作成（完了済み）`, "created
  // (already done)", with its box open: the box is the state, and the words are warned of.
  TEST_CASE("an open box whose words say done runs, with a warning") {
    const Plan p = parse_tasks_md(
        "- [ ] T001 ドキュメントディレクトリを作成（完了済み）\n- [ ] T002 Add the API (done)\n- [ ] T003 Add the page \xE2\x9C\x85\n"
        "- [ ] T004 Fix (done) button\n- [ ] T005 Write tests (completed later)\n- [ ] T006 計画（完了予定）\n"
        "- [x] T007 Ship it (done)\n- [ ] T008 完成度を測る\n");
    REQUIRE(p.tasks.size() == 8);
    std::vector<int> warned;
    for (const Diagnostic& d : p.diagnostics)
      if (d.code == "open-box-says-done") {
        warned.push_back(d.line);
        CHECK(d.severity == Severity::warning);
      }
    CHECK(warned == std::vector<int>{1, 2, 3});
    for (const Task& t : p.tasks) CHECK(t.state == (t.id == "T007" ? TaskState::done : TaskState::pending));
    CHECK(p.diagnostics.front().message.find("\"（完了済み）\"") != std::string::npos);
  }

  // lee-spec-kit writes its state as a word in the box, glued to a priority and maybe
  // [P], then an ID with a feature segment: `- [DONE][P1] T-F003-01 …`.
  TEST_CASE("a word state box glued to labels before a feature-segment ID (lee-spec-kit)") {
    const Plan p = parse_tasks_md(
        "## Phase 1\n\n- [DONE][P1] T-F003-01 Install React Three Fiber\n  - Checklist:\n    - [x] nested\n\n"
        "- [TODO][P2][P] T-F003-02 Parallel one\n- [DOING] [P1] T-F003-03 Spaced labels\n\n"
        "## Done when\n\n- [x] all tasks [DONE]\n- [TODO][P1] not a task\n");
    REQUIRE(ids(p) == std::vector<std::string>{"T-F003-01", "T-F003-02", "T-F003-03"});
    CHECK(p.tasks[0].state == TaskState::done);
    CHECK(p.tasks[0].form == TaskForm::checkbox);
    CHECK(p.tasks[0].priority == "P1");
    CHECK(p.tasks[0].description == "Install React Three Fiber");
    // Not pending: flow could not write a word mark back, so it never runs these.
    CHECK(p.tasks[1].state == TaskState::other);
    CHECK(p.tasks[1].parallel);
    CHECK(p.tasks[1].priority == "P2");
    CHECK(p.tasks[2].state == TaskState::other);
    CHECK_FALSE(p.tasks[2].parallel);
    REQUIRE(find_skip(p, 12));
    CHECK(find_skip(p, 12)->reason == SkipReason::no_id);
    CHECK(find_skip(p, 13) == nullptr);  // a word box with no ID after it is not a checkbox
  }

  TEST_CASE("a [depends:] field survives a mirror line elsewhere in the file") {
    const Plan p = parse_tasks_md("- [ ] T001 a\n- [ ] T002 [depends:T001] b\n\n## Summary\n\n- **T001**: again\n");
    REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002"});
    REQUIRE(p.tasks[1].depends_on.size() == 1);
    CHECK(p.tasks[1].depends_on[0].first == "T001");
  }

  // Some tools keep the tasks in a table whose first cells are the state and the ID
  // (`| [x] | T001 | Task | … | Dependencies | …`); the outline that re-lists them later
  // is a mirror, and a table without a checkbox cell (a progress summary) holds no task.
  TEST_CASE("table rows with a checkbox cell and an ID cell are tasks; their dependency column is read") {
    const std::string text =
        "## Tasks\n\n| Status | ID | Task | Type | Dependencies | Notes |\n|---|---|---|---|---|---|\n"
        "| [x] | T001 | Write test in `test/a_test.dart` | Test | – | a \\| b |\n"
        "| [ ] | T002 | Implement `lib/a.dart` | Core | T001 | |\n"
        "| [ ] | T003 [P] | Export it | Core | T001-T002 | |\n\n"
        "| ID | Status |\n|---|---|\n| T001 | done |\n\n"
        "## Outline\n\n1. **T001-T002**: tests then code\n2. **T003**: export\n";
    const Plan p = parse_tasks_md(text);
    REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002", "T003"});
    CHECK(p.tasks[0].state == TaskState::done);
    CHECK(p.tasks[0].form == TaskForm::checkbox);
    CHECK(p.tasks[0].description == "Write test in `test/a_test.dart`");
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"test/a_test.dart"});
    CHECK(p.tasks[1].state == TaskState::pending);
    REQUIRE(p.tasks[1].depends_on.size() == 1);
    CHECK(p.tasks[1].depends_on[0].first == "T001");
    CHECK(p.tasks[2].parallel);
    REQUIRE(p.tasks[2].depends_on.size() == 1);
    CHECK(p.tasks[2].depends_on[0].last == "T002");
    // The mark is the byte inside the status cell's brackets: write-back flips just it.
    CHECK(text[p.tasks[1].mark_offset] == ' ');
    CHECK(text[p.tasks[1].mark_offset - 1] == '[');
    const std::vector<MarkChange> done{{6, "T002", true}};
    const auto marked = set_marks(text, p, done);
    REQUIRE(marked);
    std::string want = text;
    want[p.tasks[1].mark_offset] = p.done_mark;
    CHECK(*marked == want);
    test::check_invariants(text, p);
    REQUIRE(find_skip(p, 15));
    CHECK(find_skip(p, 15)->reason == SkipReason::mirror);
  }

  // jakkaj/skyecho-controller-app and AI-Substrate/flow_squared keep each task's files in
  // an `Absolute Path(s)` column, which was not read: the row's task locked nothing, and
  // two rows editing one file could run side by side.
  TEST_CASE("a task table's path column names the files its row's task edits") {
    const std::string text =
        "| Status | ID | Task | Dependencies | Absolute Path(s) | Validation |\n|---|---|---|---|---|---|\n"
        "| [ ] | T001 | Write the framer test | – | /Users/ann/github/acme/test/framer_test.dart | covers `lib/old.dart` |\n"
        "| [ ] | T002 | Implement the framer | T001 | `lib/framer.dart`, `lib/crc.dart` | |\n"
        "| [ ] | T003 | Document it | T002 | – | |\n\n"
        "| ID | Task | Files |\n|---|---|---|\n| T001 | a note | `other.md` |\n";
    Plan p = parse_tasks_md(text);
    REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002", "T003"});
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"/Users/ann/github/acme/test/framer_test.dart"});
    CHECK(paths(p.tasks[1]) == std::vector<std::string>{"lib/framer.dart", "lib/crc.dart"});
    CHECK(paths(p.tasks[2]).empty());
    // In a clone named acme the author's absolute path is the repository's file.
    PathContext ctx;
    ctx.root = "/home/bob/src/acme";
    resolve_paths(p, ctx);
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"test/framer_test.dart"});
    CHECK(find_diag(p, "path-outside-repo") == nullptr);
    test::check_invariants(text, p);
  }

  TEST_CASE("a status table re-listing checkbox tasks is a mirror: each task runs once") {
    // The tasks are the list; the table below only reports on them (and disagrees on
    // T001's state). A table row is weaker than a checkbox line, stronger than a bold item.
    const std::string text =
        "## Phase 1\n- [ ] T001 Create `a.py`\n- [ ] T002 Create `b.py`\n\n## Status\n\n"
        "| Done | ID | Task |\n|---|---|---|\n| [x] | T001 | Create a.py |\n| [ ] | T002 | Create b.py |\n"
        "| [ ] | T003 | Only in the table |\n\n1. **T003**: outline\n";
    const Plan p = parse_tasks_md(text);
    REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002", "T003"});
    CHECK(p.tasks[0].line == 2);
    CHECK(p.tasks[0].state == TaskState::pending);
    CHECK(p.tasks[1].line == 3);
    CHECK(p.tasks[2].line == 11);  // the table row, not the outline's bold item
    for (int line : {9, 10, 13}) {
      REQUIRE(find_skip(p, line));
      CHECK(find_skip(p, line)->reason == SkipReason::mirror);
    }
    CHECK(std::none_of(p.diagnostics.begin(), p.diagnostics.end(),
                       [](const Diagnostic& d) { return d.code == "duplicate-id"; }));
    test::check_invariants(text, p);
  }

  TEST_CASE("a reference whose ends are those of a task named by a range means that task") {
    const std::string text =
        "| Status | ID | Task | Dependencies |\n|---|---|---|---|\n| [x] | T001 | a | – |\n"
        "| [~] | T002-T005 | b | T001 |\n| [ ] | T006 | c | T002-T005 |\n\n- [ ] T007 d (depends on T002–T005, T006)\n";
    const Plan p = parse_tasks_md(text);
    REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002-T005", "T006", "T007"});
    REQUIRE(p.tasks[2].depends_on.size() == 1);
    CHECK(p.tasks[2].depends_on[0].first == "T002-T005");
    CHECK(p.tasks[2].depends_on[0].last == "T002-T005");
    REQUIRE(p.tasks[3].depends_on.size() == 2);
    CHECK(p.tasks[3].depends_on[0].first == "T002-T005");
    CHECK(find_diag(p, "unknown-reference") == nullptr);
    const TaskGraph g = test::graph_of(text);
    const int from = test::index_of(g, "T002-T005");
    int explicit_edges = 0;
    for (const Edge& e : g.edges())
      explicit_edges += e.from == from && e.reason.rule == EdgeRule::task_ref;
    CHECK(explicit_edges == 2);  // to T006 and to T007
  }

  // A generator that pastes "US" before a story ID that already has it: `[USUS1]`.
  TEST_CASE("a story label with a doubled US prefix names the story") {
    const Plan p = parse_tasks_md("- [ ] T100 [P] [USUS1] Create models\n- [ ] T101 [USUS12] Implement service\n"
                                  "- [ ] T102 [USUSA] Not a story\n");
    CHECK(p.tasks[0].story_label == "USUS1");
    CHECK(p.tasks[0].story == 1);
    CHECK(p.tasks[0].parallel);
    CHECK(p.tasks[1].story == 12);
    CHECK(p.tasks[2].story_label.empty());
  }

  // Arishay/fullstack-todo-app 001: `[AUTH-US1]`, `[TASK-US1]` are its story labels (its
  // legend says so); they were plain labels, so `flow run --story AUTH-US1` ran nothing.
  TEST_CASE("a story label with a prefix of letters is a story label") {
    const Plan p = parse_tasks_md("- [ ] T015 [P] [AUTH-US1] Create User model\n- [ ] T030 [TASK-US12] Create Task model\n"
                                  "- [ ] T031 [auth-US1] lower case\n- [ ] T032 [AUTH-USX] no number\n"
                                  "- [ ] T033 [TOOLONGPREFIXES-US1] too long\n");
    CHECK(p.tasks[0].story_label == "AUTH-US1");
    CHECK(p.tasks[0].story == 1);
    CHECK(p.tasks[0].parallel);
    CHECK(p.tasks[0].labels.empty());
    CHECK(p.tasks[1].story_label == "TASK-US12");
    CHECK(p.tasks[1].story == 12);
    for (std::size_t i = 2; i < 5; ++i) CHECK(p.tasks[i].story_label.empty());
  }

  // manuelgomezsw/loopi-specs-v2 writes its stories in Spanish: `[HU1]` (historia de
  // usuario), phases `## Fase 4: HU3 — Cierre de sesión`. They were plain labels, so its
  // story phases were plain phases, run one after another, and `--story HU3` ran nothing.
  TEST_CASE("Spanish and Portuguese story labels, HU1, are story labels") {
    const Plan p = parse_tasks_md(
        "## Fase 3: HU1 + HU2 — Login\n- [ ] T009 [HU1] Implementar\n- [ ] T010 [P] [HU2] Crear\n"
        "## Fase 4: HU3 — Cierre de sesión\n- [ ] T014 [HU-3] Implementar\n"
        "## Fase 5: História de Usuário 4\n- [ ] T017 [HU4] Criar\n- [ ] T018 [HUB] not a story\n");
    REQUIRE(p.tasks.size() == 5);
    CHECK(p.tasks[0].story_label == "HU1");
    CHECK(p.tasks[0].story == 1);
    CHECK(p.tasks[0].labels.empty());
    CHECK(p.tasks[1].story == 2);
    CHECK(p.tasks[1].parallel);
    CHECK(p.tasks[2].story_label == "HU-3");
    CHECK(p.tasks[2].story == 3);
    CHECK(p.tasks[4].story_label.empty());
    REQUIRE(p.phases.size() == 3);
    CHECK(p.phases[0].kind != PhaseKind::user_story);  // two stories
    CHECK(p.phases[1].kind == PhaseKind::user_story);
    CHECK(p.phases[1].story == 3);
    CHECK(p.phases[1].story_label == "HU3");
    CHECK(p.phases[2].kind == PhaseKind::user_story);
    CHECK(p.phases[2].story == 4);
    const Plan q = parse_tasks_md("- [ ] T001 [HU1, HU2] both\n");
    CHECK(q.tasks[0].story_label == "HU1");
    CHECK(q.tasks[0].other_stories == std::vector<std::string>{"HU2"});
  }

  // generacy writes `[US1, US2]`, `[US1,US2,US3]`, `[US1/US3]`, `[US1+US2]`, `[US1-US7]` and
  // `[US1][US2]`: a task for several stories. The list was one label naming no story (or the
  // last of several labels won), so `--story US2` missed it, and a phase of such tasks was
  // read as the last one's story phase, run beside the phases around it.
  TEST_CASE("a label naming several stories puts the task in each") {
    const Plan p = parse_tasks_md(
        "- [ ] T001 [US1, US2] a\n- [ ] T002 [P] [US1,US2,US3] b\n- [ ] T003 [US1/US3] c\n- [ ] T004 [US1+US2] d\n"
        "- [ ] T005 [US2-US4] e\n- [ ] T006 [US1][US2] [US1] f\n- [ ] T007 [AUTH-US1, AUTH-US2] g\n"
        "- [ ] T008 [US1, docs] h\n- [ ] T009 [US1,] i\n- [ ] T010 [US3-US1] j\n- [ ] T011 [US1-login] k\n"
        "- [ ] T012 [US01-US03] l\n- [ ] T013 [US1-3] m\n");
    REQUIRE(p.tasks.size() == 13);
    const auto stories = [&](std::size_t i) {
      std::vector<std::string> all{p.tasks[i].story_label};
      all.insert(all.end(), p.tasks[i].other_stories.begin(), p.tasks[i].other_stories.end());
      return all;
    };
    using V = std::vector<std::string>;
    CHECK(stories(0) == V{"US1", "US2"});
    CHECK(p.tasks[0].story == 1);
    CHECK(p.tasks[0].labels.empty());
    CHECK(stories(1) == V{"US1", "US2", "US3"});
    CHECK(p.tasks[1].parallel);
    CHECK(stories(2) == V{"US1", "US3"});
    CHECK(stories(3) == V{"US1", "US2"});
    CHECK(stories(4) == V{"US2", "US3", "US4"});
    CHECK(p.tasks[4].story == 2);
    CHECK(stories(5) == V{"US1", "US2"});  // the first label is the story, each once
    CHECK(p.tasks[5].story == 1);
    CHECK(stories(6) == V{"AUTH-US1", "AUTH-US2"});
    CHECK(p.tasks[6].in_story("AUTH-US2"));
    CHECK_FALSE(p.tasks[6].in_story("US2"));
    // Not lists of stories: a label, as before.
    for (std::size_t i : {7u, 8u}) {
      CHECK(p.tasks[i].story_label.empty());
      CHECK(p.tasks[i].other_stories.empty());
      CHECK(p.tasks[i].labels.size() == 1);
    }
    CHECK(stories(9) == V{"US3-US1"});  // not a range: one label, as before
    CHECK(stories(10) == V{"US1-login"});  // one story's label with a name
    CHECK(stories(11) == V{"US01", "US2", "US3"});
    CHECK(stories(12) == V{"US1", "US2", "US3"});
    CHECK(p.tasks[0].in_story("US2"));
    CHECK_FALSE(p.tasks[0].in_story("US3"));
    CHECK_FALSE(p.tasks[0].in_story(""));
  }

  TEST_CASE("a phase whose tasks serve several stories is no one story's phase") {
    // generacy 556: Phase 2's one task was `[US1][US2]`, read as US2's, and a story phase
    // after US1's runs beside it: the test run ran beside the code it tests.
    const Plan p = parse_tasks_md("## Phase 1: Core Implementation\n- [ ] T001 [US1] a\n- [ ] T002 [US1] b\n"
                                  "## Phase 2: Verification\n- [ ] T003 [US1][US2] Run the tests\n"
                                  "## Phase 3: More\n- [ ] T004 [US3] c\n");
    REQUIRE(p.phases.size() == 3);
    CHECK(p.phases[0].kind == PhaseKind::user_story);
    CHECK(p.phases[1].kind == PhaseKind::other);
    CHECK(p.phases[2].kind == PhaseKind::user_story);
    const auto g = build_graph(p);
    REQUIRE(g.has_value());
    const auto waits = [&](int t, int on) {
      const std::vector<int> pred = g->task_predecessors(t);
      return std::find(pred.begin(), pred.end(), on) != pred.end();
    };
    CHECK(waits(2, 1));
    CHECK(waits(2, 0));
  }

  // A story phase records its label as its tasks write it, where `--story` and the graph's
  // story statements read it (they scanned titles, each its own way).
  TEST_CASE("a story phase's label: prefixed in its title, else USn") {
    const Plan p = parse_tasks_md(
        "## Phase 1: Setup\n- [ ] T001 a\n## Phase 2: User Story AUTH-US1 - Register\n- [ ] T002 [AUTH-US1] b\n"
        "## Phase 3: User Story 2 (Priority: P2)\n- [ ] T003 [US2] c\n## Phase 4: US3 for xAUTH-US3y\n- [ ] T004 d\n");
    REQUIRE(p.phases.size() == 4);
    CHECK(p.phases[0].story_label.empty());
    CHECK(p.phases[1].story_label == "AUTH-US1");
    CHECK(p.phases[2].story_label == "US2");
    CHECK(p.phases[3].story_label == "US3");  // a label inside a word is none
  }

  TEST_CASE("a numbered phase with 'sequential' in its title is a phase, not a dependency section") {
    const Plan p = parse_tasks_md(
        "## Phase 0 — Foundational (sequential, blocks every story)\n\n- **T001** Declare foo\n- **T002** Declare bar\n"
        "## Dependencies & Execution Order\n- **T009** blocks everything\n");
    CHECK(ids(p) == std::vector<std::string>{"T001", "T002"});
  }

  TEST_CASE("an ID in brackets right after the box is the task's ID") {
    const Plan p = parse_tasks_md("- [ ] [PR-001] Update src/db/schema.ts\n- [x] [VP-004] [P] Verify\n- [ ] [P] not a task\n");
    CHECK(ids(p) == std::vector<std::string>{"PR-001", "VP-004"});
    CHECK(p.tasks[1].parallel);
    CHECK(p.tasks[1].state == TaskState::done);
  }

  TEST_CASE("[P] in place of the checkbox with the ID after the labels is a task, not the legend") {
    const std::string text = "- [ ] T001 a\n- [P] [US1] T003 `src/x.ts` — confirm\n- [P] tasks = different files\n";
    const Plan p = parse_tasks_md(text);
    CHECK(ids(p) == std::vector<std::string>{"T001", "T003"});
    CHECK(p.tasks[1].form == TaskForm::bold_item);
    CHECK(p.tasks[1].parallel);
    CHECK(p.tasks[1].story_label == "US1");
    CHECK(p.tasks[1].story == 1);
    CHECK(p.tasks[1].mark_offset == Task::npos);
    REQUIRE(find_skip(p, 3));
    CHECK(find_skip(p, 3)->reason == SkipReason::legend);
  }
  // A section number is not a task ID: `### 2.1 Background` under `## Notes` ran as a
  // task with no checkbox, and so did a bold `**2.4**`.
  TEST_CASE("a numbered heading or bold item with no task under it is prose, not a task") {
    const Plan p = parse_tasks_md(
        "# Tasks\n\n## Phase 1: Setup\n\n- [ ] T001 Create src/a.py\n\n## Notes\n\n"
        "### 2.1 Background\n\nSome prose.\n\n### 2.2 Risks\n\n- **2.3 Rollout** in two steps\n"
        "- **2.4** Rollback by hand\n");
    CHECK(ids(p) == std::vector<std::string>{"T001"});
    CHECK(find_diag(p, "no-checkbox") == nullptr);
    const Plan only = parse_tasks_md("## 1. Scope\n### 1.1 In scope\ntext\n### 1.2 Out of scope\n");
    CHECK(only.tasks.empty());
  }

  // cryptoutil's framework-v25: 49 tasks as `### Task 1.1: …` with fields under them, the
  // only top-level boxes a cross-cutting checklist at the end.
  TEST_CASE("`### Task 1.1:` headings are tasks named by their number; a checklist after them is not") {
    const Plan p = parse_tasks_md(
        "## Phase 1: Port Packages\n\n"
        "### Task 1.1: Add DB Migration 2009 (ca_items)\n\n"
        "- **Estimated**: 0.5h\n"
        "- **Dependencies**: framework-v24 complete (migrations 2001\u20132008 in place)\n"
        "- **Acceptance Criteria**:\n"
        "  - [ ] `2009_items.up.sql` created\n"
        "- **Files**:\n"
        "  - `db/migrations/2009_items.up.sql` (NEW)\n\n"
        "### Task 1.2: Port compliance Package\n\n"
        "- **Dependencies**: Task 1.1\n\n"
        "## Phase 2: Extend the API\n\n"
        "### **Task 2.1**: Add Schemas\n\n"
        "- **Dependencies**: Task 1.1, Task 1.2\n\n"
        "## Cross-Cutting Tasks\n\n### Testing\n\n- [ ] Unit tests pass\n");
    CHECK(ids(p) == std::vector<std::string>{"1.1", "1.2", "2.1"});
    for (const Task& t : p.tasks) CHECK(t.form == TaskForm::heading);
    CHECK(p.tasks[0].description == "Add DB Migration 2009 (ca_items)");
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"db/migrations/2009_items.up.sql"});
    CHECK(deps(p.tasks[0]).empty());
    CHECK(deps(p.tasks[1]) == "1.1");
    CHECK(deps(p.tasks[2]) == "1.1,1.2");
    CHECK(p.tasks[2].phase == 1);
    REQUIRE(find_skip(p, 26));
    CHECK(find_skip(p, 26)->reason == SkipReason::no_id);
  }

  // Plans written as `### Task 1: …` headings with their files and dependencies under
  // them and no box of their own: they were no tasks (a number alone is no ID), so the
  // boxes of a closing checklist ran instead, and a file without one had "no tasks".
  TEST_CASE("`### Task 3:` headings are tasks named by their number, referred to as Task 3") {
    const Plan p = parse_tasks_md(
        "# Plan\n\n### Task 1: Create the model\n\n**Files:**\n- Create: `src/model.py`\n\n"
        "### **Task 2**: Add the API\n\n**Depends on**: Task 1\n\n- Create: `src/api.py`\n\n"
        "### Task 3: Document it\n\n- **Dependencies**: Tasks 1 and 2 (the API), then 4.5 minutes of review\n\n"
        "## Verification\n\n- [ ] All tests pass\n- [ ] Lint is clean\n");
    CHECK(ids(p) == std::vector<std::string>{"1", "2", "3"});
    for (const Task& t : p.tasks) CHECK(t.form == TaskForm::heading);
    CHECK(p.tasks[0].description == "Create the model");
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"src/model.py"});
    CHECK(deps(p.tasks[1]) == "1");
    CHECK(deps(p.tasks[2]) == "1,2");  // "4.5" is no task: no reference, no warning
    CHECK(find_diag(p, "unknown-reference") == nullptr);
    const Plan range = parse_tasks_md("### Task 1: a\n### Task 2: b\n### Task 3: c\n### Task 4: d\n**Depends on**: Tasks 1-3\n");
    CHECK(deps(range.tasks[3]) == "1..3");
    // Numbers without the word stay numbers; `Task 1.1` and boxes under `Task 1` as before.
    CHECK(parse_tasks_md("### 1: Create the model\n\ntext\n").tasks.empty());
    CHECK(ids(parse_tasks_md("### Task 1: X\n\n- [ ] **Step 1: Write the test**\n- [ ] **Step 2: Run it**\n")) ==
          std::vector<std::string>{"1"});
    CHECK(ids(parse_tasks_md("## Task 1: Setup\n\n- [ ] T001 Create `x.py`\n")) == std::vector<std::string>{"T001"});
  }

  // spec-kit's docs/superpowers/plans/2026-04-25-init-module-split.md: `## PR-1: Extract
  // utilities` over `### Task 1: …` headings with their step boxes. PR-1's shape counted as
  // the file's task IDs, so the Task headings were groups and their 78 steps ran as tasks.
  TEST_CASE("a section's ID does not make `### Task N:` headings groups") {
    const Plan p = parse_tasks_md(
        "# Plan\n\n## PR-1: Extract utilities\n\n### Task 1: Create `src/cli/_console.py`\n\n"
        "- [ ] **Step 1: Write the failing test**\n- [ ] **Step 2: Create `_console.py`**\n\n"
        "### Task 2: Create `src/cli/_ui.py`\n\n- [x] **Step 1: Write the failing test**\n\n"
        "## PR-2: Wire them\n\n### Task 3: Use them\n\n- [ ] **Step 1: Call them**\n");
    CHECK(ids(p) == std::vector<std::string>{"1", "2", "3"});
    CHECK(p.tasks[0].step_marks.size() == 2);
    CHECK(p.tasks[1].state == TaskState::done);
  }

  // What is under a heading task is its body: `## T001 — …` over ID-less boxes (skipped
  // as boxes without IDs: Watch-Faces 012 ran its four tasks on their titles alone), and
  // a task's acceptance criteria and the notes after them (the first box ended the task:
  // spec-flow's 75 tasks lost both). Under an ID heading they are no steps: a list of
  // prerequisites done (`- [x] Mockups approved`) does not make the task done, and flow
  // does not tick criteria; `### Task N:` headings keep their steps.
  TEST_CASE("a heading task's ID-less boxes, its criteria and what follows them are its body") {
    const Plan p = parse_tasks_md(
        "# Tasks\n\n## T001 — Create DesignInput.tsx\n- [ ] Tab bar: Image | HTML\n- [x] HTML tab: a textarea\n\n"
        "## T002 — Wire it\n\n**Acceptance Criteria**:\n- [ ] The tab bar shows\n- [ ] Tabs keep the HTML\n\n"
        "**Implementation**: edit `src/App.tsx`\n\n## T003 — Build the login page\nPrerequisites (done):\n"
        "- [x] Mockups approved\n- [x] API contract agreed\n\nImplement `src/login.tsx`.\n");
    REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002", "T003"});
    CHECK(p.tasks[0].body_first == 4);
    CHECK(p.tasks[0].body_last == 5);
    CHECK(p.tasks[1].body_last == 13);
    CHECK(p.tasks[1].paths.size() == 1);
    CHECK(p.tasks[2].body_last == 20);
    for (const Task& t : p.tasks) {
      CHECK(t.step_marks.empty());
      CHECK(t.check_offset != Task::npos);  // the heading's check mark holds its state
      CHECK(t.state == TaskState::pending);
    }
    for (const Skipped& k : p.skipped) CHECK(k.reason == SkipReason::nested);
    const Plan q = parse_tasks_md(
        "# Plan\n\n### Task 1: Docs\n\n**Acceptance Criteria**:\n- [ ] README says it\n\nNotes after.\n\n"
        "### Task 2: Release\n\n- [ ] **Step 1: Tag it**\n");
    REQUIRE(ids(q) == std::vector<std::string>{"1", "2"});
    CHECK(q.tasks[0].step_marks.empty());
    CHECK(q.tasks[0].body_last == 8);
    CHECK(q.tasks[1].step_marks.size() == 1);
  }

  // `### T001: …` over the requirements it meets (`- [ ] FR-001: …`, `- [ ] SC-002: …`)
  // was a section, those boxes its tasks (skipped as criteria): T001 never ran.
  TEST_CASE("requirement boxes under a task's heading are its criteria, not its tasks") {
    const Plan p = parse_tasks_md(
        "# Tasks\n\n### T001: Build login\n\nIn `src/login.ts`.\n\n**Acceptance**:\n- [ ] FR-001: users log in\n"
        "- [ ] SC-002: under 2 s\n\n### T002: Build logout\n\n**Acceptance Criteria**:\n- [ ] FR-003 [P] logged out\n");
    REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002"});
    CHECK(p.tasks[0].body_last == 9);
    CHECK(p.tasks[1].body_last == 14);
    // Tasks of the requirements' own shape under a section heading stay tasks.
    CHECK(ids(parse_tasks_md("## US-001 Login\n- [ ] FR-001 Build it\n- [ ] FR-002 Test it\n")) ==
          std::vector<std::string>{"FR-001", "FR-002"});
  }

  // Written in public `### Task N:` plans: "**Depends on:** Tasks 1-5, 9, 10, 13",
  // "**Depends on:** Task 1 (`Orders`), Task 2 (`selectedGame`), Task 3 (…)". The range
  // read its first task only, and the aside after a task's number ended the list.
  TEST_CASE("`Task N` references: ranges, asides, and a number that is no task after them") {
    std::string text = "# Plan\n\n";
    for (int i = 1; i <= 6; ++i) text += "### Task " + std::to_string(i) + ": Part " + std::to_string(i) + "\n\ntext\n\n";
    text += "### Task 7: Range\n\n**Depends on:** Tasks 1-3, 5\n\n";
    text += "### Task 8: Dash\n\n**Depends on:** Tasks 2\u20134\n\n";
    text += "### Task 9: Asides\n\n**Depends on:** Task 1 (`Orders`), Task 3 (customer list) and Task 5\n\n";
    text += "### Task 10: An aside naming a task\n\n**Depends on:** Task 1 (see Task 2), Task 4\n\n";
    text += "### Task 11: A count\n\n**Depends on:** Task 2; 3 reviewers sign it off\n\n";
    text += "### Task 12: Numbers\n\n**Depends on:** Task 1, 2 and 6\n";
    const Plan p = parse_tasks_md(text);
    REQUIRE(p.tasks.size() == 12);
    CHECK(deps(task_named(p, "7")) == "1..3,5");
    CHECK(deps(task_named(p, "8")) == "2..4");
    CHECK(deps(task_named(p, "9")) == "1,3,5");
    CHECK(deps(task_named(p, "10")) == "1");  // an aside that names a task is not skipped over
    CHECK(deps(task_named(p, "11")) == "2");  // "3 reviewers": a count, not Task 3
    CHECK(deps(task_named(p, "12")) == "1,2,6");
    CHECK(find_diag(p, "unknown-reference") == nullptr);
  }

  // `### Task 01:` headings referred to as "Task 1" (and the other way round) gave an
  // unknown reference: a task's number is the number, whatever zeros lead it.
  TEST_CASE("`Task 01` and `Task 1` are the same task; `Task 1 through Task 3` is a range") {
    const Plan p = parse_tasks_md(
        "# Plan\n\n### Task 01: One\n\ntext\n\n### Task 02: Two\n\ntext\n\n### Task 3: Three\n\n"
        "**Depends on:** Task 1, Task 002\n\n### Task 04: Four\n\n**Depends on:** Task 1 through Task 3\n");
    REQUIRE(p.tasks.size() == 4);
    CHECK(ids(p) == std::vector<std::string>{"1", "2", "3", "4"});
    CHECK(deps(task_named(p, "3")) == "1,2");
    CHECK(deps(task_named(p, "4")) == "1..3");
    CHECK(find_diag(p, "unknown-reference") == nullptr);
  }

  // spec-kit's .minispec registry plan (frontmatter `status: complete`): `### Task 1: …`
  // headings, and at the end a `## Progress` list, `- [x] Task 1: Registry state model`.
  // Those boxes were "checkboxes without an ID": the plan read 0 of 10 done, and a run
  // would have done the whole feature again.
  TEST_CASE("a progress list's `- [x] Task N:` box is that Task heading's state, and flow ticks it") {
    const std::string text =
        "# Plan\n\n### Task 1: Create model in `src/model.py`\n\nBody.\n\n### Task 02: Add CLI in `src/cli.py`\n\n"
        "- [ ] **Step 1: Write the failing test**\n\n### Task 3: Docs\n\nBody.\n\n### Task 4: Release\n\n"
        "## Progress\n\n- [x] Task 1: Create model\n- [x] Task 2: Add CLI\n- [ ] **Task 3**: Docs\n"
        "- [x] Task 9: not in this plan\n- [ ] Task 4 draft\n- [x] Task 4 final\n";
    const Plan p = parse_tasks_md(text);
    REQUIRE(ids(p) == std::vector<std::string>{"1", "2", "3", "4"});
    CHECK(p.tasks[0].state == TaskState::done);
    CHECK(p.tasks[1].state == TaskState::done);  // its box says so, though its step is not ticked
    CHECK(p.tasks[2].state == TaskState::pending);
    CHECK(p.tasks[3].state == TaskState::pending);  // two boxes name it: neither is its state
    CHECK(p.tasks[2].has_marks());
    CHECK(p.tasks[3].step_marks.empty());  // its heading keeps the mark
    for (int line : {19, 20, 21}) {
      REQUIRE(find_skip(p, line) != nullptr);
      CHECK(find_skip(p, line)->reason == SkipReason::progress);
    }
    for (int line : {22, 23, 24}) {
      REQUIRE(find_skip(p, line) != nullptr);
      CHECK(find_skip(p, line)->reason == SkipReason::no_id);
    }
    // Done: its box is ticked (in the file's case), its heading left as it is; undone: back.
    auto out = set_marks(text, p, std::vector<MarkChange>{{11, "3", true}});
    REQUIRE(out);
    std::string want = text;
    want.replace(want.find("- [ ] **Task 3**"), 5, "- [x]");
    CHECK(*out == want);
    CHECK(parse_tasks_md(*out).tasks[2].state == TaskState::done);
    auto back = set_marks(*out, parse_tasks_md(*out), std::vector<MarkChange>{{11, "3", false}});
    REQUIRE(back);
    CHECK(*back == text);
    // No Task headings: such boxes are the file's tasks, named by their numbers.
    CHECK(ids(parse_tasks_md("## Progress\n\n- [x] Task 1: Create model\n- [ ] Task 2: Add CLI\n")) ==
          std::vector<std::string>{"1", "2"});
  }

  // prompt-studio's i18n and BizChat: `### Task 1.1: …` over ID-less boxes ("任务清单"),
  // with each heading's estimate and dependencies (`**依赖**: Task 1.1`); superpowers'
  // plans: `### Task 1: …` over `- [ ] **Step 1: …**`, dispatched a task at a time. The
  // heading is the unit of work and its boxes its steps: they say whether it is done (all
  // ticked), and are ticked together when it succeeds. They ran as tasks of their own,
  // a test step before its implementation, each validated alone.
  TEST_CASE("`### Task 1.1:` headings over ID-less boxes are tasks; the boxes are their steps") {
    const std::string text =
        "## \u7b2c\u4e00\u9636\u6bb5\n"
        "### Task 1.1: Create the folders [P0]\n**Depends**: none\n- [x] Create `src/i18n/`\n"
        "- [x] Create `src/i18n/types.ts`\n"
        "### Task 1.2: Detect the language\n**Depends on**: Task 1.1\n- [x] Create `src/i18n/detect.ts`\n"
        "- [ ] **Step 2: Write the failing test**\n  - [ ] nested, not a step\n"
        "### Task 1.3: Review\nProse only.\n"
        "### Task 1.4: Check\n**Acceptance Criteria**:\n- [ ] It builds\n";
    const Plan p = parse_tasks_md(text);
    CHECK(ids(p) == std::vector<std::string>{"1.1", "1.2", "1.3", "1.4"});
    for (const Task& t : p.tasks) CHECK(t.form == TaskForm::heading);
    CHECK(p.tasks[0].state == TaskState::done);
    CHECK(p.tasks[1].state == TaskState::pending);
    CHECK(p.tasks[2].state == TaskState::pending);
    CHECK(p.tasks[0].step_marks.size() == 2);
    CHECK(p.tasks[1].step_marks.size() == 2);
    CHECK(p.tasks[2].step_marks.empty());
    CHECK(p.tasks[3].step_marks.empty());  // criteria check the work: no steps
    CHECK(p.tasks[0].has_marks());
    CHECK(p.tasks[2].has_marks());  // no steps: a check mark ending its heading
    CHECK(p.tasks[2].check_offset != Task::npos);
    CHECK(p.tasks[0].check_offset == Task::npos);  // steps: they say
    CHECK(deps(p.tasks[1]) == "1.1");
    CHECK(paths(p.tasks[1]) == std::vector<std::string>{"src/i18n/detect.ts"});
    const Skipped* step = find_skip(p, 9);
    REQUIRE(step != nullptr);
    CHECK(step->reason == SkipReason::step);
    REQUIRE(find_skip(p, 10));
    CHECK(find_skip(p, 10)->reason == SkipReason::nested);
    // Marked done: every unticked step, one byte each, and nothing else; the file then
    // reads the task done. Cleared: every step.
    const std::vector<MarkChange> done{{6, "1.2", true}};
    auto marked = set_marks(text, p, done);
    REQUIRE(marked);
    CHECK(marked->size() == text.size());
    std::size_t diff = 0;
    for (std::size_t i = 0; i < text.size(); ++i) diff += (*marked)[i] != text[i];
    CHECK(diff == 1);
    CHECK(marked->find("- [x] **Step 2") != std::string::npos);  // the case the file uses
    CHECK(marked->find("  - [ ] nested") != std::string::npos);
    CHECK(parse_tasks_md(*marked).tasks[1].state == TaskState::done);
    const std::vector<MarkChange> undo{{2, "1.1", false}};
    auto cleared = set_marks(text, p, undo);
    REQUIRE(cleared);
    CHECK(cleared->find("- [ ] Create `src/i18n/`") != std::string::npos);
    CHECK(cleared->find("- [ ] Create `src/i18n/types.ts`") != std::string::npos);
    CHECK(parse_tasks_md(*cleared).tasks[0].state == TaskState::pending);
    // In place, the plan follows.
    std::string in_place = text;
    Plan q = p;
    auto n = set_marks_in_place(in_place, q, done);
    REQUIRE(n);
    CHECK(*n == 1);
    CHECK(in_place == *marked);
    CHECK(q.tasks[1].state == TaskState::done);
    // A step's byte that is not what the plan read there: refused, nothing changed.
    std::string edited = text;
    edited[p.tasks[1].step_marks[1] - 1] = '(';
    CHECK_FALSE(set_marks(edited, p, done));
  }

  // Boxes with IDs under `### Task 1:` headings are the tasks, the headings their groups.
  // A file whose tasks have IDs may also note things under `### Task 1 …` headings: those
  // ran as tasks "1" and "2" beside T001 and T002 (an adversarial pass, crafted).
  TEST_CASE("`### Task 1:` headings in a file of ID'd tasks are groups or notes") {
    const Plan p = parse_tasks_md("## Phase 1\n### Task 1: Init\n- [x] T001 Create the folder\n- [ ] Check it\n");
    CHECK(ids(p) == std::vector<std::string>{"T001"});
    REQUIRE(p.tasks[0].group >= 0);
    CHECK(p.groups[static_cast<std::size_t>(p.tasks[0].group)].title == "Task 1: Init");
    const char* notes = "\n## Notes\n\n### Task 1 Acceptance Criteria\n\n- Login works\n\n### Task 2.1 Output\n\nA report.\n";
    CHECK(ids(parse_tasks_md(std::string("- [ ] T001 a\n- [ ] T002 b\n") + notes)) == std::vector<std::string>{"T001", "T002"});
    CHECK(ids(parse_tasks_md(std::string("- **T001** a\n- **T002** b\n") + notes)) == std::vector<std::string>{"T001", "T002"});
    CHECK(ids(parse_tasks_md(std::string("### T001 a\n\ntext\n") + notes)) == std::vector<std::string>{"T001"});
  }

  // A public RAG task breakdown: `### Task 1.1: …` headings, each with its `**File**`,
  // `**Description**` and an `**Acceptance Criteria**:` list of top-level boxes. The boxes
  // check the heading's work (as under spec-flow's `#### T001` headings): they ran as seven
  // tasks ("No version conflicts") and the three headings ran as none.
  TEST_CASE("boxes under `**Acceptance Criteria**:` do not make `### Task 1.1:` headings groups") {
    const Plan p = parse_tasks_md(
        "## Phase 1: Setup\n\n### Task 1.1: Install Required Dependencies\n**File**: `backend/package.json`\n"
        "**Acceptance Criteria**:\n- [ ] `openai` package installed\n- [ ] No version conflicts\n\n"
        "### Task 1.2: Configure Environment Variables\n**Details**:\n- Add `OPENAI_API_KEY`\n"
        "**Success criteria:**\n\n- [ ] Defaults work\n\n"
        "## Phase 2: Client\n\n### Task 2.1: Implement the client\n- **Dependencies**: Task 1.1\n"
        "- **Acceptance Criteria**:\n- [ ] Returns a vector\n");
    CHECK(ids(p) == std::vector<std::string>{"1.1", "1.2", "2.1"});
    CHECK(deps(p.tasks[2]) == "1.1");
    // A heading with boxes of work has them as its steps; criteria are none.
    const Plan work = parse_tasks_md(
        "## Phase 1\n### Task 1.1: Init\n- [x] Create the folder\n"
        "### Task 1.2: Check\n**Acceptance Criteria**:\n- [ ] It builds\n");
    CHECK(ids(work) == std::vector<std::string>{"1.1", "1.2"});
    CHECK(work.tasks[0].state == TaskState::done);
    CHECK(work.tasks[1].step_marks.empty());
  }

  // BizChat: after the six phases, "Task Completion Checklist" and "Success Metrics" list
  // outcomes to tick (25 of 93 boxes), not work to run.
  TEST_CASE("in a file without IDs, a checklist of outcomes after the phases is not work") {
    const Plan p = parse_tasks_md(
        "# MVP\n## Phase 1: Setup\n### Init\n- [x] Create the folder\n- [ ] Add `config.js`\n"
        "## Phase 2: Backend\n- [ ] Add the API routes\n"
        "## \u2705 Task Completion Checklist\n### Backend Complete When:\n- [x] \u2705 API working\n"
        "## Success Metrics\n**Technical:**\n- [ ] Production deployment capability\n"
        "## Definition of Done\n- [ ] Reviewed\n"
        "## Review Notes\n- [ ] Pass/Fail:\n- [ ] Issues found:\n");  // spec-kit's evals/real-plans/plan-001
    CHECK(ids(p) == std::vector<std::string>{"L4", "L5", "L7"});
    for (int line : {10, 13, 15, 17, 18}) {
      INFO(line);
      const Skipped* s = find_skip(p, line);
      REQUIRE(s);
      CHECK(s->reason == SkipReason::checklist);
    }
    // With the work under `### Task 1.1:` headings (BizChat's own form), those are the
    // tasks, and the checklists' boxes no tasks either.
    const Plan tasks = parse_tasks_md(
        "# MVP\n## Phase 1: Setup\n### Task 1.1: Init\n- [x] Create the folder\n- [ ] Add `config.js`\n"
        "## Success Metrics\n- [ ] Production deployment capability\n");
    CHECK(ids(tasks) == std::vector<std::string>{"1.1"});
    REQUIRE(find_skip(tasks, 7));
    CHECK(find_skip(tasks, 7)->reason == SkipReason::no_id);
    // A file that is one checklist keeps its boxes as tasks.
    const Plan whole = parse_tasks_md("# Release\n## Checklist\n- [ ] Tag the release\n- [ ] Publish\n");
    CHECK(ids(whole) == std::vector<std::string>{"L3", "L4"});
    // phan-tuan-thanh/mpm: the work under `## Tasks`, no phase named so; under `## Notes`, a
    // checklist for every frontend task (20 boxes, which ran as tasks).
    const Plan kiro = parse_tasks_md(
        "# Plan\n## Tasks\n- [x] 1. Create the schema\n- [ ] 2. Build the API\n"
        "## Notes\n### Checklist bắt buộc cho mọi frontend task\n**Page Layout:**\n- [ ] `flex flex-col h-full`\n"
        "- [ ] Toolbar: `flex items-center`\n");
    CHECK(ids(kiro) == std::vector<std::string>{"L3", "L4"});
    REQUIRE(find_skip(kiro, 8));
    CHECK(find_skip(kiro, 8)->reason == SkipReason::checklist);
  }

  // spec-flow's features mark their heading tasks done in a Status field (22 of them in
  // 001) or with a check mark ending the heading; cryptoutil with `✅ COMPLETE (date)`.
  // Read as pending, a fresh repository ran them all again.
  // A task list of boxes with a details section of headings: the heading is the task (the
  // box its mirror), and a box the user ticked must not be run again.
  // A `#### Step 1` under `### Task 1` ended the task: what followed it (the step, its
  // files) never reached the agent. straddleio/nerdcon p1-demo-fixes, Task 4.2: a
  // README example's fence closed by an indented fence left `### Environment Setup` as a
  // heading of the task's level, and steps 3 to 7 belonged to no task.
  TEST_CASE("a heading inside a heading task is part of it") {
    const Plan p = parse_tasks_md(
        "# Plan\n\n### Task 1: Do a\n\nIntro\n\n#### Step 1\n\n- [ ] Write `a.py`\n\n### Interlude\n\nEdit `b.py`\n\n"
        "### Task 2: Do b\n\nbody b\n\n### Notes\n\nnot a task's\n\n## Phase 2\n\n### Task 3: Do c\n\n#### Details\n\nUse `c.py`\n\n"
        "### Wrap-up\n\nafter the last task\n");
    REQUIRE(p.tasks.size() == 3);
    CHECK(p.tasks[0].body_first == 5);
    CHECK(p.tasks[0].body_last == 13);  // through `### Interlude`, which stands before Task 2
    CHECK(p.tasks[0].step_marks.size() == 1);
    REQUIRE(p.tasks[0].paths.size() == 2);
    CHECK(p.tasks[0].paths[0].path == "a.py");
    CHECK(p.tasks[0].paths[1].path == "b.py");
    CHECK(p.tasks[1].body_last == 17);  // `### Notes` is followed by `## Phase 2`, not by a task
    CHECK(p.tasks[2].body_first == 27);
    CHECK(p.tasks[2].body_last == 29);  // `#### Details` and its line; `### Wrap-up` ends it, no task after it
    CHECK(p.tasks[0].group == p.tasks[1].group);
    // Tasks headed by their IDs, with group headings of their level between them: the
    // groups stay groups (tests first, then the implementation).
    const Plan q = parse_tasks_md(
        "## Phase 2: User Story 1 - Login\n### Tests for User Story 1\n### T002 [P] [US1] Contract test\nCreate `a.py`.\n"
        "### T003 [P] [US1] Integration test\nCreate `b.py`.\n### Implementation for User Story 1\n"
        "### T004 [P] [US1] User model\nCreate `c.py`.\n");
    REQUIRE(q.tasks.size() == 3);
    CHECK(q.tasks[1].body_last == 6);
    CHECK(q.tasks[1].group != q.tasks[2].group);
    // A heading of the level of `### Task N` headings with nothing of its own before the
    // next one is a group's heading, not content.
    const Plan r = parse_tasks_md("### Task 1: A\n\nbody\n\n### Part two\n\n### Task 2: B\n\nbody\n");
    REQUIRE(r.tasks.size() == 2);
    CHECK(r.tasks[0].body_last == 3);
  }

  // `### T001 — Models ✅ <!-- reviewed -->` read pending: the comment was the heading's end.
  TEST_CASE("a check mark before a comment at a heading's end is read, and written there") {
    const std::string text = "### T001 — Models \u2705 <!-- reviewed -->\n\nbody\n\n### T002 — Views <!-- todo -->\n\nbody\n";
    Plan p = parse_tasks_md(text);
    REQUIRE(p.tasks.size() == 2);
    CHECK(p.tasks[0].state == TaskState::done);
    CHECK(p.tasks[1].state == TaskState::pending);
    CHECK(text.substr(p.tasks[0].check_offset, p.tasks[0].check_length) == " \u2705");
    CHECK(text.substr(p.tasks[1].check_offset, 14) == " <!-- todo -->");  // the mark goes before the comment
    CHECK(p.tasks[1].check_length == 0);
  }

  TEST_CASE("a heading task whose mirror box is ticked is done") {
    const Plan p = parse_tasks_md(
        "## Tasks\n- [x] T001 Create the model\n- [ ] T002 Add the route\n- [X] T003 Docs\n"
        "## Task Details\n### T001: Create the model\nIn `src/model.py`.\n### Task T002: Add the route\n"
        "### T003 — Docs\n**Status**: Not started\n");
    REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002", "T003"});
    for (const Task& t : p.tasks) CHECK(t.form == TaskForm::heading);
    CHECK(p.tasks[0].state == TaskState::done);
    CHECK(p.tasks[1].state == TaskState::pending);
    CHECK(p.tasks[2].state == TaskState::done);  // the box the user ticked wins over a stale field
  }

  // A phase's own status after a `---` is not its last heading task's.
  TEST_CASE("a thematic break ends a heading task's body") {
    const Plan p = parse_tasks_md(
        "## Phase 1\n### T001 Build the store\n- Files: `src/store.go`\n\n---\n\n"
        "**Status**: \u2705 Phase 1 complete\n- Also see `docs/notes.md` for the phase.\n## Phase 2\n### T002 Wire it\n");
    REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002"});
    CHECK(p.tasks[0].state == TaskState::pending);
    CHECK(p.tasks[0].body_last == 3);
    CHECK(paths(p.tasks[0]) == std::vector<std::string>{"src/store.go"});
  }

  TEST_CASE("a task without a checkbox is done when its Status field or a closing check mark says so") {
    const Plan p = parse_tasks_md(
        "## Phase 1\n"
        "#### T001 [P] [US1] Create config management script \u2705\n**Priority**: P1\n"
        "### T002 Add routing\n**Type**: setup\n**Status**: COMPLETED\n\n**Description**: the status of it\n"
        "### T003 Port the store\n- **Status**: \u2705 COMPLETE (2026-01-01)\n"
        "### T004 Wire it\n- **Status**: \u274c Not Started\n"
        "### T005 Docs\n**Status**: In progress\n\nStatus: done later, says the prose? No: a field only at the start.\n"
        "### T006 Tests\nThe status: done.\n```\nStatus: done\n```\n"
        "- **T007** \u2014 Bold task\n  - Status: Done\n"
        "- [ ] T008 Box task\n  - **Status**: COMPLETED\n"
        "### T009 Status twice\n**Status**: Not started\n**Status**: done\n");
    REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002", "T003", "T004", "T005", "T006", "T007", "T008", "T009"});
    const std::vector<TaskState> want = {TaskState::done,    TaskState::done,    TaskState::done,
                                         TaskState::pending, TaskState::pending, TaskState::pending,
                                         TaskState::done,    TaskState::pending, TaskState::pending};
    for (std::size_t i = 0; i < want.size(); ++i) {
      INFO(p.tasks[i].id);
      CHECK(p.tasks[i].state == want[i]);
    }
  }
  // A Status field that names a condition or a readiness says the task is not done yet:
  // "**Status**: Complete when all items checked" (a public validation plan),
  // "**Status**: ✅ Ready to start" (common in public plans). Both were read as done, so a
  // task never run would never run.
  TEST_CASE("a Status field that says when it will be complete, or that it is ready to start, is pending") {
    const Plan p = parse_tasks_md(
        "## Phase 1\n"
        "### T001 Build API\n**Status**: Complete when all endpoints return 200\n"
        "### T002 Build UI\n**Status**: \u2705 Ready to start (after T001)\n"
        "### T003 Docs\n- **Status**: Done criteria: README updated\n"
        "### T004 Deploy\n**Status**: \u2705\ufe0f READY FOR IMPLEMENTATION\n"
        "### T005 Store\n**Status**: Complete once T004 lands\n"
        "### T006 Cache\n**Status**: \u2705 Ready to use\n"
        "### T007 Queue\n**Status**: Completed (2026-01-02)\n"
        "### T008 Logs\n**Status**: \u2705 Done - merged\n");
    REQUIRE(ids(p) == std::vector<std::string>{"T001", "T002", "T003", "T004", "T005", "T006", "T007", "T008"});
    const std::vector<TaskState> want = {TaskState::pending, TaskState::pending, TaskState::pending,
                                         TaskState::pending, TaskState::pending, TaskState::done,
                                         TaskState::done,    TaskState::done};
    for (std::size_t i = 0; i < want.size(); ++i) {
      INFO(p.tasks[i].id);
      CHECK(p.tasks[i].state == want[i]);
    }
  }
  // caro's kitty-specs 009: ten `### WP01: …` work packages, each `completed` in the
  // overview table's Status column.
  TEST_CASE("a status table's done row makes a task without a checkbox done; its own field wins") {
    const Plan p = parse_tasks_md(
        "## Work Packages Overview\n\n"
        "| WP | Name | **Status** | Files |\n|----|------|--------|-------|\n"
        "| WP01 | Type Definitions | completed | config/types.ts |\n"
        "| WP02 | Holiday Configuration | \u2705 Done | config/holidays.ts |\n"
        "| WP03 | Seasons | in progress | config/seasons.ts |\n"
        "| WP04 | Dates | completed | lib/date-utils.ts |\n"
        "| [x] | WP05 | Locale | lib/locale.ts |\n\n"
        "## Summary\n\n### WP01: Type Definitions\n- Created `config/types.ts`\n\n"
        "### WP02: Holiday Configuration\n\n### WP03: Seasons\n\n"
        "### WP04: Dates\n**Status**: Not started\n\n### WP06: Debug panel\n\n"
        "| Task | State |\n|---|---|\n| WP06 | done |\n");
    REQUIRE(ids(p) == std::vector<std::string>{"WP05", "WP01", "WP02", "WP03", "WP04", "WP06"});
    const std::vector<TaskState> want = {TaskState::done, TaskState::done, TaskState::done,
                                         TaskState::pending, TaskState::pending, TaskState::pending};
    for (std::size_t i = 0; i < want.size(); ++i) {
      INFO(p.tasks[i].id);
      CHECK(p.tasks[i].state == want[i]);
    }
  }


  // biqiangwu/flowerSalesSystem: `- [ ] **任务 1.3** [P]: …`, each box named by the word
  // and a number, "依赖任务 1.3 - …" (depends on task 1.3) in its text. The boxes were
  // tasks named by their lines (L29 …): their `[P]` and their dependencies were lost.
  TEST_CASE("boxes named by the word and a number, in a file of nothing else, are tasks of that ID") {
    const Plan p = parse_tasks_md(
        "## Phase 1\n\n### 1.1 \xE5\x88\x9D\xE5\xA7\x8B\xE5\x8C\x96\n"
        "- [ ] **\xE4\xBB\xBB\xE5\x8A\xA1 1.1**: Create the folders\n"
        "- [x] **\xE4\xBB\xBB\xE5\x8A\xA1 1.2**: Create `go.mod`\n\n### 1.2 Config\n"
        "- [ ] **\xE4\xBB\xBB\xE5\x8A\xA1 1.3** [P]: Test `internal/config/config_test.go`\n"
        "- [ ] **\xE4\xBB\xBB\xE5\x8A\xA1 1.4**: \xE4\xBE\x9D\xE8\xB5\x96\xE4\xBB\xBB\xE5\x8A\xA1 1.3 - "
        "Write `internal/config/config.go`\n");
    REQUIRE(ids(p) == std::vector<std::string>{"1.1", "1.2", "1.3", "1.4"});
    CHECK(p.tasks[1].state == TaskState::done);
    CHECK(p.tasks[2].parallel);
    CHECK(p.tasks[2].description == "Test `internal/config/config_test.go`");
    CHECK(p.tasks[2].form == TaskForm::checkbox);
    const auto g = build_graph(p);
    REQUIRE(g);
    const std::vector<int> waits = g->task_predecessors(3);  // 1.4: 1.3, and the group above
    CHECK(std::find(waits.begin(), waits.end(), 2) != waits.end());
    // In English, bold or not.
    const Plan en = parse_tasks_md("- [ ] Task 1: Write a\n- [x] Task 2: Write b\n- [ ] **Task 3** [P]: Write c\n");
    CHECK(ids(en) == std::vector<std::string>{"1", "2", "3"});
    CHECK(en.tasks[2].parallel);
    // A file with tasks of IDs: such a box is no task (a note, a progress box).
    const Plan mixed = parse_tasks_md("- [ ] T001 Write a\n- [ ] Task 2: Write b\n- [ ] Task 3: Write c\n");
    CHECK(ids(mixed) == std::vector<std::string>{"T001"});
    // Numbers that repeat (`Task 1` in each phase) would name two tasks: named by their lines.
    const Plan again = parse_tasks_md("## A\n- [ ] Task 1: a\n- [ ] Task 2: b\n## B\n- [ ] Task 1: c\n- [ ] Task 2: d\n");
    CHECK(ids(again) == std::vector<std::string>{"L2", "L3", "L5", "L6"});
    // Boxes few of which are so named stay named by their lines.
    const Plan few = parse_tasks_md("- [ ] Task 1: Write a\n- [ ] Write b\n- [ ] Write c\n");
    CHECK(few.tasks.size() == 3);
    CHECK(few.tasks[0].form == TaskForm::unnumbered);
  }

  // The emphasis around an ID or the word in each spelling Markdown has for it, and a bold
  // that closes in the text, not after the ID: the italic and underscore boxes were boxes
  // of no ID (a run ended 0 without them), and the text kept the stray `**`.
  TEST_CASE("an ID in italics or underscores is a task's, and a bold that closes in the text is no part of it") {
    const Plan ids_emph = parse_tasks_md(
        "- [ ] **T001: Add `src/c.py`**\n- [ ] **T002 - Add** `src/f.py`\n- [ ] **T003**\xEF\xBC\x9A" "Add `src/e.py`\n"
        "- [ ] *T004* Add `src/g.py`\n- [ ] __T005__ [P] Add `src/my_file.py`\n- [ ] _T006_ Add `src/h.py`\n");
    REQUIRE(ids(ids_emph) == std::vector<std::string>{"T001", "T002", "T003", "T004", "T005", "T006"});
    CHECK(ids_emph.tasks[0].description == "Add `src/c.py`");
    CHECK(ids_emph.tasks[1].description == "Add `src/f.py`");
    CHECK(ids_emph.tasks[2].description == "Add `src/e.py`");
    CHECK(ids_emph.tasks[3].description == "Add `src/g.py`");
    CHECK(ids_emph.tasks[4].description == "Add `src/my_file.py`");
    CHECK(ids_emph.tasks[4].parallel);
    CHECK(ids_emph.diagnostics.empty());
    const Plan words = parse_tasks_md(
        "- [ ] **Task 1.1** Create `a.py`\n- [ ] *Task 1.2* Create `b.py`, depends on Task 1.1\n"
        "- [ ] __Task 1.3__ Create `c.py`\n- [ ] _Task 1.4_ Create `d.py`\n- [ ] **Task 1.5: Create `e.py`**\n");
    REQUIRE(ids(words) == std::vector<std::string>{"1.1", "1.2", "1.3", "1.4", "1.5"});
    REQUIRE(words.tasks[1].depends_on.size() == 1);
    CHECK(words.tasks[1].depends_on[0].first == "1.1");
    CHECK(words.tasks[2].description == "Create `c.py`");
    CHECK(words.tasks[4].description == "Create `e.py`");
    // In italics, an ID of Spec-Kit's shape alone: around another word it stresses it (a
    // run ran `*EC2*` alone of four boxes, and ticked `_Q3_ roadmap sign-off`).
    const Plan acronyms = parse_tasks_md("- [ ] Create `app.py`\n- [ ] Add `req.txt`\n- [ ] *EC2* deployment in `deploy.sh`\n");
    CHECK(ids(acronyms) == std::vector<std::string>{"L1", "L2", "L3"});
    const Plan checklist = parse_tasks_md("- [ ] T001 a\n- [ ] T002 b\n\n## Manual checks\n\n- [ ] *EC2* sizes confirmed\n- [ ] _Q3_ sign-off\n");
    CHECK(ids(checklist) == std::vector<std::string>{"T001", "T002"});
    // The word in any script (`*任务 1.1*`).
    const Plan cjk = parse_tasks_md("- [ ] *\xE4\xBB\xBB\xE5\x8A\xA1 1.1* a `a.py`\n- [ ] *\xE4\xBB\xBB\xE5\x8A\xA1 1.2* b `b.py`\n");
    CHECK(ids(cjk) == std::vector<std::string>{"1.1", "1.2"});
    // A star or an underscore is emphasis only glued to the ID; a star inside the text stays.
    const Plan inside = parse_tasks_md("- [ ] T001 Add `a.py` **now**\n- [ ] T002 Use *args in `b.py`\n");
    CHECK(inside.tasks[0].description == "Add `a.py` **now**");
    CHECK(inside.tasks[1].description == "Use *args in `b.py`");
  }

  // A task put between two, or split: `**Task 1.1a**`, `### Task 2b:`, named by its number
  // and a letter. Such a box was a box of no ID (in a file of them, named by its line);
  // such a heading was no task at all, and a run succeeded without it.
  TEST_CASE("a task's number with a letter after the word names it, and references it") {
    const Plan boxes = parse_tasks_md(
        "- [ ] **Task 1.1** Create `a.py`\n- [ ] **Task 1.1a** [P] Create `b.py`\n"
        "- [ ] **Task 1.2** Create `c.py` (depends on Task 1.1a)\n- [ ] **Task 2b** Create `d.py`\n");
    REQUIRE(ids(boxes) == std::vector<std::string>{"1.1", "1.1a", "1.2", "2b"});
    CHECK(boxes.tasks[1].parallel);
    REQUIRE(boxes.tasks[2].depends_on.size() == 1);
    CHECK(boxes.tasks[2].depends_on[0].first == "1.1a");
    const Plan headings = parse_tasks_md(
        "### Task 1: A\n\nCreate `a.py`.\n\n### Task 2b: B\n\nCreate `b.py`.\n\n### Task 3: C\n\n"
        "Create `c.py`.\n**Dependencies**: Task 2b, Task 1\n");
    REQUIRE(ids(headings) == std::vector<std::string>{"1", "2b", "3"});
    CHECK(headings.tasks[2].depends_on.size() == 2);
    // An upper-case letter as well (it named nothing, and nothing said so).
    const Plan upper = parse_tasks_md("### Task 1: A\n\n### Task 1B: B\n\n**Dependencies**: Task 1\n\n### Task 2: C\n\n**Dependencies**: Task 1B\n");
    REQUIRE(ids(upper) == std::vector<std::string>{"1", "1B", "2"});
    REQUIRE(upper.tasks[2].depends_on.size() == 1);
    CHECK(upper.tasks[2].depends_on[0].first == "1B");
    // One letter, then the number ends: `Task 2beta` names no task `2b`.
    const Plan not_ids = parse_tasks_md("- [ ] Task 1: a\n- [ ] Task 2: b\n- [ ] Task 2beta: c\n");
    CHECK(ids(not_ids) == std::vector<std::string>{"1", "2"});
    REQUIRE(not_ids.skipped.size() == 1);
    CHECK(not_ids.skipped[0].line == 3);
  }
}
