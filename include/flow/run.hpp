// SPDX-License-Identifier: MIT
// The run loop: scheduler + recovery policy + runner + write-back + journal.
#pragma once

#include <flow/agent.hpp>
#include <flow/agent_load.hpp>
#include <flow/budget.hpp>
#include <flow/config.hpp>
#include <flow/error.hpp>
#include <flow/plan.hpp>
#include <flow/recovery.hpp>
#include <flow/runner.hpp>
#include <flow/scheduler.hpp>
#include <flow/tasks_md.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// Where attempts run (RunOptions::isolation). The words "auto", "git" and "none" of the
/// settings file, the CLI and the C ABI map to it in one place: isolation_from_string().
enum class Isolation {
  automatic,  ///< "auto": git when the work directory is a git repository with a commit on a branch
  git,        ///< each attempt in its own worktree; each task one commit on the branch
  none,       ///< all in the work directory
};

/// When the tests run on the integration branch (RunOptions::integration_check).
enum class IntegrationCheck {
  off,    ///< never
  merge,  ///< after each task's work is integrated
  phase,  ///< when all of a phase's tasks are in
};

/// Where a critical failure rolls the integration branch back to (RunOptions::rollback_to).
enum class RollbackTarget {
  checkpoint,  ///< the run's start
  phase,       ///< the end of the last phase whose tasks all succeeded
};

/// A decision about a running run taken elsewhere (the dashboard): what the run loop
/// applies, journals (`control`) and reports (`control` event) where it polls the
/// interrupt. A task is named by its ID and line, as in the journal.
struct ControlRequest {
  enum class Action { pause, resume, cancel, retry, skip };
  Action action = Action::pause;
  std::string task;                  ///< cancel, retry, skip
  int line = 0;
  std::string by;                    ///< who asked, for the journal ("dashboard")
  std::string hint;                  ///< retry: text for the task's next prompts, verbatim (at most 16 KiB)
  std::string id;                    ///< who asked can find the answer by it in the journal (`control` line's `request`)
};

/// The queue between whoever decides (any thread) and the run loop, which takes what
/// waits each time it polls, at least every quarter second. pause: no new task starts
/// (running ones go on) until resume; cancel: a running task is killed and fails (class
/// `canceled`, not retried); retry: a failed or blocked task, and what it blocks, may
/// run again; skip: a task not started yet will not run and does not block. A request
/// that does not fit the task's state is journaled as refused.
/// Thread safety: thread-safe.
class FLOW_API RunControl {
 public:
  void post(ControlRequest request) {
    const std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(request));
  }
  /// Everything posted since the last call, oldest first.
  [[nodiscard]] std::vector<ControlRequest> take() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(queue_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<ControlRequest> queue_;
};

FLOW_API const char* to_string(ControlRequest::Action action) noexcept;

