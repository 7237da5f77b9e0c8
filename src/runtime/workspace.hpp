// SPDX-License-Identifier: MIT
// Where an attempt runs: prepared from the branch as it is, its work collected once its
// agent succeeded, integrated onto the branch (in completion order, one at a time) or
// discarded, and the branch checkpointed and rolled back. Two implementations: in place
// (isolation none: every attempt in the work directory) and git (a worktree and branch
// per attempt, a commit per task). The interface names no git concept, so that a
// remote workspace (a cluster node) can be a third. Internal.
#pragma once

#include <flow/error.hpp>
#include <flow/graph.hpp>
#include <flow/run.hpp>

#include "runtime/journal.hpp"

#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace flow::detail {

/// An attempt's work, collected.
struct Work {
  std::string ref;              ///< the workspace's handle on it (git: one commit); empty: nothing to integrate
  std::optional<bool> changed;  ///< whether the attempt changed anything, when the workspace can tell
  std::string refused;          ///< why none of it can be taken (the agent moved its worktree off its base)
};

/// A task's mark in tasks.md, for a workspace that lands it with the task's work.
struct TaskMark {
  bool wanted = false;  ///< the task has a mark to set (a checkbox)
  /// tasks.md `text` with the task's mark set; with `again`, the marks this run set
  /// before too (an editor may have saved over them).
  std::function<Result<std::string>(const std::string& text, bool again)> apply;
};

/// What integrating a task's work did, when it went through.
struct Landing {
  bool landed = false;     ///< the work went onto the branch (what follows is set)
  std::string head;        ///< the branch's head now
  std::string before;      ///< the branch just before the task's commit; empty: nothing was committed
  std::string text;        ///< tasks.md as the branch has it now (when something was committed)
  bool marked = false;     ///< the task's mark went in with it
  std::string mark_error;  ///< why its mark could not be set: done, but not marked
  bool stop = false;       ///< not landed, and no task can land until the user acts (its branch is not checked out)
};

/// Work a workspace finished for the loop (Workspace::take): where an attempt runs, or
/// its work collected.
struct WorkspaceDone {
  enum class Kind { prepared, collected };
  Kind kind = Kind::prepared;
  int task = -1;
  int attempt = 0;
  Result<std::string> dir = std::string();  ///< prepared: where it runs, or why it cannot
  Result<Work> work = Work{};               ///< collected: its work, or why it could not be had
};

/// Where the loop's attempts run. Thread safety: one thread at a time (the loop's); an
/// implementation may do its slow part (git) on threads of its own, behind begin_prepare,
/// begin_collect and discard, and hands what it finished back through take.
class Workspace {
 public:
  virtual ~Workspace() = default;
  /// "none" or "git": RunReport::isolation.
  [[nodiscard]] virtual Isolation kind() const noexcept = 0;
  /// Attempts cannot see each other's work (so a task that names no file need not run
  /// alone), and a task's mark lands with its work (integrate), not in the loop's
  /// batched write-back.
  [[nodiscard]] virtual bool isolated() const noexcept = 0;
  /// Once the run's journal is open: what the workspace has to say (its checkpoint).
  virtual void started() {}
  /// Where task `t`'s attempt `attempt` runs, prepared from the branch as it is now (so a
  /// retry sees what landed meanwhile). An error fails the attempt: class io for
  /// Errc::io (the disk failed), else config.
  virtual Result<std::string> prepare(int t, int attempt) = 0;
  /// Where task `t`'s current attempt runs (the work directory when it has no place of
  /// its own).
  [[nodiscard]] virtual std::string dir(int t) const = 0;
  /// Once `t`'s agent succeeded: its work, collected before any check runs there (so
  /// that what checks leave behind is not part of it). An error fails the attempt: class
  /// io for Errc::io (the disk failed), else config.
  virtual Result<Work> collect(int t) = 0;
  /// Puts `t`'s collected work onto the branch, with its mark. Called in completion
  /// order, one task at a time. nullopt when it went in (`landing` says what it did);
  /// else why not, with the branch unchanged: Errc::conflict (it does not merge, the
  /// branch would not take it) or Errc::io (the disk failed, a lock file is in the way).
  virtual std::optional<Error> integrate(int t, const Work& work, const TaskMark& mark, Landing& landing) = 0;
  /// Drops `t`'s current attempt. `keep`: what it did is kept for the user (a task
  /// that finally failed); otherwise (it runs again, was killed, never started) it goes.
  virtual void discard(int t, const std::string& why, bool keep) = 0;
  /// Drops every attempt still prepared (the run ends), once what is under way is done.
  virtual void discard_all(const std::string& why) = 0;

