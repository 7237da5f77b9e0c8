// SPDX-License-Identifier: MIT
// The git workspace: a worktree and branch per attempt (under .git/flow-worktrees), its
// work squashed into one commit on the commit it started from, replayed onto the
// branch's real head with the task's mark and fast-forwarded, in completion order.
#include "runtime/workspace.hpp"

#include <flow/tasks_file.hpp>
#include <flow/tasks_md.hpp>

#include "core/tasks_md_internal.hpp"
#include "runtime/git.hpp"
#include "runtime/git_native.hpp"
#include "runtime/journal_read.hpp"
#include "runtime/prompt.hpp"
#include "support/json.hpp"
#include "support/test_hook.hpp"
#include "runtime/worker.hpp"
#include "support/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace flow::detail {

namespace {

// The folder `parent` made as needed, inside `top` as the folders really are: the deepest
// that exists is looked at before any is made (through a link to /etc, the rest would be
// made there), and `parent` once made.
Result<void> make_folder_inside(const fs::path& parent, const std::string& top) {
  std::error_code ec;
  const fs::path real_top = fs::canonical(top, ec);
  auto inside = [&](const fs::path& p) {
    std::error_code e;
    const auto rel = fs::canonical(p, e).lexically_relative(real_top);
    return !e && !rel.empty() && *rel.begin() != "..";
  };
  fs::path have = parent;
  while (!have.empty() && !fs::exists(have, ec) && have.has_relative_path()) have = have.parent_path();
  if (!inside(have)) return make_error(Errc::io, parent.string() + " leads out of " + top);
  fs::create_directories(parent, ec);
  if (ec) return make_error(Errc::io, "cannot make " + parent.string() + ": " + ec.message());
  if (!inside(parent)) return make_error(Errc::io, parent.string() + " leads out of " + top);
  return {};
}

// `from` (a regular file) copied to `to` through a temporary beside it, linked into place
// so that a file already at `to` is never replaced: false then, with nothing written.
// Folders are made as needed; none may lead out of `top` (a symbolic link).
Result<bool> copy_new_file(const std::string& from, const std::string& to, const std::string& top) {
  std::error_code ec;
  const fs::path dest(to), parent = dest.parent_path();
  if (fs::symlink_status(dest, ec).type() != fs::file_type::not_found) return false;
  if (auto made = make_folder_inside(parent, top); !made) return Unexpected{std::move(made).error()};
  const fs::path tmp = parent / (".flow-copy-" + std::to_string(::getpid()) + "-" + dest.filename().string());
  fs::remove(tmp, ec);
  if (!fs::copy_file(from, tmp, ec) || ec) {
    const std::string why = ec ? ec.message() : "not copied";
    fs::remove(tmp, ec);
    return make_error(Errc::io, "cannot copy it: " + why);
  }
  const bool linked = ::link(tmp.c_str(), dest.c_str()) == 0;
  const int err = errno;
  fs::remove(tmp, ec);
  if (!linked && err == EEXIST) return false;
  if (!linked) return make_error(Errc::io, "cannot copy it: " + std::string(std::strerror(err)));
  return true;
}

// Whether two files hold the same bytes.
bool same_content(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (fs::file_size(a, ec) != fs::file_size(b, ec) || ec) return false;
  std::ifstream x(a, std::ios::binary), y(b, std::ios::binary);
  std::array<char, 65536> p{}, q{};
  while (x && y) {
    x.read(p.data(), p.size());
    y.read(q.data(), q.size());
    if (x.gcount() != y.gcount() || std::memcmp(p.data(), q.data(), static_cast<std::size_t>(x.gcount())) != 0) return false;
  }
  return x.eof() && y.eof();
}

// The symbolic link `from` made again at `to`, pointing where it points, when that is
// inside `top` (`.env -> .env.development`); false where something is at `to` already.
Result<bool> copy_link(const std::string& from, const std::string& to, const std::string& top) {
  std::error_code ec;
  const fs::path target = fs::read_symlink(from, ec);
  if (ec) return make_error(Errc::io, "cannot read it: " + ec.message());
  const fs::path dest(to);
  const fs::path lands = (target.is_absolute() ? target : dest.parent_path() / target).lexically_normal();
  const auto rel = lands.lexically_relative(fs::path(top).lexically_normal());
  if (target.is_absolute() || rel.empty() || *rel.begin() == "..") return make_error(Errc::io, "it points out of the repository");
  if (fs::symlink_status(dest, ec).type() != fs::file_type::not_found) return false;
  if (auto made = make_folder_inside(dest.parent_path(), top); !made) return Unexpected{std::move(made).error()};
  fs::create_symlink(target, dest, ec);
  if (ec) return ec == std::errc::file_exists ? Result<bool>(false) : make_error(Errc::io, "cannot make it: " + ec.message());
  return true;
}

class GitWorkspace final : public Workspace {
 public:
  GitWorkspace(const WorkspaceContext& c, GitRepo repo, std::string branch, std::string head, std::string tasks_rel,
               int stale)
      : opt_(c.options), log_(c.log), graph_(c.graph), plan_text_(c.plan_text), run_id_(c.run_id), tasks_path_(c.tasks_path), run_dir_(c.run_dir),
        tasks_mode_(c.tasks_mode), tasks_uid_(c.tasks_uid), tasks_gid_(c.tasks_gid), repo_(std::move(repo)), branch_(std::move(branch)), head_(head), checkpoint_(std::move(head)),
        tasks_rel_(std::move(tasks_rel)), stale_worktrees_(stale) {
    std::string why_not;
    native_ = NativeGit::open(repo_.top(), tasks_rel_, repo_.own_identity() ? "flow" : "",
                              repo_.own_identity() ? "flow@localhost" : "", why_not);
    native_why_not_ = std::move(why_not);
    refs_stamp_ = repo_.refs_stamp("refs/heads/" + branch_);
    refs_ = repo_.shared_refs();
    if (auto text = read_file(repo_.common_dir() + "/config")) config_text_ = std::move(*text);
    config_ = repo_.config_entries();
    hooks_ = hook_stamps();
  }

  Isolation kind() const noexcept override { return Isolation::git; }
  bool isolated() const noexcept override { return true; }

  void started() override {
    log_.log("checkpoint", -1, 0,
             {{"branch", branch_}, {"commit", checkpoint_}, {"integration", native_ ? "libgit2" : "git: " + native_why_not_}}, true);
    log_.emit("checkpoint", -1, 0, "git isolation: tasks commit to " + branch_ + " from " + checkpoint_.substr(0, 10));
    if (stale_worktrees_ > 0)
      log_.emit("resumed", -1, 0, "removed " + std::to_string(stale_worktrees_) + " worktree(s) and branch(es) that earlier runs left");
  }

  // The attempt gets its own worktree and branch, from the integration branch as it is
  // now (so a retry sees what merged meanwhile).
  Result<std::string> prepare(int t, int attempt) override {
    Attempt a = plan_attempt(t, attempt);
    auto wt = make_place(a);
    delete_unneeded();
    if (!wt) return Unexpected{std::move(wt).error()};
    a.dir = *wt;
    attempts_[t] = std::move(a);
    return *wt;
  }

