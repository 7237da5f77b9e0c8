// SPDX-License-Identifier: MIT
// What a task's prompt is told about the work finished before it in the run. Internal,
// pure: the run loop feeds it finished tasks and asks it, per prompt, for a bounded
// selection by relevance, so that a prompt does not grow with the run's length.
#pragma once

#include <flow/graph.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace flow::detail {

/// Why a finished task is shown to another task's agent, most relevant first.
enum class DoneReason {
  prerequisite,  ///< the task waits for it (a direct edge, not through a phase gate)
  same_file,     ///< it named a file (lock root) the task names
  same_story,    ///< the same user story (or, without one, the same phase)
};

/// The selection for one prompt. `shown` holds finished tasks, each once, grouped by
/// reason (prerequisites first) and most recent first within a reason.
struct DoneSelection {
  struct Item {
    int task = 0;
    DoneReason reason = DoneReason::prerequisite;
    const std::string* line = nullptr;  ///< the line DoneLog::add() was given; owned by the log
  };
  std::vector<Item> shown;
  /// Phase gates the task waits for: every task before it there is finished (names).
  std::vector<std::string> gates;
  int story_done = 0, story_total = 0;  ///< the task's story (or phase when it has none)
  int finished = 0;                     ///< tasks finished in the run so far
  int others = 0;                       ///< finished tasks not shown
};

/// Bounds of a selection; a line counts its bytes plus 3 ("- " and the newline).
struct DoneLimits {
  std::size_t max_lines = 24;
  std::size_t max_bytes = 4096;
};

/// Finished tasks of one run, indexed by file, story and phase. add() costs O(files of
/// the task); select() O(direct prerequisites + files × max_lines + max_lines): neither
/// depends on how many tasks finished before.
class DoneLog {
 public:
  explicit DoneLog(const TaskGraph& graph);

  /// `task` finished; `line` is what prompts show for it (ID, description, commit).
  void add(int task, std::string line);
  [[nodiscard]] int finished() const noexcept { return static_cast<int>(order_.size()); }
  [[nodiscard]] DoneSelection select(int task, const DoneLimits& limits = {}) const;
  [[nodiscard]] const TaskGraph& graph() const noexcept { return g_; }

 private:
  // The story of a task, or when it has none its phase, as one key.
  int scope_of(int task) const;

  const TaskGraph& g_;
  std::vector<int> order_;                       // finished tasks, in finish order
  std::vector<std::string> lines_;               // per task; empty until finished
  std::vector<char> done_;                       // per task
  std::unordered_map<std::string_view, std::vector<int>> by_file_;  // lock root -> finished tasks
  std::unordered_map<int, std::vector<int>> by_scope_;               // scope -> finished tasks
  std::unordered_map<int, int> scope_total_;                         // scope -> tasks in the plan
};

}  // namespace flow::detail
