// SPDX-License-Identifier: MIT
// The scheduler: decides which task may start next. A pure state machine.
#pragma once

#include <flow/config.hpp>
#include <flow/graph.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// Where a task stands in a run.
enum class TaskStatus {
  waiting,    ///< prerequisites not finished yet
  ready,      ///< may start (perhaps not before a retry time)
  running,
  succeeded,  ///< done in this run, or marked done in tasks.md before it
  failed,
  blocked,    ///< a prerequisite failed, is outside the filters, or is marked otherwise
              ///< and named explicitly (`depends on T002`, T002 `[~]`); see blocked_by()
  skipped,    ///< not run; holds up only the tasks that name it explicitly, and only
              ///< when the file marks it otherwise (`[~]`); optional tasks hold none
  excluded,   ///< outside --story/--only
};

/// In which order ready tasks start. flow uses critical_path; the others exist as
/// baselines for benchmarks and comparisons.
enum class ScheduleOrder {
  critical_path,  ///< longest remaining path first, ties by document order
  document,       ///< document order (FIFO)
  random,         ///< a seeded random order
};

/// How to schedule.
struct SchedulerOptions {
  int workers = 1;
  ScheduleOrder order = ScheduleOrder::critical_path;
  std::uint64_t seed = 1;  ///< for ScheduleOrder::random
  /// After a failure start nothing new (running tasks finish); otherwise only the
  /// failed task's dependents are blocked and independent work continues.
  bool fail_fast = false;
  /// Expected duration per task (any unit); the priority is the longest remaining
  /// path under these. Empty: 1 for every task. One that is not a finite number >= 0
  /// counts as 0 (it would otherwise unorder the ready tasks).
  std::vector<double> estimates;
  /// Tasks to run (`--story US1`, `--only T004-T010`); empty: all. A selected task
  /// whose prerequisite is unselected and not done is blocked by it.
  std::vector<bool> selected;
  /// Named resources each task claims exclusively (`db`, `port:3000`), beside its
  /// files. Empty, or one list per task.
  std::vector<std::vector<std::string>> resources;
  /// A task that names no file runs alone (for runs without isolation).
  bool unknown_files_exclusive = false;
};

/// Nothing runs, nothing can start, and tasks are left: who waits for whom.
struct Deadlock {
  struct Wait {
    int task = 0;
    std::vector<int> waits_for;  ///< unfinished prerequisites (tasks)
  };
  std::vector<Wait> waits;
};

/// Decides which tasks may start. No threads, no I/O, no clock: the caller passes
/// `now` (any monotonic unit) and reports outcomes, so the real runner and the tests
/// drive it identically. Ready tasks are ordered by their longest remaining path
/// (critical path first), ties by document order. Two tasks that name a common file
/// (or resource) never run at once.
/// Thread safety: one thread at a time. Lifetime: keeps the graph's plan alive, and
/// `graph` itself must outlive *this.
/// @code
///   flow::Scheduler s(graph, {.workers = 4});
///   while (auto t = s.start_next(now)) runner.start(*t);
///   s.finish(task, flow::TaskStatus::succeeded, now);
/// @endcode
class FLOW_API Scheduler {
 public:
  Scheduler(const TaskGraph& graph, SchedulerOptions options);
  ~Scheduler();
  Scheduler(Scheduler&&) noexcept;
  Scheduler& operator=(Scheduler&&) noexcept;

  /// The best task that may start at `now`, now marked running; nullopt if none may
  /// (worker limit, locks, retry times, prerequisites, fail-fast stop, cancel).
  [[nodiscard]] std::optional<int> start_next(double now);

  /// Reports how a running task ended: succeeded, failed or skipped. A failure blocks
  /// its dependents (each knows the cause); under fail_fast nothing new starts, and every
  /// task not started yet ends blocked by this one.
  void finish(int task, TaskStatus outcome);

  /// Puts a running task back to ready, to start no earlier than `not_before` (NaN: at
  /// once).
  void retry(int task, double not_before);

  /// Marks a waiting or ready task skipped (it will not run and does not block).
  void skip(int task);

  /// Gives a failed task another chance (a person asked: the dashboard's retry): it is
  /// ready again once its prerequisites are, and what it blocked waits for it again. A
  /// blocked task reopens the failed task that blocks it. False, changing nothing, when
  /// there is no failed task to reopen or the run has stopped (fail_fast, cancel).
  bool reopen(int task);

  /// No new task starts; running ones may finish. Tasks not started end blocked, with
  /// blocked_by() -1.
  void cancel() noexcept;

  /// A held task does not start, even when ready, until released.
  void hold(int task);
  void release(int task);

  /// Nothing is running and nothing more can start.
  [[nodiscard]] bool done() const noexcept;
  [[nodiscard]] int running_count() const noexcept;
  [[nodiscard]] bool stopped() const noexcept;
  /// The earliest retry time after `now` among ready tasks, if any.
  [[nodiscard]] std::optional<double> next_wake(double now) const;

  [[nodiscard]] TaskStatus status(int task) const;
  /// For a blocked task: the failed, or unselected and unfinished, task that blocks it;
  /// -1 when the run was canceled.
  [[nodiscard]] int blocked_by(int task) const;
  /// When nothing runs or can start but tasks are left: what waits for what.
  [[nodiscard]] std::optional<Deadlock> deadlock() const;

  [[nodiscard]] const TaskGraph& graph() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

FLOW_API const char* to_string(TaskStatus status) noexcept;

/// SchedulerOptions::resources from the settings' form: names claimed by the tasks with
/// an ID or label (story labels too). Empty when `claims` is.
[[nodiscard]] FLOW_API std::vector<std::vector<std::string>> resources_by_task(
    const Plan& plan, std::span<const std::pair<std::string, std::vector<std::string>>> claims);

FLOW_END_NAMESPACE
}  // namespace flow
