// SPDX-License-Identifier: MIT
// Git for the run loop: a worktree and branch per task attempt, a commit per task,
// integration in completion order, rollback. Always the git CLI with argv (never a
// shell). Internal.
#pragma once

#include <flow/error.hpp>

#include "platform/exec.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flow::detail {


/// What integrating a task's work into the integration branch gave.
struct Integration {
  bool merged = false;
  std::string commit;                       ///< the task's commit on the integration branch
  std::vector<std::string> conflicts;       ///< files that did not merge
  std::string details;                      ///< conflict hunks or git's message, clipped
};

/// Whether git's message (it runs under LC_ALL=C) or flow's own (strerror) says the file
/// system failed: full, over quota, read-only, too large a file, an I/O error. Such a
/// failure is no agent's doing and no setting's (FailureClass::io).
[[nodiscard]] bool disk_failure(std::string_view message) noexcept;

/// The lock file git's message says it found in its way ("Unable to create
/// '<path>.lock': File exists"); empty when it names none.
[[nodiscard]] std::string lock_in_the_way(std::string_view message);

/// An exclusive flock() on a file, held until destroyed (the kernel drops it if its
/// holder dies).
class FileLock {
 public:
  explicit FileLock(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

/// The tasks whose lines `marked` changed from `before` (the same lines but for marks), as
/// "T001, T002": the ID after a box, a heading task's ("Task 3") for a check mark ending
/// its heading or a step's box under it; "a task" when no line names one.
[[nodiscard]] std::string marked_task_ids(std::string_view before, std::string_view marked);

/// `text` with the marks `marked` put on `before`'s lines taken back: each line `marked`
/// changed becomes `before`'s again where `text` has it once (alone, or else with the
/// lines above it up to its heading), the rest of `text` kept. Where a changed line is not
/// found so (the user reworded it, an editor re-aligned its table), the tasks `marked`
/// marks are found in `text` by ID (or, renumbered, by their text under an ID `before`
/// lacks) and set pending there, a Status value in the words `before` had. nullopt when
/// `text` marks none of the tasks found.
[[nodiscard]] std::optional<std::string> take_back_marks(std::string_view text, std::string_view before,
                                                         std::string_view marked);

/// The IDs of the tasks `marked` marks that take_back_marks finds in `text` neither by line,
/// by ID nor by text, or finds twice alike: their marks, if `text` has them, stay.
[[nodiscard]] std::vector<std::string> marks_not_found(std::string_view text, std::string_view before,
                                                       std::string_view marked);

/// marked_task_ids' list `ids` ("T001, Task 3") without the tasks of `lost` (IDs as
/// marks_not_found gives them: "3" for "Task 3"), each of which takes the list's name.
/// "a task" if none is left.
[[nodiscard]] std::string ids_but_lost(std::string_view ids, std::vector<std::string>& lost);

/// Whether `dir` is the top of a work tree as git sees it: its `.git` is a git directory
/// (HEAD naming a branch or a commit, objects/ and refs/ or a linked worktree's commondir)
/// or a file "gitdir: <dir>" naming one. An empty `.git` (Codex's Linux sandbox leaves one
/// in /tmp when it is killed) is none: git walks past it, and so does flow.
[[nodiscard]] bool is_work_tree_top(const std::string& dir);

/// One repository and the run's integration branch.
class GitRepo {
 public:
  /// Opens the repository whose work tree holds `dir`; nullopt if it is not one.
  static std::optional<GitRepo> open(const std::string& dir);

  [[nodiscard]] const std::string& top() const noexcept { return top_; }
  [[nodiscard]] const std::string& common_dir() const noexcept { return common_dir_; }
  /// Whether flow commits as itself (the configuration names nobody): "flow" <flow@localhost>.
  [[nodiscard]] bool own_identity() const noexcept { return !identity_.empty(); }
  /// The branch checked out in the main work tree; empty when HEAD is detached.
  [[nodiscard]] std::string current_branch() const;
  /// The same, read from the main work tree's HEAD file without starting git (a landing
  /// asks before every fast-forward); git's answer where the file cannot be read.
  [[nodiscard]] std::string checked_out_branch() const;
  [[nodiscard]] std::string head() const;                 ///< empty in a repository with no commit
  /// Tracked or untracked changes, `.flow/` excluded: "path" per entry.
  [[nodiscard]] std::vector<std::string> dirty() const;
  /// The tracked files that differ from HEAD (in the index or the work tree): what a
  /// `git reset --hard` would lose. Untracked files are not among them.
  [[nodiscard]] std::vector<std::string> changed_tracked() const;
  /// Those of `paths` (relative to `worktree`'s top), and the files under those that are
  /// folders, that git ignores there and does not track: what `git add -A` leaves out.
  [[nodiscard]] std::vector<std::string> ignored_among(const std::string& worktree, const std::vector<std::string>& paths) const;
  /// Whether `commit`'s tree has `path` (relative to the top).
  [[nodiscard]] bool holds(const std::string& commit, const std::string& path) const;
  /// Whether git ignores `path` (relative to the top): .gitignore, info/exclude, the
  /// global excludes.
  [[nodiscard]] bool ignored(const std::string& path) const;
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
  /// empty when nothing changed (`allow_empty`: a commit even then).
  Result<std::string> commit_all(const std::string& worktree, const std::string& message, bool allow_empty = false) const;
  /// Commits the worktree's tracked changes (what the index holds, and changes to
  /// tracked files) to its branch; untracked files stay out. The commit, or empty when
  /// nothing changed.
  Result<std::string> commit_tracked(const std::string& worktree, const std::string& message) const;
  /// A worktree that exists, made ready for a new attempt as add_worktree would make a
  /// new one: on branch `branch` (reset if it exists) at `base`, checked out, with
  /// nothing git does not track (ignored files included).
  Result<void> reuse_worktree(const std::string& worktree, const std::string& branch, const std::string& base) const;
  /// Deletes these branches (none of them checked out), in one git process.
  void delete_branches(const std::vector<std::string>& branches) const;
  /// git's automatic maintenance (`maintenance run --auto`), which flow's own merges
  /// leave out: once per run.
  void maintain() const;
  /// What an attempt did in its worktree, against the commit it started from.
  struct Work {
    std::string commit;  ///< one commit on `base` with all of it; empty: nothing changed
    bool protected_changed = false;  ///< it changed `protected_path`, which was put back
    /// The worktree's HEAD no longer descends from `base` (the agent reset, checked out or
    /// rebased it): nothing is taken, `commit` is empty.
    bool moved_off_base = false;
    /// What it left that cannot land, said to the agent: a merge, rebase, cherry-pick
    /// or revert unfinished, files in conflict (their markers in them), or a repository
    /// made inside the work; nothing is taken.
    std::string unfinished;
  };
  /// Everything the attempt did since `base` — what it committed on its branch and what
  /// it left uncommitted, new files too — as one commit whose parent is `base` (the
  /// branch does not move). A change to `protected_path` (relative to the top) is undone
  /// first, in the worktree too, and not part of it.
  Result<Work> squash(const std::string& worktree, const std::string& base, const std::string& message,
                      const std::string& protected_path) const;
  /// In `worktree`: moves its branch to `onto` (a commit or a ref, resolved now) and
  /// applies `commit`'s changes there, staged, not committed; what git does not track
  /// stays. On a conflict the files are listed
  /// (the worktree is left to discard).
  Integration replay(const std::string& worktree, const std::string& commit, const std::string& onto) const;
  /// Held while a run integrates a task: runs on other features of the repository (each
  /// with its own run lock) integrate one at a time, since git's merges in one work tree
  /// are not safe against each other.
  [[nodiscard]] FileLock integration_lock() const { return FileLock(integration_lock_path()); }
  [[nodiscard]] std::string integration_lock_path() const { return common_dir_ + "/flow-integration.lock"; }
  /// The work tree's own git directory (where its index is), absolute; empty if git
  /// cannot say.
  [[nodiscard]] std::string git_dir() const;
  /// Whether `commit` is HEAD or one of its ancestors.
  [[nodiscard]] bool on_head(const std::string& commit) const { return reaches("HEAD", commit); }
  /// Whether `commit` is `tip` (a ref or commit) or one of its ancestors.
  [[nodiscard]] bool reaches(const std::string& tip, const std::string& commit) const;
  /// Runs of other features add, remove and prune worktrees of the same repository: one
  /// at a time (git reads every worktree's record, and another's may be half made). Taken
  /// after the integration lock where both are held, never before it.
  [[nodiscard]] FileLock worktree_lock() const { return FileLock(common_dir_ + "/flow-worktrees.lock"); }
  /// Notes, before a fast-forward to `commit` that leaves `path` (tasks.md, relative to
  /// the top) for flow to replace atomically, the file's text then (`before`): what a
  /// run killed in between left, which the next run's settle_pending_mark() finishes.
  /// Under the integration lock; one note per tasks.md (another feature's run lands
  /// while this one's killed run waits to be settled).
  void note_pending_mark(const std::string& path, const std::string& commit, const std::string& before) const;
  /// The fast-forward went through and the file was replaced (or it failed and the index
  /// was put back): nothing pending for `path`.
  void clear_pending_mark(const std::string& path) const;
  /// Where the note for `path` is kept (in the common git directory).
  [[nodiscard]] std::string pending_mark_path(const std::string& path) const;
  /// What a killed run's note (for `path`) says was left half-done, done: the file, still
  /// as it was before, becomes the text its fast-forward committed (the mark); or the
  /// index entry, set for a fast-forward that never came, goes back to HEAD's; or a mark
  /// the user's commit took from that entry is taken back, their other edits kept. Only
  /// while the file holds what the run left there: a user's edit since stays. Returns
  /// what it did, for the journal; empty when nothing was pending. Hold the integration
  /// lock.
  [[nodiscard]] std::string settle_pending_mark(const std::string& path) const;
  /// Fast-forwards the branch checked out in the main work tree to `commit`: the only way
  /// flow changes it, so it is never left half-merged. Uncommitted changes in files the
  /// commit does not touch stay as they are.
  Result<void> fast_forward(const std::string& commit) const;
  /// A commit of the main work tree's tracked changes on top of HEAD (`git stash
  /// create`), leaving everything as it is; HEAD when there are none.
  [[nodiscard]] std::string snapshot() const;
  /// Stages `path` (relative to the top) in the main work tree, or unstages it.
  void stage(const std::string& path, bool staged = true) const;
  /// Sets the main work tree's index entry of `path` to its version in `commit`; the
  /// file itself is not touched.
  void reset_path(const std::string& commit, const std::string& path) const;
  /// Removes a worktree (its branch is kept unless `drop_branch`; then the branch goes
  /// first, so that a kill in between leaves a worktree that the next run removes,
  /// never a branch without one).
  void remove_worktree(const std::string& dir, const std::string& branch, bool drop_branch) const;
  /// Marks `branch` (flow/<run>/<name>, at `commit`) as kept on purpose, for the user:
  /// refs/flow/<run>/kept/<name>. Stale-branch cleanup leaves it while it is there.
  void keep_branch(const std::string& branch, const std::string& commit) const;
  /// Removes the index.lock an attempt's agent left in its worktree's own git directory
  /// (<common dir>/worktrees/<id>), as an agent killed mid-`git add` does. Only once that
  /// agent has ended: nothing but the attempt uses its worktree, so nobody holds it.
  /// Returns the path removed; empty when there was none (or it is not flow's worktree).
  [[nodiscard]] std::string remove_stale_lock(const std::string& worktree) const;
  /// Removes what runs that are no longer alive (other than `keep_run`; a run ID ends in
  /// its process ID) left: their worktrees under .git/flow-worktrees and their
  /// flow/<run>/… branches, whether or not a worktree still holds them, except branches
  /// kept on purpose (a kept marker at their tip, or a tip that is flow's "WIP <task>:
  /// attempt N failed (…)" commit). Prunes git's records. Returns how many worktrees and
  /// branches went.
  int clean_stale_worktrees(const std::string& keep_run) const;

  /// The refs every worktree shares, flow's own left out (refs/flow/…, flow/… branches):
  /// refname -> object, and "HEAD" -> what the main work tree has checked out. What an
  /// agent's git commands in its worktree can change for the whole repository.
  [[nodiscard]] std::map<std::string, std::string> shared_refs() const;
  /// A fingerprint of the files that hold those refs (packed-refs, HEAD, every file under
  /// refs/ but flow's own and `except`, a ref such as "refs/heads/main"): while it stays
  /// the same, shared_refs() (a git process) would list the same refs, `except` aside.
  /// None where it cannot tell: another ref store (reftable), or a file that could not be
  /// read while they changed.
  [[nodiscard]] std::optional<std::uint64_t> refs_stamp(const std::string& except) const;
  /// What changed from `before` to `after` (shared_refs), `except` left out: "created
  /// branch x", "deleted tag v1", "moved refs/stash", "HEAD now refs/heads/y".
  [[nodiscard]] static std::vector<std::string> ref_changes(const std::map<std::string, std::string>& before,
                                                            const std::map<std::string, std::string>& after,
                                                            const std::string& except);

  /// The repository's own settings (the common git directory's `config`, which every
  /// worktree shares), key -> its values one a line; keys as git lowercases them.
  [[nodiscard]] std::map<std::string, std::string> config_entries() const;
  /// What changed from `before` to `after` (config_entries): "set k", "changed k",
  /// "removed k", keys alone (a value may be a secret), and a URL's credentials in a key
  /// masked (`url.https://***@github.com/.insteadof`).
  [[nodiscard]] static std::vector<std::string> config_changes(const std::map<std::string, std::string>& before,
                                                               const std::map<std::string, std::string>& after);

  /// Replaces `path` (relative to the top) holding `before` with `after` and commits it
  /// alone (`message`, hooks not run), where HEAD, the index and the work tree all hold
  /// `before`: a commit of nothing but that change. False, with nothing written, where
  /// they do not; an error (the file put back) when the commit fails.
  Result<bool> commit_file(const std::string& path, std::string_view before, std::string_view after,
                           const std::string& message) const;
  Result<void> update_ref(const std::string& ref, const std::string& commit) const;
  /// The same only while `ref` is at `old` (git checks under its ref lock).
  Result<void> update_ref(const std::string& ref, const std::string& commit, const std::string& old) const;
  /// Whether the checked-out branch went from `from` to `to` without the main work tree:
  /// `to` is no commit `from` came from, their trees differ, and the index still holds
  /// `from`'s (a `git update-ref` from a worktree, the way around git's guard for a branch
  /// checked out elsewhere). A commit in the work tree, a reset (`--soft` keeps the index
  /// on purpose) and a landing of another run are none.
  [[nodiscard]] bool moved_without_work_tree(const std::string& from, const std::string& to) const;
  /// The commits in `from..to`, sha -> subject.
  [[nodiscard]] std::map<std::string, std::string> commits_since(const std::string& from, const std::string& to) const;
  /// One line about `commit`: its short ID and subject.
  [[nodiscard]] std::string describe(const std::string& commit) const;
  Result<std::string> rev_parse(const std::string& what) const;
  /// The content of `what` (a blob: "<commit>:<path>", or its ID) byte for byte, as git
  /// stores it, up to kMaxReadBytes; Errc::not_found when there is none, or more.
  [[nodiscard]] Result<std::string> blob(const std::string& what) const;
  /// `git reset --hard commit` in the main work tree. `atomic_path` (relative to the
  /// top), when given, is first replaced atomically by its content at `commit` and
  /// staged, so that git, finding it up to date, never rewrites it in place.
  Result<void> reset_hard(const std::string& commit, const std::string& atomic_path = {}) const;
  /// What a rollback does, noted in the common git directory (one note per tasks.md)
  /// before it begins and until its journal line is written (clear_rollback_note): a run
  /// killed in between leaves the note, and the next settles it (settle_rollback).
  struct Rollback {
    std::string run_id, branch, from, to, ref;
  };
  /// The branch checked out (`r.branch`, at `r.from`) reset to `r.to` (reset_hard, with
  /// `path`, tasks.md relative to the top, replaced atomically), `r.from` kept under
  /// `r.ref` first. The note stays: clear it once the journal says it was rolled back.
  Result<void> roll_back(const Rollback& r, const std::string& path) const;
  void clear_rollback_note(const std::string& path) const;
  [[nodiscard]] std::string rollback_note_path(const std::string& path) const;
  /// A rollback a killed run left noted for `path`: finished when the branch is still at
  /// its start with nothing changed but tasks.md (as either end has it); found done when
  /// the branch is at its end (or was built on since); given up (the note removed) when
  /// the branch or other files moved since; kept while another branch is checked out.
  /// `journal`: the rollback the journal must say happened, when it did (the caller
  /// writes the line unless there, then clears the note); `done`: what was done, for the
  /// journal and the user. Hold the integration lock.
  struct SettledRollback {
    std::string done;
    std::optional<Rollback> journal;
  };
  [[nodiscard]] SettledRollback settle_rollback(const std::string& path) const;
  /// A commit as `log` lists it.
  struct Commit {
    std::string sha, author, subject;  ///< author: "Name <email>"
  };
  /// The commits after `from` up to HEAD, oldest first.
  [[nodiscard]] std::vector<Commit> log(const std::string& from) const;

 private:
  Exec git(const std::vector<std::string>& args, const std::string& cwd = {}) const;
  /// The commit a linked worktree's branch points to, read from git's files; empty when
  /// they do not say it plainly (then ask git).
  [[nodiscard]] std::string read_head(const std::string& worktree) const;
  /// git's record of a linked worktree (<common dir>/worktrees/<id>) when it is where
  /// and what it should be; empty otherwise.
  [[nodiscard]] std::string worktree_admin_dir(const std::string& worktree) const;
  std::string top_, common_dir_;
  std::vector<std::string> identity_;  // -c user.name/-c user.email when the repository has none
  int lock_fd_ = -1;
};

}  // namespace flow::detail
