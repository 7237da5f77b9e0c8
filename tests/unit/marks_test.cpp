// SPDX-License-Identifier: MIT
// Byte-exact write-back: round trips over the corpus and rebasing onto edited text.
#include <flow/tasks_md.hpp>

#include "core/tasks_md_internal.hpp"

#include "unit/support.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace flow;

namespace {

// Whether the task is under a numbered item whose box is ticked while one of its required
// tasks is open (SpaceWeirdos' item 2 over a second, open 2.5): marking them done puts the
// box in step with them, and marking them pending again then clears it, so that such a
// file does not come back as it was (the test "a numbered item's box follows its tasks").
bool under_ticked_open_item(const Plan& p, const Task& t) {
  const Group& g = p.groups[static_cast<std::size_t>(t.group)];
  if (g.mark_offset == Task::npos || g.mark == ' ') return false;
  return std::any_of(p.tasks.begin(), p.tasks.end(), [&](const Task& u) {
    return u.group == t.group && u.state == TaskState::pending &&
           std::find(u.labels.begin(), u.labels.end(), "optional") == u.labels.end();
  });
}

// How many numbered items' open boxes marking every pending task done ticks: those with
// a required task pending (any, when all are optional), all of which have boxes.
std::size_t items_ticked(const Plan& p, const std::string& text) {
  std::size_t n = 0;
  for (std::size_t g = 0; g < p.groups.size(); ++g) {
    if (p.groups[g].mark_offset == Task::npos || text[p.groups[g].mark_offset] != ' ') continue;
    const auto optional = [](const Task& t) {
      return std::find(t.labels.begin(), t.labels.end(), "optional") != t.labels.end();
    };
    const bool any_required = std::any_of(p.tasks.begin(), p.tasks.end(), [&](const Task& t) {
      return t.group == static_cast<int>(g) && !optional(t);
    });
    bool open = false, all_boxed = true;
    for (const Task& t : p.tasks)
      if (t.group == static_cast<int>(g) && (!any_required || !optional(t)) && t.state == TaskState::pending) {
        open = true;
        all_boxed = all_boxed && t.mark_offset != Task::npos;
      }
    n += open && all_boxed;
  }
  return n;
}

std::vector<MarkChange> all_changes(const Plan& p, TaskState from, bool done) {
  std::vector<MarkChange> out;
  for (const Task& t : p.tasks)
    if (t.state == from && t.mark_offset != Task::npos && !under_ticked_open_item(p, t)) out.push_back({t.line, t.id, done});
  return out;
}

// Where a parse says each task's marks are.
std::string offsets_of(const Plan& p) {
  std::string out;
  for (const Task& t : p.tasks) {
    out += std::to_string(t.span.offset) + "+" + std::to_string(t.span.length) + " m" + std::to_string(t.mark_offset) +
           " c" + std::to_string(t.check_offset) + "+" + std::to_string(t.check_length) + " f" +
           std::to_string(t.status_offset) + "+" + std::to_string(t.status_length) + " s";
    for (std::size_t at : t.step_marks) out += std::to_string(at) + ",";
    out += ";";
  }
  return out;
}

}  // namespace

TEST_CASE("marking one task changes exactly its mark byte") {
  const std::string text = "# T\r\n- [ ] T001 a   \r\n- [ ] T002 b";
  Plan p = parse_tasks_md(text);
  std::vector<MarkChange> c{{3, "T002", true}};
  auto out = set_marks(text, p, c);
  REQUIRE(out);
  CHECK(*out == "# T\r\n- [ ] T001 a   \r\n- [X] T002 b");
}

TEST_CASE("the file's own case is used") {
  const std::string text = "- [x] T001 a\n- [ ] T002 b\n";
  Plan p = parse_tasks_md(text);
  std::vector<MarkChange> c{{2, "T002", true}};
  CHECK(*set_marks(text, p, c) == "- [x] T001 a\n- [x] T002 b\n");
}

TEST_CASE("tasks are found by line and ID, never by the first occurrence of an ID") {
  const std::string text = "- [X] T044 first\n- [ ] T044 second\n";
  Plan p = parse_tasks_md(text);
  std::vector<MarkChange> c{{2, "T044", true}};
  CHECK(*set_marks(text, p, c) == "- [X] T044 first\n- [X] T044 second\n");
  std::vector<MarkChange> wrong{{1, "T045", true}};
  auto r = set_marks(text, p, wrong);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::not_found);
}

TEST_CASE("a task without a checkbox cannot be marked") {
  for (const std::string text : {"- **T001** — bold item task\n"}) {
    Plan p = parse_tasks_md(text);
    REQUIRE(p.tasks.size() == 1);
    CHECK_FALSE(p.tasks[0].has_marks());
    std::vector<MarkChange> c{{1, "T001", true}};
    auto r = set_marks(text, p, c);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::invalid_argument);
  }
}

// A heading task with neither a checkbox nor steps (`### T001 — …`, `### Task 3: …`)
// kept its state in flow's journal alone: a fresh clone, or a teammate's checkout, ran
// it again. Its state is now the check mark ending its heading, which the parser read
// already: flow writes " ✅" there, and takes it out (whatever mark it is) to undo.
TEST_CASE("a heading task is marked by a check mark ending its heading") {
  const std::string text =
      "## Phase 1\n\n### T001 — Create the model   \r\nBody.\n\n### T002: Settings ###\n\n- [ ] T003 a box after them\n"
      "### T004 Done already \xE2\x9C\x94\xEF\xB8\x8F\n### T005 Said done\n**Status**: COMPLETED\n";
  Plan p = parse_tasks_md(text);
  REQUIRE(p.tasks.size() == 5);
  for (int i : {0, 1, 3, 4}) CHECK(p.tasks[static_cast<std::size_t>(i)].has_marks());
  const std::vector<MarkChange> c{{3, "T001", true}, {6, "T002", true}, {8, "T003", true}};
  auto out = set_marks(text, p, c);
  REQUIRE(out);
  CHECK(*out ==
        "## Phase 1\n\n### T001 — Create the model \xE2\x9C\x85   \r\nBody.\n\n### T002: Settings \xE2\x9C\x85 ###\n\n"
        "- [X] T003 a box after them\n### T004 Done already \xE2\x9C\x94\xEF\xB8\x8F\n### T005 Said done\n"
        "**Status**: COMPLETED\n");
  const Plan marked = parse_tasks_md(*out);
  for (const Task& t : marked.tasks) CHECK(t.state == TaskState::done);
  CHECK(task_line_text(*out, marked.tasks[0]) == task_line_text(text, p.tasks[0]));  // the journal's line text
  // Undone: flow's marks and the user's ✔️ come out; a Status field says Pending.
  std::vector<MarkChange> back{{3, "T001", false}, {6, "T002", false}, {8, "T003", false}, {9, "T004", false},
                               {10, "T005", false}};
  auto undone = set_marks(*out, marked, back);
  REQUIRE(undone);
  CHECK(*undone ==
        "## Phase 1\n\n### T001 — Create the model   \r\nBody.\n\n### T002: Settings ###\n\n- [ ] T003 a box after them\n"
        "### T004 Done already\n### T005 Said done\n**Status**: Pending\n");
  for (const Task& t : parse_tasks_md(*undone).tasks) CHECK(t.state == TaskState::pending);
  // In place: the offsets after a heading follow it, so that the next marks need no parse.
  std::string live = text;
  Plan lp = parse_tasks_md(live);
  REQUIRE(set_marks_in_place(live, lp, std::span<const MarkChange>(c).first(2)));
  REQUIRE(set_marks_in_place(live, lp, std::span<const MarkChange>(c).subspan(2)));
  CHECK(live == *out);
  REQUIRE(set_marks_in_place(live, lp, back));
  CHECK(live == *undone);
}

