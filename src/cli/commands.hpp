// SPDX-License-Identifier: MIT
// The flow CLI's subcommands. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace flow::cli {

/// Exit codes shared by the subcommands.
enum Exit : int { kOk = 0, kFailed = 1, kUsage = 2, kInterrupted = 130 };

int cmd_check(const std::vector<std::string>& args);
int cmd_plan(const std::vector<std::string>& args);
int cmd_simulate(const std::vector<std::string>& args);
int cmd_run(const std::vector<std::string>& args);
int cmd_status(const std::vector<std::string>& args);
int cmd_rollback(const std::vector<std::string>& args);

}  // namespace flow::cli
