// SPDX-License-Identifier: MIT
// One test per dependency rule, with the expected edge set; cycles; queries.
#include <flow/graph.hpp>
#include <flow/tasks_md.hpp>

#include "core/locks.hpp"
#include "unit/support.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

using namespace flow;
using flow::test::graph_of;
using flow::test::index_of;

namespace {

// What a task waits for, looking through gates: "T001,T002".
std::string waits(const TaskGraph& g, const std::string& id) {
  std::string out;
  for (int p : g.task_predecessors(index_of(g, id))) {
    if (!out.empty()) out += ",";
    out += g.plan().tasks[static_cast<std::size_t>(p)].id;
  }
  return out;
}

// Every task's waits, for whole-graph expectations.
std::map<std::string, std::string> all_waits(const TaskGraph& g) {
  std::map<std::string, std::string> out;
  for (int i = 0; i < g.task_count(); ++i) out[g.plan().tasks[static_cast<std::size_t>(i)].id] = waits(g, g.plan().tasks[static_cast<std::size_t>(i)].id);
  return out;
}

const Edge* direct_edge(const TaskGraph& g, const std::string& from, const std::string& to) {
  for (const Edge& e : g.edges())
    if (!g.is_gate(e.from) && !g.is_gate(e.to) && g.plan().tasks[static_cast<std::size_t>(e.from)].id == from &&
        g.plan().tasks[static_cast<std::size_t>(e.to)].id == to)
      return &e;
  return nullptr;
}

}  // namespace

TEST_SUITE("implicit rules") {
  TEST_CASE("rule 1: phases run in order") {
    auto g = graph_of("## Phase 1: Setup\n- [ ] T001 a\n- [ ] T002 b\n## Phase 2: Core\n- [ ] T003 c\n- [ ] T004 d\n");
    CHECK(all_waits(g) == std::map<std::string, std::string>{
                              {"T001", ""}, {"T002", "T001"}, {"T003", "T001,T002"}, {"T004", "T001,T002,T003"}});
    const auto in = g.edges_into(index_of(g, "T003"));
    REQUIRE(in.size() == 1);
    CHECK(g.is_gate(in[0]->from));
    CHECK(in[0]->reason.rule == EdgeRule::phase_order);
    CHECK(in[0]->reason.line == 4);
  }

  TEST_CASE("rule 2: user stories wait for the phase before them, not for each other") {
    const std::string text =
        "## Phase 1: Setup\n- [ ] T001 a\n"
        "## Phase 2: Foundational\n- [ ] T002 b\n"
        "## Phase 3: User Story 1 (Priority: P1)\n- [ ] T003 [US1] c\n"
        "## Phase 4: User Story 2 (Priority: P2)\n- [ ] T004 [US2] d\n"
        "## Phase 5: Polish\n- [ ] T005 e\n";
    auto g = graph_of(text);
    CHECK(all_waits(g) == std::map<std::string, std::string>{
                              {"T001", ""}, {"T002", "T001"}, {"T003", "T002"}, {"T004", "T002"}, {"T005", "T003,T004"}});
    CHECK(g.edges_into(index_of(g, "T004"))[0]->reason.rule == EdgeRule::story_phase);

    GraphOptions seq;
    seq.stories_parallel = false;
    auto s = graph_of(text, seq);
    CHECK(waits(s, "T004") == "T003");
    CHECK(waits(s, "T005") == "T004");
  }

  // AlexAlvarezGallardo-GitHub/Aegis 002 ("Phase 1: Domain Layer (User Story 1 - P1 MVP)" …
  // "Phase 8: … (User Story 1 - P1 MVP)"), thaleslaray/nossocrm ("Phase 9: User Story 4
  // (Evolução)"), and generacy's files whose phases' tasks are all [US1]: one story's
  // layers ran side by side, tests beside the code they test.
  TEST_CASE("rule 2: the phases of one story run in order, beside the other stories") {
    const std::string text =
        "## Phase 1: Setup\n- [ ] T001 a\n"
        "## Phase 2: Domain Layer (User Story 1)\n- [ ] T002 b\n"
        "## Phase 3: User Story 2\n- [ ] T003 [US2] c\n"
        "## Phase 4: Web Layer (User Story 1)\n- [ ] T004 d\n"
        "## Phase 5\n- [ ] T005 [US1] e\n"
        "## Phase 6: User Story 3\n- [ ] T006 [US3] f\n";
    auto g = graph_of(text);
    CHECK(all_waits(g) == std::map<std::string, std::string>{{"T001", ""}, {"T002", "T001"}, {"T003", "T001"},
                                                             {"T004", "T002"}, {"T005", "T004"}, {"T006", "T001"}});
    const Edge* e = g.edges_into(index_of(g, "T004"))[0];
    CHECK(e->reason.rule == EdgeRule::story_phase);
    CHECK(e->reason.words == "a story's phases run in order: after \"Phase 2: Domain Layer (User Story 1)\"");
  }

  // IGRUS-INHA/IGRUS-Web ("Phase 2: Foundational (핵심 인프라 - 모든 User Story 선행 조건)"),
  // GutMutCode/spec-life ("Phase 2: Foundational (Days 1-2) **BLOCKS ALL USER STORIES**"):
  // the phase every story waits for was read as a story, and nothing waited for it.
  TEST_CASE("rule 2: a foundational phase that mentions the user stories is not one of them") {
    auto g = graph_of(
        "## Phase 1: Setup\n- [ ] T001 a\n"
        "## Phase 2: Foundational (blocks all user stories)\n- [ ] T002 b\n"
        "## Phase 3: User Story 1\n- [ ] T003 [US1] c\n"
        "## Phase 4: User Story 2\n- [ ] T004 [US2] d\n"
        "## Phase 5: Polish (after all user stories)\n- [ ] T005 e\n");
    CHECK(all_waits(g) == std::map<std::string, std::string>{
                              {"T001", ""}, {"T002", "T001"}, {"T003", "T002"}, {"T004", "T002"}, {"T005", "T003,T004"}});
    CHECK(g.plan().phases[1].kind == PhaseKind::foundational);
    CHECK(g.plan().phases[4].kind == PhaseKind::polish);
  }

  // chenchiyuan/crypto_exchange_news_crawler 012 (`### TASK-012-001` … with `**依赖**:
  // TASK-012-001`), bkourouma/immotopia_website (`#### T-002-000-001 :`): every task became
  // `TASK-012`, and the plan stopped at a cycle of one ID.
  TEST_CASE("IDs of several numbers are tasks of their own, and their references hold") {
    auto g = graph_of(
        "## Phase 1\n"
        "### TASK-012-001: Create the calculator\n**依赖**: 无\n"
        "### TASK-012-002: Add the tests\n**依赖**: TASK-012-001\n"
        "### TASK-012-003: Wire it\n**依赖**: TASK-012-001, TASK-012-002\n");
    REQUIRE(g.task_count() == 3);
    CHECK(waits(g, "TASK-012-003") == "TASK-012-001,TASK-012-002");
    CHECK(waits(g, "TASK-012-002") == "TASK-012-001");
  }

  TEST_CASE("rule 2: phases whose tasks all carry one story label are story phases") {
    auto g = graph_of("## Phase 1\n- [ ] T001 a\n## Phase 2\n- [ ] T002 [US1] b\n## Phase 3\n- [ ] T003 [US2] c\n");
    CHECK(waits(g, "T003") == "T001");
  }

  TEST_CASE("rule 3: groups inside a phase run in order") {
    auto g = graph_of("## Phase 3: User Story 1\n### Tests for User Story 1\n- [ ] T001 [P] [US1] a\n- [ ] T002 [P] [US1] b\n"
                      "### Implementation for User Story 1\n- [ ] T003 [P] [US1] c\n- [ ] T004 [P] [US1] d\n");
    CHECK(all_waits(g) == std::map<std::string, std::string>{
                              {"T001", ""}, {"T002", ""}, {"T003", "T001,T002"}, {"T004", "T001,T002"}});
    CHECK(g.edges_into(index_of(g, "T003"))[0]->reason.rule == EdgeRule::group_order);
  }

  TEST_CASE("rule 4: a task without [P] waits for everything before it; [P] only for the last non-[P]") {
    auto g = graph_of("- [ ] T001 a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n- [ ] T004 d\n- [ ] T005 [P] e\n- [ ] T006 [P] f\n");
    CHECK(all_waits(g) == std::map<std::string, std::string>{{"T001", ""},
                                                             {"T002", "T001"},
                                                             {"T003", "T001"},
                                                             {"T004", "T001,T002,T003"},
                                                             {"T005", "T004"},
                                                             {"T006", "T004"}});
    CHECK(direct_edge(g, "T001", "T002")->reason.rule == EdgeRule::parallel_run);
    CHECK(direct_edge(g, "T002", "T004")->reason.rule == EdgeRule::sequential);
    CHECK(direct_edge(g, "T002", "T003") == nullptr);
  }
}