// A heading task whose author keeps its state in a Status field (`- **Status**: ❌ Not
// Started` under `### Task 1.1: …`, cryptoutil's plans) got a ✅ on its heading and kept
// "Not Started" below it: the file said both. Its state is written where it is read.
static std::string status_text(const std::string& text, const Task& t) {
  return t.status_offset == Task::npos ? std::string("(none)") : text.substr(t.status_offset, t.status_length);
}

TEST_CASE("a heading task with a Status field is marked in the field") {
  const std::string text =
      "## Phase 1\n\n### Task 1.1: Add the migration\n\n- **Status**: \xE2\x9D\x8C Not Started\n- **Owner**: LLM Agent\n\n"
      "### Task 1.2: Port the package\n\n**Status:** **In Progress**  <!-- since Monday -->\r\n\n"
      "### Task 1.3: Port crypto \xE2\x9C\x85\n\n- **Status**: Not Started\n\n"
      "### Task 1.4: Port storage\n\n- **Status**: \xE2\x9C\x85 COMPLETE (2026-01-01)\n\n"
      "### Task 1.5: Port the CLI\n\n```\nStatus: sample output\n```\n"
      "### Task 1.6: Port the docs\n\nStatus: **Pending** (blocked)\n";
  Plan p = parse_tasks_md(text);
  REQUIRE(p.tasks.size() == 6);
  const auto value = [&](const Task& t) { return text.substr(t.status_offset, t.status_length); };
  CHECK(value(p.tasks[0]) == "\xE2\x9D\x8C Not Started");
  CHECK(value(p.tasks[1]) == "In Progress");
  CHECK(value(p.tasks[2]) == "Not Started");  // kept, but its heading's check mark holds its state
  CHECK(p.tasks[2].state == TaskState::done);
  CHECK(value(p.tasks[3]) == "\xE2\x9C\x85 COMPLETE (2026-01-01)");
  CHECK(p.tasks[3].state == TaskState::done);
  CHECK(p.tasks[4].status_offset == Task::npos);  // a fenced block's line is no field
  CHECK(p.tasks[5].status_offset == Task::npos);  // `**Pending** (blocked)`: a note, not a state alone
  const std::vector<MarkChange> c{{3, "1.1", true}, {8, "1.2", true}, {20, "1.5", true}};
  auto out = set_marks(text, p, c);
  REQUIRE(out);
  const std::string want =
      "## Phase 1\n\n### Task 1.1: Add the migration\n\n- **Status**: \xE2\x9C\x85 Complete\n- **Owner**: LLM Agent\n\n"
      "### Task 1.2: Port the package\n\n**Status:** **\xE2\x9C\x85 Complete**  <!-- since Monday -->\r\n\n"
      "### Task 1.3: Port crypto \xE2\x9C\x85\n\n- **Status**: Not Started\n\n"
      "### Task 1.4: Port storage\n\n- **Status**: \xE2\x9C\x85 COMPLETE (2026-01-01)\n\n"
      "### Task 1.5: Port the CLI \xE2\x9C\x85\n\n```\nStatus: sample output\n```\n"
      "### Task 1.6: Port the docs\n\nStatus: **Pending** (blocked)\n";
  CHECK(*out == want);
  const Plan marked = parse_tasks_md(*out);
  for (std::size_t i = 0; i < 5; ++i) CHECK(marked.tasks[i].state == TaskState::done);
  // In place, in two writes: the offsets after a field follow it.
  std::string live = text;
  Plan lp = parse_tasks_md(live);
  REQUIRE(set_marks_in_place(live, lp, std::span<const MarkChange>(c).first(1)));
  REQUIRE(set_marks_in_place(live, lp, std::span<const MarkChange>(c).subspan(1)));
  CHECK(live == want);
  CHECK(offsets_of(lp) == offsets_of(marked));
  // Undone, a field says Pending (what it said before is in git, where flow takes it back
  // from); the heading's check mark comes out.
  const std::vector<MarkChange> back{{3, "1.1", false}, {12, "1.3", false}, {20, "1.5", false}};
  REQUIRE(set_marks_in_place(live, lp, back));
  CHECK(live.find("- **Status**: Pending\n- **Owner**") != std::string::npos);
  CHECK(live.find("### Task 1.3: Port crypto\n\n- **Status**: Not Started\n") != std::string::npos);
  CHECK(live.find("### Task 1.5: Port the CLI\n") != std::string::npos);
  const Plan undone = parse_tasks_md(live);
  CHECK(offsets_of(lp) == offsets_of(undone));
  for (std::size_t i : {0u, 2u, 4u}) CHECK(undone.tasks[i].state == TaskState::pending);
  // A field in a quote (`> **Status**: Not Started`) was never read: a task said done there
  // ran again, and one that ran kept Not Started.
  const std::string quoted =
      "### Task 1: Schema\n\n> **Status**: \xE2\x9C\x85 Complete\n\n### Task 2: Models\n\n> - **Status**: Not Started\n"
      "> **Owner**: me\n";
  const Plan q = parse_tasks_md(quoted);
  REQUIRE(q.tasks.size() == 2);
  CHECK(q.tasks[0].state == TaskState::done);
  CHECK(q.tasks[1].state == TaskState::pending);
  CHECK(status_text(quoted, q.tasks[1]) == "Not Started");
  const auto marked_q = set_marks(quoted, q, std::vector<MarkChange>{{5, "2", true}});
  REQUIRE(marked_q);
  CHECK(*marked_q == "### Task 1: Schema\n\n> **Status**: \xE2\x9C\x85 Complete\n\n### Task 2: Models\n\n> - **Status**: "
                     "\xE2\x9C\x85 Complete\n> **Owner**: me\n");
}

