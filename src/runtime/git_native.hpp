// SPDX-License-Identifier: MIT
// The one hot step of git isolation done inside flow's process (libgit2): a task's work
// replayed onto the branch's head, its mark put on tasks.md, and the commit written,
// without a worktree checkout and without starting git. Only when it would give what
// the git CLI gives: any repository setting under which git would behave differently
// (signing, commit hooks, filters on tasks.md, merge drivers, identity from the
// environment) keeps the CLI, and so does anything that does not merge cleanly. The
// fast-forward of the user's branch always stays with the CLI; the index entry of
// tasks.md set for it is set in process where git would leave the same index. Internal.
#pragma once

#include <flow/error.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace flow::detail {

/// Why the index file whose whole bytes are `index` is not one libgit2 1.5 reads and
/// writes back as git would keep it (another version than 2, an extension other than TREE
/// and REUC, no checksum, not an index at all); empty when it is. Pure.
[[nodiscard]] std::string index_cli_needed(std::string_view index);

/// With the integration lock held (GitRepo::integration_lock), in the git directory
/// `git_dir` of a work tree: the index.lock a run killed inside set_index_entry() left,
/// which no live run holds then, removed, and with it what else that run left there.
/// What it removed (empty: nothing, and a lock that is not flow's is never touched).
std::string release_killed_index_lock(std::string git_dir);

class NativeGit {
 public:
  /// For the repository whose top is `top`, committing as `name` <`email`> when the
  /// user's configuration names nobody (both empty: it does). Nullptr, with why in
  /// `why_not`, where the CLI must do the work (or flow was built without libgit2, or
  /// FLOW_GIT_NATIVE=0).
  static std::unique_ptr<NativeGit> open(const std::string& top, const std::string& tasks_rel, const std::string& name,
                                         const std::string& email, std::string& why_not);
  ~NativeGit();
  NativeGit(const NativeGit&) = delete;
  NativeGit& operator=(const NativeGit&) = delete;

  /// `work` (a commit on the commit its attempt started from; empty: none) replayed onto
  /// `onto_ref`'s head, as `git cherry-pick --no-commit` would: nullopt when it does not
  /// merge cleanly or anything fails (the CLI then does it, and reports any conflict).
  struct Merged {
    std::string head;                    ///< the commit it is on
    Result<std::string> tasks_text;      ///< tasks.md in the merged tree
    std::string tree;                    ///< the merged tree
  };
  [[nodiscard]] std::optional<Merged> merge(const std::string& onto_ref, const std::string& work);
  /// GitRepo::reuse_worktree in process: `worktree` on branch `branch` (reset if it
  /// exists) at `base`, checked out by force, with nothing git does not track. False when
  /// the CLI must do it (filter drivers or a post-checkout hook, which git would run) or
  /// anything failed. Safe on another thread than merge and commit.
  [[nodiscard]] bool reuse(const std::string& worktree, const std::string& branch, const std::string& base) const;
  /// GitRepo::squash in process: everything in `worktree` (git add --all, written to its
  /// index) as one commit on `base`; empty when nothing changed. Nullopt when the CLI must
  /// do it: filter drivers are configured, `protected_path` changed (the CLI puts it
  /// back), or anything fails. Safe on another thread than merge and commit.
  struct Squashed {
    std::string commit;
    bool moved_off_base = false;  ///< as GitRepo::Work's
  };
  [[nodiscard]] std::optional<Squashed> squash(const std::string& worktree, const std::string& base,
                                               const std::string& message, const std::string& protected_path) const;
  /// The commit of `m` with tasks.md set to `tasks_text` (nullptr: as merged), on `m.head`,
  /// message cleaned up as `git commit -m` does; empty when the tree is the head's
  /// (nothing to commit).
  Result<std::string> commit(const Merged& m, const std::string* tasks_text, const std::string& message);
  /// GitRepo::reset_path of tasks.md in process: the main work tree's index entry of
  /// tasks.md set to its blob and mode in `commit` (removed when it has none), with the
  /// stat data git's reset leaves there (none: git sees the file as not up to date), the
  /// rest of the index as git writes it back, under index.lock. False, with why in
  /// `why_not`, when git would leave another index than that (an index extension
  /// libgit2 does not write back, another version, a setting that makes git add one, a
  /// file whose stat data git's refresh would update), when index.lock is held, or when
  /// anything fails: the CLI must do it then; nothing was changed. With the integration
  /// lock held: a killed run's lock is released first (release_killed_index_lock).
  [[nodiscard]] bool set_index_entry(const std::string& commit, std::string& why_not) const;

 private:
  struct State;
  explicit NativeGit(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace flow::detail