TEST_SUITE("explicit rules") {
  TEST_CASE("task references, ranges, duplicates; explicit reasons win over implicit ones") {
    auto g = graph_of(
        "- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n"
        "- [ ] T004 [P] d (depends on T001-T003)\n"
        "- [ ] T005 [P] e [depends:T002]\n"
        "- [ ] T006 [P] Configure f after T005 completes\n"
        "- [ ] T007 [P] g (depends on T044)\n");
    CHECK(waits(g, "T004") == "T001,T002,T003");
    CHECK(waits(g, "T005") == "T002");
    CHECK(waits(g, "T006") == "T005");
    CHECK(waits(g, "T007").empty());
    const Edge* e = direct_edge(g, "T002", "T004");
    REQUIRE(e);
    CHECK(e->reason.rule == EdgeRule::task_ref);
    CHECK(e->reason.line == 4);
    CHECK(e->reason.words == "depends on T001–T003");
  }

  TEST_CASE("a reference to a duplicated ID means all of them") {
    auto g = graph_of("- [ ] T001 [P] a\n- [ ] T001 [P] again\n- [ ] T002 [P] b (depends on T001)\n");
    CHECK(waits(g, "T002") == "T001,T001");
  }

  TEST_CASE("heading references: (depends on T…) on a group, [depends:A] on a phase") {
    auto g = graph_of(
        "## Parallel Group A - Templates\n- [x] T001: Create a.md\n- [x] T002: Create b.md\n"
        "## Parallel Group B\n- [ ] T003 [P] c\n### Inline Rename (depends on T003)\n- [ ] T004 [P] d\n"
        "## Sequential - Skill Update [depends:A]\n- [ ] T005 e\n");
    CHECK(waits(g, "T004") == "T001,T002,T003");  // group A through phase order, T003 by the heading
    CHECK(direct_edge(g, "T003", "T004")->reason.rule == EdgeRule::heading_ref);
    // Phase order already puts T005 after group B; [depends:A] adds group A explicitly.
    bool from_a = false;
    for (const Edge* e : g.edges_into(index_of(g, "T005")))
      from_a |= e->reason.rule == EdgeRule::heading_ref && g.is_gate(e->from) && g.gate_name(e->from) == "Parallel Group A - Templates";
    CHECK(from_a);
  }

  TEST_CASE("dependency-section statements: blocks, arrows, after, before, ranges") {
    auto g = graph_of(
        "## Phase 1\n"
        "- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n- [ ] T004 [P] d\n- [ ] T005 [P] e\n"
        "- [ ] T006 [P] f\n- [ ] T007 [P] g\n- [ ] T008 [P] h\n- [ ] T009 [P] i\n"
        "## Dependencies & Execution Order\n"
        "- T001 blocks T002–T003\n"
        "- T004 → T005 → T006\n"
        "- T007 can start after T006\n"
        "- Tests (T008) before implementation (T009)\n");
    CHECK(waits(g, "T002") == "T001");
    CHECK(waits(g, "T003") == "T001");
    CHECK(waits(g, "T005") == "T004");
    CHECK(waits(g, "T006") == "T005");
    CHECK(waits(g, "T007") == "T006");
    CHECK(waits(g, "T009") == "T008");
    const Edge* e = direct_edge(g, "T001", "T003");
    REQUIRE(e);
    CHECK(e->reason.rule == EdgeRule::statement);
    CHECK(e->reason.line == 12);
    CHECK(e->reason.words == "T001 blocks T002–T003");
  }

  // Link-Z-233/BiliRadio player-redesign ("### Dependency Graph", a ```mermaid `graph TD`
  // of T001 --> T002 …), punkouter26/PoSeeReview ("US1 --> US3[Phase 5: User Story 3]"),
  // AI-Substrate/flow_squared ("T010 & T003 --> T018", labels given in subgraphs).
  TEST_CASE("a Mermaid flowchart in a dependency section: its arrows are orders") {
    auto g = graph_of(
        "## Phase 1: Setup\n- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n- [ ] T004 [P] d\n"
        "- [ ] T005 [P] e\n- [ ] T006 [P] f\n- [ ] T007 [P] g\n"
        "## Phase 2: User Story 1\n- [ ] T008 [US1] h\n"
        "## Phase 3: User Story 2\n- [ ] T009 [US2] i\n"
        "## Phase 4: User Story 3\n- [ ] T010 [US3] j\n"
        "## Dependencies & Execution Order\n"
        "### Dependency Graph\n"
        "```mermaid\n"
        "%% the order\n"
        "graph TD\n"
        "    T001 --> T002\n"
        "    T002 -->|schema| T003 --> T004\n"
        "    T001 & T004 --> T005\n"
        "    A[\"T006: config\"] ==> B\n"
        "    subgraph B[\"T007\"]\n"
        "    end\n"
        "    US2 --> S3[Phase 4: User Story 3]\n"
        "```\n");
    CHECK(waits(g, "T002") == "T001");
    CHECK(waits(g, "T003") == "T002");
    CHECK(waits(g, "T004") == "T003");
    CHECK(waits(g, "T005") == "T001,T004");
    CHECK(waits(g, "T007") == "T006");
    CHECK(waits(g, "T006").empty());
    CHECK(waits(g, "T009") == "T001,T002,T003,T004,T005,T006,T007");  // stories wait for setup
    CHECK(waits(g, "T010") == "T001,T002,T003,T004,T005,T006,T007,T009");  // and US3 for US2
    CHECK(waits(g, "T008") == "T001,T002,T003,T004,T005,T006,T007");
    const Edge* e = direct_edge(g, "T003", "T004");
    REQUIRE(e);
    CHECK(e->reason.rule == EdgeRule::statement);
    CHECK(e->reason.line == 21);
    CHECK(e->reason.words == "T002 -->|schema| T003 --> T004");

    // An ID the file lacks is warned of once for its line, however many arrows it is on.
    auto u = graph_of("- [ ] T001 a\n- [ ] T002 b\n## Dependencies\n```mermaid\ngraph TD\n  T009 --> T001 & T002\n  T001 --> T009 --> T002\n```\n");
    int unknown = 0;
    for (const Diagnostic& d : u.diagnostics()) unknown += d.code == "unknown-reference";
    CHECK(unknown == 2);
  }

  // planet-explorer 010 ("US2 depende de T001, T004, T008 y T012-T015"), esg_mefali_v2 010
  // ("Phase 5 (US3 — dépend de T017/T018)"): dependency sections in other languages.
  TEST_CASE("dependency-section statements in Spanish, Portuguese and French") {
    auto g = graph_of(
        "## Fase 1\n"
        "- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n- [ ] T004 [P] d\n- [ ] T005 [P] e\n"
        "- [ ] T006 [P] f\n- [ ] T007 [P] g\n- [ ] T008 [P] h\n- [ ] T009 [P] i\n- [ ] T010 [P] j\n"
        "## Dependencias y orden de ejecución\n"
        "- T002 depende de T001\n"
        "- T004 después de T003\n"
        "- T005 bloquea T006\n"
        "- T007 es independiente de T001 y puede ir en paralelo\n"
        "## Dépendances\n"
        "- T008 dépend de T007/T005\n"
        "## Ordem de execução\n"
        "- T010 depois de T009\n");
    CHECK(waits(g, "T002") == "T001");
    CHECK(waits(g, "T004") == "T003");
    CHECK(waits(g, "T006") == "T005");
    CHECK(waits(g, "T007").empty());
    CHECK(waits(g, "T008") == "T005,T007");
    CHECK(waits(g, "T010") == "T009");
  }

  // "should not start before" orders the other way; "can start before" only permits.
  TEST_CASE("a negated or permissive 'before' in a dependency section") {
    auto g = graph_of(
        "## Phase 1\n"
        "- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n- [ ] T004 [P] d\n- [ ] T005 [P] e\n- [ ] T006 [P] f\n"
        "## Dependencies\n"
        "- T002 should not start before T001\n"
        "- T004 can start before T003\n"
        "- T006 puede empezar antes de T005\n");
    CHECK(waits(g, "T002") == "T001");
    CHECK(waits(g, "T001").empty());
    CHECK(waits(g, "T003").empty());
    CHECK(waits(g, "T004").empty());
    CHECK(waits(g, "T005").empty());
    CHECK(waits(g, "T006").empty());
  }

  TEST_CASE("∥ removes the implicit edge between exactly two tasks that share no file") {
    const std::string tasks = "- [ ] T011 Edit a.py\n- [ ] T012 Edit b.py\n- [ ] T013 Edit c.py\n";
    auto plain = graph_of(tasks);
    CHECK(waits(plain, "T012") == "T011");
    auto g = graph_of(tasks + "## Dependencies\n- T011 ∥ T012\n");
    CHECK(waits(g, "T012").empty());
    CHECK(waits(g, "T013") == "T011,T012");  // still after everything before it
    CHECK(direct_edge(g, "T011", "T013")->reason.rule == EdgeRule::sequential);
    auto shared = graph_of("- [ ] T011 Edit a.py\n- [ ] T012 Edit a.py too\n## Dependencies\n- T011 ∥ T012\n");
    CHECK(waits(shared, "T012") == "T011");
  }

  TEST_CASE("story-level prose: User Story 2 depends on US1") {
    auto g = graph_of(
        "## Phase 1: Setup\n- [ ] T001 a\n"
        "## Phase 2: User Story 1\n- [ ] T002 [US1] b\n"
        "## Phase 3: User Story 2\n- [ ] T003 [US2] c\n"
        "## Phase 4: User Story 3\n- [ ] T004 [US3] d\n"
        "## Dependencies\n- **User Story 2 (Phase 3)**: Depends on US1 being complete\n"
        "- **US3**: can run in parallel with US1 and US2\n");
    CHECK(waits(g, "T003") == "T001,T002");
    CHECK(waits(g, "T004") == "T001");
    bool prose = false;
    for (const Edge* e : g.edges_into(index_of(g, "T003"))) prose |= e->reason.rule == EdgeRule::story_prose;
    CHECK(prose);
  }

  // loopi-specs-v2: "**HU3 (P2)**: Requiere HU1", "**HU5 (P2)**: Requiere HU4".
  TEST_CASE("story-level prose in Spanish: HU3 requiere HU1") {
    auto g = graph_of(
        "## Fase 2: Fundacional\n- [ ] T001 a\n"
        "## Fase 3: HU1 — Login\n- [ ] T002 [HU1] b\n"
        "## Fase 4: HU3 — Logout\n- [ ] T003 [HU3] c\n"
        "## Fase 5: HU4 — Sesión\n- [ ] T004 [HU4] d\n"
        "## Fase 6: HU5 — Expiración\n- [ ] T005 [HU5] e\n"
        "## Dependencias entre Historias de Usuario\n- **HU3 (P2)**: Requiere HU1\n"
        "- **HU4 (P2)**: Puede comenzar en paralelo con HU3\n- **HU5 (P2)**: Requiere HU4\n");
    CHECK(waits(g, "T002") == "T001");
    CHECK(waits(g, "T003") == "T001,T002");
    CHECK(waits(g, "T004") == "T001");
    CHECK(waits(g, "T005") == "T001,T004");
  }

  // guog/csv-chart 004: "**US3 (阶段 5)**: 依赖阶段 2 + US1 (…) + T026 GET /:id 端点", T026
  // being US3's own task. Beside a task the story was read as context, the task was US3's
  // own, and US3 waited for nothing the line says.
  TEST_CASE("a story named beside only the waiting story's own task is what it waits for") {
    const char* head =
        "## Phase 2: Foundational\n- [ ] T001 a\n"
        "## Phase 3: User Story 1\n- [ ] T002 [US1] b\n"
        "## Phase 4: User Story 2\n- [ ] T003 [US2] c\n"
        "## Phase 5: User Story 3\n- [ ] T004 [US3] d\n- [ ] T005 [US3] e\n"
        "## Dependencies\n";
    auto g = graph_of(std::string(head) + "- **US3 (Phase 5)**: depends on Phase 2 + US1 (the table) + T004 GET /:id\n");
    CHECK(waits(g, "T004") == "T001,T002");
    CHECK(waits(g, "T005") == "T001,T002,T004");
    // A task of another story named: the story beside it is still its context.
    auto h = graph_of(std::string(head) + "- **US3**: depends on T003 of US1\n");
    CHECK(waits(h, "T004") == "T001,T003");
  }

  // heliohashinaga/storybook-ai 006: `## Phase 6: User Story 3-b - Reader …`, tasks `[US3-b]`:
  // a story of its own, run beside US3 ("US3 Illustrator ∥ US3-b Reader"), was read as US3's
  // second phase and ran after it.
  TEST_CASE("User Story 3-b is a story of its own beside US3") {
    auto g = graph_of(
        "## Phase 2: Foundational\n- [ ] T001 a\n"
        "## Phase 5: User Story 3 - Illustrations\n- [ ] T002 [US3] b\n"
        "## Phase 6: User Story 3-b - Reader\n- [ ] T003 [US3-b] c\n");
    CHECK(g.plan().phases[2].story_label == "US3-b");
    CHECK(waits(g, "T003") == "T001");
  }

  // heliohashinaga/storybook-ai 006: "US3 (P2) e US3-b (P2) dependem do Coordinator (US1) +
  // Moderator (US2)": the plural verb was no key, and US3 could run before US1 and US2.
  TEST_CASE("a dependency stated with a plural verb") {
    const std::string head =
        "## Phase 2: Foundational\n- [ ] T001 a\n## Phase 3: User Story 1\n- [ ] T002 [US1] b\n"
        "## Phase 4: User Story 2\n- [ ] T003 [US2] c\n## Phase 5: User Story 3\n- [ ] T004 [US3] d\n"
        "## Dependencies\n";
    for (const char* said : {"- US3 (P3) e US2 (P2) dependem do Coordinator (US1)\n",
                             "- US3 y US2 dependen de US1\n", "- US3 et US2 dépendent de US1\n",
                             "- US3 and US2 depend on US1\n"}) {
      auto g = graph_of(head + said);
      CHECK_MESSAGE(waits(g, "T004") == "T001,T002", said);
      CHECK_MESSAGE(waits(g, "T003") == "T001,T002", said);
    }
  }

  TEST_CASE("prose that points the other way adds no edge") {
    // briandenicola/whiskey-and-smokes: Phase 2 is its foundational phase.
    auto g = graph_of(
        "## Phase 2: Foundational\n- [ ] T001 a\n## Phase 3: User Story 1\n- [ ] T002 [US1] b\n"
        "## Phase 4: User Story 6\n- [ ] T003 [US6] c\n"
        "## Dependencies\n- **US1**: Depends on Phase 2 attributes — foundational for US6\n");
    CHECK(waits(g, "T002") == "T001");
    CHECK(waits(g, "T003") == "T001");
  }

  // FAIR-DM 011: "- **US5 (Phase 7)**: Depends on Foundational — can overlap with US6"
  // and the same of US6 with US5 read as US5 after US6 and US6 after US5: a cycle, and the
  // whole file refused. What follows a dash that starts a clause is not what it depends on.
  TEST_CASE("a clause after a dash is not part of what a story depends on") {
    const std::string stories =
        "## Phase 1: Setup\n- [ ] T001 a\n"
        "## Phase 2: User Story 1 - A\n- [ ] T002 [US1] b\n## Phase 3: User Story 2 - B\n- [ ] T003 [US2] c\n"
        "## Phase 4: User Story 3 - C\n- [ ] T004 [US3] d\n## Dependencies\n";
    // The last two: an em and an en dash in a file saved once in the wrong encoding ("â€”"),
    // as FAIR-DM 011 is.
    for (const std::string dash : {"\u2014", "\u2013", "-", "--", "\u00e2\u20ac\u201d", "\u00e2\u20ac\u201c"}) {
      INFO(dash);
      auto g = graph_of(stories + "- **US1 (Phase 2)**: Depends on Setup " + dash + " can overlap with US2\n" +
                        "- **US2 (Phase 3)**: Depends on Setup " + dash + " can overlap with US1\n" +
                        "- **US3 (Phase 4)**: Depends on US1 " + dash + " US2 too\n");
      CHECK(waits(g, "T003") == "T001");
      CHECK(waits(g, "T004") == "T001,T002,T003");  // a dash before a name goes on naming
    }
  }

  // Dependency sections in public plans: "T002 is blocked by T001", "T005 needs T003",
  // FAIR-DM 015: "**US3 (Phase 5)**: Depends on Phase 3 being complete", where Phase 3 is
  // User Story 1: a phase named by its number added no edge, and US3 ran alongside US1.
  TEST_CASE("a phase named by its number is that phase") {
    const std::string stories =
        "## Phase 1: User Story 1 - A\n- [ ] T001 [US1] a in a.py\n## Phase 2: User Story 2 - B\n- [ ] T002 [US2] b in b.py\n"
        "## Phase 3: User Story 3 - C\n- [ ] T003 [US3] c in c.py\n## Phase 4: User Story 4 - D\n- [ ] T004 [US4] d in d.py\n"
        "## Phase 4.1: Extra\n- [ ] T005 e in e.py\n## Dependencies\n";
    const std::pair<std::string, std::string> cases[] = {
        {"- **US3 (Phase 3)**: Depends on Phase 2 being complete", "T002"},
        {"- **US3 (Phase 3)**: Depends on Phase 1 and Phase 2 completion", "T001,T002"},
        {"- **US3 (Phase 3)**: Depends on Phases 1-2", "T001,T002"},
        {"- **US3 (Phase 3)**: Depends on Phases 1\u20132 complete", "T001,T002"},
        {"- **US3 (Phase 3)**: Depends on Phase 1 + Phase 2", "T001,T002"},
        {"- **US3 (Phase 3)**: Depends on Phases 1+2", "T001,T002"},
        {"- **Phase 3 (Reports)**: depende de endpoints definidos (Phase 1/2).", "T001,T002"},
        {"- **Phase 3**: Depends on Phase 1 \u2014 can overlap with Phase 2", "T001"},
        {"- **US3 (Phase 3)**: Depends on Phase 7", ""},             // no such phase
        {"- **US3 (Phase 3)**: Depends on Phase 4.1", ""},           // Phase 4.1 is not Phase 4
        {"- **US3 (Phase 3)**: Depends on US1 (see Phase 2)", "T001"},  // a story named: the phase is context
    };
    for (const auto& [line, want] : cases) {
      INFO(line);
      CHECK(waits(graph_of(stories + line + "\n"), "T003") == want);
    }
    // "Phase 1 → Phase 2 → Phase 3" under "Follow phases in order".
    CHECK(waits(graph_of(stories + "- Phase 1 \u2192 Phase 2 \u2192 Phase 3\n"), "T003") == "T002");
    CHECK(waits(graph_of(stories + "- Phase 1 \u2192 Phase 2 \u2192 Phase 3\n"), "T002") == "T001");
    // A task that waits for a phase.
    CHECK(waits(graph_of(stories + "- T004 depends on Phase 2 (needs its model)\n"), "T004") == "T002");
    // A phase and a task or a story, side by side: both.
    CHECK(waits(graph_of(stories + "- **US3 (Phase 3)**: Depends on T001 (its model) and Phase 2 being complete\n"), "T003") ==
          "T001,T002");
    CHECK(waits(graph_of(stories + "- **US3 (Phase 3)**: Depends on US1 and Phase 2\n"), "T003") == "T001,T002");
    // Two phases numbered 2: which one is not known, and said.
    auto twice = graph_of(stories + "## Phase 2: Again\n- [ ] T009 again\n## Dependency Notes\n- **US3**: Depends on Phase 2\n");
    CHECK(waits(twice, "T003").empty());
    bool said = false;
    for (const Diagnostic& d : twice.diagnostics()) said |= d.code == "ambiguous-reference" && d.line == 15;
    CHECK(said);
  }

  // A line about a phase that names a story in its aside (`**Phase 4 (E2E for US1)**`) is
  // about the phase: it made US1's tasks wait for Phase 3, which waits for them (a cycle,
  // and the file refused).
  TEST_CASE("a story in a phase's aside is the phase's context") {
    auto g = graph_of(
        "## Phase 1: Setup\n- [ ] T001 setup\n## Phase 2: User Story 1 - Book\n- [ ] T002 [US1] book in a.ts\n"
        "## Phase 3: Deployment\n- [ ] T003 deploy in deploy.yaml\n## Phase 4: End-to-End Tests\n- [ ] T004 e2e in e2e.ts\n"
        "## Dependencies & Execution Order\n- **Phase 4 (E2E for US1)**: Depends on Phase 3 - needs the staging environment\n");
    CHECK(waits(g, "T002") == "T001");
    CHECK(waits(g, "T004") == "T003");
  }

  // krate-audio 142: "### Sequential Delivery (Single Developer)" listed "Phase 4 (US2) →
  // Phase 5 (US4) → Phase 6 (US3)", the order one person would take them in, while the
  // file's dependency section lets US3 run alongside the others: a staffing plan, not
  // what depends on what.
  TEST_CASE("one developer's order is not a dependency section") {
    const std::string stories =
        "## Phase 1: User Story 1 - A\n- [ ] T001 [US1] a in a.py\n## Phase 2: User Story 2 - B\n- [ ] T002 [US2] b in b.py\n";
    for (const std::string title : {"Sequential Delivery (Single Developer)", "Solo Developer Strategy",
                                     "Recommended Execution Order (Single Developer)", "Single-Developer Sequential Order"}) {
      INFO(title);
      CHECK(waits(graph_of(stories + "### " + title + "\n1. US1 \u2192 US2\n"), "T002").empty());
    }
    CHECK(waits(graph_of(stories + "### Sequential Execution\n1. US1 \u2192 US2\n"), "T002") == "T001");
    // Inside a dependency section too, to the section's end; and "one person".
    const std::string deps = stories + "## Dependencies & Execution Order\n### Story Dependencies\n- US1 and US2 are independent\n";
    for (const std::string title : {"Sequential Delivery (Single Developer)", "Sequential Order (one person)"}) {
      INFO(title);
      CHECK(waits(graph_of(deps + "### " + title + "\nPhase 1 \u2192 Phase 2\n"), "T002").empty());
      CHECK(waits(graph_of(deps + "### " + title + "\nPhase 1 \u2192 Phase 2\n### Order\n- US2 after US1\n"), "T002") == "T001");
    }
  }

  // "T007 waits on T006", "T004 must wait for T003", "T008 unblocks T009", "T010 is a
  // prerequisite for T011" added no edge, so [P] tasks ran before what they need.
  TEST_CASE("more ways to say it in a dependency section") {
    std::string text;
    for (int i = 1; i <= 11; ++i) text += "- [ ] T" + std::string(i < 10 ? "00" : "0") + std::to_string(i) + " [P] t" + std::to_string(i) + "\n";
    text += "## Dependencies\n- T002 is blocked by T001\n- T005 needs T003\n- T007 waits on T006\n- T004 must wait for T003\n"
            "- T008 unblocks T009\n- T010 is a prerequisite for T011\n";
    auto g = graph_of(text);
    CHECK(waits(g, "T002") == "T001");
    CHECK(waits(g, "T004") == "T003");
    CHECK(waits(g, "T005") == "T003");
    CHECK(waits(g, "T007") == "T006");
    CHECK(waits(g, "T009") == "T008");
    CHECK(waits(g, "T011") == "T010");
    CHECK(waits(g, "T001").empty());
    CHECK(waits(g, "T008").empty());
  }

  // A `### Task N` plan's dependency section ("Task 1 depends on Task 2") and a story's
  // plural ("Should start after User Stories 1-2 complete", spec-kit's i18n plan) added
  // no edge: the tasks and stories ran before what they need.
  TEST_CASE("statements naming tasks by number, and stories in the plural") {
    auto tasks = graph_of("### Task 1: Wire the installer in `install.py`\n### Task 2: Merge helper in `merge.py`\n"
                          "### Task 3: Docs in `docs.md`\n### Task 04: Ship in `ship.py`\n"
                          "## Dependencies\n- Task 1 depends on Task 2\n- Tasks 1-3 before Task 4\n");
    CHECK(waits(tasks, "1") == "2");
    CHECK(waits(tasks, "4") == "1,2,3");
    auto stories = graph_of(
        "## Phase 1: Setup\n- [ ] T001 a\n"
        "## Phase 2: User Story 1 - A\n- [ ] T002 [US1] b\n## Phase 3: User Story 2 - B\n- [ ] T003 [US2] c\n"
        "## Phase 4: User Story 3 - C\n- [ ] T004 [US3] d\n## Phase 5: User Story 4 - D\n- [ ] T005 [US4] e\n"
        "## Dependencies\n- **User Story 3 (P3)**: Should start after User Stories 1-2 complete\n"
        "- **User Story 4**: Depends on User Stories 1 and 3\n");
    CHECK(waits(stories, "T004") == "T001,T002,T003");
    CHECK(waits(stories, "T005") == "T001,T002,T004");
  }

  // From a survey of public plans: a chain with an aside, `T003 (needs T002) → T004`, made
  // T004 wait for T002 and T003 for nothing; "Depends on US1–2" read US1 alone ("US1-US3"
  // skipped US2); "**US2**: Does not depend on US1" made US2 wait for US1.
  TEST_CASE("asides in chains, story ranges, and a dependency denied") {
    auto chain = graph_of("- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n- [ ] T004 [P] d\n- [ ] T005 [P] e\n"
                          "## Dependencies\n- T001 \u2192 T002; T003 (needs T002) \u2192 T004 \u2192 T005 \u2192 after T003\n");
    CHECK(waits(chain, "T002") == "T001");
    CHECK(waits(chain, "T003") == "T002");
    CHECK(waits(chain, "T004") == "T003");
    CHECK(waits(chain, "T005") == "T003,T004");  // `→ after T003`: the words say the order
    const std::string stories =
        "## Phase 1: User Story 1 - A\n- [ ] T001 [US1] a\n## Phase 2: User Story 2 - B\n- [ ] T002 [US2] b\n"
        "## Phase 3: User Story 3 - C\n- [ ] T003 [US3] c\n## Phase 4: User Story 4 - D\n- [ ] T004 [US4] d\n"
        "## Dependencies\n";
    auto ranges = graph_of(stories + "- **US3**: Depends on US1\u20132\n- **US4**: Depends on US1-US3\n");
    CHECK(waits(ranges, "T003") == "T001,T002");
    CHECK(waits(ranges, "T004") == "T001,T002,T003");
    auto denied = graph_of(stories + "- **US2**: Does not depend on US1\n- **US3**: Is not blocked by US2\n"
                                     "- T004 doesn't need T001\n");
    CHECK(waits(denied, "T002").empty());
    CHECK(waits(denied, "T003").empty());
    CHECK(waits(denied, "T004").empty());
    // PoSeeReview 001's "Critical Path: … → US1 + US2 (parallel) → US3 → Polish": a note
    // that the stories before the arrow run together leaves them in the chain (a note of
    // who or how long, `Developer A: US1 (1 week) → US4`, still keeps them out).
    auto together = graph_of(stories + "**Critical Path**: US1 + US2 (parallel) \u2192 US3\n"
                                       "- Developer A: US1 (1 week) \u2192 US4\n"
                                       "- US3 (can run concurrently) \u2192 US4\n");
    CHECK(waits(together, "T003") == "T001,T002");
    CHECK(waits(together, "T004") == "T003");
    // A note that names a task is about it: `T002 (or T003 in parallel) → T003` lets T003
    // run beside T002 and orders nothing between them.
    auto named = graph_of("- [ ] T001 a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n- [ ] T004 d\n"
                          "## Dependencies\nWork sequentially: T001 \u2192 T002 (or T003 in parallel) \u2192 T003 \u2192 T004\n");
    CHECK(waits(named, "T003") == "T001");
  }

  // usaturn/nova-parser 003: "優先実行順は MVP 重視で US1 → US2 → US3" (the order to
  // deliver in, MVP first) under lines saying the stories are independent made US2 wait for
  // US1 and US3 for US2. The order of priority is no dependency, in any language; a key
  // on such a line still is.
  // JEJU-Ratus/est_fe13_final_project 003: "공유 변경 작업 T013–T016은 공통 목록 기반
  // T008–T010 완료 후 수행한다" (T013–T016 are done after T008–T010) was not read: only a
  // label before a colon could wait. A particle marks what a Korean or Japanese sentence is
  // about; and an en dash with no space before it is a range there, not a clause's end.
  TEST_CASE("Korean and Japanese sentences: what the particle marks waits") {
    const std::string tasks = "- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n- [ ] T004 [P] d\n- [ ] T005 [P] e\n"
                              "## \xEC\x9D\x98\xEC\xA1\xB4\xEC\x84\xB1\n";  // 의존성
    // T004–T005은 공통 목록 기반 T001–T002 완료 후 수행한다.
    auto ko = graph_of(tasks + "- T004\xE2\x80\x93T005\xEC\x9D\x80 \xEA\xB3\xB5\xED\x86\xB5 T001\xE2\x80\x93T002 "
                               "\xEC\x99\x84\xEB\xA3\x8C \xED\x9B\x84 \xEC\x88\x98\xED\x96\x89\xED\x95\x9C\xEB\x8B\xA4.\n");
    CHECK(waits(ko, "T004") == "T001,T002");
    CHECK(waits(ko, "T005") == "T001,T002");
    CHECK(waits(ko, "T003").empty());
    // T003는 T001과 병렬 가능하지만 T004은 T002 이후다: the subject closest before the key.
    auto but = graph_of(tasks + "- T003\xEB\x8A\x94 T001\xEA\xB3\xBC \xEB\xB3\x91\xEB\xA0\xAC \xEA\xB0\x80\xEB\x8A\xA5"
                                "\xED\x95\x98\xEC\xA7\x80\xEB\xA7\x8C T004\xEC\x9D\x80 T002 \xEC\x9D\xB4\xED\x9B\x84\xEB\x8B\xA4.\n");
    CHECK(waits(but, "T004") == "T002");
    CHECK(waits(but, "T003").empty());
    // T003は T001 の後に実行する
    auto ja = graph_of(tasks + "- T003\xE3\x81\xAF T001 \xE3\x81\xAE\xE5\xBE\x8C\xE3\x81\xAB\xE5\xAE\x9F\xE8\xA1\x8C\xE3\x81\x99\xE3\x82\x8B\n");
    CHECK(waits(ja, "T003") == "T001");
    // A label still waits where no particle marks a subject: "T005: T001–T003 이후".
    auto label = graph_of(tasks + "- T005: T001\xE2\x80\x93T003 \xEC\x9D\xB4\xED\x9B\x84\n");
    CHECK(waits(label, "T005") == "T001,T002,T003");
  }

  TEST_CASE("a priority order is no chain of dependencies") {
    const std::string stories =
        "## Phase 1: User Story 1 - A\n- [ ] T001 [US1] a\n## Phase 2: User Story 2 - B\n- [ ] T002 [US2] b\n"
        "## Phase 3: User Story 3 - C\n- [ ] T003 [US3] c\n## Dependencies\n";
    for (const char* line : {"- \xE5\x84\xAA\xE5\x85\x88\xE5\xAE\x9F\xE8\xA1\x8C\xE9\xA0\x86\xE3\x81\xAF MVP "
                             "\xE9\x87\x8D\xE8\xA6\x96\xE3\x81\xA7 **US1 \xE2\x86\x92 US2 \xE2\x86\x92 US3**\n",
                             "- Delivery in priority order: US1 \xE2\x86\x92 US2 \xE2\x86\x92 US3\n",
                             "- Entrega por orden de prioridad: US1 \xE2\x86\x92 US2 \xE2\x86\x92 US3\n",
                             "- In Priorit\xC3\xA4tsreihenfolge: US1 \xE2\x86\x92 US2 \xE2\x86\x92 US3\n"}) {
      INFO(line);
      auto g = graph_of(stories + line);
      CHECK(waits(g, "T002").empty());
      CHECK(waits(g, "T003").empty());
    }
    auto keyed = graph_of(stories + "- In priority order: US1 \xE2\x86\x92 US2 \xE2\x86\x92 US3 (needs US2)\n");
    CHECK(waits(keyed, "T003") == "T002");
    auto plain = graph_of(stories + "- US1 \xE2\x86\x92 US2 \xE2\x86\x92 US3\n");
    CHECK(waits(plain, "T003") == "T002");
  }

  // spec-kit's adaptive-execution-modes and wildcard/caro 004: "T015, T016, T017 can run
  // concurrently", "T018 (hreflang) can be done in parallel with T016/T017" in a
  // dependency section did not relax the document's order; only `∥` did.
  TEST_CASE("prose that lets tasks run together relaxes the document order, and only that") {
    std::string text = "## Phase 1: Setup\n";
    for (int i = 1; i <= 12; ++i) text += "- [ ] T0" + std::string(i < 10 ? "0" : "") + std::to_string(i) + " t" + std::to_string(i) + "\n";
    text += "## Dependencies\n"
            "- T002 and T003 can run in parallel (different files)\n"
            "- Within Phase 1: T005 can run alongside T004, T006 too\n"
            "- After T007, T008 and T009 can run in parallel\n"
            "- T010 and T011 cannot run in parallel\n"
            "- **Setup**: Monorepo (T011-T012) and Docs (T001) can run concurrently\n";
    auto g = graph_of(text);
    CHECK(waits(g, "T003") == "T001");       // not after T002 any more, still after what T002 waits for
    CHECK(waits(g, "T004") == "T002,T003");
    CHECK(waits(g, "T005") == "T002,T003");  // not after T004, but after what it waits for
    CHECK(waits(g, "T006") == "T004");       // with T005 too
    CHECK(waits(g, "T008") == "T007");          // an order stated: nothing relaxed
    CHECK(waits(g, "T009") == "T008");
    CHECK(waits(g, "T011") == "T010");          // denied
    CHECK(waits(g, "T012") == "T011");          // one range is one item: its tasks stay in order
  }

  // adrdot/CashFlow 005 ("T017, T018 e T019 podem executar em paralelo assim que …"),
  // kare-tabetai/Unity6_MultiMouse 001 ("T002、T003 は並列実行可能（異なるフォルダ）"),
  // JoeyLearnsToCode/prompt-studio 001 ("T003, T004, … 可并行执行"), Link-Z-233/BiliRadio
  // ("T002 与 T003 不同文件，可并行；T002 只需在 T009 前完成", "T004-T012 同文件，**不可并行**"):
  // the same statements in other languages relaxed nothing.
  TEST_CASE("prose that lets tasks run together, in other languages") {
    std::string text = "## Phase 1: Setup\n";
    for (int i = 1; i <= 20; ++i) text += "- [ ] T0" + std::string(i < 10 ? "0" : "") + std::to_string(i) + " t" + std::to_string(i) + "\n";
    text += "## Dependencies\n"
            "- T002 e T003 podem executar em paralelo assim que os contratos estiverem completos.\n"
            "- T005、T006 は並列実行可能（異なるフォルダ）\n"
            "- T008 与 T009 不同文件，可并行；T020 依赖 T009\n"
            "- T011 y T012 pueden ejecutarse en paralelo\n"
            "- T014 und T015 können parallel laufen\n"
            "- T013과 T014 병렬 실행 가능\n"
            "- T017 与 T018 同文件，**不可并行**\n"
            "- T019 e T020 não podem executar em paralelo\n"
            "- T016 (no shared state) and T017 can run in parallel\n";
    auto g = graph_of(text);
    CHECK(waits(g, "T003") == "T001");  // Portuguese
    CHECK(waits(g, "T006") == "T004");  // Japanese
    CHECK(waits(g, "T009") == "T007");  // Chinese, its clause after `；` read apart
    CHECK(waits(g, "T012") == "T010");  // Spanish
    CHECK(waits(g, "T015") == "T013");  // German
    CHECK(waits(g, "T014") == waits(g, "T013"));  // Korean, the items joined by `과`
    CHECK(waits(g, "T017") == waits(g, "T016"));  // not denied by words in an aside
    CHECK(waits(g, "T018") == "T016,T017");  // denied: after T017 (and T016, which T017 no longer follows)
    CHECK(waits(g, "T020") == "T009,T019");  // denied; and after T009, as the clause after `；` says
  }

  // generacy-ai/generacy 1164 ("T015 (changeset) is independent `[P]`; T016 (full gate)
  // runs last"), Link-Z-233/BiliRadio ("**US6 (P1, 横切)**: 最后执行"): the [P] gate ran
  // beside the work it checks, and the story beside the stories it reviews.
  TEST_CASE("what runs last waits for everything before it, and a story for every other story") {
    auto g = graph_of(
        "## Phase 1: Setup\n- [ ] T001 a\n"
        "## Phase 2: User Story 1\n- [ ] T002 [US1] b\n"
        "## Phase 3: User Story 2\n- [ ] T003 [US2] c\n"
        "## Phase 4: User Story 3\n- [ ] T004 [US3] d\n"
        "## Phase 5: Polish\n- [ ] T005 [P] e\n- [ ] T006 [P] f\n- [ ] T007 [P] g\n- [ ] T008 [P] h\n"
        "## Dependencies\n"
        "- **US2 (P1)**: 最后执行\n"
        "- T006 (changeset) is independent `[P]`; T007 (full gate) runs last.\n"
        "- T008 does not need to run last\n");
    CHECK(waits(g, "T003") == "T001,T002,T004");  // after setup, and after the other stories
    CHECK(waits(g, "T002") == "T001");
    CHECK(waits(g, "T004") == "T001");
    CHECK(waits(g, "T007") == "T002,T003,T004,T005,T006");  // after what comes before it in its phase
    CHECK(waits(g, "T008") == "T002,T003,T004");            // denied: a [P] task as before
    const Edge* e = direct_edge(g, "T006", "T007");
    REQUIRE(e);
    CHECK(e->reason.rule == EdgeRule::statement);
    CHECK(e->reason.line == 16);
  }

  // rokusoudo-product/terra-town ("Phase 4〜7（US1〜US4）"), and eight files of the corpora
  // with `T009~T015`, `T020〜T025`, `US1～4`: a range written with a wave dash or a tilde
  // named its first item only.
  TEST_CASE("ranges written with a wave dash or a tilde") {
    auto g = graph_of(
        "## Phase 1: Setup\n- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n"
        "- [ ] T004 [P] d (depends on T001〜T003)\n- [ ] T005 [P] e\n"
        "## Phase 2: User Story 1\n- [ ] T006 [US1] f\n"
        "## Phase 3: User Story 2\n- [ ] T007 [US2] g\n"
        "## Phase 4: User Story 3\n- [ ] T008 [US3] h\n"
        "## Dependencies\n"
        "- T005 depends on T001~T003\n"
        "- **US3**: US1～US2 完了後\n");
    CHECK(waits(g, "T004") == "T001,T002,T003");
    CHECK(waits(g, "T005") == "T001,T002,T003");
    CHECK(waits(g, "T008") == "T001,T002,T003,T004,T005,T006,T007");
  }

  // Jesn/AccountBox 003: "独立于 Phase 4，可并行" (independent of Phase 4, may run in
  // parallel) made User Story 3 wait for Phase 4.
  TEST_CASE("Chinese and Japanese words for independent or parallel add no order") {
    const std::string head =
        "## Phase 1: Setup\n- [ ] T001 Prepare env\n## Phase 2: User Story 1 - Search (Priority: P1)\n"
        "- [ ] T002 [US1] Add search in src/search.ts\n## Phase 3: User Story 2 - Table (Priority: P2)\n"
        "- [ ] T003 [US2] Build table in src/table.ts\n## Dependencies & Execution Order\n";
    for (const char* line : {"- **User Story 2 (Phase 3)**: \xE7\x8B\xAC\xE7\xAB\x8B\xE4\xBA\x8E Phase 2\xEF\xBC\x8C\xE5\x8F\xAF\xE5\xB9\xB6\xE8\xA1\x8C \xE2\x86\x92 T003\n",
                             "- **US2**: \xE4\xB8\xA6\xE8\xA1\x8C Phase 2 \xE2\x86\x92 T003\n"}) {
      CAPTURE(line);
      auto g = graph_of(head + line);
      CHECK(waits(g, "T003") == "T001");
    }
    auto told = graph_of(head + "- **US2**: Phase 2 \xE2\x86\x92 T003\n");
    CHECK(waits(told, "T003") == "T001,T002");  // the same chain with no such word: followed
  }

  // aetos382/AsciiSharp 001 and JoeyLearnsToCode/prompt-studio 001: "**User Story 2**: US1
  // に依存" (depends on US1) and "**US3**: 依赖 US1, US2" were not read: the stories ran
  // beside the ones they build on.
  TEST_CASE("Japanese and Chinese dependency lines order stories as the English ones do") {
    const std::string head =
        "## Phase 1: Setup\n- [ ] T001 Prepare env\n## Phase 2: User Story 1 - Parse (Priority: P1)\n"
        "- [ ] T002 [US1] Add parser in src/parse.ts\n## Phase 3: User Story 2 - Errors (Priority: P1)\n"
        "- [ ] T003 [US2] Add recovery in src/recover.ts\n## Phase 4: User Story 3 - Blocks (Priority: P3)\n"
        "- [ ] T004 [US3] Add blocks in src/blocks.ts\n## Dependencies & Execution Order\n";
    struct Case {
      const char* line;
      const char* task;
      const char* waits_for;
    };
    for (const Case& c : {
             // the author's order: US2 depends on US1
             Case{"- **User Story 2 (P1)**: Foundational \xE5\xAE\x8C\xE4\xBA\x86\xE5\xBE\x8C\xE3\x81\xAB\xE9\x96\x8B\xE5\xA7\x8B\xE5\x8F\xAF\xE8\x83\xBD - US1 \xE3\x81\xAB\xE4\xBE\x9D\xE5\xAD\x98\xEF\xBC\x88\xE5\x9F\xBA\xE6\x9C\xAC\xE8\xA7\xA3\xE6\x9E\x90\xE3\x81\x8C\xE5\xBF\x85\xE8\xA6\x81\xEF\xBC\x89\n",
                  "T003", "T001,T002"},
             // does not depend on
             Case{"- **User Story 2 (P1)**: Foundational \xE5\xAE\x8C\xE4\xBA\x86\xE5\xBE\x8C\xE3\x81\xAB\xE9\x96\x8B\xE5\xA7\x8B\xE5\x8F\xAF\xE8\x83\xBD - US1 \xE3\x81\xAB\xE4\xBE\x9D\xE5\xAD\x98\xE3\x81\x97\xE3\x81\xAA\xE3\x81\x84\n",
                  "T003", "T001"},
             // after US1 and US2
             Case{"- **User Story 3 (P3)**: US1, US2 \xE5\xAE\x8C\xE4\xBA\x86\xE5\xBE\x8C\xE3\x81\xAB\xE9\x96\x8B\xE5\xA7\x8B\xE6\x8E\xA8\xE5\xA5\xA8\n",
                  "T004", "T001,T002,T003"},
             // Chinese: depends on US1, US2
             Case{"- **US3 (P2) - \xE7\x89\x88\xE6\x9C\xAC\xE5\xAF\xB9\xE6\xAF\x94**: \xE4\xBE\x9D\xE8\xB5\x96 US1(\xE7\x89\x88\xE6\x9C\xAC\xE6\x95\xB0\xE6\x8D\xAE),US2(\xE7\x89\x88\xE6\x9C\xAC\xE9\x80\x89\xE6\x8B\xA9\xE5\x99\xA8) - \xE5\xBB\xBA\xE8\xAE\xAE US1+US2 \xE5\xAE\x8C\xE6\x88\x90\xE5\x90\x8E\xE5\xBC\x80\xE5\xA7\x8B\n",
                  "T004", "T001,T002,T003"},
             // no dependency
             Case{"- **US2 (P1) - \xE7\x89\x88\xE6\x9C\xAC\xE6\xA0\x91**: \xE6\x97\xA0\xE4\xBE\x9D\xE8\xB5\x96,\xE5\x8F\xAF\xE5\x9C\xA8 Foundational \xE5\xAE\x8C\xE6\x88\x90\xE5\x90\x8E\xE7\xAB\x8B\xE5\x8D\xB3\xE5\xBC\x80\xE5\xA7\x8B\n",
                  "T003", "T001"},
         }) {
      CAPTURE(c.line);
      auto g = graph_of(head + c.line);
      CHECK(waits(g, c.task) == c.waits_for);
    }
  }

  // StefanSchubert/sabi 002 (German), JEJU-Ratus 002 (Korean) and cyphernet-labs/nox-app
  // 002 (Russian) state their orders in words flow did not know: every story started
  // together, and `T019 (…) → nach T016 (…) + T020 (…)` ("T019 comes after T016 and T020")
  // was read as an arrow from T019.
  TEST_CASE("German, Russian and Korean dependency lines; an arrow followed by 'after'") {
    const std::string head =
        "## Phase 1: Setup\n- [ ] T001 Prepare env\n## Phase 2: User Story 1 - A (Priority: P1)\n"
        "- [ ] T002 [US1] Add a in src/a.ts\n## Phase 3: User Story 2 - B (Priority: P2)\n"
        "- [ ] T003 [US2] Add b in src/b.ts\n## Phase 4: User Story 3 - C (Priority: P3)\n"
        "- [ ] T004 [P] [US3] Add c in src/c.ts\n- [ ] T005 [P] [US3] Add d in src/d.ts\n"
        "- [ ] T006 [P] [US3] Add e in src/e.ts\n## Dependencies & Execution Order\n";
    struct Case {
      const char* line;
      const char* task;
      const char* waits_for;
    };
    for (const Case& c : {
             Case{"- **US2 (P2)**: startet nach US1 (Endpoint aus T002)\n", "T003", "T001,T002"},
             Case{"- **US1 (P1)**: startet nach Phase 1 — keine Abhängigkeit zu anderen Stories\n- **US2**: hängt von US1 ab\n",
                  "T003", "T001,T002"},
             Case{"- **US2**: keine Abhängigkeit von US1\n", "T003", "T001"},
             Case{"- T006 (Mapper) → nach T004 (Entity) + T005 (DTO)\n", "T006", "T001,T004,T005"},
             Case{"- **US2**: зависит от US1\n", "T003", "T001,T002"},
             Case{"- **US2**: не зависит от US1\n", "T003", "T001"},
             Case{"- T005 идёт после T004 (тот же файл, последовательно)\n", "T005", "T001,T004"},
             Case{"- T005: впоследствии T004 правит\n", "T005", "T001"},  // "afterwards": no key
             Case{"- **US3**: US1과 US2의 파일이 준비된 후 실행한다\n", "T004", "T001,T002,T003"},
             Case{"- **US2**: US1 이후 실행\n", "T003", "T001,T002"},
             Case{"- **US2**: US1에 의존하지 않는다\n", "T003", "T001"},
             // IGRUS-INHA/IGRUS-Web: "needs US1 done", beside a note of what may run alongside.
             Case{"- **Phase 3 (US2 - B)**: Phase 2 완료 필요, Phase 4와 병렬 가능\n", "T003", "T001,T002"},
             Case{"- **User Story 2 (P2)**: US1 완료 필요 (수정할 게시글 필요)\n", "T003", "T001,T002"},
         }) {
      CAPTURE(c.line);
      auto g = graph_of(head + c.line);
      CHECK(waits(g, c.task) == c.waits_for);
    }
    // In a task's own line, as the other languages' keys are.
    auto inline_keys = graph_of("- [ ] T001 a\n- [ ] T002 [P] b\n- [ ] T003 [P] c (abhängig von T001)\n"
                                "- [ ] T004 [P] d (зависит от T002)\n- [ ] T005 [P] e (T001과 T002 이후)\n"
                                "- [ ] T006 [P] f (nach T003)\n");
    CHECK(waits(inline_keys, "T003") == "T001");
    CHECK(waits(inline_keys, "T004") == "T001,T002");
    CHECK(waits(inline_keys, "T005") == "T001,T002");
    CHECK(waits(inline_keys, "T006") == "T001,T003");
    // Every key the parser lists, each alone on a [P] task that otherwise waits for T001.
    for (const char* aside : {"(T002 완료 후)", "(의존성: T002)", "(선행: T002)", "(требует T002)", "(Зависит от T002)",
                              "(wartet auf T002)", "(benötigt T002)", "(После T002)"}) {
      CAPTURE(aside);
      auto g = graph_of(std::string("- [ ] T001 a\n- [ ] T002 [P] b\n- [ ] T003 [P] c ") + aside + "\n");
      CHECK(waits(g, "T003") == "T001,T002");
    }
  }

  // Jesn/AccountBox 003: "团队 B：US3 → US4" (team B: US3, then US4) under "if there are
  // several people" made all of US4 wait for US3; the file's own order is "依赖 T010".
  TEST_CASE("a person's or team's line of arrows is who does what, not an order") {
    const std::string head =
        "## Phase 1: Setup\n- [ ] T001 Prepare env\n## Phase 2: User Story 1 - A (Priority: P1)\n"
        "- [ ] T002 [US1] Add a in src/a.ts\n## Phase 3: User Story 2 - B (Priority: P2)\n"
        "- [ ] T003 [US2] Add b in src/b.ts\n## Phase 4: User Story 3 - C (Priority: P3)\n"
        "- [ ] T004 [US3] Add c in src/c.ts\n## Dependencies & Execution Order\n";
    for (const char* line : {"- Developer A: US2 \xE2\x86\x92 US3\n", "- **Team B**: T003 \xE2\x86\x92 T004\n",
                             "- \xE5\x9B\xA2\xE9\x98\x9F B\xEF\xBC\x9AUS2 \xE2\x86\x92 US3\n"}) {
      CAPTURE(line);
      CHECK(waits(graph_of(head + line), "T004") == "T001");
    }
    // What such a line says it needs is still read; and a line that is no one's is an order.
    CHECK(waits(graph_of(head + "- Developer C: US2 \xE2\x86\x92 US3 (needs US1)\n"), "T004") == "T001,T002");
    CHECK(waits(graph_of(head + "- Delivery: US2 \xE2\x86\x92 US3\n"), "T004") == "T001,T003");
  }

  // raphaeltm/simple-agent-manager 021: "**US6 (P2)**: NodeLifecycle DO is independent
  // after Phase 2. Task runner integration depends on US2." The second sentence names no
  // story of its own: it is US6's, and T043 (which extends what US2's T032 builds) ran first.
  TEST_CASE("a later sentence of a dependency line that names no one speaks of the line's label") {
    const std::string head =
        "## Phase 1: Setup\n- [ ] T001 Prepare env\n## Phase 2: User Story 1 - A (Priority: P1)\n"
        "- [ ] T002 [US1] Add a in src/a.ts\n## Phase 3: User Story 2 - B (Priority: P2)\n"
        "- [ ] T003 [US2] Add b in src/b.ts\n## Phase 4: User Story 3 - C (Priority: P3)\n"
        "- [ ] T004 [US3] Add c in src/c.ts\n## Dependencies & Execution Order\n";
    CHECK(waits(graph_of(head + "- **US3 (P3)**: The DO is independent after Phase 1. Task runner integration depends on US2.\n"),
                "T004") == "T001,T003");
    CHECK(waits(graph_of(head + "- **US3 (P3)**: depends on Setup; needs T002 for data\n"), "T004") == "T001,T002");
    // A sentence that says it is independent says no order, whatever follows in it.
    CHECK(waits(graph_of(head + "- **US3 (P3)**: needs T001; independent of US1 code-wise, but best after US2\n"),
                "T004") == "T001");
  }

  // generacy-ai/generacy 199: "T015 can run in parallel once T014 is done" let T015 (a
  // [P] test of the service T011–T014 build) run first, beside T011.
  TEST_CASE("a task that may run in parallel once another is done waits for that one") {
    auto g = graph_of("## Phase 1: Core\n- [ ] T011 Create service in src/a.ts\n- [ ] T012 Implement polling in src/a.ts\n"
                      "- [ ] T013 [P] Write tests in tests/a.test.ts\n- [ ] T014 [P] Docs in docs/x.md\n"
                      "- [ ] T015 [P] Bench in bench/x.ts\n## Dependencies & Execution Order\n"
                      "- T013 can run in parallel once T012 is done.\n"
                      "- T015 can run in parallel with T014 as soon as T011 is done.\n");
    CHECK(waits(g, "T013") == "T012");
    CHECK(waits(g, "T015") == "T011,T012");  // beside T014, not after it (T012: the document's order)
    CHECK(waits(g, "T014") == "T012");  // said nothing of: the document's order
  }

  // j0ruge/eb-analytics: "T010 (Hook) can run parallel to T006-T009" and generacy 864's
  // "T011 parallel to T010" (a test of T008's function) ran the [P] task first of all,
  // before the task the one it runs beside waits for.
  TEST_CASE("a [P] task said to run beside the task before it waits for what that one waits for") {
    const std::string tasks = "## Phase 1\n- [ ] T008 a in a.py\n- [ ] T009 b in b.py\n- [ ] T010 c in c.py\n"
                              "- [ ] T011 [P] d in d.py\n- [ ] T012 e in e.py\n## Dependencies\n";
    for (const char* said : {"- T011 can run in parallel with T010\n", "- T011 parallel to T010 (independent cases)\n"}) {
      auto g = graph_of(tasks + said);
      CHECK_MESSAGE(waits(g, "T011") == "T009", said);
      CHECK_MESSAGE(waits(g, "T012") == "T010,T011", said);
    }
    CHECK(waits(graph_of(tasks + "- T011 parallel with T009-T010\n"), "T011") == "T008");
  }

  // guog/csv-chart: "**US2 (阶段 4)**: 依赖阶段 2 — 后端可与 US1 并行，但前端共享 DeviceView.vue"
  // (depends on phase 2 — the backend can run beside US1) made US2 wait for all of US1.
  TEST_CASE("a clause after a dash in words not in ASCII is an aside") {
    const std::string phases = "## Phase 1: Setup\n- [ ] T001 a\n## Phase 2: User Story 1\n- [ ] T002 [US1] b\n"
                               "## Phase 3: User Story 2\n- [ ] T003 [US2] c\n## Dependencies\n";
    CHECK(waits(graph_of(phases + "- **US2**: 依赖 Setup — 后端可与 US1 并行\n"), "T003") == "T001");
    CHECK(waits(graph_of(phases + "- **US2**: Depends on Setup — à faire après US1\n"), "T003") == "T001");
    CHECK(waits(graph_of(phases + "- **US2**: Depends on Setup — US1\n"), "T003") == "T001,T002");  // goes on naming
  }

  // christopherlouet/pve-home: `| T025 | T002, T006 | T019 |` under `| Tâche | Dépend de |
  // Peut paralléliser avec |` was read as prose and said nothing: T032 could edit a file
  // before T004 created it. rolandzwaga/krate-audio: `| US2 (Pink) | US1 | … |`.
  TEST_CASE("a dependency table: each row waits for its dependency column") {
    const std::string tasks = "## Phase 1\n- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n- [ ] T004 [P] d\n";
    auto g = graph_of(tasks + "## Dépendances\n\n| Tâche | Dépend de | Peut paralléliser avec |\n|---|---|---|\n"
                              "| T003, T004 | T001, T002 | T003 ↔ T004 |\n| T002 | - | T001 |\n");
    CHECK(waits(g, "T003") == "T001,T002");
    CHECK(waits(g, "T004") == "T001,T002");
    CHECK(waits(g, "T002").empty());
    // The column of what has the dependencies may be named; a table without such a header
    // is read as before (prose, which says nothing here).
    auto named = graph_of(tasks + "## Dependencies\n| # | Task | Depends on |\n|---|---|---|\n| 1 | T004 | T003 |\n");
    CHECK(waits(named, "T004") == "T003");
    auto plain = graph_of(tasks + "## Dependencies\n| Task | Notes |\n|---|---|\n| T004 | T003 |\n");
    CHECK(waits(plain, "T004").empty());
  }

  // mash-up-kr/Team-MINO-Android: `## 의존성 및 실행 순서` was no dependency section, and
  // `(T005 · T008 · T016 에 의존)` kept T016 alone; rafarito/teste: "**Fase 4 (US3)**: Depende
  // da conclusão da Fase 3" named no phase.
  TEST_CASE("a Korean dependency section, a list with middle dots, and Fase for Phase") {
    const std::string phases =
        "## Phase 1: Setup\n- [ ] T001 a in a.py\n## Phase 2: User Story 1\n- [ ] T002 [US1] b in b.py\n"
        "## Phase 3: User Story 2\n- [ ] T003 [US2] c in c.py\n- [ ] T004 [P] [US2] d (T002 · T001 에 의존)\n";
    CHECK(waits(graph_of(phases), "T003") == "T001");  // stories side by side
    CHECK(waits(graph_of(phases), "T004") == "T001,T002,T003");  // T002 by its own words
    CHECK(waits(graph_of(phases + "## 의존성 및 실행 순서\n- US2: US1 완료 후 시작\n"), "T003") == "T001,T002");
    CHECK(waits(graph_of(phases + "## Dependências\n- **Fase 3 (US2)**: Depende da conclusão da Fase 2\n"), "T003") ==
          "T001,T002");
  }

  // guthubrx/roadie: "**US4** : dépend de US2, peut être fait avant ou après US3" made US4
  // wait for US3 too.
  TEST_CASE("what may be done before or after a story does not wait for it") {
    const std::string tasks =
        "## Phase 1: Setup\n- [ ] T001 a in a.py\n## Phase 2: User Story 1\n- [ ] T002 [US1] b in b.py\n"
        "## Phase 3: User Story 2\n- [ ] T003 [US2] c in c.py\n## Phase 4: User Story 3\n- [ ] T004 [US3] d in d.py\n"
        "## D\xC3\xA9pendances\n";
    CHECK(waits(graph_of(tasks + "- **US3** : d\xC3\xA9pend de US1, peut \xC3\xAAtre fait avant ou apr\xC3\xA8s US2\n"), "T004") ==
          "T001,T002");
    CHECK(waits(graph_of(tasks + "- **US3**: depends on US1; can be done before or after US2\n"), "T004") == "T001,T002");
    CHECK(waits(graph_of(tasks + "- **US3**: depends on US1 and US2\n"), "T004") == "T001,T002,T003");
  }

  // hestudy/tushare-sdk: "**User Story 4**: 依赖 US1-US3 全部完成(T007, T012, T017)" (US4 needs all
  // of US1-US3; the list names their last tasks): US4 waited for those three alone and ran
  // beside the tasks after them.
  TEST_CASE("stories waited for, with a list of their tasks in parentheses, are waited for whole") {
    const std::string tasks =
        "## Phase 1: Setup\n- [ ] T001 a in a.py\n## Phase 2: User Story 1\n- [ ] T002 [US1] b in b.py\n"
        "- [ ] T003 [US1] c in c.py\n## Phase 3: User Story 2\n- [ ] T004 [US2] d in d.py\n"
        "- [ ] T005 [US2] e in e.py\n## Phase 4: User Story 3\n- [ ] T006 [US3] f in f.py\n## Dependencies\n";
    CHECK(waits(graph_of(tasks + "- **User Story 3**: depends on US1-US2 (T002, T004)\n"), "T006") == "T001,T002,T003,T004,T005");
    CHECK(waits(graph_of(tasks + "- **User Story 3**: \xE4\xBE\x9D\xE8\xB5\x96 US1-US2 (T002\xE3\x80\x81T004)\n"), "T006") ==
          "T001,T002,T003,T004,T005");
    // Words beside the task name the part meant: that task alone.
    CHECK(waits(graph_of(tasks + "- **User Story 3**: depends on US1 (T002 core model)\n"), "T006") == "T001,T002");
  }

  // akiojin/unity-mcp-server's "Phase 3.2: T004→T005, T006→T007, …" (each test before its
  // implementation) was one chain, T004 → {T005, T006} → T007 …: tests that may run
  // together waited for each other, and a line made a false cycle.
  TEST_CASE("arrows glued to their IDs, listed with a comma, are pairs; spaced ones a chain") {
    const std::string tasks = "## Phase 1: Work\n- [ ] T001 [P] Test A in tests/a.js\n- [ ] T002 [P] Test B in tests/b.js\n"
                              "- [ ] T003 [P] Impl A in src/a.js\n- [ ] T004 [P] Impl B in src/b.js\n## Dependencies\n";
    const TaskGraph pairs = graph_of(tasks + "- Phase 1: T001→T003, T002→T004\n");
    CHECK(waits(pairs, "T002").empty());
    CHECK(waits(pairs, "T003") == "T001");
    CHECK(waits(pairs, "T004") == "T002");
    CHECK(waits(graph_of(tasks + "- Tests first (T001→T003, T002→T004)\n"), "T004") == "T002");
    // Spaced arrows over a list: a chain of groups, as before.
    const TaskGraph chain = graph_of(tasks + "- T001 → T002, T003 → T004\n");
    CHECK(waits(chain, "T003") == "T001");
    CHECK(waits(chain, "T004") == "T002,T003");
  }

  // dobryakov/sonaka's `## Зависимости (истории)` over "US1 → US2 → US3", and "US1 завершить
  // перед US2"; gnust-company/A.R.MARIUS's `### Phụ thuộc giữa các câu chuyện` over a
  // flowchart of its six stories; StefanSchubert/sabi's `## Abhängigkeiten &
  // Ausführungsreihenfolge`: sections in Russian, Vietnamese and German that say how
  // stories wait were not taken for dependency sections, and the stories ran together.
  TEST_CASE("dependency sections headed in Russian, Vietnamese and German are read") {
    const std::string phases =
        "## Phase 1: Setup\n- [ ] T001 a in a.py\n## Phase 2: User Story 1\n- [ ] T002 [US1] b in b.py\n"
        "## Phase 3: User Story 2\n- [ ] T003 [US2] c in c.py\n## Phase 4: User Story 3\n- [ ] T004 [US3] d in d.py\n";
    CHECK(waits(graph_of(phases), "T004") == "T001");  // stories side by side
    CHECK(waits(graph_of(phases + "## Зависимости (истории)\n\nUS1 → US2 → US3\n"), "T004") == "T001,T003");
    CHECK(waits(graph_of(phases + "## Зависимости\n\n1. US1 завершить перед US2\n"), "T003") == "T001,T002");
    CHECK(waits(graph_of(phases + "## Порядок выполнения\n\n- US2 после US1\n"), "T003") == "T001,T002");
    CHECK(waits(graph_of(phases + "### Phụ thuộc giữa các câu chuyện\n\n```mermaid\nflowchart LR\n"
                                  "    US1[\"Câu chuyện 1\"] --> US3[\"Câu chuyện 3\"]\n```\n"),
                "T004") == "T001,T002");
    CHECK(waits(graph_of(phases + "## Abhängigkeiten & Ausführungsreihenfolge\n\n- T004 → nach T003\n"), "T004") ==
          "T001,T003");
    // The same lines under a heading of no such words are not read.
    CHECK(waits(graph_of(phases + "## Заметки\n\nUS1 → US2 → US3\n"), "T004") == "T001");
  }

  // FAIR-DM/fairdm: "T062 (docs) parallel with T061", "2b parallel zu 2c", Russian
  // "можно выполнять параллельно": said without "can run in", they were not read.
  TEST_CASE("parallel said as a relation, in German or in Russian") {
    const std::string tasks =
        "## Phase 1\n- [ ] T001 a in a.py\n- [ ] T002 b in b.py\n- [ ] T003 c in c.py\n- [ ] T004 d in d.py\n"
        "## Dependencies\n";
    for (const char* said : {"- T003 (docs) parallel with T002 (tests)\n", "- T003 parallel zu T002\n",
                             "- T002 и T003 можно выполнять параллельно\n", "- T003 параллельно с T002\n",
                             "- T002 in parallel with T003 (different files)\n"}) {
      auto g = graph_of(tasks + said);
      CHECK_MESSAGE(waits(g, "T003") == "T001", said);
      CHECK_MESSAGE(waits(g, "T004") == "T002,T003", said);
    }
    for (const char* said : {"- T003 is not parallel with T002\n", "- T002 и T003 нельзя выполнять параллельно\n"}) {
      auto g = graph_of(tasks + said);
      CHECK_MESSAGE(waits(g, "T003") == "T002", said);
    }
    // A relation pairs its two sides only, unless it says "each other": Rickwen1126's
    // "T001+T002, T003+T004 — sequential within, parallel with other modules".
    CHECK(waits(graph_of(tasks + "- T001+T002, T003+T004 — sequential within, parallel with other modules\n"), "T002") == "T001");
    CHECK(waits(graph_of(tasks + "- T002, T003 parallel with each other\n"), "T003") == "T001");
  }

  // usaturn/nova-parser 003: "T012 と T013 は並行可能" (can run in parallel) kept T013 after
  // T012; MaximeMaigret2/arrete-prefectoraux: "T009 → T010/T011 (parallèles) → T012" made
  // T012 wait for T011 alone, the note hiding T010.
  TEST_CASE("parallel said in Japanese, and a French note of parallel in a chain") {
    const std::string tasks =
        "## Phase 1\n- [ ] T009 a in a.py\n- [ ] T010 b in b.py\n- [ ] T011 c in c.py\n- [ ] T012 d in d.py\n"
        "- [ ] T013 e in e.py\n## Dependencies\n";
    CHECK(waits(graph_of(tasks + "- T012 と T013 は並行可能\n"), "T013") == "T011");
    CHECK(waits(graph_of(tasks + "- T009 → T010/T011 (parallèles) → T012\n"), "T012") == "T010,T011");
  }

  // Arishay/fullstack-todo-app 001: `[AUTH-US1]` … `[AUTH-US5]` and `[TASK-US1]` … were
  // all "story 1", "story 2"…: "**TASK-US1**: Depends on AUTH-US5" made the AUTH-US1 phase
  // wait for AUTH-US5, a cycle, and the file was refused.
  TEST_CASE("prefixed story labels are stories of their own") {
    auto g = graph_of(
        "## Phase 1: User Story AUTH-US1 - Register\n- [ ] T001 [AUTH-US1] Create User model in api/user.py\n"
        "## Phase 2: User Story AUTH-US2 - Login\n- [ ] T002 [AUTH-US2] Login endpoint in api/auth.py\n"
        "## Phase 3: User Story TASK-US1 - Create task\n- [ ] T003 [TASK-US1] Task model in api/task.py\n"
        "## Dependencies\n- **AUTH-US2**: Depends on AUTH-US1\n- **TASK-US1**: Depends on AUTH-US2\n");
    CHECK(waits(g, "T002") == "T001");
    CHECK(waits(g, "T003") == "T002");
    CHECK(waits(g, "T001").empty());
    // "after AUTH-US1/US2": the US2 of AUTH's set, not TASK-US2 too (the same file, line 327).
    auto after = graph_of(
        "## Phase 1: User Story AUTH-US2 - Login\n- [ ] T001 [AUTH-US2] Login in api/auth.py\n"
        "## Phase 2: User Story TASK-US2 - View\n- [ ] T002 [TASK-US2] List in api/list.py\n"
        "## Phase 3: User Story AUTH-US4 - Session\n- [ ] T003 [AUTH-US4] Session in api/session.py\n"
        "## Dependencies\n- AUTH-US3, AUTH-US4 can be done anytime after AUTH-US1/US2\n");
    CHECK(waits(after, "T003") == "T001");
  }

  // A Kiro file (ore mining): `- [ ] 3.2 …` says `_Depends on: 4.1_`, 4.1 being a task of
  // the next section. Phase order made that a cycle, and the whole plan was refused.
  TEST_CASE("an explicit dependency on a task of a later phase moves that task up") {
    auto g = graph_of("## Phase 1\n- [ ] T001 a\n## Phase 2\n- [ ] T002 b\n- [ ] T003 c (depends on T005)\n"
                      "## Phase 3\n- [ ] T004 d\n- [ ] T005 [P] e\n- [ ] T006 f\n");
    CHECK(waits(g, "T005") == "T001");  // after what Phase 2 waited for, not after Phase 2
    CHECK(waits(g, "T003") == "T001,T002,T005");
    CHECK(waits(g, "T004") == "T002,T003");  // the rest of Phase 3 still waits for Phase 2
    bool noted = false;  // a warning: the task leaves its phase
    for (const Diagnostic& d : g.diagnostics())
      noted |= d.code == "explicit-order" && d.line == 8 && d.severity == Severity::warning;
    CHECK(noted);
    // A cycle of explicit dependencies is still one.
    CHECK_FALSE(build_graph(parse_tasks_md("## A\n- [ ] T001 a (depends on T002)\n## B\n- [ ] T002 b (depends on T001)\n")));
    // Prose gives way first (generacy 1128: "each requires its target code (T013→T002, …)"
    // reads the arrow the other way): the phases keep their order.
    auto prose = graph_of("## Phase 1\n- [ ] T001 a\n## Phase 2\n- [ ] T002 b (depends on T001)\n## Phase 3\n- [ ] T003 c\n"
                          "## Dependencies\n- T003 → T001\n");
    CHECK(waits(prose, "T003") == "T002");
    CHECK(waits(prose, "T001").empty());
  }

  TEST_CASE("an explicit order beats the implicit document order it contradicts") {
    auto g = graph_of("- [ ] T017 a\n- [ ] T019 [P] b\n## Dependencies\n- T017 depends on T019\n");
    CHECK(waits(g, "T017") == "T019");
    CHECK(waits(g, "T019").empty());
    bool noted = false;
    for (const Diagnostic& d : g.diagnostics()) noted |= d.code == "explicit-order";
    CHECK(noted);
  }

  // A plan in `### Task N` sections under `###` groups (the minispec registry): Task 6
  // depends on Task 9, under a later group. The group order, which is the document's,
  // made a cycle with it and flow refused the file; within one group it was followed.
  TEST_CASE("an explicit order beats the order of sub-headings it contradicts") {
    auto g = graph_of(
        "## Phase 1: Build\n### Core\n#### Task 1: Install command in `cli.py`\n- **Depends on:** Task 2\n"
        "#### Task 3: Config in `config.py`\n### Integration\n#### Task 2: Merge logic in `merge.py`\n"
        "#### Task 4: Wire in `wire.py`\n");
    CHECK(waits(g, "1") == "2");
    CHECK(waits(g, "2").empty());          // moved up: no longer after the Core group
    CHECK(waits(g, "4") == "1,3,2");       // the rest keeps its order
    bool noted = false;
    for (const Diagnostic& d : g.diagnostics()) noted |= d.code == "explicit-order" && d.message.find("\"Core\"") != std::string::npos;
    CHECK(noted);
  }

  TEST_CASE("a dependency on a task marked [~] is a warning at the task that waits; document order is not") {
    auto g = graph_of("## Phase 1\n- [~] T001 a\n- [ ] T002 [P] b (depends on T001)\n- [ ] T003 [P] c\n"
                      "### Later (depends on T001)\n- [ ] T004 d\n");
    std::vector<int> lines;
    for (const Diagnostic& d : g.diagnostics())
      if (d.code == "held-by-mark") {
        lines.push_back(d.line);
        CHECK(d.severity == Severity::warning);
        CHECK(d.message.find("marks [~]") != std::string::npos);
      }
    CHECK(lines == std::vector<int>{3, 6});
  }

  TEST_CASE("an explicit dependency on a task further down moves it up, however long the implied chain") {
    // T001 waits for T003 explicitly; document order chains T001 -> T002 -> T003. This
    // used to be a cycle error that refused the whole file.
    auto g = graph_of("## Phase 1\n- [ ] T001 one (depends on T003)\n- [ ] T002 two\n- [ ] T003 three\n");
    CHECK(waits(g, "T003").empty());
    CHECK(waits(g, "T001") == "T003");
    CHECK(waits(g, "T002") == "T001");
    const Diagnostic* note = nullptr;
    for (const Diagnostic& d : g.diagnostics())
      if (d.code == "explicit-order") note = &d;
    REQUIRE(note != nullptr);
    CHECK(note->line == 4);
    CHECK(note->message.find("T003 no longer waits for T002") != std::string::npos);
    // Explicit dependencies alone still make a cycle, named as before.
    const Plan p = parse_tasks_md("- [ ] T001 a (depends on T003)\n- [ ] T002 b (depends on T001)\n- [ ] T003 c (depends on T002)\n");
    auto bad = build_graph(p);
    REQUIRE(!bad);
    CHECK(bad.error().code == Errc::cycle);
  }

  // T003 moved to the very front: it ran beside T000, which the document put before it
  // and before T001, which waits for it.
  TEST_CASE("a task moved up by an explicit dependency still waits for what came before its dependent") {
    auto chain = graph_of("## Phase 1\n- [ ] T000 zero\n- [ ] T001 one (depends on T003)\n- [ ] T002 two\n- [ ] T003 three\n");
    CHECK(waits(chain, "T003") == "T000");
    CHECK(waits(chain, "T001") == "T000,T003");
    CHECK(waits(chain, "T002") == "T001");
    // Next to each other: the document's edge is never made, and the same holds.
    auto next = graph_of("## Phase 1\n- [ ] T000 zero\n- [ ] T001 one (depends on T002)\n- [ ] T002 two\n");
    CHECK(waits(next, "T002") == "T000");
    CHECK(waits(next, "T001") == "T000,T002");
    // Back to the first task that does not wait for it: T000 does too.
    auto both = graph_of("## Phase 1\n- [ ] T000 zero (depends on T003)\n- [ ] T001 one (depends on T003)\n"
                         "- [ ] T002 two\n- [ ] T003 three\n");
    CHECK(waits(both, "T003").empty());
    CHECK(waits(both, "T000") == "T003");
    // A [P] run: the moved task keeps what the run waited for.
    auto run = graph_of("## Phase 1\n- [ ] T000 zero\n- [ ] T001 [P] one (depends on T003)\n- [ ] T002 [P] two\n"
                        "- [ ] T003 three\n");
    CHECK(waits(run, "T003") == "T000,T002");  // T002 does not wait for it: T003 stays after it
  }

  TEST_CASE("a range written backwards, or with an end the file lacks, still names the tasks between") {
    auto g = graph_of("- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n- [ ] T004 [P] d (depends on T003-T001)\n"
                      "- [ ] T005 [P] e (depends on T001-T009)\n");
    CHECK(waits(g, "T004") == "T001,T002,T003");
    CHECK(waits(g, "T005") == "T001,T002,T003,T004");
    bool warned = false;
    for (const Diagnostic& d : g.plan().diagnostics)
      warned |= d.code == "unknown-reference" && d.line == 5 && d.message.find("T009") != std::string::npos;
    CHECK(warned);
  }

  TEST_CASE("unknown references in statements are warnings, never edges") {
    auto g = graph_of("- [ ] T001 a\n- [ ] T002 b\n## Dependencies\n- T099 blocks T002\n");
    CHECK(waits(g, "T002") == "T001");
    bool warned = false;
    for (const Diagnostic& d : g.diagnostics())
      warned |= d.code == "unknown-reference" && d.line == 4 && d.message.find("T099") != std::string::npos;
    CHECK(warned);
  }
}