  /// prepare, started: its result comes from take(). This default does it at once.
  virtual void begin_prepare(int t, int attempt) {
    done_.push_back({WorkspaceDone::Kind::prepared, t, attempt, prepare(t, attempt), Work{}});
  }
  /// collect, started: its result comes from take(). This default does it at once.
  virtual void begin_collect(int t, int attempt) {
    done_.push_back({WorkspaceDone::Kind::collected, t, attempt, std::string(), collect(t)});
  }
  /// What was begun and has finished since the last call, in the order it was begun.
  /// Waits up to `timeout` seconds for something when nothing has finished yet and
  /// something is under way (pending() > 0).
  virtual std::vector<WorkspaceDone> take(double timeout) {
    (void)timeout;
    std::vector<WorkspaceDone> out(std::make_move_iterator(done_.begin()), std::make_move_iterator(done_.end()));
    done_.clear();
    return out;
  }
  /// How many begun preparations and collections take() has not handed back yet.
  [[nodiscard]] virtual int pending() const { return static_cast<int>(done_.size()); }

  /// The branch work lands on (empty: the workspace keeps no history).
  [[nodiscard]] virtual std::string branch() const = 0;
  /// The branch's head (empty: the workspace keeps no history).
  [[nodiscard]] virtual std::string head() const = 0;
  /// The branch's head when the run started.
  [[nodiscard]] virtual std::string checkpoint() const = 0;
  /// Of `landed` (task -> the commit it landed as), the tasks whose commit is no longer on
  /// the branch, nor rewritten onto it (a commit since the checkpoint with the task's
  /// subject, as a rebase or an amend leaves): a reset during the run took it away. None
  /// without isolation.
  [[nodiscard]] virtual std::vector<int> gone(const std::map<int, std::string>& landed) const {
    (void)landed;
    return {};
  }
  /// Moves the branch back to `to`, keeping what it had reachable; nullopt when it is
  /// there already (or cannot be moved), else where what it had is kept.
  virtual std::optional<std::string> roll_back(const std::string& to) = 0;
  /// Runs `fn` in a throwaway place holding the branch as it was at `point`; its result,
  /// or nullopt when there is no such place.
  virtual std::optional<int> run_at(const std::string& point, const std::string& name,
                                    const std::function<int(const std::string& dir)>& fn) = 0;

 private:
  std::vector<WorkspaceDone> done_;  // what the defaults did, not taken yet
};

/// What a workspace is made from: the run and its plan.
struct WorkspaceContext {
  const RunOptions& options;
  RunLog& log;
  const std::optional<TaskGraph>& graph;  ///< the run's plan (tasks' IDs, lines, files)
  const std::string& plan_text;           ///< the text it was parsed from
  std::string run_id, workdir, run_dir, tasks_path;
  unsigned tasks_mode = 0;                ///< tasks.md's permission bits when the run started
  int lock_fd = -1;                       ///< the run lock, which git commands inherit
  /// tasks.md's owner when the run started (-1: unknown), put back after git rewrote it.
  long tasks_uid = -1, tasks_gid = -1;
};

/// In place (isolation none): every attempt in the work directory; nothing to
/// integrate. With require-changes, it tells whether the files a task names changed.
[[nodiscard]] std::unique_ptr<Workspace> make_in_place_workspace(const WorkspaceContext& context);

/// Git isolation, when the work directory is the top of a repository with a commit and
/// a branch checked out: nullptr when it is not and `required` is false; an error when it
/// is not and `required`, or when the working tree is dirty without allow_dirty.
[[nodiscard]] Result<std::unique_ptr<Workspace>> open_git_workspace(const WorkspaceContext& context, bool required);

/// The workspace `options.isolation` asks for ("git", "none", "auto"): git when asked,
/// or for auto when the work directory is the top of a repository with a commit and a
/// branch checked out; an error when git is asked for and cannot be had, or the
/// working tree is dirty without allow_dirty.
[[nodiscard]] Result<std::unique_ptr<Workspace>> open_workspace(const WorkspaceContext& context);

/// What a run killed in the middle of integrating a task left half-done in the
/// repository at `workdir` (GitRepo::settle_pending_mark), finished before tasks.md is
/// read: what was done, or empty. With the run lock held.
[[nodiscard]] std::string settle_killed_integration(const std::string& workdir, const std::string& tasks_path);

/// The temporaries a run killed while it replaced the file at `path` left beside it
/// (write_file_atomic's), removed: what was removed, or empty. With the run lock held;
/// under --isolation none in place of settle_killed_integration, which does this too.
[[nodiscard]] std::string remove_killed_temporaries(const std::string& path);

/// tasks.md (`tasks_path`, in the repository whose top is `workdir`) from `before` to
/// `after`, in a commit of its own (GitRepo::commit_file): true when committed; false,
/// with nothing written, where it is not a git repository's or not committed as `before`.
[[nodiscard]] Result<bool> commit_tasks_file(const std::string& workdir, const std::string& tasks_path,
                                             std::string_view before, std::string_view after, const std::string& message);

/// Makes a run's workspace (tests: a fake one).
using WorkspaceFactory = std::function<Result<std::unique_ptr<Workspace>>(const WorkspaceContext& context)>;

/// run() with the workspace `make_workspace` makes instead of the one
/// options.isolation asks for: the loop against a fake workspace, in tests.
[[nodiscard]] Result<RunReport> run_in(const RunOptions& options, Runner& runner, RecoveryPolicy& policy,
                                       RunObserver& observer, WorkspaceFactory make_workspace);

}  // namespace flow::detail
