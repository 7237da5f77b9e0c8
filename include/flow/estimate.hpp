// SPDX-License-Identifier: MIT
// Duration estimates, ETA ranges and bottlenecks: pure functions of history and graph.
#pragma once

#include <flow/config.hpp>
#include <flow/graph.hpp>
#include <flow/scheduler.hpp>

#include <map>
#include <span>
#include <string>
#include <vector>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// A finished task from an earlier run (the journal).
struct HistoryEntry {
  std::string task_id;
  PhaseKind phase_kind = PhaseKind::other;
  std::vector<std::string> labels;   ///< story label and other labels
  int files = 0;                     ///< number of paths the task named
  double seconds = 0;
};

/// How long a task is expected to take, with a range. `basis` says where it came from:
/// "task" (the same ID ran before), "phase+label", "phase", "files", or "default".
struct Estimate {
  double expected = 0;
  double low = 0;
  double high = 0;
  double p90 = 0;                    ///< past this a running task is overdue
  std::string basis;
  /// Of the spread of log(duration) (low to high), the standard deviation every task
  /// shares: how wrong the run-wide level may still be. 0: unknown, forecast() assumes
  /// a share.
  double common = 0;
  /// How many measurements from history the estimate rests on (0: none, a default).
  int samples = 0;
};

/// Estimates durations from history. Pure.
/// Thread safety: immutable after construction.
class FLOW_API Estimator {
 public:
  explicit Estimator(std::vector<HistoryEntry> history = {}, double default_seconds = 300);
  /// The most specific match wins: the same task ID, else the same phase kind and a
  /// common label, else the same phase kind, else the same number of files, else the
  /// default. With fewer than three samples the range is [0.5, 2] × expected. A `task`
  /// that is not in `plan` (a plan with no tasks, say) gets the default.
  [[nodiscard]] Estimate estimate(const Plan& plan, int task) const;
  [[nodiscard]] std::vector<Estimate> estimate_all(const Plan& plan) const;

 private:
  std::vector<HistoryEntry> history_;
  double default_;
};

/// When the remaining work will be done, as a range (seconds from now).
struct EtaRange {
  double low = 0;
  double expected = 0;
  double high = 0;
};

/// List-schedules the unfinished tasks on `workers` workers (critical path first, as
/// the scheduler does; locks are ignored) with low, expected and high durations.
/// `status` is each task's status; `elapsed` how long each running task has run.
[[nodiscard]] FLOW_API EtaRange eta(const TaskGraph& graph, std::span<const TaskStatus> status,
                                    std::span<const Estimate> estimates, const std::map<int, double>& elapsed,
                                    int workers);

/// What holds the run back now.
struct Bottlenecks {
  std::vector<int> critical_path;   ///< the longest chain of unfinished tasks
  std::vector<int> overdue;         ///< running tasks past the 90th percentile of their estimate
};

[[nodiscard]] FLOW_API Bottlenecks bottlenecks(const TaskGraph& graph, std::span<const TaskStatus> status,
                                               std::span<const Estimate> estimates,
                                               const std::map<int, double>& elapsed);

/// Durations learned during a run. A task's expected duration mixes what the run has
/// measured with the prior (`prior`, from the journal's history, else its default) in
/// log space: first a run-wide scale (how much faster or slower than the prior this run
/// goes, shrunk toward the prior when there is history), then the tasks that finished
/// that resemble it: the same phase, the same phase kind, the same story, a common label,
/// as many files, and tests or implementation alike; and how much larger tasks (files
/// named, description length) take longer than the prior says. History's differences
/// between phases and between tasks of a phase each count as far as they exceed what
/// chance would make of them (by the prior's spread and `samples`), and then as far as
/// they explain what this run measures (a regression, with size, shrunk by the run's
/// scatter). `seconds[t]` is the measured duration of each succeeded task (others are
/// ignored); `elapsed` how long each running task has run (it counts as taking at least
/// that long). Until the run has measured something the prior stands as it is.
/// `low`/`high` are the 10th and 90th percentiles of the task's duration, `p90` the
/// 90th; `basis` is "run" once the run has measured something, else the prior's basis.
[[nodiscard]] FLOW_API std::vector<Estimate> learn_estimates(const TaskGraph& graph, std::span<const Estimate> prior,
                                                             std::span<const TaskStatus> status,
                                                             std::span<const double> seconds,
                                                             const std::map<int, double>& elapsed = {});

/// When the run will finish, as finish times in seconds from its start.
struct Forecast {
  double expected = 0;              ///< the median
  double low = 0;                   ///< the 10th percentile: an 80% range with `high`
  double high = 0;                  ///< the 90th percentile
  std::vector<int> critical_path;   ///< the longest chain of unfinished tasks, by expected durations
  std::string bottleneck;           ///< what holds the run back now, in words
};

/// Forecasts the finish from `estimates` (as learn_estimates() gives them): samples the
/// unfinished tasks' durations (lognormal, with a run-wide factor shared by all tasks;
/// a running task's duration is drawn beyond what it has already run) and list-schedules
/// each sample on `workers` workers. Deterministic: a fixed seed. `held` names what
/// keeps ready tasks from starting on free workers (a closed gate), if known; else a
/// file lock or a named resource (`resources`: empty, or one list per task, as in
/// SchedulerOptions) that a running task holds and a ready one needs is named.
/// `fail_rate` is the share of attempts that fail and run again (as the run has seen it).
[[nodiscard]] FLOW_API Forecast forecast(const TaskGraph& graph, std::span<const TaskStatus> status,
                                         std::span<const Estimate> estimates, const std::map<int, double>& elapsed,
                                         int workers, double now, const std::string& held = {}, double fail_rate = 0,
                                         std::span<const std::vector<std::string>> resources = {});

/// A lower bound on the makespan that is never below TaskGraph::makespan_lower_bound()
/// and usually much tighter. By the phase rules, blocks (a phase, or a run of user-story
/// phases that run in parallel) run strictly one after another, so their bounds add
/// up; a block whose tasks are all done already lets what follows start at once. A
/// block's bound is the largest of: its critical path, its work / workers, the two
/// shortest of its `workers + 1` longest tasks (two of those must share a worker), and
/// for each file its tasks name: the shortest chain before any of them, plus their total
/// duration (they never overlap), plus the shortest chain after any of them. Tasks the
/// plan marks done count as taking no time.
[[nodiscard]] FLOW_API double makespan_lower_bound_tight(const TaskGraph& graph, std::span<const double> durations,
                                                         int workers);

/// Makespan of a list schedule of the plan's pending tasks (durations given), critical
/// path first; tasks already done count as finished at time 0.
[[nodiscard]] FLOW_API double list_schedule_makespan(const TaskGraph& graph, std::span<const double> durations,
                                                     int workers);

FLOW_END_NAMESPACE
}  // namespace flow