TEST_SUITE("cycles") {
  TEST_CASE("a cycle names every task on it, with lines and reasons") {
    auto g = build_graph(parse_tasks_md("- [ ] T001 [P] a (depends on T003)\n- [ ] T002 [P] b (depends on T001)\n"
                                        "- [ ] T003 [P] c (depends on T002)\n- [ ] T004 [P] d\n"));
    REQUIRE_FALSE(g);
    CHECK(g.error().code == Errc::cycle);
    const std::string& m = g.error().message;
    for (const char* s : {"T001 (line 1)", "T002 (line 2)", "T003 (line 3)", "depends on T003", "depends on T001",
                          "depends on T002", "task-reference"})
      CHECK_MESSAGE(m.find(s) != std::string::npos, s << " missing from: " << m);
    CHECK(m.find("T004") == std::string::npos);
    CHECK(g.error().line > 0);
  }

  // generacy-ai/generacy: 24 of its 424 task files were refused as cycles that prose
  // made: `T002 → T001 (resolver field needs the schema field)` over T002's own `depends
  // on T001`; "T004 can be authored … once T008 is in" with T008 in a later phase; a
  // rationale read both ways. The prose gives way, said; a cycle without prose stays one.
  TEST_CASE("prose that would close a cycle is not followed, and a warning says so") {
    const auto warned = [](const TaskGraph& g, int line) {
      for (const Diagnostic& d : g.diagnostics())
        if (d.code == "prose-not-followed" && d.line == line) return true;
      return false;
    };
    auto arrows = graph_of("- [ ] T001 Schema field in `a.ts`\n- [ ] T002 [P] Resolver in `b.ts` (depends on T001)\n"
                           "- [ ] T003 [P] Wiring in `c.ts` (depends on T002)\n## Dependencies\n"
                           "- T002 \xE2\x86\x92 T001 (resolver field needs the schema field).\n"
                           "- T003 \xE2\x86\x92 T002 (wiring reads it).\n");
    CHECK(waits(arrows, "T001").empty());
    CHECK(waits(arrows, "T002") == "T001");
    CHECK(waits(arrows, "T003") == "T002");  // every task after the first says what it waits for
    CHECK(warned(arrows, 5));
    CHECK(warned(arrows, 6));
    auto phases = graph_of("## Phase 1: Foundation\n- [ ] T001 Predicate in `p.ts`\n- [ ] T002 Guard in `g.ts`\n"
                           "## Phase 2: User Story 1 - Trust (Priority: P1)\n- [ ] T003 [US1] Use it in `u.ts`\n"
                           "## Dependencies\n- T002 can be authored in parallel once T003 is in.\n");
    CHECK(waits(phases, "T002") == "T001");
    CHECK(waits(phases, "T003") == "T001,T002");
    CHECK(warned(phases, 7));
    // One line read both ways (generacy 828): what it says backwards goes, the rest stays.
    auto both = graph_of("## Phase 1\n- [ ] T001 [P] Types in `t.ts`\n- [ ] T002 [P] Rows in `r.ts`\n## Dependencies & Execution Order\n"
                         "**Rationale for ordering**: T001 changes types that T002 consumes; running T002 before T001 "
                         "introduces typecheck failures. Bundling T002 after T001 keeps each task green.\n");
    CHECK(waits(both, "T002") == "T001");
    CHECK(waits(both, "T001").empty());
    CHECK(warned(both, 5));
    // "blocks on" says it waits.
    auto on = graph_of("- [ ] T001 [P] a in `a.ts`\n- [ ] T002 [P] b in `b.ts`\n## Dependencies\n- T002 blocks on T001\n");
    CHECK(waits(on, "T002") == "T001");
    CHECK(waits(on, "T001").empty());
  }

  TEST_CASE("a cycle through a phase gate names the phase") {
    // (Phase order alone gives way to T001's dependency; the heading's [depends:A] does not.)
    auto g = build_graph(parse_tasks_md("## Phase 1: Setup (Group A)\n- [ ] T001 a (depends on T002)\n"
                                        "## Phase 2: Core [depends:A]\n- [ ] T002 b\n"));
    REQUIRE_FALSE(g);
    CHECK(g.error().message.find("\"Phase 1: Setup (Group A)\"") != std::string::npos);
  }

  // IGRUS-INHA/IGRUS-Web, read by hand: Foundational (T004–T017) before every story, and
  // "Phase 3 완료 필요" (the post-creating US1, T018–T025) before the stories that edit and
  // delete posts; US2 (T026…) beside US1, as "Phase 3와 병렬 가능" says.
  TEST_CASE("a Korean corpus file's story orders, as its dependency section states them") {
    auto g = build_graph(parse_tasks_md(
        test::slurp(test::data_path("corpus/IGRUS-INHA__IGRUS-Web__backend__docs__task__community__post__tasks.md"))));
    REQUIRE(g);
    CHECK(waits(*g, "T033") == "T004,T005,T006,T007,T008,T009,T010,T011,T012,T013,T014,T015,T016,T017,"
                               "T018,T019,T020,T021,T022,T023,T024,T025");
    CHECK(waits(*g, "T026") == "T004,T005,T006,T007,T008,T009,T010,T011,T012,T013,T014,T015,T016,T017");
  }

  // (salekseev/stacks was refused: an escaped fence leaves LT020's only declaration in a
  // checklist after Phase 5, and LT021 in Phase 5 depends on it. An explicit dependency on
  // a task of a later phase moves that task up now, as it does inside a phase.)
  TEST_CASE("every corpus file builds a graph") {
    for (const std::string& f : test::corpus_files()) {
      INFO(f);
      auto g = build_graph(parse_tasks_md(test::slurp(f)));
      CHECK_MESSAGE(g, (g ? "" : g.error().message));
      if (!g) continue;
      CHECK(g->topological_order().size() == static_cast<std::size_t>(g->node_count()));
    }
  }
}