/// How to run a tasks.md.
struct RunOptions {
  std::string tasks_path;
  /// Where agents run and `.flow/` lives. Empty: the closest folder above tasks.md that
  /// holds `.git`, else tasks.md's own folder.
  std::string workdir;
  /// The agent: an adapter (make_claude_agent, make_command_agent, your own) …
  std::shared_ptr<const AgentAdapter> agent_adapter;
  /// … or, when there is none, a command split into argv once, run through
  /// make_command_agent: `{prompt_file}`, `{task_id}`, `{workdir}` and `{attempt}` are
  /// replaced inside arguments.
  std::vector<std::string> agent;
  /// Other agents a task may run on, each known by its name(): the one a fallback
  /// decision names (Decision::agent, the stock policy's fallback chain) and, while the
  /// run's agent's rate-limit gate is closed until a reset, the first of them whose gate
  /// is open and that has room: its ready tasks move there instead of waiting.
  std::vector<std::shared_ptr<const AgentAdapter>> fallback_agents;
  /// agents.<name>.maxWorkers: at most this many attempts of that agent at once.
  std::map<std::string, int> agent_max_workers;
  /// How each agent's concurrency shrinks after 429s without a reset and grows back.
  AimdOptions aimd;
  /// budget.maxCostUsd and maxTaskCostUsd, against the cost the agents report.
  Budget budget;
  int workers = 1;
  /// Seconds per attempt; 0: none (a choice, not the default: some agents never exit on
  /// their own, e.g. Codex offline retries for ever).
  double task_timeout = 3600;
  /// Seconds with no output and no file change in the attempt's directory after which
  /// it is ended as a retryable `stalled` failure; 0: no watch.
  double stall_timeout = 900;
  double kill_grace = 5;
  bool fail_fast = false;
  std::vector<bool> selected;        ///< per task; empty: all
  /// Expected duration per task (seconds, say from an Estimator over the journal's
  /// history), for the scheduler's critical-path order; empty or the wrong size: every
  /// task weighs the same.
  std::vector<double> estimates;
  /// Named resources claimed exclusively by the tasks with this ID or label (story
  /// labels included), beside their files.
  std::vector<std::pair<std::string, std::vector<std::string>>> resources;
  bool dry_run = false;              ///< write the prompts, print the order, run nothing
  /// Where attempts run. git: each attempt in its own worktree (under .git/) on a
  /// branch flow/<run>/<task-id> (-line<N> for a duplicate ID) from the current
  /// branch's head; a task that succeeds has all it did since then (what the agent
  /// committed too; tasks.md excepted, which is restored) replayed there onto the
  /// branch's real head and committed with its [X] mark as one commit named after it, to
  /// which the current branch fast-forwards, in completion order; a conflict changes
  /// nothing on the branch and is a `conflict` failure (retried on the new head). A
  /// commit the user makes meanwhile is no conflict. none: all in the work directory;
  /// a task that names no file then runs alone. automatic (default): git when the work
  /// directory is in a git repository with a commit and a branch checked out.
  Isolation isolation = Isolation::automatic;
  /// Git isolation refuses a working tree with uncommitted changes unless this is set;
  /// then attempts start from a snapshot that includes them (`git stash create`), and
  /// they stay uncommitted and untouched in the working tree.
  bool allow_dirty = false;
  /// Checks run after an attempt's agent succeeds, in its directory, in order, before
  /// its work is integrated: (name, argv). A failing one fails the attempt with class
  /// `validation` and a summary of its output that the retry gets.
  std::vector<std::pair<std::string, std::vector<std::string>>> gates;
  /// When > 0 (percent) and there are gates: after they pass, the line coverage report
  /// they left in the attempt's directory (lcov, Cobertura XML, coverage.py JSON, Go
  /// cover profile; find_coverage) must reach it, else the attempt fails `validation`.
  double coverage_target = 0;
  /// testing.requireChanges: an attempt whose agent exits 0 having changed nothing, for
  /// a task that names files, fails `validation` ("no changes"; the retry is told). With
  /// git isolation: nothing differs from the commit the attempt started from (committed
  /// or not). Without: none of the files the task names was created, removed or
  /// modified (size, modification time, inode); a named directory that exists counts as
  /// changed. Tasks that name no file are exempt.
  bool require_changes = true;
  /// testing.testFirst: in each user-story phase, the test tasks (in a "Tests…" group,
  /// or whose files are all test files) run first; the implementation tasks wait until
  /// they are done and the `tests` gate has run on the integrated result, which must
  /// fail (tests that pass before any implementation are reported as vacuous).
  bool test_first = false;
  /// Git isolation: run the `tests` gate on the integration branch after each merge
  /// (merge) or when a phase's tasks are all in (phase); a failure is reported
  /// (journal `integration-check`, event `integration-failed`, RunReport). off: never.
  IntegrationCheck integration_check = IntegrationCheck::off;
  /// Where a critical failure rolls the integration branch back to: the run's start
  /// (checkpoint) or the end of the last phase whose tasks all succeeded (phase).
  RollbackTarget rollback_to = RollbackTarget::checkpoint;
  /// Hooks, as argv (never a shell unless you write ["sh", "-c", "…"]). pre-implement runs
  /// before anything starts, and its failure stops the run; task-complete after each
  /// task that succeeds, with that task's FLOW_* variables; post-implement at the end.
  std::vector<std::string> pre_implement, task_complete, post_implement;
  /// Notification hooks by event, as argv, each run once per occurrence with the task's
  /// FLOW_* variables (FLOW_EVENT, FLOW_TASK_ID, FLOW_ATTEMPT, FLOW_FAILURE_CLASS,
  /// FLOW_REASON …), for at most 30 s while the loop waits: "task-failed" (a task failed
  /// for good), "needs-attention" (its ladder is exhausted: a person's turn), "blocked"
  /// (a failure blocked dependents: FLOW_BLOCKED_TASKS), "rate-limit-wait" (an agent's
  /// rate limit closed its gate: FLOW_RESET_AT, FLOW_RESET_IN).
  std::map<std::string, std::vector<std::string>> notify;
  /// Hints for tasks (by ID), given to each of their attempts' prompts verbatim: what a
  /// person says after looking (`flow retry --hint`). Journaled (`hint`).
  std::vector<std::pair<std::string, std::string>> hints;
  /// Set to 1 from another thread (a signal handler) to stop starting tasks, to 2 to
  /// also kill the running ones. Not owned.
  std::atomic<int>* interrupt = nullptr;
  /// Decisions from another thread (the dashboard's controls), applied where the loop
  /// polls `interrupt`. Not owned; may be null.
  RunControl* control = nullptr;
};