// chenchiyuan/crypto_exchange_news_crawler keeps each heading task's state in a Chinese
// Status field (`**状态**: ✅ 已完成`): flow read none of them and would have run ten
// finished tasks again. The field is read, and written, in its own language.
TEST_CASE("a Status field in Chinese, Japanese, Korean or another language is read and written in it") {
  const std::string text =
      "### TASK-012-001: 创建计算器\n\n**状态**: \xE2\x9C\x85 已完成\n\n"
      "### TASK-012-002: 编写单元测试\n\n**状态**: 待完成\n\n"
      "### TASK-012-003: 端到端验证\n\n**状态**：进行中\n\n"                   // a full-width colon
      "### TASK-012-004: 設定\n\n- **ステータス**: 完了済み\n\n"
      "### TASK-012-005: 설정\n\n- **상태**: 대기\n\n"
      "### TASK-012-006: Config\n\n- **Estado**: Completado\n\n"
      "### TASK-012-007: Cache\n\n- **状态**: 未完成\n";
  Plan p = parse_tasks_md(text);
  REQUIRE(p.tasks.size() == 7);
  const std::vector<TaskState> want{TaskState::done,    TaskState::pending, TaskState::pending, TaskState::done,
                                    TaskState::pending, TaskState::done,    TaskState::pending};
  for (std::size_t i = 0; i < want.size(); ++i) CHECK_MESSAGE(p.tasks[i].state == want[i], p.tasks[i].id);
  // A done word whose word goes on says how far or when, not done.
  for (const char* value : {"完成度 50%", "完了予定（3月）", "완료 예정", "完成了", "Completados 3 de 5"}) {
    CAPTURE(value);
    const Plan q = parse_tasks_md(std::string("### TASK-1: a\n\n**状态**: ") + value + "\n");
    REQUIRE(q.tasks.size() == 1);
    CHECK(q.tasks[0].state == (std::string(value) == "完成了" ? TaskState::done : TaskState::pending));
  }
  CHECK(status_text(text, p.tasks[1]) == "待完成");
  CHECK(status_text(text, p.tasks[2]) == "进行中");
  CHECK(status_text(text, p.tasks[4]) == "대기");
  const std::vector<MarkChange> c{{5, "TASK-012-002", true}, {9, "TASK-012-003", true}, {17, "TASK-012-005", true},
                                  {25, "TASK-012-007", true}};
  auto out = set_marks(text, p, c);
  REQUIRE(out);
  CHECK(out->find("**状态**: \xE2\x9C\x85 已完成\n\n### TASK-012-003") != std::string::npos);
  CHECK(out->find("**状态**：\xE2\x9C\x85 已完成\n") != std::string::npos);
  CHECK(out->find("- **상태**: \xE2\x9C\x85 완료\n") != std::string::npos);
  CHECK(out->find("- **状态**: \xE2\x9C\x85 已完成\n", out->find("TASK-012-007")) != std::string::npos);  // was 未完成
  const Plan marked = parse_tasks_md(*out);
  for (const Task& t : marked.tasks) CHECK_MESSAGE(t.state == TaskState::done, t.id);
  // Undone: the Chinese field says 待完成 again.
  std::string live = *out;
  Plan lp = parse_tasks_md(live);
  REQUIRE(set_marks_in_place(live, lp, std::vector<MarkChange>{{5, "TASK-012-002", false}}));
  CHECK(live.find("**状态**: 待完成\n") != std::string::npos);
  CHECK(parse_tasks_md(live).tasks[1].state == TaskState::pending);
  // Spanish, Portuguese (the same label: its value says which), French, Italian, Russian:
  // done in its own language (it was `✅ Complete` in English), and pending again so.
  const std::string latin =
      "### T001: a\n\n**Estado**: Pendiente\n\n### T002: b\n\n**Estado**: Pendente\n\n"
      "### T003: c\n\n**Statut** : \xC3\x80 faire\n\n### T004: d\n\n**Stato**: Da fare\n\n"
      "### T005: e\n\n**\xD0\xA1\xD1\x82\xD0\xB0\xD1\x82\xD1\x83\xD1\x81**: \xD0\x92 \xD1\x80\xD0\xB0\xD0\xB1\xD0\xBE\xD1\x82\xD0\xB5\n";
  const Plan lat = parse_tasks_md(latin);
  REQUIRE(lat.tasks.size() == 5);
  std::vector<MarkChange> all;
  for (const Task& t : lat.tasks) all.push_back({t.line, t.id, true});
  auto done = set_marks(latin, lat, all);
  REQUIRE(done);
  CHECK(done->find("**Estado**: \xE2\x9C\x85 Completado\n") != std::string::npos);
  CHECK(done->find("**Estado**: \xE2\x9C\x85 Conclu\xC3\xAD" "do\n") != std::string::npos);
  CHECK(done->find("**Statut** : \xE2\x9C\x85 Termin\xC3\xA9\n") != std::string::npos);
  CHECK(done->find("**Stato**: \xE2\x9C\x85 Completato\n") != std::string::npos);
  CHECK(done->find("**: \xE2\x9C\x85 \xD0\x92\xD1\x8B\xD0\xBF\xD0\xBE\xD0\xBB\xD0\xBD\xD0\xB5\xD0\xBD\xD0\xBE\n") != std::string::npos);
  const Plan lat_done = parse_tasks_md(*done);
  for (const Task& t : lat_done.tasks) CHECK_MESSAGE(t.state == TaskState::done, t.id);
  for (MarkChange& m : all) m.done = false;
  auto undone = set_marks(*done, lat_done, all);
  REQUIRE(undone);
  CHECK(undone->find("**Estado**: Pendiente\n") != std::string::npos);
  CHECK(undone->find("**Estado**: Pendente\n") != std::string::npos);
  CHECK(undone->find("**Statut** : \xC3\x80 faire\n") != std::string::npos);
  CHECK(undone->find("**Stato**: Da fare\n") != std::string::npos);
  for (const Task& t : parse_tasks_md(*undone).tasks) CHECK_MESSAGE(t.state == TaskState::pending, t.id);
  // Under the English label, the value's language (`**Status**: Pendente` became
  // `✅ Complete`).
  for (const auto& [was, now] : {std::pair<std::string, std::string>{"Pendiente", "\xE2\x9C\x85 Completado"},
                                 {"Pendente", "\xE2\x9C\x85 Conclu\xC3\xAD" "do"},
                                 {"\xC3\x80 faire", "\xE2\x9C\x85 Termin\xC3\xA9"},
                                 {"Da fare", "\xE2\x9C\x85 Completato"},
                                 {"\xD0\x9D\xD0\xB5 \xD0\xBD\xD0\xB0\xD1\x87\xD0\xB0\xD1\x82\xD0\xBE",
                                  "\xE2\x9C\x85 \xD0\x92\xD1\x8B\xD0\xBF\xD0\xBE\xD0\xBB\xD0\xBD\xD0\xB5\xD0\xBD\xD0\xBE"},
                                 {"Not Started", "\xE2\x9C\x85 Complete"}}) {
    CAPTURE(was);
    const std::string one = "### T001: a\n- **Status**: " + was + "\n";
    const Plan op = parse_tasks_md(one);
    REQUIRE(op.tasks.size() == 1);
    const auto one_marked = set_marks(one, op, std::vector<MarkChange>{{1, "T001", true}});
    REQUIRE(one_marked);
    CHECK(*one_marked == "### T001: a\n- **Status**: " + now + "\n");
  }
  // Done in more of their words; a field that withdraws the task takes it out of the run
  // (`Cancelled` ran, as pending).
  for (const char* v : {"Finalizado", "Completo", "Completata", "Terminato"}) {
    CAPTURE(v);
    CHECK(parse_tasks_md(std::string("### T001: a\n- **Estado**: ") + v + "\n").tasks[0].state == TaskState::done);
  }
  for (const char* v : {"Cancelled", "\xE2\x9D\x8C SKIPPED", "Deferred (v2)", "Cancelado", "Annul\xC3\xA9",
                        "\xD0\x9E\xD1\x82\xD0\xBC\xD0\xB5\xD0\xBD\xD0\xB5\xD0\xBD\xD0\xBE"}) {
    CAPTURE(v);
    const Plan w = parse_tasks_md(std::string("### T001: a\n- **Status**: ") + v + "\n");
    REQUIRE(w.tasks.size() == 1);
    CHECK(w.tasks[0].state == TaskState::other);
  }
  for (const char* v : {"Pending (cancelled tests fixed)", "Not Started", "In Progress"}) {
    CAPTURE(v);
    CHECK(parse_tasks_md(std::string("### T001: a\n- **Status**: ") + v + "\n").tasks[0].state == TaskState::pending);
  }
}

