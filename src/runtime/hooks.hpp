// SPDX-License-Identifier: MIT
// The run's own commands: hooks (pre-implement, task-complete, post-implement) and the
// commands validation runs (gates, checks), each to its end with the per-task timeout,
// its output in a file. Internal.
#pragma once

#include "runtime/journal.hpp"

#include <atomic>
#include <string>
#include <vector>

namespace flow::detail {

/// How the run's own commands run. Thread safety: one thread at a time.
struct RunCommands {
  double timeout = 0;     ///< seconds per command; 0: none
  double kill_grace = 5;  ///< seconds between SIGTERM and SIGKILL after a timeout
  std::string run_id;     ///< FLOW_RUN_ID
  std::string tasks_path; ///< FLOW_TASKS_MD
  /// The run's count of stop requests (Ctrl-C, SIGTERM): at 2 (the second Ctrl-C, or
  /// SIGTERM), a command running is stopped as a task's agent is (SIGTERM to its process
  /// group, SIGKILL `kill_grace` later) and counts as failed. Null: none.
  const std::atomic<int>* interrupt = nullptr;

  /// Runs `argv` in `dir` to completion, stdout and stderr to `out` (the values of flow's
  /// secret-named environment variables masked once it ended), with `env` and the run's
  /// FLOW_* variables; its exit status, or -1 if it did not start or died by a signal.
  /// `how`, when given, says how it ended in words: "exit 3", "timed out after 30 s",
  /// "stopped: the run was interrupted", "killed by signal 9", "could not start: …".
  int run(const std::vector<std::string>& argv, const std::string& dir, const std::string& out,
          std::vector<std::string> env, std::string* how = nullptr) const;
};

/// Runs hook `name` (`argv`) in `workdir`, its output in `run_dir`/hook-<name>[-<task>].out,
/// journaled and shown; for a task's hook (`t` >= 0) with that task's variables `env`.
/// Returns its exit status (or -1).
int run_hook(const RunCommands& commands, RunLog& log, const std::string& workdir, const std::string& run_dir,
             const std::string& name, const std::vector<std::string>& argv, int t, const std::string& task_id,
             std::vector<std::string> env);

}  // namespace flow::detail