  // The same on the worker: the loop goes on meanwhile; the attempt is recorded when the
  // loop takes the result (take), so that everything but git stays on the loop's thread.
  void begin_prepare(int t, int attempt) override {
    Attempt a = plan_attempt(t, attempt);
    begun();
    worker_.post([this, t, attempt, a] {
      test_pause("preparing");
      Finished f;
      f.done = {WorkspaceDone::Kind::prepared, t, attempt, make_place(a), Work{}};
      finished(std::move(f));
    });
    delete_unneeded();
    preparing_[t] = std::move(a);
  }

  // The branches worktrees held before they served another attempt, deleted a batch at a
  // time once the worktree that held the last of them has been switched (git refuses to
  // delete a branch a worktree has checked out): posted after that switch.
  void delete_unneeded() {
    if (unneeded_.size() < kBranchBatch) return;
    worker_.post([this, branches = std::move(unneeded_)] { repo_.delete_branches(branches); });
    unneeded_.clear();
  }

  std::string dir(int t) const override {
    const auto a = attempts_.find(t);
    return a != attempts_.end() ? a->second.dir : repo_.top();
  }

  // The attempt's work as one commit on the commit it started from (empty: it changed
  // nothing). Everything since then counts, what the agent committed itself included;
  // its changes to tasks.md (flow is its only writer) are undone and reported, never
  // integrated.
  Result<Work> collect(int t) override {
    const auto a = attempts_.find(t);
    if (a == attempts_.end()) return Work{};
    Finished f = squash(t, a->second);
    said(f);
    return std::move(f.done.work);
  }

  void begin_collect(int t, int attempt) override {
    begun();
    const auto a = attempts_.find(t);
    if (a == attempts_.end()) {
      Finished f;
      f.done = {WorkspaceDone::Kind::collected, t, attempt, std::string(), Work{}};
      return finished(std::move(f));
    }
    // The worker looks at the refs in the order the collections are begun, so the tasks
    // that may have changed them since the last look are those whose agents have not
    // ended. One whose collection was begun earlier ended before that collection's look,
    // though it has not landed yet.
    std::vector<std::string> alongside;
    for (const auto& [other, at] : attempts_)
      if (other != t && !at.ended) alongside.push_back(task(other).id);
    a->second.ended = true;
    worker_.post([this, t, a = a->second, alongside = std::move(alongside)] {
      Finished f = squash(t, a);
      if (!f.refs.empty() || !f.config.empty()) f.alongside = alongside;
      finished(std::move(f));
    });
  }

  std::vector<WorkspaceDone> take(double timeout) override {
    std::deque<Finished> got;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (finished_.empty() && in_flight_ > 0 && timeout > 0)
        arrived_.wait_for(lock, std::chrono::duration<double>(timeout), [this] { return !finished_.empty(); });
      got.swap(finished_);
      in_flight_ -= static_cast<int>(got.size());
    }
    std::vector<WorkspaceDone> out;
    for (Finished& f : got) {
      if (f.done.kind == WorkspaceDone::Kind::prepared) {
        auto p = preparing_.find(f.done.task);
        if (p != preparing_.end() && f.done.dir) {
          p->second.dir = *f.done.dir;
          attempts_[f.done.task] = std::move(p->second);
        }
        if (p != preparing_.end()) preparing_.erase(p);
      } else {
        said(f);
      }
      out.push_back(std::move(f.done));
    }
    return out;
  }