// A heading task whose state is its steps or its heading's check mark, with a Status
// field beside them: the steps were ticked and the field kept "Not Started", and a ✅
// taken out left "✅ Complete" below it: the file said both. The field is written when it
// says the other state, and left as it is when it agrees.
TEST_CASE("a Status field beside steps or a check mark is kept in step with them") {
  const auto value = [](const std::string& s, const Task& t) {
    return t.status_offset == Task::npos ? std::string("(none)") : s.substr(t.status_offset, t.status_length);
  };
  // set_marks and set_marks_in_place (on `live` and `plan`, which it keeps) both write
  // `want`, the offsets kept in place are a parse's, and every task reads `state`.
  const auto check_marks = [](std::string& live, Plan& plan, const std::vector<MarkChange>& changes,
                              const std::string& want, TaskState state) {
    auto whole = set_marks(live, plan, changes);
    REQUIRE(whole);
    CHECK(*whole == want);
    REQUIRE(set_marks_in_place(live, plan, changes));
    CHECK(live == want);
    const Plan parsed = parse_tasks_md(want);
    CHECK(offsets_of(plan) == offsets_of(parsed));
    for (const Task& t : parsed.tasks) CHECK(t.state == state);
  };
  // Steps ticked under a field that said Not Started (above them: they move with it), or
  // Todo (below them); cleared, the field says Pending.
  std::string live =
      "## Phase 1\n\n### Task 1: Add the model\n\n- **Status**: \xE2\x9D\x8C Not Started\n\n"
      "- [ ] **Step 1: Write the test**\n- [ ] **Step 2: Write the code**\n\n"
      "### Task 2: Wire it\n\n- [ ] **Step 1: Route**\n\n**Status**: _Todo_ | **Owner**: me\n";
  Plan p = parse_tasks_md(live);
  REQUIRE(p.tasks.size() == 2);
  CHECK(p.tasks[0].step_marks.size() == 2);
  CHECK(value(live, p.tasks[0]) == "\xE2\x9D\x8C Not Started");
  CHECK(value(live, p.tasks[1]) == "Todo");
  check_marks(live, p, {{3, "1", true}, {10, "2", true}},
              "## Phase 1\n\n### Task 1: Add the model\n\n- **Status**: \xE2\x9C\x85 Complete\n\n"
              "- [X] **Step 1: Write the test**\n- [X] **Step 2: Write the code**\n\n"
              "### Task 2: Wire it\n\n- [X] **Step 1: Route**\n\n**Status**: _\xE2\x9C\x85 Complete_ | **Owner**: me\n",
              TaskState::done);
  check_marks(live, p, {{3, "1", false}, {10, "2", false}},
              "## Phase 1\n\n### Task 1: Add the model\n\n- **Status**: Pending\n\n"
              "- [ ] **Step 1: Write the test**\n- [ ] **Step 2: Write the code**\n\n"
              "### Task 2: Wire it\n\n- [ ] **Step 1: Route**\n\n**Status**: _Pending_ | **Owner**: me\n",
              TaskState::pending);

  // Steps the user ticked while flow ran the task, the field left Not Started: marked
  // done, the field says so too (it kept Not Started: the marks were what they were).
  live = "### Task 1: A\n- **Status**: \xE2\x9D\x8C Not Started\n- [x] **Step 1: Write**\n- [x] **Step 2: Test**\n";
  Plan ticked = parse_tasks_md(live);
  REQUIRE(ticked.tasks.size() == 1);
  CHECK(ticked.tasks[0].state == TaskState::done);
  check_marks(live, ticked, {{1, "1", true}},
              "### Task 1: A\n- **Status**: \xE2\x9C\x85 Complete\n- [x] **Step 1: Write**\n- [x] **Step 2: Test**\n",
              TaskState::done);
  auto again = set_marks_in_place(live, ticked, std::vector<MarkChange>{{1, "1", true}});
  REQUIRE(again);
  CHECK(*again == 0);  // nothing left to change

  // Unticked steps under a field that says done: done, and said so (flow wrote the field).
  const Plan warned = parse_tasks_md(
      "### Task 1: A\n- **Status**: \xE2\x9C\x85 Complete\n- [ ] **Step 1: Write**\n### Task 2: B\n"
      "- **Status**: 201 Created\n- [ ] **Step 1: Call**\n");
  REQUIRE(warned.tasks.size() == 2);
  CHECK(warned.tasks[0].state == TaskState::done);
  const auto said = std::find_if(warned.diagnostics.begin(), warned.diagnostics.end(),
                                 [](const Diagnostic& d) { return d.code == "status-over-steps"; });
  REQUIRE(said != warned.diagnostics.end());
  CHECK(said->line == 2);
  CHECK(said->message.find("task 1's Status field says done") != std::string::npos);
  CHECK(warned.tasks[1].status_offset == Task::npos);  // not a state: its steps alone are written

  // A check mark taken out: the field that said done says Pending, the one that said Not
  // Started is kept.
  live = "## Phase 1\n\n### T001 Docs \xE2\x9C\x85\n- **Status**: \xE2\x9C\x85 Complete\n\n"
         "### T002 Polish \xE2\x9C\x85\n- **Status**: Not Started\n";
  Plan cp = parse_tasks_md(live);
  REQUIRE(cp.tasks.size() == 2);
  CHECK(value(live, cp.tasks[0]) == "\xE2\x9C\x85 Complete");
  CHECK(cp.tasks[1].state == TaskState::done);  // its check mark; the field disagrees
  check_marks(live, cp, {{3, "T001", false}, {6, "T002", false}},
              "## Phase 1\n\n### T001 Docs\n- **Status**: Pending\n\n### T002 Polish\n- **Status**: Not Started\n",
              TaskState::pending);

  // A `## Progress` box that holds a heading task's state, far above its field.
  live = "# Plan\n\n## Progress\n- [ ] Task 1: A\n\n## Tasks\n\n### Task 1: A\n**Status**: Todo\n";
  Plan pp = parse_tasks_md(live);
  REQUIRE(pp.tasks.size() == 1);
  check_marks(live, pp, {{8, "1", true}},
              "# Plan\n\n## Progress\n- [X] Task 1: A\n\n## Tasks\n\n### Task 1: A\n**Status**: \xE2\x9C\x85 Complete\n",
              TaskState::done);
}