TEST_SUITE("queries") {
  TEST_CASE("waves, critical path, remaining length and the lower bound") {
    // T001 -> {T002 [P], T003 [P]} -> T004
    auto g = graph_of("- [ ] T001 a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n- [ ] T004 d\n");
    const auto w = g.waves();
    REQUIRE(w.size() == 3);
    CHECK(w[1] == std::vector<int>{1, 2});
    const std::vector<double> d{1, 5, 2, 1};
    const CriticalPath cp = g.critical_path(d);
    CHECK(cp.tasks == std::vector<int>{0, 1, 3});
    CHECK(cp.length == doctest::Approx(7));
    CHECK(g.remaining_length(d)[2] == doctest::Approx(3));
    CHECK(g.makespan_lower_bound(d, 1) == doctest::Approx(9));
    CHECK(g.makespan_lower_bound(d, 4) == doctest::Approx(7));
  }

  TEST_CASE("a task already done counts as finished at time 0, whatever it waited for") {
    // T001 (pending) -> T002 (done) -> T003 (pending): T003 need not wait for T001.
    auto g = graph_of("- [ ] T001 a\n- [x] T002 b\n- [ ] T003 c\n");
    const std::vector<double> d{5, 100, 3};
    CHECK(g.critical_path(d).length == doctest::Approx(5));
    CHECK(g.critical_path(d).tasks == std::vector<int>{0});
    CHECK(g.makespan_lower_bound(d, 1) == doctest::Approx(8));
    CHECK(g.remaining_length(d)[0] == doctest::Approx(5));
  }

  TEST_CASE("lock conflicts: common files and folders; [P] pairs warned") {
    auto g = graph_of("## Phase 1\n- [ ] T001 [P] Edit src/a.py\n- [ ] T002 [P] Edit src/a.py and src/b.py\n"
                      "- [ ] T003 [P] Create src/models/\n- [ ] T004 Edit src/models/user.py\n- [ ] T005 Edit c.py\n");
    const auto& c = g.lock_conflicts();
    REQUIRE(c.size() == 2);
    CHECK(c[0].path == "src/a.py");
    CHECK(c[0].tasks == std::vector<int>{0, 1});
    CHECK(c[0].parallel == 2);
    CHECK(c[1].path == "src/models/");  // a folder holds what is inside it
    CHECK(c[1].tasks == std::vector<int>{2});
    CHECK(c[1].inside == std::vector<int>{3});
    CHECK(c[1].parallel == 1);
    CHECK(c[1].excludes(2, 3));
    int warned = 0;
    for (const Diagnostic& d : g.diagnostics())
      if (d.code == "parallel-shared-file") {
        ++warned;
        CHECK(d.message == "T001 and T002 are both [P] but both touch src/a.py: they will run one after the other");
      }
    CHECK(warned == 1);
  }

  TEST_CASE("lock conflicts are kept per file: one group and one warning however many tasks share it") {
    std::string text = "## Phase 1: Setup\n";
    const int n = 400;
    for (int i = 1; i <= n; ++i) text += "- [ ] T" + std::to_string(1000 + i) + " [P] Edit app/x.py and app/own" + std::to_string(i) + ".py\n";
    text += "## Phase 2: Polish\n- [ ] T2001 [P] Tidy app/x.py\n- [ ] T2002 [P] Tidy app/x.py\n";
    auto g = graph_of(text);
    const auto& c = g.lock_conflicts();
    REQUIRE(c.size() == 1);  // not n × (n + 1) / 2 pairs
    CHECK(c[0].path == "app/x.py");
    CHECK(c[0].tasks.size() == static_cast<std::size_t>(n + 2));
    CHECK(c[0].parallel == n + 2);
    std::vector<std::string> warnings;
    for (const Diagnostic& d : g.diagnostics())
      if (d.code == "parallel-shared-file") warnings.push_back(d.message);
    // One per phase: [P] tasks of different phases never meant to run together.
    REQUIRE(warnings.size() == 2);
    CHECK(warnings[0] == "T1001, T1002, T1003, T1004 … T1400 (400 [P] tasks) all touch app/x.py: they will run one at a time");
    CHECK(warnings[1] == "T2001 and T2002 are both [P] but both touch app/x.py: they will run one after the other");
  }

  // JEJU-Ratus 002: six [P] tasks, each creating its own file under
  // `src/app/(site)/summary/[summaryId]/`, ran one at a time: `[summaryId]` was read as a
  // glob's class, so each locked the folder above it, shared by 30 tasks.
  TEST_CASE("route parameters' brackets are names, a bracket class is a glob") {
    auto g = graph_of("- [ ] T001 [P] Create src/app/(site)/summary/[summaryId]/page.js\n"
                      "- [ ] T002 [P] Create src/app/(site)/summary/[summaryId]/layout.js\n"
                      "- [ ] T003 [P] Create src/app/[...slug]/page.tsx and src/app/[[...opt]]/x.tsx\n"
                      "- [ ] T004 [P] Create src/routes/[lang=locale]/+page.svelte\n"
                      "- [ ] T005 [P] Edit src/app/items/page.tsx\n- [ ] T006 [P] Lint lib/[a-z]*.js\n- [ ] T007 [P] Edit lib/x.js\n");
    const auto& c = g.lock_conflicts();
    REQUIRE(c.size() == 1);
    CHECK(c[0].path == "lib/");
    CHECK(c[0].tasks == std::vector<int>{5});
    CHECK(c[0].inside == std::vector<int>{6});
    CHECK_FALSE(g.plan().tasks[0].paths[0].glob);
    CHECK(g.plan().tasks[5].paths[0].glob);
    CHECK(detail::lock_root("src/app/[id]/page.tsx") == "src/app/[id]/page.tsx");
    CHECK(detail::lock_root("app/[slug]/[x]?.md") == "app/[slug]/");  // `[x]` is one letter: a class
    CHECK(detail::lock_root("a/[0-9]/b.txt") == "a/");
    CHECK(detail::lock_root("a/[!x]/b.txt") == "a/");
    CHECK(detail::lock_root("a/[id/b.txt") == "a/");  // unclosed
    // A template's placeholder stands for any file of its folder.
    CHECK(detail::lock_root("src/models/[entity].py") == "src/models/");
    CHECK(detail::lock_root("backend/src/[module]/services/") == "backend/src/");
    CHECK(detail::lock_root("src/pages/[slug].vue") == "src/pages/[slug].vue");
    CHECK(detail::lock_root("src/models/[userId].py") == "src/models/[userId].py");
  }

  TEST_CASE("lock conflicts: nested folders each hold what is inside them; a task is listed once") {
    auto g = graph_of("- [ ] T001 [P] Create src/\n- [ ] T002 [P] Create src/models/\n"
                      "- [ ] T003 [P] Edit src/models/a.py and src/models/b.py\n- [ ] T004 [P] Edit lib/z.py\n"
                      "- [ ] T005 [P] Edit src/models/c.py\n- [ ] T006 [P] Edit lib/y.py\n");
    const auto& c = g.lock_conflicts();
    REQUIRE(c.size() == 2);
    CHECK(c[0].path == "src/");
    CHECK(c[0].tasks == std::vector<int>{0});
    CHECK(c[0].inside == std::vector<int>{1, 2, 4});
    CHECK(c[1].path == "src/models/");
    CHECK(c[1].tasks == std::vector<int>{1});
    CHECK(c[1].inside == std::vector<int>{2, 4});
    // What is inside a folder does not exclude itself: T003 and T005 name different files.
    CHECK_FALSE(c[1].excludes(2, 4));
    CHECK(c[1].excludes(1, 4));
    CHECK(c[0].excludes(0, 2));
    int warned = 0;
    for (const Diagnostic& d : g.diagnostics()) warned += d.code == "parallel-shared-file";
    CHECK(warned == 2);  // one per folder, not one per pair
  }
}