  int pending() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_flight_;
  }

  // Applies the attempt's work to the integration branch, marks the task in tasks.md and
  // commits both as one commit named after the task; else why not (the conflicting
  // files and hunks), with everything put back as it was.
  std::optional<Error> integrate(int t, const Work& work, const TaskMark& mark, Landing& landing) override {
    const auto a = attempts_.find(t);
    if (a == attempts_.end()) return std::nullopt;
    const std::string dir = a->second.dir;
    const std::string wt_tasks = dir + "/" + tasks_rel_;
    bool marked = false;
    std::string commit, committed_text;
    std::string index_way;  // how tasks.md's index entry was set for the fast-forward, if it was
    // Replayed in the task's worktree onto the branch's real head (the user, or a run on
    // another feature, may have committed since: that is no conflict), marked there,
    // committed, and only then the branch fast-forwards: the main work tree never holds
    // a half-done merge, whatever kills flow when. If the branch moves in between, again.
    const FileLock one_at_a_time = repo_.integration_lock();
    take_back_branch_move(t);
    for (int round = 1;; ++round) {
      // In process where that gives what git would (git_native.hpp): no checkout of the
      // worktree and no git process; else, or when it does not merge cleanly, the CLI in
      // the task's worktree, which also names the conflicts.
      std::optional<NativeGit::Merged> fast = native_ ? native_->merge("refs/heads/" + branch_, work.ref) : std::nullopt;
      if (!fast) {
        const Integration in = repo_.replay(dir, work.ref, "refs/heads/" + branch_);
        if (!in.merged) {
          log_.log("merge-conflict", t, 0, {{"files", join(in.conflicts, " ")}});
          // --allow-dirty: the agent worked on a snapshot with the user's uncommitted
          // changes, and only its own land, on the branch without them. Where they meet
          // in a file, every retry would meet them again.
          if (opt_.allow_dirty) {
            const std::vector<std::string> dirty = repo_.dirty();
            std::vector<std::string> theirs;
            for (const std::string& c : in.conflicts)
              if (std::find(dirty.begin(), dirty.end(), c) != dirty.end()) theirs.push_back(c);
            if (!theirs.empty())
              return Error{Errc::config, "not landed: the task's changes conflict with your uncommitted changes to " +
                                             join(theirs, ", ") + " (with --allow-dirty the agent sees them, but only its own "
                                             "changes land, on " + branch_ + " without yours, so no retry can merge them); "
                                             "commit or stash yours, then run it again\n" + in.details};
          }
          return Error{Errc::conflict, "conflict: the task's changes do not merge with what was integrated since it started; "
                                       "conflicting files: " + join(in.conflicts, ", ") + "\n" + in.details};
        }
      }
      test_pause("after-replay");
      // tasks.md as the branch has it, or as the user has it in the work tree when they
      // edited it during the run: the commit carries their edit, with the mark put on
      // the task's line found by ID and text (and, since an editor may have saved over
      // them, the marks this run set before).
      auto branch_text = fast ? std::move(fast->tasks_text) : read_file(wt_tasks);
      auto user_text = read_file(tasks_path_);
      const bool user_edit = branch_text && user_text && *user_text != *branch_text;
      committed_text = user_edit ? *user_text : branch_text ? *branch_text : std::string();
      marked = false;
      if (mark.wanted) {
        // No tasks.md on the branch (never committed): nothing to mark, and none made.
        auto updated = branch_text ? mark.apply(committed_text, user_edit) : Result<std::string>(Unexpected{branch_text.error()});
        if (updated) {
          marked = true;
          committed_text = std::move(*updated);
          landing.mark_error.clear();
        } else {
          // Its line is not where it was, as it was (the user edited it while the task ran):
          // landed unmarked, the next run would do the work again on top of it. Nothing
          // lands; the task fails, its work kept on its branch like any failed task's.
          log_.log("mark-failed", t, 0, {{"error", updated.error().message}});
          log_.emit("mark-failed", t, 0, updated.error().message);
          return Error{Errc::io, "not landed: cannot mark it done in " + tasks_rel_ + ": " + updated.error().message +
                                     " (edited while it ran: run it again as its line says now)"};
        }
      }
      const bool changed = branch_text && committed_text != *branch_text;
      if (changed && !fast)
        if (auto w = write_file_atomic(wt_tasks, committed_text); !w)
          return Error{Errc::io, "cannot commit the task: " + w.error().message};
      auto made = fast ? native_->commit(*fast, changed ? &committed_text : nullptr, commit_message(t))
                       : repo_.commit_tracked(dir, commit_message(t));
      if (!made)
        return Error{disk_failure(made.error().message) ? Errc::io : Errc::conflict, "cannot commit the task: " + made.error().message};
      commit = *made;
      if (commit.empty()) break;  // nothing to commit: no work, and the mark was there
      test_pause("after-commit");
      // tasks.md is never left to the fast-forward, whose checkout unlinks and recreates
      // it (a reader would find it missing): the index takes the commit's version, so
      // git leaves the file alone, and once the commit is in, the file is replaced
      // atomically (a kill in between leaves the mark out, never a mark without its
      // commit) unless the user saved it again meanwhile (the next task puts the mark
      // back). The same lets the fast-forward through when the user edited it.
      const bool own_write = user_text && (changed || user_edit);
      index_way.clear();
      if (own_write) {
        repo_.note_pending_mark(tasks_rel_, commit, *user_text);
        // In process where git would leave the same index (git_native.hpp); else git.
        std::string why_not = native_why_not_;
        index_way = native_ && native_->set_index_entry(commit, why_not) ? "libgit2" : "git: " + why_not;
        if (index_way != "libgit2") repo_.reset_path(commit, tasks_rel_);
        test_pause("before-fast-forward");
      }
      // Durable before the branch takes it: a run killed once it has, before its
      // task-finished line, would leave a task without a checkbox to run again (its
      // state is the journal's alone); the next run finds this commit on the branch.
      // `git merge --ff-only` moves what is checked out: the user who switched branches (or
      // detached HEAD) during the run would get the task on theirs, the journal saying it
      // is on this run's.
      // Not landed after all: tasks.md's index entry and its note go back as they were.
      auto undo_own_write = [&] {
        if (!own_write) return;
        repo_.stage(tasks_rel_, false);
        repo_.clear_pending_mark(tasks_rel_);
      };
      if (const std::string on = repo_.checked_out_branch(); on != branch_) {
        undo_own_write();
        landing.stop = true;
        return Error{Errc::config, "not landed: " + (on.empty() ? std::string("HEAD is detached") : on + " is checked out") +
                                       " in " + repo_.top() + ", and this run commits to " + branch_ +
                                       "; no task lands until " + branch_ + " is checked out again (then run flow again)"};
      }
      log_.log("landing", t, 0, {{"commit", commit}}, true);
      auto ff = repo_.fast_forward(commit);
      auto user_saved = [&] {
        const auto again = read_file(tasks_path_);
        return !again || !user_text || *again != *user_text;
      };
      if (ff) {
        test_pause("after-fast-forward");
        if (own_write && !user_saved())
          if (auto w = write_file_atomic(tasks_path_, committed_text); !w)
            log_.emit("mark-failed", t, 0, "the commit has the mark, but " + tasks_rel_ + " could not be rewritten: " +
                                               w.error().message + " (git status shows it modified; the next task puts "
                                               "the mark back)");
        if (own_write) repo_.clear_pending_mark(tasks_rel_);
        break;
      }
      undo_own_write();
      const auto parent = repo_.rev_parse(commit + "^"), now = repo_.rev_parse("refs/heads/" + branch_);
      // Again when the branch moved meanwhile, the user saved tasks.md meanwhile, or
      // another git command held the index a moment: a user who commits often (an editor
      // that commits on save) gets there first now and then. A held lock is waited for a
      // little longer each round (about 1.5 s in all) before it is called in the way.
      const bool busy = ff.error().message.find("index.lock") != std::string::npos;
      if (round < kLandingRounds && ((parent && now && *parent != *now) || user_saved() || busy)) {
        if (busy) std::this_thread::sleep_for(std::chrono::milliseconds(25 << std::min(round, 6)));
        continue;
      }
      // A lock in the main repository stays: flow did not make it, and a git command the
      // user runs there may hold it. The task's commit is kept on its branch meanwhile.
      if (const std::string lock = lock_in_the_way(ff.error().message); !lock.empty())
        return Error{Errc::io, branch_ + " could not take the task's commit: " + lock + " exists, left by a git command " +
                                   "that is still running in " + repo_.top() + " or that stopped halfway (an agent " +
                                   "killed mid-command?); flow does not remove a lock it did not make. If no git command " +
                                   "is running there, remove it (rm " + lock + ") and run the task again"};
      // Files of the user's, changed or new and not committed, that the task's commit
      // changes: git keeps them, and so does every retry until the user acts.
      if (ff.error().message.find("would be overwritten") != std::string::npos)
        return Error{Errc::config, "not landed: your uncommitted changes in " + repo_.top() + " are in the way of the task's "
                                   "commit (git will not overwrite them); commit or stash them, then run it again: " +
                                   ff.error().message};
      return Error{disk_failure(ff.error().message) ? Errc::io : Errc::conflict,
                   "conflict: " + branch_ + " could not take the task's commit: " + ff.error().message};
    }
    landing.landed = true;
    landing.marked = marked;
    if (!commit.empty()) {
      landing.before = commit + "^";
      landing.text = std::move(committed_text);
      head_ = commit;
      landed_.insert(commit);
      keep_tasks_mode();
    }
    landing.head = head_;
    land_ignored(t, a->second);
    // Its worktree, at the task's commit now, serves the next attempt (reuse_worktree).
    free_.push_back(std::move(a->second));
    attempts_.erase(a);
    if (index_way.empty()) log_.log("committed", t, 0, {{"commit", head_}, {"branch", branch_}});
    else log_.log("committed", t, 0, {{"commit", head_}, {"branch", branch_}, {"index", index_way}});
    return std::nullopt;
  }

  // After a failed attempt: its worktree goes. `keep` (a task that finally failed): what
  // it did is committed to its branch, kept for the user and marked so
  // (GitRepo::keep_branch) for stale-branch cleanup to leave it; otherwise (it runs
  // again, was killed, or never started) the branch goes too.
  void discard(int t, const std::string& why, bool keep) override {
    const auto a = attempts_.find(t);
    if (a == attempts_.end()) return;
    worker_.post([this, a = a->second, message = "WIP " + commit_message(t) + ": " + why, keep] {
      if (keep)
        if (auto kept = repo_.commit_all(a.dir, message, true); kept && !kept->empty()) repo_.keep_branch(a.branch, *kept);
      repo_.remove_worktree(a.dir, a.branch, !keep);
    });
    attempts_.erase(a);
  }

  // Once the worker is done: what it prepared that the loop never took goes too, and the
  // removals have finished when this returns.
  void discard_all(const std::string& why) override {
    worker_.wait_idle();
    (void)take(0);
    while (!attempts_.empty()) discard(attempts_.begin()->first, why, false);
    // The worktrees kept for reuse go, then their branches and the ones they held
    // before, in one process; then git's maintenance, which the merges left out.
    for (Attempt& a : free_) unneeded_.push_back(a.branch);
    worker_.post([this, places = std::move(free_), branches = std::move(unneeded_), landed = head_ != checkpoint_] {
      for (const Attempt& a : places) repo_.remove_worktree(a.dir, "", false);
      repo_.delete_branches(branches);
      if (landed) repo_.maintain();
    });
    free_.clear();
    unneeded_.clear();
    worker_.wait_idle();
  }

  std::string branch() const override { return branch_; }
  std::string head() const override { return head_; }
  std::string checkpoint() const override { return checkpoint_; }

  std::vector<int> gone(const std::map<int, std::string>& landed) const override {
    std::vector<int> out;
    if (landed.empty()) return out;
    // One git process: the branch's commits since the checkpoint, and their subjects.
    const std::map<std::string, std::string> there = repo_.commits_since(checkpoint_, "refs/heads/" + branch_);
    std::set<std::string> subjects;
    for (const auto& [sha, subject] : there) subjects.insert(subject);
    for (const auto& [t, commit] : landed) {
      const std::string message = commit_message(t);
      if (!there.count(commit) && !subjects.count(message.substr(0, message.find('\n')))) out.push_back(t);
    }
    return out;
  }

  // The branch goes back to `to`; what it had stays reachable under
  // refs/flow/<run>/rolled-back.
  std::optional<std::string> roll_back(const std::string& to) override {
    // The branch's real head: the user may have committed since the last task.
    worker_.wait_idle();  // no worktree of this run changes meanwhile
    if (auto real = repo_.rev_parse("refs/heads/" + branch_)) head_ = *real;
    if (head_ == to) return std::nullopt;
    const std::string ref = "refs/flow/" + run_id_ + "/rolled-back";
    const FileLock one_at_a_time = repo_.integration_lock();
    // Only the run's own commits are its to undo: with another's among or after them (the
    // user's, a run on another feature), the branch stays as it is, and the journal says
    // which and how to undo the run anyway (flow rollback, which refuses the same way).
    std::vector<std::string> foreign;
    for (const GitRepo::Commit& c : repo_.log(to))
      if (!landed_.count(c.sha)) foreign.push_back(c.sha.substr(0, 10) + " " + c.subject + " (" + c.author + ")");
    if (!foreign.empty()) {
      // The commits first: a terminal line may show no more than its start.
      const std::string why = "not rolled back: " + join(foreign, "; ") + (foreign.size() == 1 ? " is" : " are") + " on " +
                              branch_ + " since " + to.substr(0, 10) + " and not this run's. `flow rollback` names the " +
                              "`git revert` that undoes only the run's; `flow rollback --force` undoes " +
                              (foreign.size() == 1 ? "it" : "them") + " too";
      log_.log("rollback-refused", -1, 0, {{"to", to}, {"from", head_}, {"detail", why}}, true);
      log_.emit("rollback-refused", -1, 0, why);
      return std::nullopt;
    }
    // Changes not committed (the user's, made during the run or before it with
    // --allow-dirty; an edit to tasks.md): a reset would lose them, and git would keep no
    // copy. The branch stays; `flow rollback` undoes the run once they are put away.
    if (const std::vector<std::string> changed = repo_.changed_tracked(); !changed.empty()) {
      std::vector<std::string> shown(changed.begin(), changed.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(changed.size(), 5)));
      const std::string why = "not rolled back: " + join(shown, ", ") + (changed.size() > shown.size() ? " and " + std::to_string(changed.size() - shown.size()) + " more" : std::string()) +
                              (changed.size() == 1 ? " has" : " have") + " changes not committed, which a reset would lose. " +
                              "Commit or stash them, then `flow rollback` undoes the run";
      log_.log("rollback-refused", -1, 0, {{"to", to}, {"from", head_}, {"detail", why}}, true);
      log_.emit("rollback-refused", -1, 0, why);
      return std::nullopt;
    }
    if (!repo_.roll_back({run_id_, branch_, head_, to, ref}, tasks_rel_)) return std::nullopt;
    test_pause("rolled-back-unjournaled");
    // The note goes once the line is on disk: with it lost (a full disk), the next run
    // finds the rollback done and writes the line then.
    if (log_.log("rolled-back", -1, 0, {{"to", to}, {"from", head_}, {"ref", ref}}, true)) repo_.clear_rollback_note(tasks_rel_);
    log_.emit("rolled-back", -1, 0, branch_ + " reset to " + to.substr(0, 10) + "; the run's commits are in " + ref);
    head_ = to;
    keep_tasks_mode();
    return ref;
  }

  // A throwaway worktree at `point`, removed with its branch afterwards.
  std::optional<int> run_at(const std::string& point, const std::string& name,
                            const std::function<int(const std::string&)>& fn) override {
    if (point.empty()) return std::nullopt;
    worker_.wait_idle();
    const std::string branch = "flow/" + run_id_ + "/" + name;
    auto dir = repo_.add_worktree(branch, run_id_ + "/" + name, point);
    if (!dir) return std::nullopt;
    const int rc = fn(*dir);
    repo_.remove_worktree(*dir, branch, true);
    return rc;
  }

 private:
  struct Attempt {
    std::string dir, branch, base;  // its worktree, its branch, the commit it started from
    std::string name;               // its worktree's name under .git/flow-worktrees
    std::string message;            // its commit's message
    int attempt = 0;
    bool reuse = false;             // its worktree is one an earlier attempt landed from
    bool ended = false;             // its agent has ended: its collection is begun
    std::vector<std::string> ignored;  // files the task names that git ignores, left by the agent
  };
  // What the worker finished, with what only the loop's thread may say about it.
  struct Finished {
    WorkspaceDone done;
    bool protected_changed = false;  // collected: the agent changed tasks.md (undone)
    std::string stale_lock;          // collected: the index.lock its agent left, removed
    std::vector<std::string> refs;   // collected: shared refs changed while its agent ran
    std::vector<std::string> alongside;  // collected: the tasks whose agents ran since the last look (any may have)
    std::vector<std::string> ignored;    // collected: files it names that git ignores, there as files
    std::vector<std::string> config;     // collected: the repository's settings and hooks changed while its agent ran
  };

  const Task& task(int t) const { return graph_->plan().tasks[static_cast<std::size_t>(t)]; }

  // Where and from what task t's attempt runs; its names. On the loop's thread.
  Attempt plan_attempt(int t, int attempt) {
    // flow/<run>/<id>; a duplicate ID's occurrences each have their own branch. An ID
    // git will not take in a ref name (a range, "T026..T030") has its other characters
    // made '_' and its line added, so that no two tasks share a name.
    std::string name = task(t).id;
    bool renamed = false;
    for (char& c : name)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_', renamed = true;
    Attempt a;
    a.branch = "flow/" + run_id_ + "/" + name +
               (renamed || duplicate_id(t) ? "-line" + std::to_string(task(t).line) : std::string());
    // A worktree whose last attempt landed is used again (the branch it held is deleted
    // with the next batch); otherwise a new one.
    if (!free_.empty()) {
      Attempt& was = free_.back();
      a.dir = std::move(was.dir);
      a.name = std::move(was.name);
      a.reuse = true;
      if (was.branch != a.branch) unneeded_.push_back(std::move(was.branch));
      free_.pop_back();
    } else {
      a.name = run_id_ + "/w" + std::to_string(++worktrees_made_);
    }
    // The branch is this attempt's again: a batch deletion must not take it.
    std::erase(unneeded_, a.branch);
    // --allow-dirty: from a snapshot of the tree, so agents see the uncommitted changes
    // (only the task's own changes are integrated). Taken under the landing lock: a run of
    // another feature landing a commit has moved the branch before it rewrites its
    // tasks.md, and the snapshot would hold that half-landed state.
    if (opt_.allow_dirty) {
      const FileLock one_at_a_time = repo_.integration_lock();
      a.base = repo_.snapshot();
    } else {
      a.base = head_;
    }
    a.message = commit_message(t);
    a.attempt = attempt;
    return a;
  }

  // Where an attempt runs: its worktree made ready (git only: it may run on the worker).
  // A worktree that cannot be used again is replaced by a new one. Errc::io when the
  // disk failed (Workspace::prepare), else Errc::config.
  Result<std::string> make_place(const Attempt& a) const {
    if (a.reuse) {
      if ((native_ && native_->reuse(a.dir, a.branch, a.base)) || repo_.reuse_worktree(a.dir, a.branch, a.base)) return a.dir;
      repo_.remove_worktree(a.dir, "", false);
    }
    auto made = repo_.add_worktree(a.branch, a.name, a.base);
    if (!made) return make_error(disk_failure(made.error().message) ? Errc::io : Errc::config, made.error().message);
    return made;
  }

  // The attempt's work squashed into one commit on its base (GitRepo::squash); git only
  // (NativeGit::squash uses a repository handle of its own), so that it may run on the worker.
  Finished squash(int t, const Attempt& a) const {
    Finished f;
    f.done.kind = WorkspaceDone::Kind::collected;
    f.done.task = t;
    f.done.attempt = a.attempt;
    // Its agent has ended and nothing else uses its worktree: an index.lock there is one
    // the agent left (killed mid-`git add`, say), held by nobody, and in the way of
    // this commit and of the next attempt that reuses the worktree.
    f.stale_lock = repo_.remove_stale_lock(a.dir);
    // Branches, tags and stashes are the repository's, not the worktree's: what changed
    // since the last look (the run's start, or the last collection) while this agent ran.
    // The branch tasks land on is flow's to move. On the worker: one look at a time.
    // Listed (a git process) only when the files that hold them changed since the last
    // look: the stamp is taken first, so a change made while they are listed is seen next.
    const std::string mine = "refs/heads/" + branch_;
    const auto stamp = repo_.refs_stamp(mine);
    if (!stamp || stamp != refs_stamp_) {
      auto refs = repo_.shared_refs();
      f.refs = GitRepo::ref_changes(refs_, refs, mine);
      refs_ = std::move(refs);
    }
    refs_stamp_ = stamp;
    f.config = settings_changes();
    test_pause("after-refs-look");
    // A file the task names that git ignores (config/local.env), or one in a folder it
    // names (cache/), is in no commit: it is copied once the task lands (land_ignored).
    std::vector<std::string> named;
    for (std::string p : files_of(task(t))) {
      while (!p.empty() && p.back() == '/') p.pop_back();
      if (struct stat st {}; !p.empty() && ::lstat((a.dir + "/" + p).c_str(), &st) == 0) named.push_back(std::move(p));
    }
    if (!named.empty()) f.ignored = repo_.ignored_among(a.dir, named);
    // In process where git would give the same (git_native.hpp), else the CLI.
    std::optional<NativeGit::Squashed> fast = native_ ? native_->squash(a.dir, a.base, a.message, tasks_rel_) : std::nullopt;
    auto work = fast ? Result<GitRepo::Work>(GitRepo::Work{fast->commit, false, fast->moved_off_base, {}})
                     : repo_.squash(a.dir, a.base, a.message, tasks_rel_);
    if (!work) {
      // Errc::io only for the disk's failures: the rest is a setting's (a hook, a filter).
      f.done.work = make_error(disk_failure(work.error().message) ? Errc::io : Errc::config,
                               "cannot commit the task's work: " + work.error().message);
    } else if (!work->unfinished.empty()) {
      Work refused;
      refused.refused = "the agent left " + work->unfinished + ". None of its work is taken.";
      f.done.work = std::move(refused);
    } else if (work->moved_off_base) {
      Work refused;
      refused.refused = "the agent moved its worktree off the commit it started from (git reset, checkout or rebase): "
                        "what it left would undo earlier tasks' work, so none of it is taken. Do not reset, check out "
                        "or rebase; leave your changes in place or commit them on top.";
      f.done.work = std::move(refused);
    } else {
      f.protected_changed = work->protected_changed;
      // What it left that git ignores is work too (`Create .env with the defaults`).
      f.done.work = Work{work->commit, !work->commit.empty() || !f.ignored.empty(), {}};
    }
    return f;
  }

  // An agent that moved the branch to a commit of its own with `git update-ref` (git
  // guards a branch checked out elsewhere from `branch -f`, not from that) left the user's
  // index and files at what the branch held: the next fast-forward would carry the
  // difference as staged and undone, for the user's next commit to record. The branch goes
  // back to what this run last saw on it, the commit kept under refs/flow/<run>/moved/<k>;
  // the agent's work lands as its task's, like any. Under the integration lock.
  void take_back_branch_move(int t) {
    const std::string ref = "refs/heads/" + branch_;
    const auto now = repo_.rev_parse(ref);
    if (!now || *now == head_ || !repo_.moved_without_work_tree(head_, *now)) return;
    const std::string keep = "refs/flow/" + run_id_ + "/moved/" + std::to_string(++moves_taken_back_);
    const std::string what = repo_.describe(*now);
    if (auto k = repo_.update_ref(keep, *now); !k) return;
    auto back = repo_.update_ref(ref, head_, *now);
    log_.log("branch-moved-back", t, 0, {{"to", *now}, {"back", head_}, {"ref", keep}, {"done", back ? "yes" : "no"}}, true);
    const std::string why = "without the work tree, which held " + head_.substr(0, 10) + " (an agent's `git update-ref`?)";
    log_.emit("branch-moved-back", t, 0,
              back ? "moved " + branch_ + " back from " + what + " (kept as " + keep + "): it was moved there " + why
                   : branch_ + " was moved to " + what + " " + why + ", and could not be moved back: " + back.error().message);
  }

  // The files the task names that git ignores, as its agent left them, into the work
  // tree once the task landed: no commit carries them, and its worktree goes. One that is
  // there already stays (the user's, or another task's of this run); this task's is kept
  // in the run's folder then. A link is made again as a link where it points inside the
  // repository; a file over kMaxIgnoredCopy is not copied. Each is said: such a file may
  // be what the task was for (a local setting).
  void land_ignored(int t, const Attempt& a) {
    static constexpr std::uintmax_t kMaxIgnoredCopy = 64u << 20;
    const std::string why = " (git ignores it: no commit holds it)";
    for (const std::string& p : a.ignored) {
      const std::string from = a.dir + "/" + p, to = repo_.top() + "/" + p;
      std::string how, text;
      struct stat st {};
      if (::lstat(from.c_str(), &st) != 0) continue;
      auto say = [&](const std::string& h, const std::string& words) {
        how = h;
        text = words;
      };
      if (S_ISLNK(st.st_mode)) {
        auto linked = copy_link(from, to, repo_.top());
        if (linked && *linked) say("copied", "made again in the work tree: " + p + ", a link" + why);
        else if (linked) say("lost", "not made in the work tree: " + p + ", a link" + why + ": a file is there already");
        else say("lost", "not made in the work tree: " + p + ", a link" + why + ": " + linked.error().message);
      } else if (!S_ISREG(st.st_mode)) {
        continue;
      } else if (static_cast<std::uintmax_t>(st.st_size) > kMaxIgnoredCopy) {
        say("lost", "not copied into the work tree: " + p + ", " + std::to_string(st.st_size >> 20) +
                        " MiB (over the 64 MiB flow copies; git ignores it, so no commit holds it: it went with the "
                        "task's worktree)");
      } else if (auto copied = copy_new_file(from, to, repo_.top()); copied && *copied) {
        copied_by_[p] = task(t).id;
        say("copied", "copied into the work tree: " + p + why);
      } else if (copied && same_content(from, to)) {
        continue;  // the one there holds the same
      } else {
        // Kept in the run's folder instead: "; this task's is …", or why not.
        const std::string saved = run_dir_ + "/" + task(t).id + "-" + std::to_string(t) + ".ignored/" + p;
        const auto kept = copy_new_file(from, saved, run_dir_);
        const std::string where = kept && *kept ? "; this task's is " + fs::path(saved).lexically_relative(repo_.top()).string()
                                                : "; this task's could not be kept: " +
                                                      (kept ? std::string("one is there") : kept.error().message);
        const auto other = copied_by_.find(p);
        say(kept && *kept ? "kept" : "lost",
            copied ? (other != copied_by_.end() ? other->second + "'s stays: " : "yours stays: ") + p + why + where
                   : "not copied into the work tree: " + p + why + ": " + copied.error().message + where);
      }
      log_.log("ignored-files", t, a.attempt, {{"file", p}, {"how", how}}, true);
      log_.emit("ignored-files", t, a.attempt, text);
    }
  }

  // The files in the hooks folder every worktree shares (samples aside): name -> size and
  // modification time.
  std::map<std::string, std::pair<std::uintmax_t, long long>> hook_stamps() const {
    std::map<std::string, std::pair<std::uintmax_t, long long>> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::path(repo_.common_dir()) / "hooks", ec)) {
      const std::string name = e.path().filename().string();
      if (name.ends_with(".sample")) continue;
      struct stat st {};
      if (::stat(e.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      out[name] = {static_cast<std::uintmax_t>(st.st_size), static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec};
    }
    return out;
  }

  // A worktree shares the repository's settings and hooks with the user's work tree: an
  // agent's `git config user.name …` (a classic first move) signs the user's next commits,
  // `core.hooksPath` or a hook runs code on their next git command. What changed since
  // the last look (the run's start, or the last collection): keys and hook names, never
  // values. One file read and one folder listed; git is asked only when the file changed.
  // On the worker: one look at a time.
  std::vector<std::string> settings_changes() const {
    std::vector<std::string> out;
    if (auto text = read_file(repo_.common_dir() + "/config"); text && *text != config_text_) {
      auto now = repo_.config_entries();
      out = GitRepo::config_changes(config_, now);
      config_ = std::move(now);
      config_text_ = std::move(*text);
    }
    auto hooks = hook_stamps();
    for (const auto& [name, stamp] : hooks) {
      const auto was = hooks_.find(name);
      if (was == hooks_.end()) out.push_back("added hook " + name);
      else if (was->second != stamp) out.push_back("changed hook " + name);
    }
    for (const auto& [name, stamp] : hooks_)
      if (!hooks.count(name)) out.push_back("removed hook " + name);
    hooks_ = std::move(hooks);
    return out;
  }

  // What a collection found that the journal keeps: on the loop's thread.
  void said(const Finished& f) {
    if (const auto a = attempts_.find(f.done.task); a != attempts_.end()) a->second.ignored = f.ignored;
    if (!f.stale_lock.empty()) {
      log_.log("stale-lock-removed", f.done.task, f.done.attempt, {{"file", f.stale_lock}}, true);
      log_.emit("stale-lock-removed", f.done.task, f.done.attempt,
                "removed " + f.stale_lock + ", which the agent left in its worktree (it had ended; nothing else uses that worktree)");
    }
    if (!f.refs.empty()) {
      const std::string also = join(f.alongside, ", ");
      log_.log("refs-changed", f.done.task, f.done.attempt, {{"refs", join(f.refs, "; ")}, {"alongside", also}}, true);
      log_.emit("refs-changed", f.done.task, f.done.attempt,
                "branches or tags changed while its agent ran (by it" + (also.empty() ? std::string() : ", " + also + "'s") +
                    " or a git command of yours; left as they are): " + join(f.refs, "; "));
    }
    if (!f.config.empty()) {
      const std::string also = join(f.alongside, ", ");
      log_.log("config-changed", f.done.task, f.done.attempt, {{"changes", join(f.config, "; ")}, {"alongside", also}}, true);
      log_.emit("config-changed", f.done.task, f.done.attempt,
                "git settings changed while its agent ran: " + join(f.config, "; ") + " (by it" +
                    (also.empty() ? std::string() : ", " + also + "'s") +
                    " or a git command of yours; the repository's, which your work tree uses too; left as they are)");
    }
    if (!f.protected_changed) return;
    log_.log("tasks-md-discarded", f.done.task, f.done.attempt, {{"file", tasks_rel_}}, true);
    log_.emit("tasks-md-discarded", f.done.task, f.done.attempt,
              "the agent changed " + tasks_rel_ + ", which only flow writes: its change was undone, not integrated");
  }

  void begun() {
    std::lock_guard<std::mutex> lock(mu_);
    ++in_flight_;
  }
  void finished(Finished f) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      finished_.push_back(std::move(f));
    }
    arrived_.notify_all();
  }

  // The task line as a commit subject: "T012 [P] [US1] Create User model in …"; "Task 3:
  // Settings" for `### Task 3: Settings`, "任务 1.3 [P]: …" for `- [ ] **任务 1.3** [P]: …`.
  std::string commit_message(int t) const {
    const Task& tk = task(t);
    std::string_view line = std::string_view(plan_text_).substr(tk.span.offset, tk.span.length);
    std::size_t id = line.find(tk.id);
    if (id == std::string_view::npos) return clip(trim(line), 200);
    // A table row (`| [ ] | T001 | Create … | … |`, a status row): its ID and description.
    if (starts_with(trim(line), "|")) return clip(tk.id + ": " + tk.description, 200);
    // The word that names the task by its number goes with it, in any language the parser
    // reads it in (`Tarea 1`, `任务1.3`).
    std::size_t word = id;
    while (word > 0 && is_space(line[word - 1])) --word;
    while (word > 0 && !is_space(line[word - 1]) && line[word - 1] != '*' && line[word - 1] != '_' && line[word - 1] != '#' &&
           line[word - 1] != ']')
      --word;
    if (std::string_view emph; word < id && detail::title_task_word(line.substr(word), &emph) == id - word) id = word;
    std::string subject(trim(line.substr(id)));
    // `**T004** …`, `__T001 [P]__ …`, `*Task 1.3* …`: the emphasis that opened before the
    // ID closes after it.
    std::size_t open = 0;
    while (open < id && open < 2 && (line[id - open - 1] == '*' || line[id - open - 1] == '_') &&
           (open == 0 || line[id - open - 1] == line[id - 1]))
      ++open;
    if (open > 0)
      if (const std::size_t close = subject.find(line.substr(id - open, open)); close != std::string::npos) subject.erase(close, open);
    // `### T001 — Create the models ###`: a heading's closing #s are not its text.
    if (tk.form == TaskForm::heading) {
      std::size_t n = subject.size();
      while (n > 0 && subject[n - 1] == '#') --n;
      if (n < subject.size() && n > 0 && subject[n - 1] == ' ') subject = trim(std::string_view(subject).substr(0, n));
    }
    return clip(subject, 200);
  }

  // Is task t's ID declared more than once in the plan (a warning, not an error)?
  bool duplicate_id(int t) {
    if (!duplicate_ids_) {
      duplicate_ids_.emplace();
      std::set<std::string_view> seen;
      for (const Task& tk : graph_->plan().tasks)
        if (!seen.insert(tk.id).second) duplicate_ids_->insert(tk.id);
    }
    return duplicate_ids_->count(task(t).id) > 0;
  }

  // The user's mode (600, 664 …) and owner (a run as root on a user's file) put back on
  // tasks.md after a write that did not keep them. Where flow replaces the file itself
  // (write_file_atomic on the file as it is) both are kept, so this matters only where
  // the file is written otherwise:
  // - integrate(), when tasks.md could not be read before the commit: the index is not
  //   set to the commit's version, and the fast-forward's checkout writes the file anew,
  //   with git's idea of a mode (644 less the umask) and as flow's user;
  // - roll_back(): GitRepo::reset_hard replaces the file atomically too, but makes it
  //   anew (mode 600, flow's) when it was missing from the work tree; and git's reset
  //   writes it when its content could not be read from the commit, or the file could
  //   not be staged before the reset.
  void keep_tasks_mode() {
    struct stat st {};
    // Best effort: the content is right either way; a failure leaves the write's mode or owner.
    if (::stat(tasks_path_.c_str(), &st) != 0) return;
    if (tasks_uid_ >= 0 && (static_cast<long>(st.st_uid) != tasks_uid_ || static_cast<long>(st.st_gid) != tasks_gid_))
      (void)::chown(tasks_path_.c_str(), static_cast<uid_t>(tasks_uid_), static_cast<gid_t>(tasks_gid_));
    if (tasks_mode_ != 0 && (st.st_mode & 07777) != tasks_mode_) (void)::chmod(tasks_path_.c_str(), tasks_mode_);
  }

  const RunOptions& opt_;
  RunLog& log_;
  const std::optional<TaskGraph>& graph_;
  const std::string& plan_text_;
  std::string run_id_, tasks_path_, run_dir_;
  unsigned tasks_mode_;
  long tasks_uid_, tasks_gid_;
  GitRepo repo_;
  std::string branch_, head_, checkpoint_;  // the integration branch, its head, the run's start
  std::set<std::string> landed_;            // the task commits this run put on it
  std::string tasks_rel_;                   // tasks.md relative to the repository's top
  int stale_worktrees_;
  // The shared refs at the last look: set at the start, then only by the collection
  // (squash), which runs on the worker, one at a time.
  mutable std::map<std::string, std::string> refs_;
  mutable std::string config_text_;                      // the repository's settings at the last look
  mutable std::map<std::string, std::string> config_;    // … as git reads them
  mutable std::map<std::string, std::pair<std::uintmax_t, long long>> hooks_;  // its hooks then
  int moves_taken_back_ = 0;                // refs/flow/<run>/moved/<k>
  std::map<std::string, std::string> copied_by_;  // ignored files copied into the work tree -> the task's ID
  mutable std::optional<std::uint64_t> refs_stamp_;  // the files that held them then
  std::unique_ptr<NativeGit> native_;       // integration in process, where it gives what git would
  std::string native_why_not_;              // else why the git CLI does it
  std::map<int, Attempt> attempts_;         // task -> its current attempt's place
  std::map<int, Attempt> preparing_;        // task -> the attempt whose place the worker makes
  std::vector<Attempt> free_;               // worktrees whose attempt landed, for the next ones
  std::vector<std::string> unneeded_;       // attempts' branches no worktree holds, to delete
  int worktrees_made_ = 0;
  static constexpr std::size_t kBranchBatch = 16;  // branches deleted in one git process
  static constexpr int kLandingRounds = 7;          // tries to land while the branch or the index is busy
  std::optional<std::set<std::string_view>> duplicate_ids_;
  // Between the loop and the worker: what it finished, and how many begun jobs the loop
  // has not taken back yet.
  mutable std::mutex mu_;
  std::condition_variable arrived_;
  std::deque<Finished> finished_;
  int in_flight_ = 0;
  Worker worker_;  // last: it stops (finishing its jobs) before what they use goes
};

}  // namespace