// What a review found the first version doing: the fields after the Status on its line
// erased (`| **Depends on**: T002` with them), bold left open (`**Status**:**Pending**`),
// a subtask's nested Status written instead of the task's own.
TEST_CASE("a Status field's value: up to the next field, its emphasis whole, the task's own") {
  const std::string text =
      "## Phase 1\n\n### T001 Config\n**Status**: Not Started | **Priority**: P1 | **Files**: `src/a.txt`\n\n"
      "### T002 Build\n- **Status**: Todo **Depends on**: T001\n\n"
      "### T003 Bold\n- **Status**:**Not Started**\n\n"
      "### T004 Underscore\n**Status:**_Pending_ \xC2\xB7 Owner: me\n\n"
      "### T005 Nested\n- Subtasks:\n  - **Status**: Not Started\n- **Status**: Todo\n\n"
      "### T006 Open bold\n- **Status**: **Not Started | **Owner**: me\n"
      "### T007 Endpoint\n- **Status**: 201 Created\n"
      "### T008 Infra\n**Status**: Not Started (blocked on infra, see #12)\n"
      "### T009 Review\n**Status**: Complete when the review is done\n"
      "### T010 Bare\n**Status**: \xE2\x8F\xB3 In progress\n";
  const Plan p = parse_tasks_md(text);
  REQUIRE(p.tasks.size() == 10);
  const auto value = [&](const Task& t) {
    return t.status_offset == Task::npos ? std::string("(none)") : text.substr(t.status_offset, t.status_length);
  };
  CHECK(value(p.tasks[0]) == "Not Started");
  CHECK(value(p.tasks[1]) == "Todo");
  CHECK(p.tasks[1].depends_on.size() == 1);
  CHECK(value(p.tasks[2]) == "Not Started");
  CHECK(value(p.tasks[3]) == "Pending");
  CHECK(value(p.tasks[4]) == "Todo");
  CHECK(value(p.tasks[5]) == "(none)");  // its bold opens and closes elsewhere: its heading is marked
  // Not a state alone (something else named Status, a note, a condition): not written over.
  CHECK(value(p.tasks[6]) == "(none)");
  CHECK(value(p.tasks[7]) == "(none)");
  CHECK(value(p.tasks[8]) == "(none)");
  CHECK(value(p.tasks[9]) == "\xE2\x8F\xB3 In progress");
  std::vector<MarkChange> all;
  for (const Task& t : p.tasks) all.push_back({t.line, t.id, true});
  auto out = set_marks(text, p, all);
  REQUIRE(out);
  CHECK(*out ==
        "## Phase 1\n\n### T001 Config\n**Status**: \xE2\x9C\x85 Complete | **Priority**: P1 | **Files**: `src/a.txt`\n\n"
        "### T002 Build\n- **Status**: \xE2\x9C\x85 Complete **Depends on**: T001\n\n"
        "### T003 Bold\n- **Status**:**\xE2\x9C\x85 Complete**\n\n"
        "### T004 Underscore\n**Status:**_\xE2\x9C\x85 Complete_ \xC2\xB7 Owner: me\n\n"
        "### T005 Nested\n- Subtasks:\n  - **Status**: Not Started\n- **Status**: \xE2\x9C\x85 Complete\n\n"
        "### T006 Open bold \xE2\x9C\x85\n- **Status**: **Not Started | **Owner**: me\n"
        "### T007 Endpoint \xE2\x9C\x85\n- **Status**: 201 Created\n"
        "### T008 Infra \xE2\x9C\x85\n**Status**: Not Started (blocked on infra, see #12)\n"
        "### T009 Review \xE2\x9C\x85\n**Status**: Complete when the review is done\n"
        "### T010 Bare\n**Status**: \xE2\x9C\x85 Complete\n");
  const Plan marked = parse_tasks_md(*out);
  for (const Task& t : marked.tasks) CHECK(t.state == TaskState::done);
  CHECK(marked.tasks[1].depends_on.size() == 1);
}

TEST_CASE("round trip over the corpus: done then pending restores the exact bytes") {
  std::size_t ticked = 0;
  for (const std::string& f : test::corpus_files()) {
    INFO(f);
    const std::string text = test::slurp(f);
    const Plan p = parse_tasks_md(text);
    const auto to_done = all_changes(p, TaskState::pending, true);
    auto marked = set_marks(text, p, to_done);
    REQUIRE(marked);
    REQUIRE(marked->size() == text.size());
    std::size_t diffs = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == (*marked)[i]) continue;
      ++diffs;
      CHECK(text[i] == ' ');
      CHECK((*marked)[i] == p.done_mark);
      CHECK(text[i - 1] == '[');
    }
    CHECK(diffs == to_done.size() + items_ticked(p, text));  // a numbered item's box with its last task
    ticked += items_ticked(p, text);
    const Plan p2 = parse_tasks_md(*marked);
    std::vector<MarkChange> back;
    for (const MarkChange& c : to_done) back.push_back({c.line, c.id, false});
    auto restored = set_marks(*marked, p2, back);
    REQUIRE(restored);
    CHECK(*restored == text);
  }
  CHECK(ticked >= 20);  // the corpus has open Kiro items (ArchiTrack's, mpm's): the test sees them
}

namespace {

// What of a parse marks can change: each task's mark byte and state, and the case used.
std::string marks_of(const Plan& p) {
  std::string out(1, p.done_mark);
  for (const Task& t : p.tasks) out += std::to_string(t.line) + t.id + t.mark + to_string(t.state) + ";";
  for (const Group& g : p.groups) out += std::to_string(g.line) + g.mark + ";";
  return out;
}

}  // namespace

TEST_CASE("marks set in place keep the plan the parse of the text, over the corpus, with no parse") {
  for (const std::string& f : test::corpus_files()) {
    INFO(f);
    const std::string original = test::slurp(f);
    std::string text = original;
    Plan p = parse_tasks_md(text);
    // Done, in two halves (the second half sees the first's marks), then back.
    const auto to_done = all_changes(p, TaskState::pending, true);
    const std::size_t half = to_done.size() / 2;
    const std::size_t items = items_ticked(p, text);
    auto first = set_marks_in_place(text, p, std::span<const MarkChange>(to_done).first(half));
    REQUIRE(first);
    CHECK(*first >= static_cast<int>(half));
    CHECK(*first <= static_cast<int>(half + items));
    auto second = set_marks_in_place(text, p, std::span<const MarkChange>(to_done).subspan(half));
    REQUIRE(second);
    CHECK(*first + *second == static_cast<int>(to_done.size() + items));
    CHECK(text == *set_marks(original, parse_tasks_md(original), to_done));  // the bytes set_marks writes
    CHECK(marks_of(p) == marks_of(parse_tasks_md(text)));
    std::vector<MarkChange> back;
    for (const MarkChange& c : to_done) back.push_back({c.line, c.id, false});
    REQUIRE(set_marks_in_place(text, p, back));
    CHECK(text == original);
    CHECK(marks_of(p) == marks_of(parse_tasks_md(text)));  // done_mark recounted as the parser counts
    CHECK(*set_marks_in_place(text, p, back) == 0);         // already so: nothing changes
  }
}


// Agents mark the headings they finished with words after the mark: read done, and never
// marked a second time; the check mark's text-style variant too.
TEST_CASE("a heading ending in a check mark and a done word is done") {
  for (const std::string title : {"Setup \xE2\x9C\x85 COMPLETE", "Setup \xE2\x9C\x85 **DONE**",
                                  "Setup \xE2\x9C\x85 Completed (2026-01-28)", "Setup \xE2\x9C\x94\xEF\xB8\x8E",
                                  "Setup \xE2\x9C\x85 done 2026-01-28"}) {
    INFO(title);
    const Plan p = parse_tasks_md("### T001 " + title + "\n");
    REQUIRE(p.tasks.size() == 1);
    CHECK(p.tasks[0].state == TaskState::done);
  }
  for (const std::string title : {"\xE2\x9C\x85 Add the form", "Setup \xE2\x9C\x85 Ready to start",
                                  "Setup \xE2\x9C\x85 done when it builds"}) {
    INFO(title);
    const Plan p = parse_tasks_md("### T001 " + title + "\n");
    REQUIRE(p.tasks.size() == 1);
    CHECK(p.tasks[0].state == TaskState::pending);
  }
}

