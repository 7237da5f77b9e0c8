// SPDX-License-Identifier: MIT
// The document model of a tasks.md: phases, groups, tasks, dependency statements and
// diagnostics, each tied to the lines and bytes it came from.
#pragma once

#include <flow/config.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// How a task's checkbox reads. `other` is any mark but space, x and X ([~], [-], [/]):
/// not pending, never run, reported.
enum class TaskState : std::uint8_t { pending, done, other };

/// How a task is written. `checkbox` tasks carry a mark flow writes back, and so do
/// headings (their steps' boxes, or a check mark ending the heading); the state of the
/// others lives only in flow's journal.
enum class TaskForm : std::uint8_t {
  checkbox,     ///< `- [ ] T001 …`
  heading,      ///< `### T001 — …`
  bold_item,    ///< a list item without a checkbox: `- **T001** — …`, or `- [P] [US1] T003 …`
                ///< where `[P]` stands in place of the box
  unnumbered,   ///< `- [ ] …` in a file with no IDs at all; the ID is made from the line
  paragraph,    ///< a paragraph that starts with an ID (`T001. …`, `**T002 [P]**: …`) in a
                ///< file with no task written otherwise
  status_row,   ///< a row of a table of tasks with a Status column and no checkbox
                ///< (`| T014 | Create … | ⏳ |`), read in a file that has no other place
                ///< for those tasks; its state is the Status cell (Task::status_offset)
};

/// What a phase is for, from its heading (and its tasks' story labels).
enum class PhaseKind { setup, foundational, user_story, polish, other };

enum class Severity { info, warning, error };

/// Where a dependency reference was written.
enum class RefOrigin {
  inline_depends,  ///< `(depends on T012, T013)`, `_(Depends on: T001)_`, `Depends: …`
  bracket_field,   ///< `[depends:T001,T002]` among the labels (or on a heading)
  after_prose,     ///< `… after T002 completes`
  field_line,      ///< a `**Dependencies**:` line in the task's body
  all_before,      ///< a dependency field that names every task above (`All previous tasks`)
};

/// One reference to a task (or a range of tasks) exactly as written. `last` equals
/// `first` for a single ID; for `T004-T015` they are the two ends. Ranges are expanded
/// by the graph, which knows the document's IDs.
struct DepRef {
  std::string first;
  std::string last;
  int line = 0;
  RefOrigin origin = RefOrigin::inline_depends;
};

/// A byte range of the source text.
struct Span {
  std::size_t offset = 0;
  std::size_t length = 0;
};

/// A file a task names, relative to the repository root ('/'-separated, normalized).
/// `absolute` paths are kept as written (the runtime relativizes them against the
/// repository root or rejects them); paths that escape the root never get here.
struct PathRef {
  std::string path;
  bool absolute = false;
  bool glob = false;  ///< contains `*`, `?` or `[`
  /// A bare name of a feature document (`data-model.md`, `spec.md`, `plan.md`,
  /// `research.md`, `quickstart.md`, `tasks.md`, `contracts/…`, `checklists/…`): when
  /// that document sits beside tasks.md it is that document. The parser does not know
  /// where tasks.md is; resolve_paths() decides.
  bool feature_doc = false;
  /// A bare name written as the place of the file ("… context at `CLAUDE.md`"): the file
  /// at the top, not another task's file of that name in a folder.
  bool placed = false;
};

