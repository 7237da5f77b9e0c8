// SPDX-License-Identifier: MIT
// Git for the run loop: a worktree and branch per task attempt, a commit per task,
// integration in completion order, rollback. Always the git CLI with argv (never a
// shell). Internal.
#pragma once

#include <flow/error.hpp>

#include <optional>
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

/// What integrating a task's work into the integration branch gave.
struct Integration {
  bool merged = false;
  std::string commit;                       ///< the task's commit on the integration branch
  std::vector<std::string> conflicts;       ///< files that did not merge
  std::string details;                      ///< conflict hunks or git's message, clipped
};

/// One repository and the run's integration branch.
class GitRepo {
 public:
  /// Opens the repository whose work tree holds `dir`; nullopt if it is not one.
  static std::optional<GitRepo> open(const std::string& dir);

  [[nodiscard]] const std::string& top() const noexcept { return top_; }
  /// The branch checked out in the main work tree; empty when HEAD is detached.
  [[nodiscard]] std::string current_branch() const;
  [[nodiscard]] std::string head() const;                 ///< empty in a repository with no commit
  /// Tracked or untracked changes, `.flow/` excluded: "path" per entry.
  [[nodiscard]] std::vector<std::string> dirty() const;
  /// Every git command from here on inherits `fd` (the run's flock()ed lock file), so
  /// that the lock stays held until a command the run started has ended, even when the
  /// run is killed while, say, its branch fast-forwards.
  void share_lock(int fd) noexcept { lock_fd_ = fd; }
  /// Keeps `.flow/` out of `git status` for this clone (.git/info/exclude).
  void exclude_flow_dir() const;

  /// A new worktree for an attempt, on branch `branch` (reset if it exists) at `base`,
  /// under .git/flow-worktrees/. Returns its directory.
  Result<std::string> add_worktree(const std::string& branch, const std::string& name, const std::string& base) const;
  /// Commits everything in the worktree (new files too) to its branch; the commit, or
  /// empty when nothing changed.
  Result<std::string> commit_all(const std::string& worktree, const std::string& message) const;
  /// In `worktree`: moves its branch to `onto` and applies `commit`'s changes there,
  /// uncommitted. On a conflict the files are listed (the worktree is left to discard).
  Integration replay(const std::string& worktree, const std::string& commit, const std::string& onto) const;
  /// Fast-forwards the branch checked out in the main work tree to `commit`: the only way
  /// flow changes it, so it is never left half-merged. Uncommitted changes in files the
  /// commit does not touch stay as they are.
  Result<void> fast_forward(const std::string& commit) const;
  /// A commit of the main work tree's tracked changes on top of HEAD (`git stash
  /// create`), leaving everything as it is; HEAD when there are none.
  [[nodiscard]] std::string snapshot() const;
  /// Removes a worktree (its branch is kept unless `drop_branch`).
  void remove_worktree(const std::string& dir, const std::string& branch, bool drop_branch) const;
  /// Removes what runs other than `keep_run` left under .git/flow-worktrees (a crash),
  /// and prunes git's records of them. Returns how many were removed.
  int clean_stale_worktrees(const std::string& keep_run) const;

  Result<void> update_ref(const std::string& ref, const std::string& commit) const;
  Result<std::string> rev_parse(const std::string& what) const;
  /// `git reset --hard commit` in the main work tree. `atomic_path` (relative to the
  /// top), when given, is first replaced atomically by its content at `commit` and
  /// staged, so that git, finding it up to date, never rewrites it in place.
  Result<void> reset_hard(const std::string& commit, const std::string& atomic_path = {}) const;
  /// The commits after `from` up to HEAD, oldest first, as (sha, subject).
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> log(const std::string& from) const;

 private:
  Exec git(const std::vector<std::string>& args, const std::string& cwd = {}) const;
  std::string top_, common_dir_;
  std::vector<std::string> identity_;  // -c user.name/-c user.email when the repository has none
  int lock_fd_ = -1;
};

}  // namespace flow::detail