// Every kind of mark at once (boxes, a Task heading's steps, headings' check marks and
// Status fields), over the corpus: what is marked reads done and nothing else changes;
// the offsets kept in place are a parse's; undone, the file is byte for byte what it was
// but for the Status fields, which say Pending.
TEST_CASE("every kind of mark over the corpus: in place or not, and back") {
  int headings = 0, fields = 0;
  for (const std::string& f : test::corpus_files()) {
    INFO(f);
    const std::string original = test::slurp(f);
    const Plan p0 = parse_tasks_md(original);
    std::vector<MarkChange> to_done;
    // (Undone, a heading's steps are all cleared: one whose steps are partly ticked would
    // not come back as it was, and is left out.)
    const auto partly = [&](const Task& t) {
      return std::any_of(t.step_marks.begin(), t.step_marks.end(), [&](std::size_t at) { return original[at] != ' '; });
    };
    for (const Task& t : p0.tasks)
      if (t.state == TaskState::pending && t.has_marks() && !partly(t) && !under_ticked_open_item(p0, t)) {
        to_done.push_back({t.line, t.id, true});
        headings += t.check_offset != Task::npos;
      }
    auto marked = set_marks(original, p0, to_done);
    REQUIRE(marked);
    const Plan p1 = parse_tasks_md(*marked);
    REQUIRE(p1.tasks.size() == p0.tasks.size());
    for (std::size_t i = 0; i < p0.tasks.size(); ++i) {
      CHECK(p1.tasks[i].id == p0.tasks[i].id);
      CHECK(p1.tasks[i].line == p0.tasks[i].line);
      CHECK(p1.tasks[i].depends_on.size() == p0.tasks[i].depends_on.size());
      CHECK(task_line_text(*marked, p1.tasks[i]) == task_line_text(original, p0.tasks[i]));
      const bool changed = std::any_of(to_done.begin(), to_done.end(), [&](const MarkChange& c) { return c.line == p0.tasks[i].line; });
      CHECK(p1.tasks[i].state == (changed ? TaskState::done : p0.tasks[i].state));
    }
    std::string text = original;
    Plan p = parse_tasks_md(text);
    const std::size_t half = to_done.size() / 2;
    REQUIRE(set_marks_in_place(text, p, std::span<const MarkChange>(to_done).first(half)));
    REQUIRE(set_marks_in_place(text, p, std::span<const MarkChange>(to_done).subspan(half)));
    CHECK(text == *marked);
    CHECK(offsets_of(p) == offsets_of(p1));
    std::vector<MarkChange> back;
    for (const MarkChange& c : to_done) back.push_back({c.line, c.id, false});
    std::string undone = original;
    std::vector<int> rows;  // the lines of the status rows set back
    for (auto t = p0.tasks.rbegin(); t != p0.tasks.rend(); ++t)
      if (t->status_offset != Task::npos && t->check_length == 0 && t->state == TaskState::pending && !partly(*t)) {
        if (t->form == TaskForm::status_row) rows.push_back(t->line);
        else undone.replace(t->status_offset, t->status_length, "Pending");
        ++fields;
      }
    auto restored = set_marks(*marked, p1, back);
    REQUIRE(restored);
    REQUIRE(set_marks_in_place(text, p, back));
    CHECK(text == *restored);
    // A status row's cell says its table's word for pending, which may not be the one it
    // said (`🔲 PENDING` becomes `Todo` where no row says pending any more): it reads
    // pending again, and every other line is as it was.
    const auto without_rows = [&](const std::string& s) {
      std::string out;
      int line = 1;
      for (std::size_t at = 0; at <= s.size(); ++line) {
        const std::size_t nl = std::min(s.find('\n', at), s.size());
        if (std::find(rows.begin(), rows.end(), line) == rows.end()) out.append(s, at, nl - at);
        out += '\n';
        at = nl + 1;
      }
      return out;
    };
    CHECK(without_rows(*restored) == without_rows(undone));
    const Plan p2 = parse_tasks_md(*restored);
    REQUIRE(p2.tasks.size() == p0.tasks.size());
    for (std::size_t i = 0; i < p0.tasks.size(); ++i) CHECK(p2.tasks[i].state == p0.tasks[i].state);
    CHECK(offsets_of(p) == offsets_of(p2));
  }
  CHECK(headings > 20);  // the corpus has heading tasks: the test sees them
  CHECK(fields >= 49);   // and tasks whose Status fields hold their state (cryptoutil's)
}

TEST_CASE("marks set in place: a bad change fails before anything changes") {
  std::string text = "- [ ] T001 a\n- [ ] T002 b\n";
  Plan p = parse_tasks_md(text);
  const std::vector<MarkChange> c{{1, "T001", true}, {2, "T009", true}};
  auto r = set_marks_in_place(text, p, c);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::not_found);
  CHECK(text == "- [ ] T001 a\n- [ ] T002 b\n");
  CHECK(p.tasks[0].state == TaskState::pending);
  CHECK(p.tasks[0].mark == ' ');
}

TEST_CASE("rebase: a line inserted above moves the task; an edited task line is refused") {
  const std::string old_text = "- [ ] T001 a\n- [ ] T002 b\n";
  const Plan old_plan = parse_tasks_md(old_text);
  std::vector<MarkChange> c{{2, "T002", true}};

  const std::string moved = "# Title added\n- [ ] T001 a\n- [ ] T002 b\n";
  auto r = rebase_marks(old_text, old_plan, moved, parse_tasks_md(moved), c);
  REQUIRE(r);
  CHECK((*r)[0].line == 3);

  const std::string edited = "- [ ] T001 a\n- [ ] T002 b, now different\n";
  auto e = rebase_marks(old_text, old_plan, edited, parse_tasks_md(edited), c);
  REQUIRE_FALSE(e);
  CHECK(e.error().code == Errc::conflict);
  CHECK(e.error().message.find("T002") != std::string::npos);

  const std::string twice = "- [ ] T002 b\n- [ ] T001 a\n- [ ] T002 b\n";
  CHECK_FALSE(rebase_marks(old_text, old_plan, twice, parse_tasks_md(twice), c));

  // Somebody marked another task meanwhile: same line text apart from marks, so it applies.
  const std::string other_marked = "- [x] T001 a\n- [ ] T002 b\n";
  auto m = rebase_marks(old_text, old_plan, other_marked, parse_tasks_md(other_marked), c);
  REQUIRE(m);
  CHECK((*m)[0].line == 2);
}

// An agent (or an editor) that trims trailing blanks in Markdown (markdownlint --fix,
// prettier) changed no task: the lines were "no longer what they were", and every task
// of the batch failed, finished work to be done again.
TEST_CASE("a task line that differs only in trailing blanks is the same line") {
  const std::string old_text = "- [ ] T001 a  \n- [ ] T002 b\t\n- [ ] T003 c\n";
  const Plan old_plan = parse_tasks_md(old_text);
  const std::string trimmed = "- [ ] T001 a\n- [ ] T002 b\n- [ ] T003 c  \n";
  const Plan now = parse_tasks_md(trimmed);
  std::vector<MarkChange> c{{1, "T001", true}, {2, "T002", true}, {3, "T003", true}};
  auto r = rebase_marks(old_text, old_plan, trimmed, now, c);
  REQUIRE(r);
  CHECK(r->size() == 3);
  CHECK(find_task_again(trimmed, now, "T001", 1, task_line_text(old_text, old_plan.tasks[0])) == 0);
  CHECK(find_task_again(trimmed, now, "T002", 2, task_line_text(old_text, old_plan.tasks[1])) == 1);
  // Blanks inside the line are words of the task, still.
  const std::string inner = "- [ ] T001  a\n- [ ] T002 b\n- [ ] T003 c\n";
  CHECK_FALSE(rebase_marks(old_text, old_plan, inner, parse_tasks_md(inner), c));
}