/// One task. Identified by (line, id), never by id alone: IDs may repeat.
/// Thread safety: immutable once parsed.
struct Task {
  // Packed for large plans: the ID and its line share a cache line (duplicate checks
  // read both), then the strings and vectors, then the small scalars.
  std::string id;
  int line = 0;                       ///< 1-based line of the task's own line
  int story = 0;                      ///< n of `[USn]`; 0 when none or not numbered
  std::string description;            ///< text after the labels, with wrapped lines joined
  std::string story_label;            ///< the story label as written (`US1`, `US-001`, `US`)
  /// The other stories the task names, after its first (`[US1, US2]`, `[US1][US3]`,
  /// `[US1-US3]`): their labels, each once; empty when it names one or none.
  std::vector<std::string> other_stories;
  std::string priority;               ///< `P1` from a `[P1]` label, else empty
  std::vector<std::string> labels;    ///< other bracket labels, in order (`FR-001`, `Setup`)
  std::vector<PathRef> paths;         ///< files named; empty means unknown, not none
  std::vector<DepRef> depends_on;     ///< explicit references, as written
  /// A `### Task 3: …` heading's steps: the mark offsets of the ID-less checkboxes under
  /// it (`- [ ] **Step 1: …**`), its state (done when all are ticked), marked together.
  std::vector<std::size_t> step_marks;
  Span span;                          ///< the task's line, without its line ending
  std::size_t mark_offset = npos;     ///< byte offset of the mark inside `[ ]`; npos if none
  /// A heading task's check mark (`### T001 Create config ✅`), for one with neither a
  /// checkbox nor steps: where it starts, the spaces before it included, or where one
  /// would go (the end of the heading's text); npos for every other task.
  std::size_t check_offset = npos;
  std::size_t check_length = 0;       ///< the check mark's bytes; 0 when it has none
  /// A heading task's first Status field (`- **Status**: ❌ Not Started`), for one without
  /// a checkbox: the value's offset and bytes, where its state is read and written
  /// (`✅ Complete`) while its heading has neither a check mark nor steps, and kept in
  /// step with them when it has (written when it says the other state); npos if none.
  std::size_t status_offset = npos;
  std::size_t status_length = 0;
  int body_first = 0;                 ///< first line of the indented body, 0 when none
  int body_last = 0;                  ///< last line of the body (inclusive)
  int phase = 0;                      ///< index into Plan::phases
  int group = 0;                      ///< index into Plan::groups
  char mark = 0;                      ///< the mark byte (' ', 'x', 'X', '~' …); 0 if none
  TaskState state = TaskState::pending;
  TaskForm form = TaskForm::checkbox;
  bool parallel = false;              ///< `[P]` among the labels right after the ID
  /// Its dependency field says it has none (`**Dependencies**: None`, `依赖：无`): in a file
  /// whose every task after the first says what it waits for, it waits for nothing there.
  bool no_dependencies = false;

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  /// Whether its state is written in the file (a checkbox, a heading's steps, or the
  /// check mark ending a heading); if not, it is kept in flow's journal.
  [[nodiscard]] bool has_marks() const noexcept {
    return mark_offset != npos || !step_marks.empty() || check_offset != npos ||
           (form == TaskForm::status_row && status_offset != npos);
  }
  /// Whether one of its story labels is `label` (`US2` for `[US1, US2]`).
  [[nodiscard]] bool in_story(std::string_view label) const noexcept {
    if (label.empty()) return false;
    if (story_label == label) return true;
    for (const std::string& s : other_stories)
      if (s == label) return true;
    return false;
  }
};

/// A sub-heading inside a phase (`### Tests for User Story 1`); groups run in order.
/// Every phase has at least one group: an untitled one (line 0) for tasks before its
/// first sub-heading. A numbered item over its subtasks (`- [ ] 6. Frontend` over
/// `- [ ] 6.1 …`, Kiro's layout) is a group too.
struct Group {
  std::string title;
  int line = 0;
  int phase = 0;
  std::vector<DepRef> depends_on;     ///< `### Inline Rename (depends on T016)`
  /// `6` for the item `- [ ] 6. Frontend` over its subtasks 6.1, 6.2 …; empty for a
  /// sub-heading. A reference to 6 (`_Dependencies: タスク6完了_`, `2-5`) names the
  /// group's tasks, and the dependencies written under the item (`_Dependencies: 7.1-7.7_`)
  /// take the place of the order of the groups.
  std::string item_number;
  /// The item's own checkbox byte (`- [ ] 6. Frontend`): flow ticks it when the last of
  /// the group's tasks is marked done, and clears it when one of them is marked pending
  /// again, but only while the box said what the tasks did. Task::npos for a sub-heading.
  std::size_t mark_offset = Task::npos;
  char mark = 0;                      ///< the byte (' ', 'x', 'X' …); 0 without a box
};

/// A section that holds tasks (`## Phase 3: User Story 1 - Title (Priority: P1) 🎯 MVP`).
/// Tasks before any heading belong to an untitled phase at line 0.
struct Phase {
  std::string title;                  ///< heading text without the `#`s
  int line = 0;
  int level = 0;                      ///< heading level (2 for `##`); 0 when untitled
  PhaseKind kind = PhaseKind::other;
  std::string number;                 ///< `3`, `3.1`, `A`; empty when not numbered
  int story = 0;                      ///< user story number, 0 if none
  /// The story as task labels name it: `US1` for `User Story 1`, `AUTH-US1` for `User
  /// Story AUTH-US1` (a set of stories of its own); empty when `story` is 0.
  std::string story_label;
  std::string priority;               ///< `P1` from `(Priority: P1)` or `(P1)`
  std::vector<DepRef> depends_on;     ///< `## Sequential - Skill Update [depends:A]`
  std::vector<std::string> depends_on_groups;  ///< non-ID names such as `A` in the above
};