TEST_SUITE("what is not a rule") {
  TEST_CASE("dependency prose inside a code block or a comment adds no edge, nor an arrow in code") {
    const std::string phases =
        "## Phase 1: Setup\n- [ ] T001 a\n"
        "## Phase 2: User Story 1\n- [ ] T002 [US1] b\n"
        "## Phase 3: User Story 2\n- [ ] T003 [US2] c\n- [ ] T004 [US2] d\n";
    // Words in a drawing, arrows in a block of code (a shell's `->`, a sequence diagram's
    // call), a comment: none is an order.
    auto g = graph_of(phases + "## Dependencies & Execution Order\n```text\nUS1 blocks US2\nT002 blocks T003\n```\n"
                               "```bash\necho 'Setup -> Foundation -> US1 -> US2'\necho 'T004 -> T001'\n```\n"
                               "```mermaid\nsequenceDiagram\n  T002->>T003: call\n```\n"
                               "<!-- T002 blocks T003 -->\n");
    CHECK(waits(g, "T003") == "T001");
    CHECK(waits(g, "T001").empty());
    for (const Edge& e : g.edges()) CHECK(e.reason.rule != EdgeRule::story_prose);
  }

  // A code block that names no language is a drawing, and files state orders there only
  // (VictorHugo1985/Escolastica 025: `T001 → T002 → T003 → T004, T006 (paralelo)`;
  // rolandzwaga/krate-audio: `Foundation → [US1 parallel with US4] → [US2 parallel with
  // US5] → US3 → US6`). Its arrows pointing right are read, cell by cell; what joins
  // columns or rows (`──`, `│`, `▼`) is not.
  TEST_CASE("a drawing's arrows that point right are orders, each column its own") {
    const std::string tasks =
        "## Phase 1\n- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n- [ ] T004 [P] d\n- [ ] T005 [P] e\n"
        "- [ ] T006 [P] f\n";
    {
      auto g = graph_of(tasks + "## Dependencies\n```\nT001 → T002, T003 (in parallel)\nT004 ─┬→ T005\n```\n");
      CHECK(waits(g, "T002") == "T001");
      CHECK(waits(g, "T003") == "T001");
      CHECK(waits(g, "T005") == "T004");
      CHECK(waits(g, "T006").empty());
    }
    // generacy 793: two stories side by side; `──` joins, it does not order.
    {
      auto g = graph_of(tasks + "## Dependencies & Execution Order\n```text\nPhase 1 (T001) ── T002 [P] ── T003 [P]\n"
                                "        │\n        ▼\nT004 → T005    T006 → T003\n```\n");
      CHECK(waits(g, "T002").empty());
      CHECK(waits(g, "T005") == "T004");
      CHECK(waits(g, "T006").empty());
      CHECK(waits(g, "T003") == "T006");
    }
    // Line-drawing arrows (`──►`, `─┼─→`, `-->`, `==>`) read as `→`; a run with a head
    // pointing elsewhere (`◄──`, `──▼`) orders nothing.
    for (const char* line : {"T001 ──► T002", "T001 ─┼─→ T002", "T001 --> T002", "T001 ==> T002", "T001 ─► T002 ──┤"}) {
      auto g = graph_of(tasks + "## Dependencies\n```ascii\n" + std::string(line) + "\n```\n");
      CHECK_MESSAGE(waits(g, "T002") == "T001", line);
    }
    for (const char* line : {"T001 ◄── T002", "T001 ──▼ T002", "T001 ←── T002", "T001 ── T002"}) {
      auto g = graph_of(tasks + "## Dependencies\n```\n" + std::string(line) + "\n```\n");
      CHECK_MESSAGE(waits(g, "T002").empty(), line);
      CHECK_MESSAGE(waits(g, "T001").empty(), line);
    }
    // Outside a dependency section a drawing is a picture, as prose there is.
    auto g = graph_of("## Architecture\n```\nT001 → T002\n```\n" + tasks);
    CHECK(waits(g, "T002").empty());
  }

  // (A flowchart in a ```text block is a drawing: its `T001 --> T002` is read as one.)
  TEST_CASE("a Mermaid diagram that is not a flowchart, or a flowchart outside a dependency section, adds no edge") {
    const std::string tasks = "## Phase 1\n- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n";
    for (const std::string& doc :
         {tasks + "## Dependencies\n```mermaid\nsequenceDiagram\n  T001->>T002: call\n```\n",
          tasks + "## Dependencies\n```mermaid\nstateDiagram-v2\n  T001 --> T002\n```\n",
          "## Architecture Map\n```mermaid\ngraph TD\n  T001 --> T002\n```\n" + tasks,
          tasks + "## Dependencies\n```mermaid\ngraph TD\n  T001 -.-> T002\n  T002 --- T003\n  T001 <--> T003\n```\n"}) {
      auto g = graph_of(doc);
      CHECK_MESSAGE(waits(g, "T002").empty(), doc);
      CHECK_MESSAGE(waits(g, "T003").empty(), doc);
    }
  }

  TEST_CASE("a checklist re-listing heading tasks makes no cycle and no edge") {
    auto g = build_graph(parse_tasks_md(
        "## Phase 1: Setup\n### LT001: A\n### LT002: B\n**Dependencies**: LT001\n"
        "## Validation Checklist\n- [ ] LT001: A validated\n- [ ] LT001-LT002: all validated\n"));
    REQUIRE_MESSAGE(g, (g ? "" : g.error().message));
    CHECK(g->task_count() == 2);
  }
}