/// Something that happened in a run. `kind` is one of: run-started, resumed, hook,
/// started, activity (what a running agent is doing now, from its stream; `detail`),
/// succeeded, failed, retry, skipped, marked, mark-failed, interrupted, killed (a
/// running attempt stopped by the second interrupt), needs-attention (a task failed with
/// its recovery ladder exhausted: a person's turn), control, cost (an attempt's cost as
/// its agent reported it: `detail` is the amount in USD, "0.012300"), fallback (the
/// attempt runs on another agent: `detail` says which and why), concurrency (an agent's
/// limit changed: describe_limit()), budget-reached (a cost budget stops new starts or a
/// task's retries: `detail` says why), run-finished.
struct RunEvent {
  std::string kind;
  double time = 0;                   ///< seconds since the run started
  int task = -1;
  int attempt = 0;
  std::string detail;
};

/// Receives events as they happen, on the run's thread. Thread safety: called from the
/// thread inside run() only.
class FLOW_API RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void on_event(const RunEvent& event) = 0;
  /// Called at least every quarter second while the run waits, for views that redraw.
  virtual void on_tick(double now) { (void)now; }
};

/// One task's outcome.
struct TaskReport {
  TaskStatus status = TaskStatus::waiting;
  int attempts = 0;
  double seconds = 0;                ///< wall time of all its attempts
  double cpu_seconds = 0;
  long max_rss_kb = 0;
  double cost_usd = 0;               ///< all attempts, as the agent reported it
  bool cost_reported = false;        ///< an attempt's agent gave a cost (else: "not reported")
  std::string agent;                 ///< the agent of its last attempt
  long long input_tokens = 0, output_tokens = 0;
  int turns = 0;
  std::string failure_class;         ///< of the last failed attempt
  std::string last_lines;            ///< the output lines that matter, of the last failure
  int blocked_by = -1;
  bool marked = false;               ///< its [X] is in tasks.md
  /// Failed with its recovery ladder exhausted (Decision::needs_attention): a person's
  /// turn (`flow retry --hint`), not a failure like auth or config.
  bool needs_attention = false;
  std::string strategy;              ///< of its last attempt: "alternative", "simplified", "instruction" …; empty: none
};

/// The outcome of a run. A failing task is data here, not an Error.
struct RunReport {
  std::string run_id;
  std::string journal_path;
  double wall = 0;
  int workers = 1;
  /// Each task of the plan is in exactly one of succeeded, failed, blocked, skipped (in
  /// this run, or marked [~] before it), stopped, done_before and excluded.
  int succeeded = 0, failed = 0, blocked = 0, skipped = 0, retries = 0;
  /// Tasks whose attempt an interrupt stopped before it ended (TaskReport::status stays
  /// running): not marked, so the next run runs them again.
  int stopped = 0;
  int done_before = 0;               ///< marked done in tasks.md (or the journal) before the run
  int excluded = 0;                  ///< outside the run's filters (--only, --story)
  int needs_attention = 0;           ///< of the failed: their ladder is exhausted, a person's turn
  bool interrupted = false;
  double busy = 0;                   ///< worker-seconds spent in attempts
  double cost_usd = 0;               ///< as the agents reported it
  bool cost_reported = false;        ///< some agent gave a cost (else: "not reported")
  /// Why the run stopped starting tasks when a cost budget did (budget.maxCostUsd).
  std::string budget_reached;
  Isolation isolation = Isolation::none;  ///< git or none, as the run went (never automatic)
  std::string branch;                ///< git: the integration branch
  std::string checkpoint;            ///< git: its commit when the run started
  int commits = 0;                   ///< git: the task commits it put on the branch
  std::string rolled_back_to;        ///< git: set when a critical failure rolled the branch back
  /// testFirst: the user-story phases (titles) whose new tests passed before any of
  /// their implementation ran.
  std::vector<std::string> vacuous_tests;
  /// testFirst: phases whose tests failed, but the suite failed before them too (git
  /// isolation runs the tests on the branch as it was before them to tell).
  std::vector<std::string> inconclusive_tests;
  /// Integration checks that failed: "after T012" or "after Phase 3: …".
  std::vector<std::string> integration_failures;
  /// Writes that failed and fail the run (the journal: a full disk, a read-only folder);
  /// a task whose mark could not be written is a failed task (class "io") instead.
  std::vector<std::string> write_errors;
  /// What did not run for no failure of its own, and fails the run: a line that may hold
  /// a task (over the parser's line limit); a task marked in tasks.md during the run (by
  /// the user, or by an agent: the run cannot tell) that it therefore did not start.
  std::vector<std::string> not_run;
  std::vector<TaskReport> tasks;     ///< per task of the plan
  std::vector<int> order;            ///< tasks in the order they started (dry run: would start)
};

