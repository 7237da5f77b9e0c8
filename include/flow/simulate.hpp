// SPDX-License-Identifier: MIT
// Running the real scheduler and recovery policy against a simulated clock.
#pragma once

#include <flow/agent_load.hpp>
#include <flow/budget.hpp>
#include <flow/config.hpp>
#include <flow/error.hpp>
#include <flow/estimate.hpp>
#include <flow/graph.hpp>
#include <flow/recovery.hpp>
#include <flow/scheduler.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// A scripted failure: the first `times` attempts of `task` fail with `cls`. A rate
/// limit may carry a reset `reset_after` seconds after the failure.
struct Fault {
  std::string task;
  FailureClass cls = FailureClass::unknown;
  int times = 1;
  std::optional<double> reset_after;
  double percent = 0;                ///< for task "*": the chance, in percent, that an attempt fails
};

/// Parses a fault spec: comma-separated `ID=class[*N][@reset]`, for example
/// `T005=network*2,T010=auth,T007=rate_limit@60`. `*=class%P` makes every attempt fail
/// with probability P percent.
[[nodiscard]] FLOW_API Result<std::vector<Fault>> parse_faults(std::string_view spec);

/// What to simulate.
struct SimOptions {
  SchedulerOptions scheduler;        ///< workers, order, fail_fast, filters …
  std::vector<double> durations;     ///< per task, seconds; empty: lognormal around 300 s
  std::uint64_t seed = 1;            ///< durations and random faults
  std::vector<Fault> faults;
  double random_fail_percent = 0;    ///< from a `*=class%P` fault
  FailureClass random_fail_class = FailureClass::temporary;
  bool wave_barriers = false;        ///< baseline: start a wave, wait for all of it, repeat
  /// The run's agent first, then the fallback agents its tasks move to while its
  /// rate-limit gate is closed (and that the policy's fallback chain may name). Empty:
  /// one agent, "default".
  std::vector<std::string> agents;
  std::map<std::string, int> agent_max_workers;  ///< agents.<name>.maxWorkers
  AimdOptions aimd;                  ///< how an agent's concurrency shrinks after rate limits
  std::vector<double> costs;         ///< per task, USD each attempt costs; empty: none reported
  Budget budget;                     ///< budget.maxCostUsd and maxTaskCostUsd
};

/// One thing that happened, at simulated time `time`.
struct SimEvent {
  double time = 0;
  /// start (detail: the agent, when not the run's own), finish, fail, retry, skip,
  /// abort, wait, needs-attention, concurrency (an agent's limit changed:
  /// describe_limit()), budget-reached (why nothing new starts)
  std::string kind;
  int task = -1;
  int attempt = 0;
  std::string detail;
};

/// The outcome of a simulation.
struct SimReport {
  double makespan = 0;
  double lower_bound = 0;            ///< max(critical path, work / workers), over the tasks attempted
  double efficiency = 1;             ///< lower_bound / makespan
  double tight_lower_bound = 0;      ///< makespan_lower_bound_tight() over the tasks attempted
  double tight_efficiency = 1;       ///< tight_lower_bound / makespan
  double busy = 0;                   ///< worker-seconds spent running attempts
  double idle = 0;                   ///< worker-seconds with no task while work remained
  int attempts = 0;
  int retries = 0;
  std::vector<TaskStatus> status;    ///< per task, at the end
  std::vector<int> blocked_by;       ///< per task: what blocked it, or -1
  std::vector<int> needs_attention;  ///< failed tasks whose ladder is exhausted (Decision::needs_attention)
  std::vector<double> durations;     ///< per task, the durations used
  std::vector<SimEvent> events;
  std::optional<Deadlock> deadlock;
  double cost_usd = 0;               ///< what the attempts cost (SimOptions::costs)
  std::string budget_reached;        ///< why the run stopped starting tasks, when a budget did
  int min_limit = 0;                 ///< the lowest concurrency limit any agent fell to
};

/// Runs `graph` on a simulated clock with `policy` deciding about failures. Pure and
/// deterministic: the same inputs give the same report.
[[nodiscard]] FLOW_API SimReport simulate(const TaskGraph& graph, const SimOptions& options,
                                          RecoveryPolicy& policy);

/// A forecast made when a task completed, in a replay of a simulated run.
struct EtaPoint {
  int done = 0;                      ///< tasks finished (succeeded or skipped) by then
  int total = 0;                     ///< tasks the run set out to do
  double time = 0;                   ///< seconds from the run's start
  Forecast forecast;                 ///< finish times, as the live view would show them
};

/// Replays `report`'s events in order and, at each completion, forecasts the finish the
/// way a live run does (learn_estimates() from `prior` and the durations measured so
/// far, then forecast()): the true durations of what has not finished stay unseen.
/// `at`, when not empty, limits the forecasts to the completions that bring `done` to
/// one of its values. The bottleneck names a closed rate-limit gate (a ready task whose
/// last attempt hit a rate limit waits for its retry time) and the named resources
/// (`resources`, as in SchedulerOptions) that running tasks hold.
[[nodiscard]] FLOW_API std::vector<EtaPoint> eta_trace(const TaskGraph& graph, const SimReport& report,
                                                       std::span<const Estimate> prior, int workers,
                                                       std::span<const int> at = {},
                                                       std::span<const std::vector<std::string>> resources = {});

/// Seeded lognormal durations: median `median`, shape `sigma`.
[[nodiscard]] FLOW_API std::vector<double> lognormal_durations(int n, double median, double sigma,
                                                               std::uint64_t seed);

FLOW_END_NAMESPACE
}  // namespace flow