// inakanou/ArchiTrack: what a Kiro item's `_Dependencies:_` says takes the place of the
// document's order between items; an item that says nothing follows the one before it.
TEST_CASE("graph: a numbered item's dependencies order its subtasks, in place of the items' order") {
  const TaskGraph g = test::graph_of(
      "- [ ] 1. Setup\n- [ ] 1.1 Model\n- [ ] 1.2 Keys\n"
      "- [ ] 2. Core\n  - _Dependencies: タスク1完了_\n- [ ] 2.1 JWT\n- [ ] 2.2 Passwords\n"
      "- [ ] 3. Roles\n  - _Dependencies: タスク2完了_\n- [ ] 3.1 Roles\n"
      "- [ ] 4. 2FA\n  - _Dependencies: タスク2完了_\n- [ ] 4.1 TOTP\n- [ ] 4.2 Codes\n"
      "- [ ] 5. Frontend\n  - _Dependencies: タスク6.1-6.2完了_\n- [ ] 5.1 Login page\n"
      "- [ ] 6. API\n  - _Dependencies: タスク2-4完了_\n- [ ] 6.1 Endpoints\n- [ ] 6.2 Middleware\n"
      "- [ ] 7. Docs\n- [ ] 7.1 Write the docs\n");
  const auto reaches = [&](const char* a, const char* b) {  // b waits, at some remove, for a
    std::vector<int> todo{index_of(g, a)};
    std::set<int> seen;
    while (!todo.empty()) {
      const int v = todo.back();
      todo.pop_back();
      if (v == index_of(g, b)) return true;
      for (int w : g.successors(v))
        if (seen.insert(w).second) todo.push_back(w);
    }
    return false;
  };
  CHECK(g.diagnostics().empty());
  CHECK(waits(g, "1.2") == "1.1");  // subtasks run in order
  CHECK(waits(g, "2.1") == "1.1,1.2");
  CHECK(waits(g, "2.2") == "1.1,1.2,2.1");
  // 3 and 4 both wait for 2 only: they run side by side.
  CHECK(waits(g, "3.1") == "2.1,2.2");
  CHECK(waits(g, "4.1") == "2.1,2.2");
  CHECK_FALSE(reaches("3.1", "4.2"));
  // The frontend waits for the API written after it, which waits for 2 through 4 whole.
  CHECK(waits(g, "5.1") == "6.1,6.2");
  CHECK(waits(g, "6.1") == "2.1,2.2,3.1,4.1,4.2");
  CHECK_FALSE(reaches("5.1", "6.1"));
  // An item that says nothing comes after those before it.
  CHECK(reaches("6.2", "7.1"));
  CHECK(reaches("5.1", "7.1"));
}