/// Runs the pending tasks of `options.tasks_path` with `runner` and `policy`. Fails
/// (Errc::parse, Errc::cycle, Errc::io, Errc::invalid_argument) only when the run
/// cannot start; a failing task is reported in RunReport.
[[nodiscard]] FLOW_API Result<RunReport> run(const RunOptions& options, Runner& runner, RecoveryPolicy& policy,
                                             RunObserver& observer);

/// Where agents run for a tasks.md by default: the closest folder above it that holds
/// `.git`, else its own folder.
[[nodiscard]] FLOW_API std::string default_workdir(const std::string& tasks_path);

/// Tasks with neither a checkbox nor steps (TaskForm::bold_item; TaskForm::heading, whose
/// check mark flow writes since 0.9 but did not before) keep their state in the journal:
/// sets each pending one of `plan` (parsed from `text`) that succeeded in a run of
/// `tasks_path` (absolute) journaled in `journal_path` to TaskState::done. A task is found
/// again by its ID and line text wherever edits moved it; runs that were rolled back do
/// not count. Returns how many; Errc::io if the journal is unreadable. `applied`, if
/// given, receives their indices in `plan.tasks`.
[[nodiscard]] FLOW_API Result<int> apply_journal_state(const std::string& journal_path, const std::string& tasks_path,
                                                       std::string_view text, Plan& plan);
[[nodiscard]] FLOW_API Result<int> apply_journal_state(const std::string& journal_path, const std::string& tasks_path,
                                                       std::string_view text, Plan& plan, std::vector<int>* applied);

/// Where `tasks_path` sits in the repository `workdir`, for resolve_paths(): the root,
/// tasks.md's folder relative to it, and a test that a file or folder exists there.
[[nodiscard]] FLOW_API PathContext path_context(const std::string& tasks_path, const std::string& workdir);