Result<std::unique_ptr<Workspace>> open_git_workspace(const WorkspaceContext& c, bool want) {
  auto repo = GitRepo::open(c.workdir);
  // Only a repository rooted at the work directory: never one that merely encloses it.
  std::error_code ec;
  if (repo && !fs::equivalent(repo->top(), c.workdir, ec)) repo.reset();
  if (!repo) {
    if (want)
      return make_error(Errc::config, c.workdir + " is not the top of a git repository: run `git init` there and commit, "
                                                  "or use --isolation none");
    return std::unique_ptr<Workspace>();
  }
  // Another feature's run may be landing a commit in this work tree: its index, files and
  // tasks.md are not settled until it has. Under the lock every landing holds, what the
  // tree says is the branch's and the user's.
  std::optional<FileLock> settled;
  settled.emplace(repo->integration_lock_path());
  const std::string head = repo->head(), branch = repo->current_branch();
  if (head.empty() || branch.empty()) {
    if (want)
      return make_error(Errc::config, head.empty() ? "the repository has no commit yet: commit once, or use --isolation none"
                                                   : "HEAD is detached: check out the branch the tasks should commit to");
    return std::unique_ptr<Workspace>();
  }
  repo->share_lock(c.lock_fd);
  repo->exclude_flow_dir();
  std::string tasks_rel = fs::relative(c.tasks_path, repo->top(), ec).string();
  if (tasks_rel.empty() || tasks_rel.rfind("..", 0) == 0)
    return make_error(Errc::config, c.tasks_path + " is outside the repository " + repo->top() + ": git isolation needs it inside");
  if (const auto dirty = repo->dirty(); !dirty.empty() && !c.options.allow_dirty) {
    std::vector<std::string> some(dirty.begin(), dirty.begin() + std::min<std::size_t>(dirty.size(), 5));
    return make_error(Errc::conflict, "the working tree has uncommitted changes (" + join(some, ", ") +
                                          (dirty.size() > 5 ? ", …" : "") + "): commit or stash them first, since flow "
                                          "commits each task on " + branch + "; or pass --allow-dirty, or --isolation none");
  }
  // Each task's mark lands in the commit that lands its work: a tasks.md the branch does
  // not hold (new, or in a folder git ignores, so the tree looks clean) would have every
  // task's work land and its mark fail.
  if (!repo->holds(head, tasks_rel)) {
    const bool ignored = repo->ignored(tasks_rel);
    return make_error(Errc::config, tasks_rel + " is not committed on " + branch +
                                        (ignored ? " (git ignores it)" : "") +
                                        ": flow marks each task in the commit that lands it; commit it" +
                                        (ignored ? " with `git add -f`" : "") + ", or use --isolation none");
  }
  const int stale = repo->clean_stale_worktrees(c.run_id);
  if (auto r = repo->update_ref("refs/flow/" + c.run_id + "/checkpoint", head); !r) return Unexpected{std::move(r).error()};
  settled.reset();
  return std::unique_ptr<Workspace>(
      std::make_unique<GitWorkspace>(c, std::move(*repo), branch, head, std::move(tasks_rel), stale));
}

