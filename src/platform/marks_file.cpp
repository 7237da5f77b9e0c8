// SPDX-License-Identifier: MIT
// Marks set against the cached parse of the text flow last wrote; a parse only after an edit.
#include "platform/marks_file.hpp"

#include <flow/tasks_file.hpp>

#include <optional>
#include <utility>

namespace flow::detail {

MarksFile::MarksFile(std::string path, std::string text, Plan plan)
    : path_(std::move(path)), text_(std::move(text)), plan_(std::move(plan)) {}

Result<void> MarksFile::set(std::string_view plan_text, const Plan& plan, std::span<const MarkChange> changes) {
  auto current = read_file(path_);
  if (!current) return Unexpected{std::move(current).error()};
  // The file as somebody else left it: what the re-check before replacing compares with.
  std::optional<std::string> edited;
  if (!known_ || *current != text_) {
    edited = *current;
    text_ = std::move(*current);
    plan_ = parse_tasks_md(text_);
    ++parses_;
    known_ = true;
  }
  auto rebased = rebase_marks(plan_text, plan, text_, plan_, changes);
  if (!rebased) return Unexpected{std::move(rebased).error()};
  auto changed = set_marks_in_place(text_, plan_, *rebased);
  if (!changed) return Unexpected{std::move(changed).error()};
  if (*changed == 0) return {};
  known_ = false;  // text_ now holds marks the file does not have yet
  if (edited) {
    // An edit that lands while the parse and the rebase ran would otherwise be lost.
    // (A window remains between this read and the rename; the run lock keeps flow's own
    // writers out of it.) Without an edit, nothing slow ran since the read.
    auto again = read_file(path_);
    if (!again) return Unexpected{std::move(again).error()};
    if (*again != *edited) return make_error(Errc::conflict, "tasks.md is being edited; try again");
  }
  if (auto w = write_file_atomic(path_, text_); !w) return Unexpected{std::move(w).error()};
  known_ = true;
  ++writes_;
  return {};
}

}  // namespace flow::detail
