// SPDX-License-Identifier: MIT
// Running a command to completion with argv (never a shell) and its output captured:
// for git, the validation checks and the Slurm commands. Internal.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace flow::detail {

/// How a command ended, with its stdout and stderr together.
struct Exec {
  int status = -1;  ///< exit code; -1 if it could not start or died by a signal
  std::string output;
  [[nodiscard]] bool ok() const noexcept { return status == 0; }
};

/// Runs argv in `cwd` to completion, stdin from /dev/null, output captured (clipped to
/// the last 1 MiB). `keep_fd`, when not -1, is inherited by the command (a lock it holds
/// as long as it runs, even if the caller dies meanwhile).
Exec exec(const std::vector<std::string>& argv, const std::string& cwd, const std::vector<std::string>& env = {},
          int keep_fd = -1);

/// The same with stdout alone captured, whole: for output that is data (a file's content
/// from git), which stderr's lines and exec()'s clipping would corrupt. stderr goes to
/// /dev/null. Output beyond `max_bytes` makes the result a failure (status -1, no output).
Exec exec_data(const std::vector<std::string>& argv, const std::string& cwd, std::size_t max_bytes,
               const std::vector<std::string>& env = {}, int keep_fd = -1);

}  // namespace flow::detail