namespace {
// The line a rollback a killed run left unjournaled needs, written unless there (a kill
// after the line, before the note went): whether the journal says so now.
bool journal_rollback(const std::string& journal_path, const GitRepo::Rollback& r) {
  if (journaled_rollback(journal_path, r.run_id, r.from, r.to)) return true;
  Journal j;
  if (!j.open(journal_path)) return false;
  Json line;
  line.begin_object().field("ts", iso_now()).field("run", r.run_id).field("event", "rolled-back").field("from", r.from)
      .field("to", r.to).field("ref", r.ref).field("detail", "finished by the next run: a kill cut it short").end_object();
  return j.write(line.str(), true);
}
}  // namespace

std::string settle_killed_integration(const std::string& workdir, const std::string& tasks_path) {
  auto repo = GitRepo::open(workdir);
  std::error_code ec;
  if (!repo || !fs::equivalent(repo->top(), workdir, ec)) return {};
  const std::string tasks_rel = fs::relative(tasks_path, repo->top(), ec).string();
  if (tasks_rel.empty() || tasks_rel.rfind("..", 0) == 0) return {};
  const FileLock one_at_a_time = repo->integration_lock();
  // First the index.lock a run killed while it set tasks.md's entry held: the pending
  // mark is settled with git, which would find it in the way.
  std::string done;
  if (const std::string git_dir = repo->git_dir(); !git_dir.empty()) done = release_killed_index_lock(git_dir);
  if (std::string marks = repo->settle_pending_mark(tasks_rel); !marks.empty())
    done += (done.empty() ? "" : "; ") + marks;
  if (GitRepo::SettledRollback rolled = repo->settle_rollback(tasks_rel); !rolled.done.empty()) {
    done += (done.empty() ? "" : "; ") + rolled.done;
    if (rolled.journal && journal_rollback(workdir + "/.flow/implementation.log", *rolled.journal))
      repo->clear_rollback_note(tasks_rel);
  }
  // The temporary a run killed while it wrote the pending note left (write_file_atomic):
  // flow's own, and stale under the integration lock; nothing else would remove it.
  (void)remove_killed_temporaries(repo->pending_mark_path(tasks_rel));
  (void)remove_killed_temporaries(repo->common_dir() + "/flow-integration.pending");  // an earlier flow's
  if (std::string left = remove_killed_temporaries(tasks_path); !left.empty()) done += (done.empty() ? "" : "; ") + left;
  return done;
}

