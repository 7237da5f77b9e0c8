// SPDX-License-Identifier: MIT
// The flow CLI's subcommands. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace flow::cli {

/// Exit codes shared by the subcommands (README, "Exit status"): 0 done; 1 the work is not
/// done (a task failed, was blocked or could not run; nothing to roll back); 2 nothing was
/// done: a usage or configuration error, an unreadable tasks.md, or one with errors (a
/// cycle, a NUL byte …) that every command refuses; 130 interrupted.
enum Exit : int { kOk = 0, kFailed = 1, kUsage = 2, kInterrupted = 130 };

struct Command;

/// Each subcommand's option table and function (cli/options.hpp), one per file.
const Command& run_command();
const Command& status_command();
const Command& rollback_command();
const Command& serve_command();
const Command& check_command();
const Command& plan_command();
const Command& simulate_command();
const Command& completion_command();
const Command& retry_command();

class Args;

/// What `flow retry` asks of a run of its own: these tasks (and what they block) again,
/// with the hint in their prompts.
struct RetryRequest {
  std::vector<std::string> ids;
  std::string hint;
};

/// `flow run` with `args` (run's options); with `retry`, only that retry.
int run_tasks(const Args& args, const RetryRequest* retry);

}  // namespace flow::cli