TEST_CASE("graph: a numbered item that waits for a later one moves that one up, as a task's reference does") {
  const TaskGraph g = test::graph_of(
      "- [ ] 1. Setup\n- [ ] 1.1 Model\n"
      "- [ ] 2. Frontend\n  - _Dependencies: タスク3完了_\n- [ ] 2.1 Page\n"
      "- [ ] 3. API\n- [ ] 3.1 Endpoint\n");
  CHECK(waits(g, "3.1") == "1.1");  // no longer after the frontend, which waits for it
  CHECK(waits(g, "2.1") == "3.1");
  REQUIRE(g.diagnostics().size() == 1);
  CHECK(g.diagnostics()[0].code == "explicit-order");
}

// The same for a sub-heading's dependency (`### Inline Rename (depends on T003)`): the
// task it names moves up to just before the group that waits for it; the rest keeps the
// document's order.
TEST_CASE("graph: a sub-heading that waits for a later task moves that one up, as a task's reference does") {
  const TaskGraph g = test::graph_of(
      "## Phase 1: Core\n### Models\n- [ ] T001 Model\n"
      "### Inline Rename (depends on T003)\n- [ ] T002 Rename\n"
      "### Parser\n- [ ] T003 Parser\n- [ ] T004 Lexer\n");
  CHECK(waits(g, "T002") == "T001,T003");
  CHECK(waits(g, "T003") == "T001");  // no longer after the rename, which waits for it; still after the models
  CHECK(waits(g, "T004") == "T002,T003");
  REQUIRE(g.diagnostics().size() == 1);
  CHECK(g.diagnostics()[0].code == "explicit-order");
}