// A run killed while it replaced `path` leaves the temporary it was writing
// (".tasks.md.flow-XXXXXX", write_file_atomic): flow's own, and nobody else's while the
// run lock is held. Left there, it would make the tree dirty.
std::string remove_killed_temporaries(const std::string& path) {
  std::string done;
  std::error_code ec;
  const fs::path file(path);
  const std::string prefix = "." + file.filename().string() + ".flow-";
  for (const auto& entry : fs::directory_iterator(file.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != prefix.size() + 6 || name.rfind(prefix, 0) != 0 || !entry.is_regular_file(ec)) continue;
    if (fs::remove(entry.path(), ec))
      done += (done.empty() ? "" : "; ") + std::string("removed ") + name + ", a temporary a killed run left";
  }
  return done;
}

Result<bool> commit_tasks_file(const std::string& workdir, const std::string& tasks_path, std::string_view before,
                               std::string_view after, const std::string& message) {
  auto repo = GitRepo::open(workdir);
  std::error_code ec;
  if (!repo || !fs::equivalent(repo->top(), workdir, ec)) return false;
  const std::string tasks_rel = fs::relative(tasks_path, repo->top(), ec).string();
  if (tasks_rel.empty() || tasks_rel.rfind("..", 0) == 0) return false;
  const FileLock one_at_a_time = repo->integration_lock();
  return repo->commit_file(tasks_rel, before, after, message);
}

}  // namespace flow::detail
