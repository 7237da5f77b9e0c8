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

int cmd_check(const std::vector<std::string>& args);
int cmd_plan(const std::vector<std::string>& args);
int cmd_simulate(const std::vector<std::string>& args);
int cmd_run(const std::vector<std::string>& args);
int cmd_status(const std::vector<std::string>& args);
int cmd_rollback(const std::vector<std::string>& args);
int cmd_serve(const std::vector<std::string>& args);

}  // namespace flow::cli