TEST_CASE("a task is found again by ID and line text wherever edits moved it") {
  const std::string before = "# T\n- [ ] T001 a\n- [ ] T002 b\n### T003 c\n";
  const Plan old_plan = parse_tasks_md(before);
  const std::string text2 = task_line_text(before, old_plan.tasks[1]);
  const std::string text3 = task_line_text(before, old_plan.tasks[2]);
  const std::string after = "Intro\n\n# T\n- [X] T001 a\n- [x] T002 b\n### T003 c\n";
  const Plan now = parse_tasks_md(after);
  CHECK(find_task_again(after, now, "T002", 3, text2) == 1);  // moved and marked meanwhile
  CHECK(find_task_again(after, now, "T003", 4, text3) == 2);  // no checkbox
  CHECK(find_task_again(after, now, "T002", 3, "- [ ] T002 changed") == -1);
  CHECK(find_task_again(after, now, "T002", 5, "") == 1);     // an old journal: (line, ID) only
  CHECK(find_task_again(after, now, "T002", 3, "") == -1);
  const std::string twice = "- [ ] T002 b\n- [ ] T002 b\n";
  CHECK(find_task_again(twice, parse_tasks_md(twice), "T002", 9, text2) == -1);  // ambiguous
}

// Kiro's numbered items over their subtasks: flow ticked the subtasks and left every item
// open. An item's box follows its required tasks (optional ones, `- [ ]* 1.3`, need not
// be done, unless all are), but only while it says what they do: a box the user ticked
// over an open task, or left open over finished ones, is theirs.
TEST_CASE("a numbered item's box follows its tasks") {
  const std::string text =
      "## Tasks\n\n"
      "- [ ] 1. Data layer\n"        // 3: open over an open task
      "- [x] 1.1 Model\n"
      "- [ ] 1.2 Keys\n"
      "- [ ]* 1.3 Property test\n"
      "- [x] 2. Service\n"           // 7: ticked over an open task (the user's)
      "- [ ] 2.1 JWT\n"
      "- [ ] 3. UI\n"                // 9: open over a finished task (the user's)
      "- [x] 3.1 Screen\n"
      "- [ ] 4. Checks\n"            // 11: only optional tasks
      "- [ ]* 4.1 Lint\n";
  const Plan p = parse_tasks_md(text);
  REQUIRE(p.tasks.size() == 6);
  REQUIRE(p.groups.size() == 4);
  CHECK(p.groups[0].mark_offset == text.find("- [ ] 1.") + 3);
  CHECK(p.groups[1].mark == 'x');
  // The box of the item whose line holds `item`.
  const auto box = [](const std::string& s, const char* item) { return s[s.rfind('\n', s.find(item)) + 4]; };
  const auto marked = [&](const std::string& s, std::vector<MarkChange> c) {
    auto r = set_marks(s, parse_tasks_md(s), c);
    REQUIRE(r);
    // In place, the same bytes, and the plan still the parse of the text.
    std::string in_place = s;
    Plan q = parse_tasks_md(in_place);
    REQUIRE(set_marks_in_place(in_place, q, c));
    CHECK(in_place == *r);
    const Plan again = parse_tasks_md(*r);
    for (std::size_t g = 0; g < q.groups.size(); ++g) {
      CHECK(q.groups[g].mark_offset == again.groups[g].mark_offset);
      CHECK(q.groups[g].mark == again.groups[g].mark);
    }
    return *r;
  };
  // The optional task alone finishes nothing; the last required one ticks the item.
  const std::string optional_done = marked(text, {{6, "1.3", true}});
  CHECK(box(optional_done, "1. Data") == ' ');
  const std::string one = marked(text, {{5, "1.2", true}});
  CHECK(one.size() == text.size());
  std::size_t diffs = 0;
  for (std::size_t i = 0; i < text.size(); ++i) diffs += text[i] != one[i];
  CHECK(diffs == 2);
  CHECK(box(one, "1. Data") == 'x');
  // Opened again: the box follows.
  CHECK(marked(one, {{5, "1.2", false}}) == text);
  // The user's boxes stay theirs, whatever the tasks do.
  CHECK(box(marked(text, {{8, "2.1", true}}), "2. Service") == 'x');
  CHECK(marked(text, {{10, "3.1", false}}) == [&] {
    std::string s = text;
    s[s.find("- [x] 3.1") + 3] = ' ';
    return s;
  }());
  CHECK(box(marked(text, {{10, "3.1", true}}), "3. UI") == ' ');
  // All optional: the last of them ticks it.
  CHECK(box(marked(text, {{12, "4.1", true}}), "4. Checks") == 'x');
  // A heading's check mark above moves the box's offset; in place, it follows.
  const std::string headed = "### T000 Setup\n\n" + text;
  const std::string both = marked(headed, {{1, "T000", true}, {7, "1.2", true}});
  CHECK(both.find("### T000 Setup \xE2\x9C\x85\n") == 0);
  CHECK(box(both, "1. Data") == 'x');
}

// Found by the parse fuzzer (CI, session 37): a heading task whose step box is a Kiro
// item's, under a group box. Setting its marks in two writes in place gave other bytes
// than one write.
TEST_CASE("heading marks in place, in two writes, give the bytes one write gives (fuzzer)") {
  const std::string text = "- [x] 1. a\n- [x] 1.3\n## Task 1.3";
  const Plan plan = parse_tasks_md(text);
  std::vector<MarkChange> headings;
  for (const Task& t : plan.tasks)
    if (t.mark_offset == Task::npos && t.has_marks() && t.state == TaskState::done) headings.push_back({t.line, t.id, false});
  REQUIRE(!headings.empty());
  const auto whole = set_marks(text, plan, headings);
  REQUIRE(whole);
  std::string live = text;
  Plan in_place = plan;
  REQUIRE(set_marks_in_place(live, in_place, std::span<const MarkChange>(headings).first(0)));
  INFO("after the empty write: " << live);
  REQUIRE(set_marks_in_place(live, in_place, std::span<const MarkChange>(headings)));
  CHECK(live == *whole);
}

// A row of a table of tasks without a checkbox column keeps its state in its Status cell:
// flow writes the table's own word for the state there (`✅`, `Done`), or `Done` and `Todo`.
// Every word flow writes in a Status cell reads back as the state it was written for:
// a row beside one that says the other word of its pair is marked in that pair's word.
TEST_CASE("each status word flow writes reads back as its state") {
  for (const detail::RowWords& w : detail::kRowWords) {
    const std::string done(w.done), pending(w.pending);
    INFO(done << " / " << pending);
    const std::string text = "| ID | Task | Status |\n|---|---|---|\n| T1 | a | " + pending + " |\n| T2 | b | " + done + " |\n";
    const Plan p = parse_tasks_md(text);
    REQUIRE(p.tasks.size() == 2);
    CHECK(p.tasks[0].form == TaskForm::status_row);
    CHECK(p.tasks[0].state == TaskState::pending);
    CHECK(p.tasks[1].state == TaskState::done);
    const auto both = set_marks(text, p, std::vector<MarkChange>{{3, "T1", true}});
    REQUIRE(both);
    CHECK(*both == "| ID | Task | Status |\n|---|---|---|\n| T1 | a | " + done + " |\n| T2 | b | " + done + " |\n");
    const Plan q = parse_tasks_md(*both);
    REQUIRE(q.tasks.size() == 2);
    CHECK(q.tasks[0].state == TaskState::done);
    const auto back = set_marks(*both, q, std::vector<MarkChange>{{4, "T2", false}});
    REQUIRE(back);
    const Plan r = parse_tasks_md(*back);
    REQUIRE(r.tasks.size() == 2);
    CHECK(r.tasks[1].state == TaskState::pending);
    const auto again = set_marks(*back, r, std::vector<MarkChange>{{4, "T2", true}});
    REQUIRE(again);
    CHECK(*again == *both);
  }
}