/// The last run of a tasks.md, as its journal tells it.
struct JournalTask {
  std::string id;
  int line = 0;
  std::string text;                  ///< its line (mark blanked), when the journal has it: finds it again
  int attempts = 0;
  std::string outcome;               ///< succeeded, failed, needs-attention, retrying, blocked, skipped, killed, running, not run (changed in tasks.md during the run), or empty
  double seconds = 0;
  double cpu_seconds = 0;
  double max_rss_kb = 0;
  double cost_usd = 0;
  bool cost_reported = false;        ///< an attempt's agent gave a cost (else: "not reported")
  double turns = 0;
  std::string failure_class;
  std::string reason;
  /// Failure analysis: one line per failed attempt ("attempt 2: conflict: …"), and the
  /// lines that mattered in the last one (compiler errors, failing tests, the agent's
  /// last message).
  std::vector<std::string> tries;
  std::string last_lines;
  bool marked = false;
  /// Per attempt (from 1), the strategy it ran with ("alternative", "simplified",
  /// "instruction", "hint" …, joined by '+'); empty: the plain prompt.
  std::vector<std::string> strategies;
  std::vector<std::string> hints;    ///< hints given to it (flow retry --hint, a control)
  /// Per attempt (from 1), the agent it ran on, as the journal names it (a fallback step
  /// moves a task to another agent); empty where the journal does not say.
  std::vector<std::string> agents;
};
struct JournalRun {
  std::string run_id;
  std::string started;               ///< when, as the journal has it (UTC, ISO 8601)
  bool finished = false;             ///< it journaled run-finished
  bool interrupted = false;          ///< an interrupt (Ctrl-C, SIGTERM, SIGHUP) stopped it before its end
  int commits = 0;                   ///< git isolation: task commits it put on the branch
  bool rolled_back = false;          ///< all its commits were undone (by itself or `flow rollback`)
  /// `flow rollback --to TASK` went back to one of its commits: that task's ID (empty when
  /// it was rolled back whole, or not at all); `commits_undone` says how many went.
  std::string rolled_back_to;
  int commits_undone = 0;            ///< its commits a rollback undid (all of them when rolled_back)
  int workers = 1;
  double wall = 0;                   ///< from run-finished, else from the last event
  double busy = 0;
  double cost_usd = 0;
  bool cost_reported = false;        ///< some agent gave a cost (else: "not reported")
  std::string budget_reached;        ///< why a cost budget stopped new starts, if one did
  int retries = 0;
  std::vector<JournalTask> tasks;    ///< in the order they first started
};

/// Reads `.flow/implementation.log` (JSON lines) and returns every run of `tasks_path`
/// (an absolute path), oldest first; dry runs are not runs. Errc::io if unreadable.
[[nodiscard]] FLOW_API Result<std::vector<JournalRun>> read_runs(const std::string& journal_path,
                                                                 const std::string& tasks_path);

/// The last run of `tasks_path` that did something (started, marked or blocked a task);
/// when none did, the last run; nullopt if it never ran. A run that found nothing to do
/// never hides the one that did the work. Errc::io if unreadable.
[[nodiscard]] FLOW_API Result<std::optional<JournalRun>> read_last_run(const std::string& journal_path,
                                                                       const std::string& tasks_path);

/// What to undo: a run of a tasks.md made with git isolation.
struct RollbackOptions {
  std::string tasks_path;
  std::string workdir;               ///< empty: as for run()
  std::string run_id;                ///< empty: the last run of tasks_path that changed the branch
  std::string to_task;               ///< keep the run's commits up to this task's; empty: all go
  /// Undo commits that are not the run's too (the user's, another run's), when they sit
  /// among or after the run's commits to undo; they stay reachable with the rest.
  bool force = false;
};
struct RollbackReport {
  std::string run_id, branch;
  std::string from, to;              ///< the branch's commit before and after
  std::string ref;                   ///< where the undone commits stay reachable
  int commits_undone = 0;
  /// With `force`: the undone commits that were not the run's, newest first, each as
  /// "<sha> <subject> (<author>)".
  std::vector<std::string> foreign;
  /// What was set right first, in words: what a run or rollback killed in the middle had
  /// left half-done (a rollback cut short, a task's marks), and what a killed run left
  /// running or behind (`stopped`, `removed`); empty when nothing was. An error the
  /// rollback returns starts with it too.
  std::string settled;
  /// A run of the tasks.md that died without finishing (kill -9, a crash): its ID, and
  /// the tasks whose processes it left running, stopped; empty when there was none.
  std::string stopped_run;
  std::vector<std::string> stopped;
  /// The worktrees and branches runs that died left, removed.
  int removed = 0;
};

/// Resets the run's branch to its checkpoint (or to the commit of `to_task`), keeping
/// what it pointed to under refs/flow/<run>/rolled-back (rolled-back-2, … on later
/// rollbacks); tasks.md comes back with it, marks of undone tasks cleared. Refuses
/// (Errc::conflict) while a run holds the lock, on another branch, with uncommitted
/// changes, or, unless `force`, when commits the run did not make (as its journal says)
/// would be undone with its own: the message names each (hash, subject, author) and how
/// to proceed. Errc::not_found without such a run or task.
[[nodiscard]] FLOW_API Result<RollbackReport> rollback(const RollbackOptions& options);

/// Classifies a failed attempt of a plain command from how it ended and what it printed
/// (match_failure_signature, else unknown).
[[nodiscard]] FLOW_API FailureClass classify_failure(const Completion& c, std::string_view output);

FLOW_END_NAMESPACE
}  // namespace flow
