// SPDX-License-Identifier: MIT
// Whether an attempt's work is good: the gates (in order, in the attempt's directory),
// the coverage target, require-changes, test-first (a story's implementation waits for
// its tests, which must fail first) and the integration checks on the branch. It runs
// commands and says why not; the loop decides what a failure means. Internal.
#pragma once

#include <flow/graph.hpp>
#include <flow/run.hpp>
#include <flow/scheduler.hpp>

#include "runtime/hooks.hpp"
#include "runtime/journal.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace flow::detail {

/// The lines that matter from a command's output file: the last `max_lines` non-empty ones
/// (with `skip_json`, of those that are not a JSON object: an agent's stream events, in the
/// file they share with its stderr).
[[nodiscard]] std::string tail_lines(const std::string& path, std::size_t max_lines, bool skip_json = false);
/// The lines that matter in a failed check's output: compiler errors, failing tests,
/// tracebacks (at most 15), then the last few lines.
[[nodiscard]] std::string summarize_failure(const std::string& output);

/// Thread safety: one thread at a time (the loop's).
class Validation {
 public:
  /// `graph`: the run's plan (outlives *this). `workdir`: the work directory (with git
  /// isolation, the integration branch); `run_dir`: where outputs go.
  Validation(const RunOptions& options, const TaskGraph& graph, const RunCommands& commands, RunLog& log,
             RunReport& report, std::string workdir, std::string run_dir)
      : opt_(options), graph_(graph), commands_(commands), log_(log), report_(report), workdir_(std::move(workdir)),
        run_dir_(std::move(run_dir)) {}

  /// The gates and the coverage target, for attempt `attempt` of task `t`, in `dir`,
  /// outputs beside `base` (the attempt's log prefix), with the task's variables (`task_env`).
  /// The first failure's summary, or nullopt when all pass (or none is configured).
  [[nodiscard]] std::optional<std::string> gates(int t, int attempt, const std::string& base, const std::string& dir,
                                                 const std::function<std::vector<std::string>()>& task_env);

  /// testing.requireChanges: why an attempt whose agent exited 0 failed for changing
  /// nothing, or nullopt. `changed`: whether it changed anything, as its workspace
  /// tells (nullopt: cannot tell); `isolated`: the workspace is an isolated one.
  [[nodiscard]] std::optional<std::string> no_changes(int t, std::optional<bool> changed, bool isolated) const;

  /// testFirst: is `t` a test task (in a group whose title says "test", or naming only
  /// test files)?
  [[nodiscard]] bool is_test_task(int t) const;
  /// testFirst: holds each user-story phase's implementation tasks until its tests are done.
  void hold_implementations(Scheduler& sched);
  /// testFirst: stories still waiting for their tests.
  [[nodiscard]] bool test_first_pending() const { return !test_first_.empty(); }
  /// Once a story's test tasks are all done, the `tests` gate on the integrated result
  /// must fail (nothing implements them yet); then its implementation may start.
  /// Returns how many stories' implementations it released.
  /// `baseline_fails(phase, before, argv)`: whether the tests failed already on the
  /// branch as it was before the story's first test task landed.
  std::size_t check_test_first(Scheduler& sched,
                        const std::function<bool(int, const std::string&, const std::vector<std::string>&)>& baseline_fails);
  /// Task `t` landed on the branch, which was at `before` just before: the baseline of
  /// its story's tests, if it is the story's first test task to land.
  void landed(int t, const std::string& before);

  /// After task `t` landed (its phase now complete or not): the integration check, if
  /// asked for, with the tests gate on the branch `branch` at `head`.
  void integration_check(int t, bool phase_done, const std::string& head, const std::string& branch);

 private:
  const Task& task(int t) const { return graph_.plan().tasks[static_cast<std::size_t>(t)]; }
  const RunOptions& opt_;
  const TaskGraph& graph_;
  const RunCommands& commands_;
  RunLog& log_;
  RunReport& report_;
  std::string workdir_, run_dir_;
  struct TestFirst {
    int phase;
    std::vector<int> tests, implementation;
    std::string before;  // the branch's head before its first test task landed
  };
  std::vector<TestFirst> test_first_;  // stories whose implementation waits for their tests
};

}  // namespace flow::detail