TEST_CASE("a status row is marked in its Status cell, in the table's own words") {
  const std::string text =
      "| ID | Task | Status |\n|---|---|---|\n| TASK-a | Write a | \xE2\x9C\x85 |\n| TASK-b | Write b | \xE2\x8F\xB3 |\n"
      "| TASK-c | Write c | Not started |\n| TASK-d | Write d |  |\n| TASK-e | Write e | In Progress |\n";
  const Plan p = parse_tasks_md(text);
  REQUIRE(p.tasks.size() == 5);
  const std::vector<MarkChange> done{{4, "TASK-b", true}, {5, "TASK-c", true}, {6, "TASK-d", true}};
  const auto whole = set_marks(text, p, done);
  REQUIRE(whole);
  CHECK(*whole ==
        "| ID | Task | Status |\n|---|---|---|\n| TASK-a | Write a | \xE2\x9C\x85 |\n| TASK-b | Write b | \xE2\x9C\x85 |\n"
        "| TASK-c | Write c | \xE2\x9C\x85 |\n| TASK-d | Write d | \xE2\x9C\x85 |\n| TASK-e | Write e | In Progress |\n");
  // In place, in two writes: the same bytes; the plan follows, and a parse reads the same.
  std::string live = text;
  Plan in_place = p;
  REQUIRE(set_marks_in_place(live, in_place, std::span<const MarkChange>(done).first(1)));
  REQUIRE(set_marks_in_place(live, in_place, std::span<const MarkChange>(done).subspan(1)));
  CHECK(live == *whole);
  const Plan again = parse_tasks_md(live);
  REQUIRE(again.tasks.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    INFO(again.tasks[i].id);
    CHECK(again.tasks[i].state == in_place.tasks[i].state);
    CHECK(again.tasks[i].status_offset == in_place.tasks[i].status_offset);
    CHECK(again.tasks[i].status_length == in_place.tasks[i].status_length);
  }
  CHECK(again.tasks[3].state == TaskState::done);
  // Back to pending: the table's word for it while a row still says it, else the pair of
  // its word for done (`✅` → `⏳`); a row someone holds (In Progress) is set pending too
  // when flow is asked to.
  const auto back = set_marks(live, again, std::vector<MarkChange>{{4, "TASK-b", false}, {7, "TASK-e", false}});
  REQUIRE(back);
  CHECK(back->find("| TASK-b | Write b | \xE2\x8F\xB3 |") != std::string::npos);
  CHECK(back->find("| TASK-e | Write e | \xE2\x8F\xB3 |") != std::string::npos);
  // Each table in its own words: `Todo` gives `Done` in one, beside a table of glyphs, and
  // a table that says no word flow knows takes the file's; a file of none, `Done`.
  const std::string two =
      "| ID | Task | Status |\n|---|---|---|\n| T1 | a | \xE2\x9C\x85 |\n| T2 | b | \xE2\x8F\xB3 |\n\n"
      "| ID | Task | Status |\n|---|---|---|\n| T3 | c | Todo |\n| T4 | d | Todo |\n\n"
      "| ID | Task | Status |\n|---|---|---|\n| T5 | e |  |\n| T6 | f |  |\n";
  const Plan tp = parse_tasks_md(two);
  REQUIRE(tp.tasks.size() == 6);
  const auto two_done = set_marks(two, tp, std::vector<MarkChange>{{4, "T2", true}, {8, "T3", true}, {13, "T5", true}});
  REQUIRE(two_done);
  CHECK(*two_done ==
        "| ID | Task | Status |\n|---|---|---|\n| T1 | a | \xE2\x9C\x85 |\n| T2 | b | \xE2\x9C\x85 |\n\n"
        "| ID | Task | Status |\n|---|---|---|\n| T3 | c | Done |\n| T4 | d | Todo |\n\n"
        "| ID | Task | Status |\n|---|---|---|\n| T5 | e | \xE2\x9C\x85 |\n| T6 | f |  |\n");
  // A mark and a word, as forgemaster's tables write them.
  const std::string marked_words = "| ID | Task | Status |\n|---|---|---|\n| T1 | a | \xE2\x9C\x85 DONE |\n"
                                   "| T2 | b | \xF0\x9F\x94\xB2 PENDING |\n";
  const auto t2_done = set_marks(marked_words, parse_tasks_md(marked_words), std::vector<MarkChange>{{4, "T2", true}});
  REQUIRE(t2_done);
  CHECK(t2_done->find("| T2 | b | \xE2\x9C\x85 DONE |") != std::string::npos);
  const auto t1_back = set_marks(*t2_done, parse_tasks_md(*t2_done), std::vector<MarkChange>{{3, "T1", false}});
  REQUIRE(t1_back);
  CHECK(t1_back->find("| T1 | a | \xE2\xAC\x9C PENDING |") != std::string::npos);
  const std::string bare = "| ID | Task | Status |\n|---|---|---|\n| T1 | a | |\n| T2 | b | |\n";
  CHECK(*set_marks(bare, parse_tasks_md(bare), std::vector<MarkChange>{{3, "T1", true}}) ==
        "| ID | Task | Status |\n|---|---|---|\n| T1 | a | Done |\n| T2 | b | |\n");
  // An aligned table stays aligned: the blanks after the value take up the difference.
  const std::string aligned = "| ID | Task | Status      | Notes |\n| -- | ---- | ----------- | ----- |\n"
                              "| T1 | a    | Not started | n1    |\n| T2 | b    | Done        | n2    |\n";
  CHECK(*set_marks(aligned, parse_tasks_md(aligned), std::vector<MarkChange>{{3, "T1", true}}) ==
        "| ID | Task | Status      | Notes |\n| -- | ---- | ----------- | ----- |\n"
        "| T1 | a    | Done        | n1    |\n| T2 | b    | Done        | n2    |\n");
  const auto kept = set_marks(text, p, std::vector<MarkChange>{{3, "TASK-a", false}});
  REQUIRE(kept);
  CHECK(kept->find("| TASK-a | Write a | \xE2\x8F\xB3 |") != std::string::npos);  // ⏳, as TASK-b's
  // Words: `Done` where the table says Done.
  const std::string words = "| ID | Task | Status |\n|---|---|---|\n| T1 | a | Done |\n| T2 | b | Todo |\n";
  const Plan w = parse_tasks_md(words);
  CHECK(*set_marks(words, w, std::vector<MarkChange>{{4, "T2", true}}) ==
        "| ID | Task | Status |\n|---|---|---|\n| T1 | a | Done |\n| T2 | b | Done |\n");
  // A changed cell is found changed, not overwritten.
  std::string edited = text;
  edited.replace(p.tasks[1].status_offset, p.tasks[1].status_length, "\xE2\x9C\x85");
  const auto refused = set_marks(edited, p, std::vector<MarkChange>{{4, "TASK-b", true}});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::conflict);
  // The line with its cell blanked is what finds the task again after its state changed.
  CHECK(task_line_text(text, p.tasks[1]) == task_line_text(*whole, again.tasks[1]));
  CHECK(find_task_again(*whole, again, "TASK-b", 4, task_line_text(text, p.tasks[1])) == 1);
}