/// A line from a dependency section (`## Dependencies & Execution Order`, `### Critical
/// Path` …) that mentions a task ID or a user story. The graph interprets them.
struct Statement {
  int line = 0;
  std::string text;                   ///< the line without its bullet and indentation
  std::string section;                ///< the heading of the section it is in (its first
                                      ///< 200 bytes, cut at a character)
  bool in_code = false;               ///< inside a fenced code block
  int diagram = 0;                    ///< inside a Mermaid flowchart (```mermaid, then
                                      ///< `graph TD` or `flowchart LR`): the line of the
                                      ///< fence that opens it; 0 otherwise
  /// Inside a code block that names no language (```, ```text, ```ascii): a drawing,
  /// whose arrows pointing right are orders; not in a block of code (```bash, ```ts) or
  /// of another kind of Mermaid diagram (sequence, state).
  bool drawing = false;
};

/// A finding about the document. `code` is stable (`duplicate-id`, `unclosed-fence` …)
/// so tools can match on it; `message` is one lower-case line.
struct Diagnostic {
  Severity severity = Severity::warning;
  int line = 0;
  std::string code;
  std::string message;
};

/// Why a checkbox-like line is not executed.
enum class SkipReason {
  nested,        ///< indented under a task or list item (acceptance boxes, sub-tasks)
  no_id,         ///< top-level checkbox without an ID in a file that has IDs
  legend,        ///< `- [P] tasks = …`: a legend line that looks like a checkbox
  in_code,       ///< inside a fenced code block
  in_comment,    ///< inside an HTML comment
  other_mark,    ///< an ID'd task whose mark is neither space, x nor X (`[~]`)
  section,       ///< a heading or bold item that starts with an ID but has checkbox
                 ///< tasks under it: a section (phase or group) named by it, not a task
  mirror,        ///< re-lists tasks declared elsewhere: a range `T001-T006: …` whose
                 ///< ends are declared, or an ID declared in a stronger form (a
                 ///< heading over a checkbox over a bold item)
  note,          ///< a bold item whose bold runs on past the ID (`**T029 rewritten**`), or
                 ///< whose ID is of a kind that no checkbox or heading task has (`**ST-001**`
                 ///< in a file of `- [ ] T100` tasks)
  criterion,     ///< a checkbox named like the spec's requirements or success criteria
                 ///< (`FR-001`, `SC-002`, `AC-`, `CA-`, `CHK001`) in a file whose tasks
                 ///< have other IDs: a check to tick, not work to run
  checklist,     ///< in a file without IDs, a box under a checklist of outcomes ("Task
                 ///< Completion Checklist", "Success Metrics", "Definition of Done")
                 ///< outside the phases of work: a check to tick, not work to run
  step,          ///< a step of the `### Task 3: …` heading above it (`- [ ] **Step 1: …**`):
                 ///< ticked with that task, which is the unit of work
  progress,      ///< a box of a progress list that names a heading task (`- [x] Task 3: …`
                 ///< under `## Progress`): that task's state, ticked when it succeeds
};

/// A line that looks like a task but is not executed, and why.
struct Skipped {
  int line = 0;
  SkipReason reason = SkipReason::nested;
  std::string text;                   ///< the line, trimmed, at most 120 bytes
};

/// The parsed document. `tasks` are in document order.
/// Thread safety: immutable once parsed; share freely.
struct Plan {
  std::vector<Phase> phases;
  std::vector<Group> groups;
  std::vector<Task> tasks;
  std::vector<Statement> statements;
  std::vector<Diagnostic> diagnostics;
  std::vector<Skipped> skipped;
  int line_count = 0;
  bool crlf = false;                  ///< the first line ending is CRLF
  bool bom = false;                   ///< the text starts with a UTF-8 BOM
  char done_mark = 'X';               ///< the case the file uses most for done marks

  /// Number of diagnostics at `severity` or worse.
  [[nodiscard]] FLOW_API std::size_t count(Severity at_least) const noexcept;
  /// Index of the task declared on `line`, or -1.
  [[nodiscard]] FLOW_API int task_at_line(int line) const noexcept;
};

FLOW_API const char* to_string(TaskState state) noexcept;
FLOW_API const char* to_string(TaskForm form) noexcept;
FLOW_API const char* to_string(PhaseKind kind) noexcept;
FLOW_API const char* to_string(Severity severity) noexcept;
FLOW_API const char* to_string(RefOrigin origin) noexcept;
FLOW_API const char* to_string(SkipReason reason) noexcept;

FLOW_END_NAMESPACE
}  // namespace flow
