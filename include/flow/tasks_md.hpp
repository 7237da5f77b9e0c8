// SPDX-License-Identifier: MIT
// Reading tasks.md into a Plan, and changing task marks byte-exactly. Pure: no I/O.
#pragma once

#include <flow/config.hpp>
#include <flow/error.hpp>
#include <flow/plan.hpp>

#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// Parses tasks.md text into a Plan by the rules in FORMAT.md ("flow's rules").
/// Total: any byte sequence yields a Plan. Problems (a NUL byte, invalid UTF-8, an
/// unclosed code fence, a duplicate ID, a line over 1 MiB …) become diagnostics, never
/// exceptions, and the time taken is linear in the size of `text`.
/// Pure and reentrant; `text` need not outlive the result.
/// @code
///   flow::Plan plan = flow::parse_tasks_md(text);
///   for (const flow::Task& t : plan.tasks) fmt::print("{} {}\n", t.id, t.description);
/// @endcode
[[nodiscard]] FLOW_API Plan parse_tasks_md(std::string_view text);

/// Facts about where a tasks.md sits, gathered by the runtime for resolve_paths().
struct PathContext {
  std::string root;         ///< the repository root, absolute, without a trailing '/'
  std::string feature_dir;  ///< tasks.md's folder relative to `root`; empty at the root
  /// Whether a file exists, given its path relative to `root`. Asked about feature
  /// documents beside tasks.md and about the first name of an absolute path (below).
  /// Unset: none exists.
  std::function<bool(std::string_view)> exists;
};

/// Makes every task's paths what flow hands out (prompts, FLOW_TASK_FILES, locks):
/// relative to the repository root, never absolute, never outside it. An absolute path
/// under `root` becomes relative, and so does one (or a `~/…` or `C:/…` one) that passes
/// through a folder named as `root`'s last name (`/Users/ann/src/acme/lib/a.py` is
/// `lib/a.py` in `/home/bob/acme`: the plan was written on another machine), and so does a
/// file's path written from the root (`/packages/db/package.json`) whose first name exists
/// there and is no system folder's (`/etc`, `/tmp`, `/home` …), and so does one under the
/// author's checkout named otherwise (`/workspaces/other-name/…`: a folder two or more names
/// deep, not a system's, under which two files the plan names, in a folder, exist; one is
/// enough where the plan writes no file by a relative path); any other absolute path is
/// dropped with a `path-outside-repo` warning (a route such as `/login`, without a file's
/// extension, silently). A bare feature-document name (PathRef::feature_doc)
/// that exists beside tasks.md becomes that document (`specs/001-x/data-model.md`).
/// Pure apart from calling `ctx.exists`.
FLOW_API void resolve_paths(Plan& plan, const PathContext& ctx);

/// One requested mark: the task declared on `line` with `id` becomes done or pending.
struct MarkChange {
  int line = 0;
  std::string id;
  bool done = true;
};

/// Returns `text` with the marks of the named tasks set, each change touching exactly
/// that task's mark: the one byte inside its brackets (in `plan.done_mark`'s case), a
/// `### Task 3:` heading's steps' bytes, a heading task's Status field's value (written
/// `✅ Complete`, or `Pending` to undo) or else the check mark ending its heading (` ✅`
/// written, any taken out). `plan` must be the parse of `text`. A change that names no
/// task at (line, id) fails with Errc::not_found, one with no mark with
/// Errc::invalid_argument, and nothing is changed. Setting a mark to what it already is
/// changes nothing but a heading task's Status field beside its marks that says the other
/// state (steps ticked by hand under `❌ Not Started`). A numbered item's box
/// (Group::mark_offset) follows its tasks: ticked when the changes leave none of its
/// required tasks pending, cleared when they make one pending again, and only if it said
/// what they did before.
[[nodiscard]] FLOW_API Result<std::string> set_marks(std::string_view text, const Plan& plan,
                                                     std::span<const MarkChange> changes);

/// set_marks, in place and keeping `plan` the parse of `text`: each changed task's mark
/// and state (and `plan.done_mark`, and an item's Group::mark) follow, and the offsets after a heading's check mark
/// or a Status field that changed length move with it, so that further marks need no
/// parse (`skipped` and `diagnostics` are left as they were). Returns how many marks changed. On failure (the errors of
/// set_marks) neither `text` nor `plan` changes.
[[nodiscard]] FLOW_API Result<int> set_marks_in_place(std::string& text, Plan& plan,
                                                      std::span<const MarkChange> changes);

/// Maps changes made against `old_text` onto `new_text`, a later version of the same file
/// (somebody edited it meanwhile). A task is found again by its ID and its line's text
/// (the mark aside): at the same line number if it is still there, else the single
/// task with that ID and text. Fails with Errc::conflict, naming the task, when the
/// line is gone, changed, or ambiguous.
[[nodiscard]] FLOW_API Result<std::vector<MarkChange>> rebase_marks(
    std::string_view old_text, const Plan& old_plan, std::string_view new_text,
    const Plan& new_plan, std::span<const MarkChange> changes);

/// The text of `task`'s own line in `text` (the text `plan` was parsed from) with its mark
/// byte blanked: what identifies the task across edits and runs, whatever its mark.
[[nodiscard]] FLOW_API std::string task_line_text(std::string_view text, const Task& task);

/// Finds a task again in `plan` (parsed from `text`), for instance one a journal names
/// from an earlier run: the task with `id` at `line` if its line text (task_line_text)
/// is `line_text`, else the single task with that ID and line text anywhere. An empty
/// `line_text` (an old journal) trusts (line, ID) alone. -1 when it is gone, changed, or
/// ambiguous.
[[nodiscard]] FLOW_API int find_task_again(std::string_view text, const Plan& plan, std::string_view id, int line,
                                           std::string_view line_text);

FLOW_END_NAMESPACE
}  // namespace flow
