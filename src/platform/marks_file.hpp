// SPDX-License-Identifier: MIT
// tasks.md as flow last wrote it, kept with its parse, so that marking tasks during a run
// costs no parse: a mark changes one byte, so the parse stays valid. Internal.
#pragma once

#include <flow/error.hpp>
#include <flow/plan.hpp>
#include <flow/tasks_md.hpp>

#include <span>
#include <string>
#include <string_view>

namespace flow::detail {

/// write_file_atomic(), unless the file no longer holds `expect` when the new text is
/// ready (read just before the rename): then nothing changes, Errc::conflict.
[[nodiscard]] Result<void> write_file_if_unchanged(const std::string& path, std::string_view data,
                                                   const std::string& expect);

/// The marks of one tasks.md, set by one writer (flow's run lock ensures it).
class MarksFile {
 public:
  /// `text` is what flow believes the file at `path` holds, `plan` its parse. If the file
  /// holds something else, the first set() reads and parses it.
  MarksFile(std::string path, std::string text, Plan plan);

  /// Sets marks and replaces the file atomically (write_file_atomic). `changes` name tasks
  /// of `plan`, parsed from `plan_text` (the run's plan): they are found again in the file
  /// by ID and line text (rebase_marks). The file is parsed only when it is not what this
  /// object last wrote or read (somebody edited it); then the edit is kept, and a task
  /// whose line is gone or changed fails the whole call with Errc::conflict, writing
  /// nothing. Nothing is written when every mark is already set.
  [[nodiscard]] Result<void> set(std::string_view plan_text, const Plan& plan, std::span<const MarkChange> changes);

  /// The file's text as last written or read, and its parse.
  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  [[nodiscard]] const Plan& plan() const noexcept { return plan_; }
  /// How often set() parsed the file (its cost grows with the file) and replaced it.
  [[nodiscard]] int parses() const noexcept { return parses_; }
  [[nodiscard]] int writes() const noexcept { return writes_; }

 private:
  std::string path_;
  std::string text_;
  Plan plan_;
  bool known_ = true;  // false while text_ may differ from the file (a write failed)
  int parses_ = 0;
  int writes_ = 0;
};

}  // namespace flow::detail
