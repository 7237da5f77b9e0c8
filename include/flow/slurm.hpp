// SPDX-License-Identifier: MIT
// The Slurm runner: each task attempt is one Slurm batch job on a cluster.
#pragma once

#include <flow/config.hpp>
#include <flow/runner.hpp>

#include <memory>
#include <string>
#include <vector>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// Where and how attempts are submitted to Slurm (the `runner:` settings of
/// `.flow/config.yaml`: partition, account, timeLimit, sbatchArgs).
struct SlurmOptions {
  std::string partition;              ///< sbatch --partition; empty: the cluster's default
  std::string account;                ///< sbatch --account; empty: the user's default
  std::string time_limit;             ///< sbatch --time, in Slurm's format ("30", "1:00:00"); empty: the partition's
  std::vector<std::string> sbatch_args;  ///< more sbatch options, as argv (never a shell)
  /// Where flow writes each attempt's job files (its argv, environment and paths, and the
  /// job script that reads them). Must be on the filesystem the nodes share with flow.
  /// Empty: a `slurm/` folder beside each attempt's stdout log (under `.flow/runs/`).
  std::string spool_dir;
  double poll_interval = 0.5;         ///< seconds between two looks at the queue (squeue)
  /// Seconds a cancelled job may take to leave the queue before cancel_all() gives up on it.
  double cancel_wait = 20;
};

/// The Slurm runner: each Launch becomes one batch job, submitted with `sbatch
/// --parsable --no-requeue`, whose script runs the program only once Launch::on_started
/// has recorded the job (Started::container is "slurm:<job id>", Started::pgid 0) and flow
/// has written a `go` file beside its job files (a job without one gives up after a
/// minute). The job is followed with squeue and `scontrol show job`, and through the
/// shared filesystem: a `status` file the script writes when the program exits ends
/// the attempt at once. The job runs a fixed script flow writes that reads the
/// attempt's argv, environment, working directory and stdin/stdout/stderr paths from
/// files (no task text in any shell string) and runs the program; the nodes must see
/// those paths (a shared filesystem). stdout lines are read from the log as the job
/// writes it and handed to Launch::on_stdout_line.
///
/// A timeout, a stall (no output for Launch::stall_timeout; files changed in the work
/// directory are not watched) and cancel_all() end jobs with scancel (Slurm's KillWait
/// is the grace between SIGTERM and SIGKILL). A job Slurm ends NODE_FAIL, PREEMPTED,
/// BOOT_FAIL, DEADLINE or REVOKED, or that Slurm no longer knows (lost), completes as
/// killed by SIGKILL, a retryable crash that flow's recovery policy decides on (Slurm
/// never requeues: exactly one component re-runs agents), with a line saying so
/// appended to its stderr log. Jobs are fenced by attempt: once an attempt has
/// completed or been cancelled, nothing its job does later is reported, and a job that
/// had not started yet exits without running the program.
///
/// Not done: workspaces without a shared filesystem (a git bundle shipped both ways);
/// max_rss_kb is 0 (cpu_seconds is the program's user + system time, as bash's `times`
/// reports it in the job, 0 for a job that did not end on its own); Launch::max_log_bytes is not applied (the job
/// writes its logs itself).
/// Thread safety: one thread at a time (the run loop's).
/// @code
///   flow::SlurmOptions so;
///   so.partition = "gpu";
///   auto runner = flow::make_slurm_runner(so);
///   auto report = flow::run(options, *runner, policy, observer);
/// @endcode
[[nodiscard]] FLOW_API std::unique_ptr<Runner> make_slurm_runner(SlurmOptions options);

FLOW_END_NAMESPACE
}  // namespace flow