// kundeng/windloop: every task after the first says what it waits for (`- **Depends**:
// T2` under `### T4: …`), so T3 and T4, which both wait for T2 only, run side by side.
TEST_CASE("graph: a file whose every task after the first says what it waits for states its whole order") {
  const std::string text =
      "# Tasks\n### T1: Scaffold\n- **Files**: `a.py`\n### T2: Models\n- **Depends**: T1\n"
      "### T3: Loader\n- **Depends**: T2\n### T4: Executor\n- **Depends**: T2\n"
      "### T5: CLI\n- **Depends**: T3, T4\n";
  const TaskGraph g = test::graph_of(text);
  CHECK(waits(g, "T3") == "T2");
  CHECK(waits(g, "T4") == "T2");  // not after T3 as well
  CHECK(waits(g, "T5") == "T3,T4");
  // One task that says nothing (T4) and the document's order holds again.
  const TaskGraph partly = test::graph_of(
      "# Tasks\n### T1: Scaffold\n### T2: Models\n- **Depends**: T1\n"
      "### T3: Loader\n- **Depends**: T2\n### T4: Executor\n### T5: CLI\n- **Depends**: T3, T4\n");
  CHECK(waits(partly, "T4") == "T3");
  // References to nothing in the file say no order: the document's holds.
  const TaskGraph unknown = test::graph_of(
      "# Tasks\n### T1: Scaffold\n### T2: Models\n- **Depends**: T9\n### T3: Loader\n- **Depends**: T8\n");
  CHECK(waits(unknown, "T3") == "T2");
  // justincranford/cryptoutil framework-v25: `**Dependencies**: None` says so too, and a
  // range whose en dash was saved as Windows-1252 text (`Tasks 1.1â€“1.3`) is a range.
  const TaskGraph none = test::graph_of(
      "# Tasks\n### Task 1.1: Migration\n### Task 1.2: Port\n- **Dependencies**: Task 1.1\n"
      "### Task 1.3: Configs\n- **Dependencies**: None\n### Task 1.4: Profiles\n- **依赖**：无\n"
      "### Task 1.5: Wire\n- **Dependencies**: Tasks 1.1\xC3\xA2\xE2\x82\xAC\xE2\x80\x9C" "1.4\n");
  CHECK(waits(none, "1.3").empty());
  CHECK(waits(none, "1.4").empty());
  CHECK(waits(none, "1.5") == "1.1,1.2,1.3,1.4");
  // AI-Substrate/wormhole: a table of tasks with boxes and a Dependencies column, whose
  // `–` says none; each row waited for the one above as well as for what it names.
  const TaskGraph table = test::graph_of(
      "| Status | ID | Task | Dependencies |\n|---|---|---|---|\n| [x] | T001 | a | \xE2\x80\x93 |\n"
      "| [x] | T002 | b | \xE2\x80\x93 |\n| [ ] | T003 | c | T001, T002 |\n| [ ] | T004 | d | T002 |\n"
      "| [ ] | T005 | e | - |\n| [ ] | T006 | f | T003 |\n");
  CHECK(waits(table, "T002").empty());
  CHECK(waits(table, "T004") == "T002");
  CHECK(waits(table, "T005").empty());
  CHECK(waits(table, "T006") == "T003");
  CHECK(std::none_of(table.diagnostics().begin(), table.diagnostics().end(),
                     [](const Diagnostic& d) { return d.code == "order-unstated"; }));
  // One row in ten says what flow cannot read (a typo): the whole table takes the
  // document's order, silently before; now that row is warned of, and it alone.
  std::string rows = "| Status | ID | Task | Dependencies |\n|---|---|---|---|\n| [ ] | T001 | a | - |\n";
  for (int i = 2; i <= 11; ++i)
    rows += fmt::format("| [ ] | T{:03} | t | {} |\n", i, i == 7 ? "T099" : fmt::format("T{:03}", i - 1));
  const TaskGraph typo = test::graph_of(rows);
  std::vector<int> lines;
  for (const Diagnostic& d : typo.diagnostics())
    if (d.code == "order-unstated") lines.push_back(d.line);
  CHECK(lines == std::vector<int>{9});
  CHECK(waits(typo, "T007") == "T006");  // the document's order
  // Not where a dependency section orders it, nor a task done; `(none)` says none.
  std::string stated = rows;
  stated.replace(stated.find("| T007 | t | T099 |"), 19, "| T007 | t | (none) |");
  const TaskGraph stated_g = test::graph_of(stated);
  CHECK(std::none_of(stated_g.diagnostics().begin(), stated_g.diagnostics().end(),
                     [](const Diagnostic& d) { return d.code == "order-unstated"; }));
  CHECK(waits(stated_g, "T007").empty());  // and the table states its whole order
  const TaskGraph ordered = test::graph_of(rows + "\n## Dependencies\n\n- T007 depends on T006\n");
  CHECK(std::none_of(ordered.diagnostics().begin(), ordered.diagnostics().end(),
                     [](const Diagnostic& d) { return d.code == "order-unstated"; }));
  std::string done = rows;
  done.replace(done.find("| [ ] | T007"), 12, "| [x] | T007");
  const TaskGraph done_g = test::graph_of(done);
  CHECK(std::none_of(done_g.diagnostics().begin(), done_g.diagnostics().end(),
                     [](const Diagnostic& d) { return d.code == "order-unstated"; }));
  // Two in ten: a file that states little, said nothing of.
  rows.replace(rows.find("| T004 | t | T003 |"), 19, "| T004 | t | soon |");
  const TaskGraph two = test::graph_of(rows);
  CHECK(std::none_of(two.diagnostics().begin(), two.diagnostics().end(),
                     [](const Diagnostic& d) { return d.code == "order-unstated"; }));
}

// sirnightowl/charades, wildcard/caro: `**Dependencies**: All previous tasks` on the last
// task of a file that states its every order. It was read as nothing (an order-unstated
// warning), and the file fell back to the document's order for every task.
TEST_CASE("a dependency field of all previous tasks waits for every task above") {
  const TaskGraph heads = test::graph_of(
      "## Phase 1\n### T001: a\n- **Dependencies**: None\n### T002: b\n- **Dependencies**: None\n"
      "## Phase 2\n### T003: c\n- **Dependencies**: T001\n### T004: d\n- **Dependencies**: All previous tasks in this phase\n"
      "### T005: e\n- **Dependencies**: All previous tasks complete\n");
  CHECK(waits(heads, "T002").empty());
  CHECK(waits(heads, "T004") == "T001,T002,T003");  // Phase 1 by the phases' order
  CHECK(waits(heads, "T005") == "T001,T002,T003,T004");
  CHECK(std::none_of(heads.diagnostics().begin(), heads.diagnostics().end(),
                     [](const Diagnostic& d) { return d.code == "order-unstated"; }));
  // Of its phase alone, where it says so.
  const Plan hp = parse_tasks_md(
      "## Phase 1\n### T001: a\n- **Dependencies**: None\n## Phase 2\n### T003: c\n- **Dependencies**: None\n"
      "### T004: d\n- **Dependencies**: All previous tasks in this phase\n");
  REQUIRE(hp.tasks.size() == 3);
  REQUIRE(hp.tasks[2].depends_on.size() == 1);
  CHECK(hp.tasks[2].depends_on[0].first == "T003");
  // The plan keeps where it was said.
  const Plan p = parse_tasks_md("### T001: a\n### T002: b\n- **Dependencies**: None\n### T003: c\n- **Dependencies**: *All of the above*\n");
  REQUIRE(p.tasks.size() == 3);
  REQUIRE(p.tasks[2].depends_on.size() == 2);
  CHECK(p.tasks[2].depends_on[0].origin == RefOrigin::all_before);
  CHECK(p.tasks[2].depends_on[0].line == 5);
  // In a table's Dependencies cell as well.
  const TaskGraph table = test::graph_of(
      "| Status | ID | Task | Dependencies |\n|---|---|---|---|\n| [ ] | T001 | a | - |\n| [ ] | T002 | b | - |\n"
      "| [ ] | T003 | c | All prior tasks |\n");
  CHECK(waits(table, "T003") == "T001,T002");
  // A file of many such fields is quadratic in references: past a budget (a million), the
  // rest are said once, and wait for the task above them alone (not for nothing).
  std::string many;
  for (int i = 1; i <= 1500; ++i) many += fmt::format("### T{:04}: t\n- **Dependencies**: All previous tasks\n", i);
  const Plan mp = parse_tasks_md(many);
  REQUIRE(mp.tasks.size() == 1500);
  CHECK(mp.tasks[1000].depends_on.size() == 1000);
  REQUIRE(mp.tasks[1499].depends_on.size() == 1);
  CHECK(mp.tasks[1499].depends_on[0].first == "T1499");
  CHECK(std::count_if(mp.diagnostics.begin(), mp.diagnostics.end(), [](const Diagnostic& d) { return d.code == "order-unread"; }) == 1);
  // A task above that names this one (a forward reference) keeps what it names: no cycle
  // (the file was refused). An ID declared again below is not one above.
  const TaskGraph forward = test::graph_of(
      "### T001: a\n### T002: b\n- **Dependencies**: T003\n### T003: c\n- **Dependencies**: All previous tasks\n");
  CHECK(waits(forward, "T003") == "T001");
  CHECK(waits(forward, "T002") == "T003");
  const Plan dup = parse_tasks_md("### T001: a\n### T002: b\n### T003: c\n- **Dependencies**: All previous tasks\n### T002: d\n");
  REQUIRE(dup.tasks.size() == 4);
  REQUIRE(dup.tasks[2].depends_on.size() == 1);
  CHECK(dup.tasks[2].depends_on[0].first == "T001");
  // As an item under the field, and in the words of a story or the current phase.
  const Plan item = parse_tasks_md("### T001 [P]: a\n### T002 [P]: b\n- **Dependencies**:\n  - All previous tasks\n");
  REQUIRE(item.tasks.size() == 2);
  REQUIRE(item.tasks[1].depends_on.size() == 1);
  CHECK(item.tasks[1].depends_on[0].origin == RefOrigin::all_before);
  for (const char* v : {"All of the above tasks", "All previous tasks in this story", "All previous tasks in the current phase"}) {
    CAPTURE(v);
    const Plan q = parse_tasks_md(std::string("### T001: a\n### T002: b\n- **Dependencies**: ") + v + "\n");
    REQUIRE(q.tasks.size() == 2);
    CHECK(q.tasks[1].depends_on.size() == 1);
  }
  // On the task's line, after a dependency key.
  const TaskGraph inline_g = test::graph_of(
      "- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c (depends on all previous tasks)\n"
      "- [ ] T004 [P] d [depends: all prior tasks]\n- [ ] T005 [P] e (after all previous tasks)\n"
      "- [ ] T006 [P] f, after all, is small\n");
  CHECK(waits(inline_g, "T003") == "T001,T002");
  CHECK(waits(inline_g, "T004") == "T001,T002,T003");
  CHECK(waits(inline_g, "T005") == "T001,T002,T003,T004");
  CHECK(waits(inline_g, "T006").empty());
  // Not other things all previous: phases, or tasks somewhere named.
  for (const char* other : {"All previous phases", "All previous tasks in Phase 2", "All prior tasks' tests pass"}) {
    CAPTURE(other);
    const Plan q = parse_tasks_md(std::string("### T001: a\n### T002: b\n- **Dependencies**: ") + other + "\n");
    REQUIRE(q.tasks.size() == 2);
    CHECK(std::none_of(q.tasks[1].depends_on.begin(), q.tasks[1].depends_on.end(),
                       [](const DepRef& d) { return d.origin == RefOrigin::all_before; }));
  }
}

// A task's own line that names a task waiting for it (`(do before T003)`, `(blocks T008)`,
// the Vietnamese `(Làm trước T005)`) was not read: the two could run together, or in
// the wrong order. Negations order nothing.
TEST_CASE("graph: a task's line that names a task after it orders the two") {
  const TaskGraph g = test::graph_of(
      "- [ ] T001 [P] Create `a.py` (do before T003)\n- [ ] T002 [P] Create `b.py` (blocks T004)\n"
      "- [ ] T003 [P] Create `c.py`\n- [ ] T004 [P] Create `d.py`\n"
      "- [ ] T005 [P] Create `e.py` (L\xC3\xA0m tr\xC6\xB0\xE1\xBB\x9B" "c T006)\n- [ ] T006 [P] Create `f.py`\n"
      "- [ ] T007 [P] Create `g.py` (not before T008)\n- [ ] T008 [P] Create `h.py` (before or after T007)\n"
      "- [ ] T009 [P] Validate `i.py` before saving\n");
  CHECK(waits(g, "T003") == "T001");
  CHECK(waits(g, "T004") == "T002");
  CHECK(waits(g, "T006") == "T005");
  CHECK(waits(g, "T007").empty());
  CHECK(waits(g, "T008").empty());
  CHECK(waits(g, "T009").empty());
}
