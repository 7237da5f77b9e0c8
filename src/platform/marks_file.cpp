// SPDX-License-Identifier: MIT
// Marks set against the cached parse of the text flow last wrote; a parse only after an edit.
#include "platform/marks_file.hpp"

#include <flow/tasks_file.hpp>

#include <utility>

namespace flow::detail {

MarksFile::MarksFile(std::string path, std::string text, Plan plan)
    : path_(std::move(path)), text_(std::move(text)), plan_(std::move(plan)) {}

Result<void> MarksFile::set(std::string_view plan_text, const Plan& plan, std::span<const MarkChange> changes) {
  // An edit saved while the marks are written (read, rebase, write, flush) is caught just
  // before the rename and the marks are set again on it: a few tries, for an editor that
  // saves often; one that saves without pause gets Errc::conflict, and nothing is lost.
  constexpr int kTries = 5;
  for (int attempt = 1;; ++attempt) {
    auto current = read_file(path_);
    if (!current) return Unexpected{std::move(current).error()};
    if (!known_ || *current != text_) {
      text_ = *current;
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
    auto w = write_file_if_unchanged(path_, text_, *current);
    if (!w && w.error().code == Errc::conflict && attempt < kTries) continue;
    if (!w) {
      if (w.error().code == Errc::conflict) return make_error(Errc::conflict, "tasks.md is being edited; try again");
      return Unexpected{std::move(w).error()};
    }
    known_ = true;
    ++writes_;
    return {};
  }
}

}  // namespace flow::detail
