// SPDX-License-Identifier: MIT
// The one reader of the journal (.flow/implementation.log, JSON lines): what a resumed
// run takes over, what `flow status` shows, what `flow rollback` undoes, which boxless
// tasks are done, and the durations the estimator learns from. Damaged lines (a torn
// last line after a crash) are skipped. read_runs, read_last_run and apply_journal_state
// (flow/run.hpp) are defined with it. Internal.
#pragma once

#include <flow/run.hpp>

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flow::detail {

/// What an earlier run that did not finish left: the tasks it had started and not
/// finished, with the process groups they ran in, and the tasks it finished but had not
/// marked yet when it died (marks are written in batches, after the next tasks start).
struct Leftover {
  std::string run_id;
  struct Running {
    std::string id;
    int line = 0;
    long pgid = 0;
    std::string container;  // the attempt's cgroup or process tag (Runner's Started)
    std::string text;       // the task's line, mark blanked (empty in older journals)
    std::string landing;    // the commit its branch was about to take, if it got that far
  };
  std::vector<Running> running;
  struct Unmarked {
    std::string id;
    int line = 0;
    std::string text;      // the task's line, mark blanked (empty in journals before it was kept)
    bool boxless = false;  // no checkbox: its state is the journal's task-finished line
  };
  std::vector<Unmarked> unmarked;
};

/// The last run of `tasks_path` (absolute) in the journal, if it did not finish; nullopt
/// if it finished, never ran, or the journal cannot be read.
std::optional<Leftover> previous_run(const std::string& journal_path, const std::string& tasks_path);

/// A run of a tasks.md made with git isolation, as `flow rollback` picks one.
struct CheckpointedRun {
  std::string run, branch, checkpoint;  // the branch its tasks committed to, and its head at the start
  bool committed = false;               // it put task commits on the branch
  bool rolled_back = false;             // all the way back to its checkpoint, since
  std::set<std::string> commits;        // the task commits it journaled
  std::set<std::string> landing;        // commits it was about to put on the branch, not
                                        // journaled as committed (killed, or lost the race)
};

/// Whether the journal's `tasks_md` of a run names the file `tasks_path` (absolute),
/// however either spells it: `./` and `..` aside, or through a symlink when both exist.
[[nodiscard]] bool same_tasks_file(std::string_view journaled, const std::string& tasks_path);

/// Where a run's tasks.md is now: the journaled path moved from the run's work directory
/// to `workdir` (the journal's now) when the checkout was moved or copied since and the
/// file was in it; else the journaled path.
[[nodiscard]] std::string moved_tasks_file(std::string_view journaled, std::string_view journaled_workdir, const std::string& workdir);

/// The same, or the file at the same place in the work directory `workdir` (the
/// journal's, now) as the journaled one was in `journaled_workdir`.
[[nodiscard]] bool same_tasks_file(std::string_view journaled, std::string_view journaled_workdir, const std::string& tasks_path,
                                   const std::string& workdir);

/// The work directory a journal (<workdir>/.flow/implementation.log) is in.
[[nodiscard]] std::string journal_workdir(const std::string& journal_path);

/// The runs of `tasks_path` (absolute) that journaled a checkpoint, oldest first.
std::vector<CheckpointedRun> checkpointed_runs(const std::string& journal_path, const std::string& tasks_path);

/// Whether the journal says run `run_id`'s branch was rolled back from `from` to `to`.
[[nodiscard]] bool journaled_rollback(const std::string& journal_path, std::string_view run_id, std::string_view from,
                                      std::string_view to);

/// A task that succeeded, with how long it took: what the estimator learns from.
struct FinishedTask {
  std::string id;
  double seconds = 0;
  std::string tasks_md;  ///< the file its run ran, where it is now (moved with the checkout)
  int line = 0;          ///< its line there then
  std::string text;      ///< its line's text then, without the mark (empty in old journals)
};

/// Every task-finished line with outcome "succeeded" in the journal, of any tasks.md
/// (not of dry runs), oldest first; empty if the journal cannot be read.
std::vector<FinishedTask> succeeded_tasks(const std::string& journal_path);

/// read_runs on the journal's text, for the fuzzers and tests.
std::vector<JournalRun> read_runs_text(std::string_view journal, const std::string& tasks_path);

/// previous_run on the journal's text, for the fuzzers and tests: how many tasks it left
/// running and how many finished unmarked.
std::optional<std::pair<std::size_t, std::size_t>> previous_run_text(std::string_view journal, const std::string& tasks_path);

}  // namespace flow::detail
