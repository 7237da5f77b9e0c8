// SPDX-License-Identifier: MIT
// Git worktrees, commits, integration and rollback through the git CLI (argv only).
#include "runtime/git.hpp"

#include <flow/tasks_file.hpp>
#include <flow/tasks_md.hpp>

#include "core/tasks_md_internal.hpp"
#include "support/test_hook.hpp"
#include "support/text.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace fs = std::filesystem;

namespace flow::detail {

bool disk_failure(std::string_view message) noexcept {
  for (std::string_view what : {"No space left on device", "Disk quota exceeded", "Read-only file system",
                                "File too large", "Input/output error"})
    if (message.find(what) != std::string_view::npos) return true;
  return false;
}

std::string lock_in_the_way(std::string_view message) {
  constexpr std::string_view open = "Unable to create '", close = ".lock': File exists";
  const std::size_t at = message.find(open);
  if (at == std::string_view::npos) return {};
  const std::size_t end = message.find(close, at + open.size());
  if (end == std::string_view::npos) return {};
  return std::string(message.substr(at + open.size(), end + 5 - at - open.size()));
}

FileLock::FileLock(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
  while (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

std::string first_line(std::string s) {
  const std::size_t nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  return s;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

Unexpected git_error(const std::string& what, const Exec& e) {
  return make_error(Errc::io, what + ": " + clip(trim(e.output), 600));
}

// `git commit` (LC_ALL=C) found nothing to commit: exit 1 and status's last line.
bool nothing_to_commit(const Exec& e) {
  if (e.status != 1) return false;
  const std::vector<std::string> out = lines(e.output);
  if (out.empty()) return false;
  const std::string& last = out.back();
  return last.rfind("nothing to commit", 0) == 0 || last.rfind("nothing added to commit", 0) == 0 ||
         last.rfind("no changes added to commit", 0) == 0;
}

std::string read_small(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string s;
  if (in) std::getline(in, s);
  return s;
}

bool is_object_id(const std::string& s) {
  return (s.size() == 40 || s.size() == 64) &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The git directory a linked worktree's .git file names ("gitdir: <dir>", relative to
// the worktree when git writes relative paths); empty if it has none.
fs::path linked_git_dir(const std::string& worktree) {
  const std::string line = read_small(fs::path(worktree) / ".git");
  if (line.rfind("gitdir: ", 0) != 0 || line.size() == 8) return {};
  return (fs::path(worktree) / line.substr(8)).lexically_normal();
}

}  // namespace

bool is_work_tree_top(const std::string& dir) {
  // git's is_git_directory() (setup.c): HEAD a branch reference or an object ID, and
  // objects/ and refs/ beside it or in the directory commondir names (a linked worktree's).
  auto git_dir = [](const fs::path& d) {
    std::error_code ec;
    std::string head = read_small(d / "HEAD");
    if (!head.empty() && head.back() == '\r') head.pop_back();
    if (head.rfind("ref: refs/", 0) != 0 && !is_object_id(head)) return false;
    if (fs::is_regular_file(d / "commondir", ec)) return true;
    return fs::is_directory(d / "objects", ec) && fs::is_directory(d / "refs", ec);
  };
  std::error_code ec;
  const fs::path dot_git = fs::path(dir) / ".git";
  if (fs::is_directory(dot_git, ec)) return git_dir(dot_git);
  const fs::path linked = linked_git_dir(dir);
  return !linked.empty() && git_dir(linked);
}

std::string GitRepo::read_head(const std::string& worktree) const {
  // git's files layout (gitrepository-layout(5)): HEAD names a branch, whose loose ref
  // the commit just wrote. Anything else (a detached HEAD, a packed or reftable ref):
  // empty, and the caller asks git.
  const fs::path gitdir = linked_git_dir(worktree);
  if (gitdir.empty()) return {};
  const std::string head = read_small(gitdir / "HEAD");
  if (head.rfind("ref: refs/heads/", 0) != 0) return {};
  std::string sha = read_small(fs::path(common_dir_) / head.substr(5));
  return is_object_id(sha) ? sha : std::string();
}

std::string GitRepo::worktree_admin_dir(const std::string& worktree) const {
  // Only a record directly under <common dir>/worktrees/ that points back at this work
  // tree is one to remove by hand.
  const fs::path admin = linked_git_dir(worktree);
  if (admin.empty() || admin.parent_path() != (fs::path(common_dir_) / "worktrees").lexically_normal()) return {};
  const std::string back = read_small(admin / "gitdir");  // <worktree>/.git
  std::error_code ec;
  if (back.empty() || !fs::equivalent((admin / back).parent_path(), worktree, ec)) return {};
  return admin.string();
}

namespace {
// No pager, no prompts, no editor: git must never wait for a person.
const std::vector<std::string> kGitEnv{"GIT_TERMINAL_PROMPT=0", "GIT_EDITOR=true", "GIT_PAGER=cat", "LC_ALL=C"};
}  // namespace

Exec GitRepo::git(const std::vector<std::string>& args, const std::string& cwd) const {
  std::vector<std::string> argv{"git"};
  argv.insert(argv.end(), identity_.begin(), identity_.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return exec(argv, cwd.empty() ? top_ : cwd, kGitEnv, lock_fd_);
}

Result<std::string> GitRepo::blob(const std::string& what) const {
  Exec e = exec_data({"git", "cat-file", "blob", what}, top_, kMaxReadBytes, kGitEnv, lock_fd_);
  if (!e.ok()) return make_error(Errc::not_found, "no file " + what + " of at most " + std::to_string(kMaxReadBytes >> 20) + " MiB");
  return std::move(e.output);
}

std::optional<GitRepo> GitRepo::open(const std::string& dir) {
  const Exec top = exec({"git", "rev-parse", "--show-toplevel"}, dir);
  if (!top.ok()) return std::nullopt;
  GitRepo r;
  r.top_ = first_line(top.output);
  const Exec common = exec({"git", "rev-parse", "--path-format=absolute", "--git-common-dir"}, r.top_);
  if (!common.ok()) return std::nullopt;
  r.common_dir_ = first_line(common.output);
  // flow commits in the user's name when git knows it; otherwise as itself.
  if (!exec({"git", "config", "user.email"}, r.top_).ok() || !exec({"git", "config", "user.name"}, r.top_).ok())
    r.identity_ = {"-c", "user.name=flow", "-c", "user.email=flow@localhost"};
  return r;
}

std::string GitRepo::git_dir() const {
  const Exec e = git({"rev-parse", "--absolute-git-dir"});
  return e.ok() ? first_line(e.output) : std::string();
}

bool GitRepo::reaches(const std::string& tip, const std::string& commit) const {
  return !commit.empty() && git({"merge-base", "--is-ancestor", commit, tip}).ok();
}

std::string GitRepo::current_branch() const {
  const Exec e = git({"symbolic-ref", "--quiet", "--short", "HEAD"});
  return e.ok() ? first_line(e.output) : std::string();
}

std::string GitRepo::checked_out_branch() const {
  // The work tree's git folder: `.git`, or where a `.git` file points (a linked worktree).
  std::string dir = top_ + "/.git";
  std::error_code ec;
  if (fs::is_regular_file(dir, ec)) {
    const auto link = read_file(dir);
    if (!link || link->rfind("gitdir: ", 0) != 0) return current_branch();
    dir = std::string(trim_right(first_line(link->substr(8))));
    if (!dir.empty() && dir[0] != '/') dir = top_ + "/" + dir;
  }
  const auto head = read_file(dir + "/HEAD");
  if (!head) return current_branch();
  const std::string line = first_line(*head);
  const std::string_view h = trim_right(line);
  if (h.rfind("ref: refs/heads/", 0) == 0) return std::string(h.substr(16));
  return h.rfind("ref: ", 0) == 0 ? current_branch() : std::string();  // a detached HEAD: a commit
}

std::string GitRepo::head() const {
  const Exec e = git({"rev-parse", "--verify", "--quiet", "HEAD"});
  return e.ok() ? first_line(e.output) : std::string();
}

std::vector<std::string> GitRepo::dirty() const {
  std::vector<std::string> out;
  for (const std::string& l : lines(git({"status", "--porcelain", "--untracked-files=all"}).output)) {
    const std::string path = l.size() > 3 ? l.substr(3) : l;
    if (path.rfind(".flow/", 0) == 0) continue;
    out.push_back(path);
  }
  return out;
}

std::vector<std::string> GitRepo::changed_tracked() const {
  std::vector<std::string> out;
  for (const std::string& l : lines(git({"status", "--porcelain", "--untracked-files=no"}).output))
    out.push_back(l.size() > 3 ? l.substr(3) : l);
  return out;
}

std::vector<std::string> GitRepo::ignored_among(const std::string& worktree, const std::vector<std::string>& paths) const {
  std::vector<std::string> args{"--literal-pathspecs", "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--"}, out;
  args.insert(args.end(), paths.begin(), paths.end());
  const Exec e = git(args, worktree);
  if (!e.ok()) return out;
  // Only what was asked: stderr's lines share the output.
  // Each path named, or under a folder named (cache/ lists cache/fx/1.json); a few
  // hundred at most.
  std::istringstream in(e.output);
  for (std::string p; std::getline(in, p, '\0') && out.size() < 256;) {
    const bool named = std::any_of(paths.begin(), paths.end(), [&](const std::string& n) {
      return p == n || (p.size() > n.size() && p.compare(0, n.size(), n) == 0 && p[n.size()] == '/');
    });
    if (named && std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  return out;
}

std::map<std::string, std::string> GitRepo::config_entries() const {
  std::map<std::string, std::string> out;
  // The file alone, not the user's global settings: "key\nvalue\0" each, a key with no
  // value ("[core] bare") without its newline.
  Exec e = exec_data({"git", "config", "--file", common_dir_ + "/config", "--list", "-z"}, top_, kMaxReadBytes, kGitEnv, lock_fd_);
  if (!e.ok()) return out;
  std::istringstream in(e.output);
  for (std::string entry; std::getline(in, entry, '\0');) {
    const std::size_t nl = entry.find('\n');
    std::string& v = out[entry.substr(0, nl)];
    if (!v.empty()) v += '\n';
    v += nl == std::string::npos ? std::string() : entry.substr(nl + 1);
  }
  return out;
}

namespace {
// A key whose subsection is a URL may hold its credentials
// (`url.https://x-access-token:TOKEN@github.com/.insteadof`, `http.https://u:p@host/.extraheader`):
// what stands between "://" and the '@' before the host is masked.
std::string masked_key(std::string key) {
  for (std::size_t at = key.find("://"); at != std::string::npos; at = key.find("://", at + 3)) {
    const std::size_t from = at + 3, slash = key.find('/', from), user = key.rfind('@', slash);
    if (user != std::string::npos && user >= from && (slash == std::string::npos || user < slash))
      key.replace(from, user - from, "***");
  }
  return key;
}
}  // namespace

std::vector<std::string> GitRepo::config_changes(const std::map<std::string, std::string>& before,
                                                 const std::map<std::string, std::string>& after) {
  std::vector<std::string> out;
  for (const auto& [key, value] : after) {
    const auto was = before.find(key);
    if (was == before.end()) out.push_back("set " + masked_key(key));
    else if (was->second != value) out.push_back("changed " + masked_key(key));
  }
  for (const auto& [key, value] : before)
    if (!after.count(key)) out.push_back("removed " + masked_key(key));
  return out;
}

bool GitRepo::holds(const std::string& commit, const std::string& path) const {
  return git({"cat-file", "-e", commit + ":" + path}).ok();
}

bool GitRepo::ignored(const std::string& path) const {
  return git({"check-ignore", "-q", "--no-index", "--", path}).ok();
}

void GitRepo::exclude_flow_dir() const {
  const fs::path info = fs::path(common_dir_) / "info";
  std::error_code ec;
  fs::create_directories(info, ec);
  const fs::path exclude = info / "exclude";
  std::string text;
  if (std::ifstream in(exclude); in) text.assign(std::istreambuf_iterator<char>(in), {});
  for (const std::string& l : lines(text))
    if (l == "/.flow/" || l == ".flow/" || l == ".flow" || l == "/.flow") return;
  std::ofstream(exclude, std::ios::app) << (text.empty() || text.back() == '\n' ? "" : "\n") << "/.flow/\n";
}

Result<std::string> GitRepo::add_worktree(const std::string& branch, const std::string& name, const std::string& base) const {
  const std::string dir = common_dir_ + "/flow-worktrees/" + name;
  std::error_code ec;
  if (fs::exists(dir, ec)) remove_worktree(dir, "", false);
  fs::create_directories(fs::path(dir).parent_path(), ec);
  const FileLock one_at_a_time = worktree_lock();
  const Exec e = git({"worktree", "add", "--quiet", "-B", branch, dir, base});
  if (!e.ok()) return git_error("cannot create the worktree " + dir, e);
  return dir;
}

Result<std::string> GitRepo::commit_all(const std::string& worktree, const std::string& message, bool allow_empty) const {
  if (const Exec add = git({"add", "--all"}, worktree); !add.ok()) return git_error("git add failed in " + worktree, add);
  // Two processes fewer than asking first (diff --cached) and after (rev-parse HEAD):
  // git commit itself says when there is nothing to commit (exit 1, before any hook
  // runs), and the commit's ID is read from the ref it just wrote. Auto maintenance is
  // left to the fast-forward of the user's branch, which follows every such commit and
  // sees the same object store.
  std::vector<std::string> args{"-c", "maintenance.auto=false", "commit", "--quiet", "--no-verify", "-m", message};
  if (allow_empty) args.insert(args.begin() + 3, "--allow-empty");
  const Exec c = git(args, worktree);
  if (!allow_empty && nothing_to_commit(c)) return std::string();
  if (!c.ok()) return git_error("git commit failed in " + worktree, c);
  if (std::string sha = read_head(worktree); !sha.empty()) return sha;
  const Exec h = git({"rev-parse", "HEAD"}, worktree);
  return first_line(h.output);
}

Result<std::string> GitRepo::commit_tracked(const std::string& worktree, const std::string& message) const {
  // `commit -a`: one process where `add --all` and `commit` are two. What is not tracked
  // (what checks left behind) stays out, as it must.
  const Exec c = git({"-c", "maintenance.auto=false", "commit", "--quiet", "--no-verify", "-a", "-m", message}, worktree);
  if (nothing_to_commit(c)) return std::string();
  if (!c.ok()) return git_error("git commit failed in " + worktree, c);
  if (std::string sha = read_head(worktree); !sha.empty()) return sha;
  const Exec h = git({"rev-parse", "HEAD"}, worktree);
  return first_line(h.output);
}

Result<void> GitRepo::reuse_worktree(const std::string& worktree, const std::string& branch, const std::string& base) const {
  // What `worktree add -B` does in a worktree that exists (a checkout, with the user's
  // filters and post-checkout hook), in one process instead of four; then what the
  // last attempt left that git does not track, ignored files too, goes, so that the
  // attempt starts from `base` exactly as a new worktree would.
  if (const Exec co = git({"checkout", "--quiet", "--force", "-B", branch, base}, worktree); !co.ok())
    return git_error("cannot check out " + base.substr(0, 10) + " in " + worktree, co);
  if (const Exec cl = git({"clean", "-fdxq"}, worktree); !cl.ok()) return git_error("cannot clean " + worktree, cl);
  return {};
}

void GitRepo::delete_branches(const std::vector<std::string>& branches) const {
  if (branches.empty()) return;
  std::vector<std::string> args{"branch", "--quiet", "-D"};
  args.insert(args.end(), branches.begin(), branches.end());
  git(args);
}

// Without the run lock: `gc --auto` may go on in the background after flow exits
// (gc.autoDetach), and holding the lock there would make the next run wait for it. git's
// maintenance takes locks of its own and prunes nothing a run could still need.
void GitRepo::maintain() const {
  std::vector<std::string> argv{"git"};
  argv.insert(argv.end(), identity_.begin(), identity_.end());
  for (const char* a : {"maintenance", "run", "--auto", "--quiet"}) argv.emplace_back(a);
  (void)exec(argv, top_, kGitEnv, -1);
}

Result<GitRepo::Work> GitRepo::squash(const std::string& worktree, const std::string& base, const std::string& message,
                                      const std::string& protected_path) const {
  // As many git processes as a plain commit (add, diff, then write-tree and commit-tree
  // instead of commit and rev-parse), one more only when the protected file changed.
  Work w;
  // A worktree moved off the commit it started from (`git reset --hard HEAD~1`, a checkout
  // of another branch) holds a tree that undoes earlier tasks' work: none of it is taken.
  if (const Exec anc = git({"merge-base", "--is-ancestor", base, "HEAD"}, worktree); anc.status == 1) {
    w.moved_off_base = true;
    return w;
  }
  // A merge (or rebase, cherry-pick, revert) the agent left half done: `git add --all`
  // would take its files with their conflict markers.
  if (const std::string admin = worktree_admin_dir(worktree); !admin.empty()) {
    std::error_code ec;
    for (const auto& [file, what] : {std::pair<const char*, const char*>{"MERGE_HEAD", "a merge"},
                                     {"CHERRY_PICK_HEAD", "a cherry-pick"}, {"REVERT_HEAD", "a revert"},
                                     {"rebase-merge", "a rebase"}, {"rebase-apply", "a rebase"}})
      if (fs::exists(fs::path(admin) / file, ec)) w.unfinished = what;
  }
  std::vector<std::string> conflicted;
  for (const std::string& l : lines(git({"diff", "--name-only", "--diff-filter=U"}, worktree).output))
    if (std::find(conflicted.begin(), conflicted.end(), l) == conflicted.end()) conflicted.push_back(l);
  if (!w.unfinished.empty() || !conflicted.empty()) {
    if (w.unfinished.empty()) w.unfinished = "files in conflict";
    else w.unfinished += " unfinished";
    if (!conflicted.empty()) w.unfinished += " (" + join(conflicted, ", ") + ")";
    w.unfinished += ": its files would land with conflict markers. Finish or abort the merge (or rebase, "
                    "cherry-pick) and resolve every conflict before you end";
    return w;
  }
  if (const Exec add = git({"add", "--all"}, worktree); !add.ok()) return git_error("git add failed in " + worktree, add);
  // `:<old mode> <new mode> <old> <new> <status>` NUL `<path>` NUL, per file changed.
  const Exec diff = git({"diff", "--cached", "--raw", "--no-renames", "-z", base, "--"}, worktree);
  if (!diff.ok()) return git_error("cannot compare the work with " + base.substr(0, 10), diff);
  std::vector<std::string> changed, nested;
  for (std::size_t i = 0; i < diff.output.size();) {
    std::size_t end = diff.output.find('\0', i);
    if (end == std::string::npos) end = diff.output.size();
    const std::string head = diff.output.substr(i, end - i);
    i = end + 1;
    end = diff.output.find('\0', i);
    if (end == std::string::npos) end = diff.output.size();
    if (end > i) changed.push_back(diff.output.substr(i, end - i));
    // A repository the agent made inside the work (`create-next-app web`, `cargo new`
    // run `git init`): git takes it as a link to a commit that exists nowhere else, and
    // its files never land.
    if (head.size() > 15 && head.compare(8, 6, "160000") == 0 && head.compare(1, 6, "160000") != 0)
      nested.push_back(changed.back());
    i = end + 1;
  }
  if (!nested.empty()) {
    w.unfinished = "a git repository inside the work (" + join(nested, ", ") +
                   "), whose files would land as a link to a commit that exists nowhere else; remove its .git "
                   "folder (a scaffolding tool made it: create it without git, or `rm -rf " + nested.front() + "/.git`)";
    return w;
  }
  if (const auto it = std::find(changed.begin(), changed.end(), protected_path); it != changed.end()) {
    w.protected_changed = true;
    changed.erase(it);
    const Exec back = git({"checkout", "--quiet", base, "--", protected_path}, worktree);
    if (!back.ok()) return git_error("cannot restore " + protected_path + " in " + worktree, back);
  }
  if (changed.empty()) return w;
  const Exec tree = git({"write-tree"}, worktree);
  if (!tree.ok()) return git_error("git write-tree failed in " + worktree, tree);
  const Exec c = git({"commit-tree", first_line(tree.output), "-p", base, "-m", message}, worktree);
  if (!c.ok()) return git_error("git commit-tree failed in " + worktree, c);
  w.commit = first_line(c.output);
  return w;
}

Integration GitRepo::replay(const std::string& worktree, const std::string& commit, const std::string& onto) const {
  Integration r;
  // What the checks left that git does not track (build output, reports) may stay: the
  // commit takes tracked files only (commit_tracked), and the next attempt here starts
  // with a clean (reuse_worktree).
  if (const Exec reset = git({"reset", "--quiet", "--hard", onto}, worktree); !reset.ok()) {
    r.details = clip(trim(reset.output), 600);
    return r;
  }
  if (commit.empty()) {
    r.merged = true;
    return r;
  }
  const Exec e = git({"cherry-pick", "--no-commit", commit}, worktree);
  if (e.ok()) {
    r.merged = true;
    return r;
  }
  r.conflicts = lines(git({"diff", "--name-only", "--diff-filter=U"}, worktree).output);
  const std::string hunks = git({"diff"}, worktree).output;
  r.details = clip(hunks.empty() ? trim(e.output) : std::string_view(hunks), 4000);
  git({"cherry-pick", "--abort"}, worktree);
  git({"reset", "--quiet", "--hard", onto}, worktree);
  return r;
}

std::string GitRepo::remove_stale_lock(const std::string& worktree) const {
  const std::string admin = worktree_admin_dir(worktree);
  if (admin.empty()) return {};
  const std::string lock = admin + "/index.lock";
  std::error_code ec;
  return fs::remove(lock, ec) ? lock : std::string();
}

Result<void> GitRepo::fast_forward(const std::string& commit) const {
  // git's auto maintenance after every merge would be a process per task: the run asks
  // for it once, at its end (maintain).
  const Exec e = git({"-c", "maintenance.auto=false", "merge", "--ff-only", "--quiet", commit});
  if (!e.ok()) return git_error("cannot fast-forward to " + commit.substr(0, 10), e);
  return {};
}

namespace {
// A name for notes about `path` (tasks.md, relative to the top): its FNV-1a hash. One
// note per tasks.md: runs of two features land one at a time, but a run of one must not
// overwrite (and clear) the note the other's killed run left. A note's first line says
// the path.
std::string path_tag(const std::string& path) {
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : path) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}
}  // namespace

std::string GitRepo::pending_mark_path(const std::string& path) const {
  return common_dir_ + "/flow-integration.pending-" + path_tag(path);
}

std::string GitRepo::rollback_note_path(const std::string& path) const {
  return common_dir_ + "/flow-rollback.pending-" + path_tag(path);
}

Result<void> GitRepo::roll_back(const Rollback& r, const std::string& path) const {
  // Written (and on disk) before the branch is touched: the next run knows what a kill
  // anywhere from here to the journal's line left half-done.
  if (auto w = write_file_atomic(rollback_note_path(path),
                                 path + "\n" + r.run_id + "\n" + r.branch + "\n" + r.from + "\n" + r.to + "\n" + r.ref + "\n");
      !w)
    return w;
  // Failed (not killed): as it was, the error told; nothing for the next run to finish.
  auto undone = [&](Result<void> e) {
    if (!e) clear_rollback_note(path);
    return e;
  };
  if (auto u = update_ref(r.ref, r.from); !u) return undone(std::move(u));
  return undone(reset_hard(r.to, path));
}

void GitRepo::clear_rollback_note(const std::string& path) const {
  std::error_code ec;
  fs::remove(rollback_note_path(path), ec);
}

GitRepo::SettledRollback GitRepo::settle_rollback(const std::string& path) const {
  SettledRollback out;
  const auto note = read_file(rollback_note_path(path));
  if (!note) return out;
  const std::vector<std::string> f = lines(*note);
  if (f.size() < 6 || f[0] != path) return out;  // another file's (or torn: written atomically, so not flow's)
  const Rollback r{f[1], f[2], f[3], f[4], f[5]};
  const std::string head = this->head(), what = "the rollback of run " + r.run_id + " (" + r.branch + " from " +
                                                r.from.substr(0, 10) + " to " + r.to.substr(0, 10) + ")";
  auto give_up = [&](const std::string& why) {
    clear_rollback_note(path);
    out.done = what + " was cut short by a kill and " + why + "; " +
               (rev_parse(r.ref) ? "its commits stay under " + r.ref + ", and " : std::string()) + "`flow rollback --run " +
               r.run_id + "` undoes the run";
    return out;
  };
  if (current_branch() != r.branch) {
    // Not given up: checked out again, the next run finishes it.
    out.done = what + " was cut short by a kill; check out " + r.branch + " and run flow again to finish it";
    return out;
  }
  if (head == r.from) {
    // Killed before the reset: tasks.md may be replaced and staged already, nothing else.
    const std::vector<std::string> dirty = this->dirty();
    if (!std::all_of(dirty.begin(), dirty.end(), [&](const std::string& d) { return d == path; }))
      return give_up("files other than " + path + " have changed since (" + dirty.front() + "): the branch stays at " +
                     r.from.substr(0, 10));
    if (!dirty.empty()) {
      const auto now = read_file(top_ + "/" + path);
      const auto at_from = blob(r.from + ":" + path), at_to = blob(r.to + ":" + path);
      if (!now || !((at_from && *now == *at_from) || (at_to && *now == *at_to)))
        return give_up(path + " has been edited since: the branch stays at " + r.from.substr(0, 10));
    }
    if (!rev_parse(r.ref))
      if (auto u = update_ref(r.ref, r.from); !u) return give_up("its ref could not be set (" + u.error().message + ")");
    if (auto reset = reset_hard(r.to, path); !reset) {
      out.done = what + " was cut short by a kill, and finishing it failed: " + reset.error().message;
      return out;  // the note stays: the next run tries again
    }
    out.done = "finished " + what + ", which a kill cut short";
    out.journal = r;
    return out;
  }
  // Killed after the reset: the branch is at its end, or the user built on it since.
  if (on_head(r.to) && !on_head(r.from)) {
    out.done = what + " was done before a kill; its journal line is written now";
    out.journal = r;
    return out;
  }
  return give_up(r.branch + " is at " + head.substr(0, 10) + " since, neither end of it");
}

void GitRepo::note_pending_mark(const std::string& path, const std::string& commit, const std::string& before) const {
  (void)write_file_atomic(pending_mark_path(path), path + "\n" + commit + "\n" + before);
}

void GitRepo::clear_pending_mark(const std::string& path) const {
  std::error_code ec;
  fs::remove(pending_mark_path(path), ec);
}

namespace {
// The first word of `s` and, when it is `Task`, the number after it ("Task 3"), without
// the bold, colon or dash around them.
std::string_view task_name(std::string_view s) {
  std::size_t at = s.find_first_not_of(" *");
  if (at == std::string_view::npos) return {};
  auto word_end = [&](std::size_t from) { return std::min(s.find_first_of(" *:", from), s.size()); };
  std::size_t end = word_end(at);
  if (end - at == 4 && (s.substr(at, 4) == "Task" || s.substr(at, 4) == "task") && end < s.size() && s[end] == ' ')
    end = word_end(end + 1);
  while (end > at && (s[end - 1] == '.' || s[end - 1] == ',')) --end;
  return s.substr(at, std::min<std::size_t>(end - at, 32));
}

}  // namespace

std::string ids_but_lost(std::string_view ids, std::vector<std::string>& lost) {
  std::vector<std::string> kept;
  for (std::size_t i = 0; i <= ids.size();) {
    const std::size_t e = std::min(ids.find(", ", i), ids.size());
    const std::string_view id = ids.substr(i, e - i);
    // `Task 3` (a heading task's name) is the task 3.
    std::string_view bare = id;
    if (bare.size() > 5 && (starts_with(bare, "Task ") || starts_with(bare, "task "))) bare.remove_prefix(5);
    const auto l = std::find_if(lost.begin(), lost.end(), [&](const std::string& x) { return x == id || x == bare; });
    if (l != lost.end()) *l = std::string(id);
    else if (!id.empty()) kept.emplace_back(id);
    i = e + 2;
  }
  return kept.empty() ? "a task" : join(kept, ", ");
}

std::string marked_task_ids(std::string_view before, std::string_view marked) {
  std::vector<std::string> ids;
  std::string_view heading;  // the last heading above, `Task 3: …` or `T004 …`
  std::size_t a = 0, b = 0;
  while (a < before.size() && b < marked.size()) {
    const std::size_t ea = std::min(before.find('\n', a), before.size()), eb = std::min(marked.find('\n', b), marked.size());
    const std::string_view la = before.substr(a, ea - a), lb = marked.substr(b, eb - b);
    const std::size_t hashes = lb.find_first_not_of('#');
    const bool is_heading = hashes > 0 && hashes != std::string_view::npos && lb[hashes] == ' ';
    if (is_heading) heading = lb.substr(hashes);
    if (la != lb) {
      std::string_view id;
      if (is_heading) {
        id = task_name(heading);
      } else if (const std::string_view row = trim(lb); starts_with(row, "|")) {
        // `| T001 | … | Done |`, `| [x] | T001 | … |`: a table's row, named by its first cell
        // that is no checkbox (its ID, as a rule).
        for (std::size_t at = 1; at < row.size() && id.empty();) {
          const std::size_t end = std::min(row.find('|', at), row.size());
          const std::string_view cell = trim(row.substr(at, end - at));
          if (!cell.empty() && !(cell.size() == 3 && cell[0] == '[' && cell[2] == ']')) id = cell;
          at = end + 1;
        }
      } else if (const std::size_t box = lb.find(']'); box != std::string_view::npos) {
        id = task_name(lb.substr(box + 1));
        // `- [x] **Step 1: …**`: a step of the heading task above.
        if (std::none_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; }) && !heading.empty())
          id = task_name(heading);
      } else if (!heading.empty()) {
        id = task_name(heading);  // `- **Status**: ✅ Complete`: the heading task's Status field
      }
      if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.emplace_back(id);
    }
    a = ea + 1;
    b = eb + 1;
  }
  // A numbered item's box (`- [x] 1. Data layer`) went with its last task's mark (1.2):
  // the item is no task of its own.
  std::erase_if(ids, [&](const std::string& id) {
    return std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
           std::any_of(ids.begin(), ids.end(), [&](const std::string& o) { return o.size() > id.size() + 1 && o.compare(0, id.size(), id) == 0 && o[id.size()] == '.'; });
  });
  return ids.empty() ? "a task" : join(ids, ", ");
}

namespace {
// `text` with the marks `marked` put on `before`'s lines taken back: each line `marked`
// changed is found in `text` once (as a whole line; if it is there more than once, with
// the lines above it up to its heading: two tasks' Status fields read alike, their
// headings do not) and becomes `before`'s again, the rest kept as it is (a user's edits
// elsewhere in the file); nothing when a marked line is not found once so.
std::optional<std::string> take_back_lines(std::string_view text, std::string_view before, std::string_view marked) {
  const auto split = [](std::string_view s) {
    std::vector<std::string_view> lines;
    for (std::size_t i = 0;;) {
      const std::size_t e = std::min(s.find('\n', i), s.size());
      lines.push_back(s.substr(i, e - i));
      if (e == s.size()) return lines;
      i = e + 1;
    }
  };
  const auto is_heading = [](std::string_view l) {
    const std::size_t h = l.find_first_not_of('#');
    return h > 0 && h != std::string_view::npos && l[h] == ' ';
  };
  const std::vector<std::string_view> was = split(before), now = split(marked);
  std::vector<std::string> out;
  for (std::string_view l : split(text)) out.emplace_back(l);
  std::size_t heading = 0;  // the last heading at or above line i of `marked`
  for (std::size_t i = 0; i < was.size() && i < now.size(); ++i) {
    if (is_heading(now[i])) heading = i;
    if (was[i] == now[i]) continue;
    // Where lines from..i of `marked` stand in `text`, if once: their last line's index.
    // A line above i may have been taken back already (a step's box above its Status
    // field): either text of it matches.
    const auto find = [&](std::size_t from) {
      std::size_t at = std::string::npos, found = 0;
      for (std::size_t j = 0; j + (i - from) < out.size(); ++j) {
        std::size_t k = from;
        while (k <= i && (out[j + k - from] == now[k] || (k < i && out[j + k - from] == was[k]))) ++k;
        if (k <= i) continue;
        at = j + (i - from);
        ++found;
      }
      return std::make_pair(at, found);
    };
    auto [at, found] = find(i);
    if (found > 1 && heading < i && is_heading(now[heading])) std::tie(at, found) = find(heading);
    if (found != 1) return std::nullopt;  // not there, or twice: which one is not known
    out[at] = std::string(was[i]);
  }
  std::string joined;
  for (std::size_t j = 0; j < out.size(); ++j) joined += (j ? "\n" : "") + out[j];
  return joined;
}

// take_back_marks by the parser, where the lines are not found as `marked` has them (the
// user edited a marked task's line, or an editor re-aligned its table, or renumbered it):
// the tasks done in `marked` and not in `before` are found in `text` by ID (among tasks
// of one ID, by their line's text, the mark aside), else by their text under an ID
// `before` did not have, and set pending there in the file's own words (a Status value as
// `before` had it). `lost`: those found neither way, or found twice alike.
struct TakenBack {
  std::optional<std::string> text;  // nullopt: none of the run's marks there to take back
  std::vector<std::string> lost;
};

TakenBack take_back_tasks(std::string_view text, std::string_view before, std::string_view marked) {
  // `before` and `marked` differ in marks alone: the same tasks, in the same order.
  const Plan was = parse_tasks_md(before), now = parse_tasks_md(marked), plan = parse_tasks_md(text);
  TakenBack out;
  if (was.tasks.size() != now.tasks.size()) return out;
  std::vector<MarkChange> changes;
  std::vector<std::string> words;  // each change's Status value as `before` had it
  for (std::size_t i = 0; i < now.tasks.size(); ++i) {
    const Task& m = now.tasks[i];
    const Task& w = was.tasks[i];
    if (m.id != w.id) return out;
    if (m.state != TaskState::done || w.state == TaskState::done) continue;
    // By its ID and its line as it was (the mark aside); else by its text alone, under any
    // ID (renumbered: T001 became T010, or T002 when a task was put above it); else by its
    // ID alone (reworded), among tasks of one ID the one marked done.
    std::vector<const Task*> found, by_text;
    for (const Task& t : plan.tasks) {
      if (t.id == m.id) found.push_back(&t);
      // Not a task that had that text already, under its own ID (another "Run tests").
      if (!m.description.empty() && t.description == m.description &&
          std::none_of(was.tasks.begin(), was.tasks.end(),
                       [&](const Task& o) { return &o != &w && o.id == t.id && o.description == t.description; }))
        by_text.push_back(&t);
    }
    std::vector<const Task*> same = found;
    std::erase_if(same, [&](const Task* t) { return task_line_text(text, *t) != task_line_text(marked, m); });
    if (same.size() == 1) found = std::move(same);
    else if (by_text.size() == 1) found = std::move(by_text);
    else if (found.size() > 1) std::erase_if(found, [](const Task* t) { return t->state != TaskState::done; });
    if (found.size() != 1) {  // gone, or which one is not known
      out.lost.push_back(m.id);
      continue;
    }
    if (found.front()->state != TaskState::done) continue;  // not marked there: none to take back
    changes.push_back({found.front()->line, found.front()->id, false});
    const bool value = w.status_offset != Task::npos && w.status_offset <= before.size() &&
                       w.status_length <= before.size() - w.status_offset;
    words.emplace_back(value ? before.substr(w.status_offset, w.status_length) : std::string_view());
  }
  if (!changes.empty())
    if (auto t = set_marks_in_words(text, plan, changes, words)) out.text = std::move(*t);
  return out;
}
}  // namespace

std::optional<std::string> take_back_marks(std::string_view text, std::string_view before, std::string_view marked) {
  if (auto by_line = take_back_lines(text, before, marked)) return by_line;
  return take_back_tasks(text, before, marked).text;
}

std::vector<std::string> marks_not_found(std::string_view text, std::string_view before, std::string_view marked) {
  if (take_back_lines(text, before, marked)) return {};
  return take_back_tasks(text, before, marked).lost;
}

std::string GitRepo::settle_pending_mark(const std::string& path) const {
  // Its own note, or the one note of every file an earlier flow kept.
  std::string note_path = pending_mark_path(path);
  auto note = read_file(note_path);
  if (!note) note = read_file(note_path = common_dir_ + "/flow-integration.pending");
  if (!note) return {};
  const std::size_t a = note->find('\n'), b = a == std::string::npos ? a : note->find('\n', a + 1);
  if (b == std::string::npos || note->compare(0, a, path) != 0 || a != path.size()) return {};  // another file's
  const std::string commit = note->substr(a + 1, b - a - 1);
  const std::string_view before = std::string_view(*note).substr(b + 1);
  const std::string file = top_ + "/" + path;
  const auto now = read_file(file);
  std::string done;
  if (git({"merge-base", "--is-ancestor", commit, "HEAD"}).ok()) {
    // HEAD is the commit, or commits of the user's on top that left the file as it has it.
    // Compared by blob and read whole: git's output as exec() keeps it is clipped.
    const Exec at = git({"rev-parse", "--verify", "--quiet", commit + ":" + path}),
               head = git({"rev-parse", "--verify", "--quiet", "HEAD:" + path});
    if (now && *now == before && at.ok() && head.ok() && at.output == head.output) {
      auto text = blob(first_line(head.output));
      if (!text) return "cannot put " + path + "'s marks in: " + text.error().message;
      if (auto w = write_file_atomic(file, *text); !w) return "cannot put " + path + "'s marks in: " + w.error().message;
      done = path + ": the marks a killed run committed (" + commit.substr(0, 10) + ") put in";
    }
  } else {
    const Exec index = git({"rev-parse", ":" + path}), at = git({"rev-parse", commit + ":" + path}),
               head = git({"rev-parse", "--verify", "--quiet", "HEAD:" + path});
    const bool head_marked = at.ok() && head.ok() && at.output == head.output;
    if (index.ok() && at.ok() && index.output == at.output && !head_marked) {
      git({"reset", "--quiet", "--", path});
      done = path + ": index entry reset (a killed run's commit never landed)";
    }
    // The user committed before this run, and with it the entry staged for the
    // fast-forward: HEAD's tasks.md marks work that never landed. The file as the run
    // left it (or as that commit has it) goes back to its text before the mark, and so
    // does the branch, in a commit of that file alone; the note stays until it lands.
    // Also when their commits since changed the file elsewhere (a task added, after
    // `git checkout` or `git stash` put the marked file in the work tree): the marked
    // lines are taken back wherever they are, and what they changed stays.
    std::optional<std::string> marked, in_head, head_unmarked;
    if (at.ok() && head.ok())
      if (auto m = blob(first_line(at.output)); m && *m != before) marked = std::move(*m);
    if (marked)
      if (auto h = head_marked ? Result<std::string>(*marked) : blob(first_line(head.output)); h) in_head = std::move(*h);
    if (in_head) head_unmarked = head_marked ? std::optional<std::string>(before) : take_back_marks(*in_head, before, *marked);
    // A marked task the file no longer has by its ID or its text (renumbered and reworded,
    // or deleted): its mark cannot be taken back, and the user is told which it was.
    std::vector<std::string> lost;
    if (in_head && !head_marked) lost = marks_not_found(*in_head, before, *marked);
    const std::string head_id = in_head ? first_line(git({"rev-parse", "--short=10", "HEAD"}).output) : std::string();
    if (head_unmarked && now) {
      if (*now != *in_head && *now != *head_unmarked)
        for (std::string& id : marks_not_found(*now, before, *marked))
          if (std::find(lost.begin(), lost.end(), id) == lost.end()) lost.push_back(std::move(id));
      // The tasks whose marks are taken back: the lost ones are said apart.
      std::string ids = marked_task_ids(before, *marked);
      if (!lost.empty()) ids = ids_but_lost(ids, lost);
      if (*now != *in_head && *now != *head_unmarked) {
        // Edited since and not committed: the marks go out of the file, which the user
        // commits with their edit; flow commits no edit of theirs.
        if (const auto unmarked = take_back_marks(*now, before, *marked); unmarked && *unmarked != *now) {
          if (auto w = write_file_atomic(file, *unmarked); !w)
            return "cannot take back the marks of " + ids + ": " + w.error().message;
          done += (done.empty() ? "" : "; ") + path + ": " + head_id + " marked " + ids +
                  ", whose work a killed run never committed: the marks are taken out of " + path +
                  ", which holds edits of yours not committed; commit it";
        }
      } else {
        if (*now != *head_unmarked) {
          if (auto w = write_file_atomic(file, *head_unmarked); !w)
            return "cannot take back the marks of " + ids + ": " + w.error().message;
        }
        const Exec c = git({"-c", "maintenance.auto=false", "commit", "--quiet", "--no-verify", "--only", "-m",
                            "flow: unmark " + ids + ", whose work a killed run never committed\n\n" + head_id +
                                " committed the marks the run had staged for its own commit.",
                            "--", path});
        if (!c.ok())
          return path + ": " + head_id + " marks " + ids + ", whose work a killed run never committed; committing " +
                 path + " without those marks failed (" + first_line(c.output) + "): commit it as it is now";
        done += (done.empty() ? "" : "; ") + path + ": " + head_id + " marked " + ids +
                ", whose work a killed run never committed: the marks are taken back in " +
                first_line(git({"rev-parse", "--short=10", "HEAD"}).output);
      }
    }
    if (!lost.empty())
      done += (done.empty() ? "" : "; ") + path + ": " + head_id + " committed the mark of " + join(lost, ", ") +
              ", whose work a killed run never committed, and " + path +
              " has no task of that ID or text now: if one of its tasks is that one renamed, set it pending to run it again";
  }
  std::error_code ec;
  fs::remove(note_path, ec);
  return done;
}

Result<bool> GitRepo::commit_file(const std::string& path, std::string_view before, std::string_view after,
                                  const std::string& message) const {
  const std::string file = top_ + "/" + path;
  const auto head = blob("HEAD:" + path);
  if (!head || *head != before || !git({"diff", "--cached", "--quiet", "--", path}).ok()) return false;
  if (const auto now = read_file(file); !now || *now != before) return false;
  if (auto w = write_file_atomic(file, after); !w) return Unexpected{std::move(w).error()};
  const Exec c = git({"-c", "maintenance.auto=false", "commit", "--quiet", "--no-verify", "--only", "-m", message, "--", path});
  if (!c.ok()) {
    (void)write_file_atomic(file, before);
    return make_error(Errc::io, "committing " + path + " failed: " + first_line(c.output));
  }
  return true;
}

std::map<std::string, std::string> GitRepo::shared_refs() const {
  std::map<std::string, std::string> refs;
  for (const std::string& l : lines(git({"for-each-ref", "--format=%(objectname) %(refname)"}).output)) {
    const std::size_t sp = l.find(' ');
    if (sp == std::string::npos) continue;
    const std::string name = l.substr(sp + 1);
    if (name.rfind("refs/flow/", 0) == 0 || name.rfind("refs/heads/flow/", 0) == 0) continue;
    refs.emplace(name, l.substr(0, sp));
  }
  if (const auto head = read_file(common_dir_ + "/HEAD")) refs.emplace("HEAD", std::string(trim(*head)));
  return refs;
}

std::optional<std::uint64_t> GitRepo::refs_stamp(const std::string& except) const {
  std::error_code ec;
  if (fs::exists(common_dir_ + "/reftable", ec)) return std::nullopt;
  std::uint64_t h = 14695981039346656037ULL;  // FNV-1a over each file's name and stat
  auto mix = [&h](const void* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<const unsigned char*>(data)[i]) * 1099511628211ULL;
  };
  auto add = [&](const std::string& path) {
    mix(path.data(), path.size() + 1);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return;   // none: its name alone
    // A ref is rewritten by a rename onto it: a new inode, and a new time.
    const std::uint64_t v[] = {static_cast<std::uint64_t>(st.st_ino), static_cast<std::uint64_t>(st.st_size),
                               static_cast<std::uint64_t>(st.st_mtim.tv_sec), static_cast<std::uint64_t>(st.st_mtim.tv_nsec)};
    mix(v, sizeof v);
  };
  add(common_dir_ + "/packed-refs");
  add(common_dir_ + "/HEAD");
  const fs::path refs(common_dir_ + "/refs");
  fs::recursive_directory_iterator it(refs, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string rel = "refs/" + it->path().lexically_relative(refs).string();
    if (it->is_directory(ec)) {
      if (rel == "refs/flow" || rel == "refs/heads/flow") it.disable_recursion_pending();
      continue;
    }
    if (rel != except) add(it->path().string());
  }
  if (ec) return std::nullopt;   // a folder went while it was read: the refs are listed
  return h;
}

std::vector<std::string> GitRepo::ref_changes(const std::map<std::string, std::string>& before,
                                              const std::map<std::string, std::string>& after, const std::string& except) {
  // "refs/heads/x" -> "branch x", "refs/tags/v1" -> "tag v1"; others by their full name.
  auto named = [](const std::string& ref) {
    if (ref.rfind("refs/heads/", 0) == 0) return "branch " + ref.substr(11);
    if (ref.rfind("refs/tags/", 0) == 0) return "tag " + ref.substr(10);
    return ref;
  };
  std::vector<std::string> out;
  for (const auto& [ref, to] : after) {
    if (ref == except) continue;
    const auto was = before.find(ref);
    if (ref == "HEAD") {
      if (was != before.end() && was->second != to) out.push_back("the main work tree's HEAD now " + to + " (was " + was->second + ")");
    } else if (was == before.end()) {
      out.push_back("created " + named(ref) + " (" + to.substr(0, 10) + ")");
    } else if (was->second != to) {
      out.push_back("moved " + named(ref) + " (" + was->second.substr(0, 10) + " -> " + to.substr(0, 10) + ")");
    }
  }
  for (const auto& [ref, from] : before)
    if (ref != except && ref != "HEAD" && !after.count(ref)) out.push_back("deleted " + named(ref) + " (was " + from.substr(0, 10) + ")");
  return out;
}

std::string GitRepo::snapshot() const {
  const Exec e = git({"stash", "create", "flow: uncommitted changes"});
  const std::string sha = e.ok() ? first_line(e.output) : std::string();
  return sha.empty() ? head() : sha;
}

void GitRepo::stage(const std::string& path, bool staged) const {
  if (staged) git({"add", "--", path});
  else git({"reset", "--quiet", "--", path});
}

void GitRepo::reset_path(const std::string& commit, const std::string& path) const {
  git({"reset", "--quiet", commit, "--", path});
}

void GitRepo::remove_worktree(const std::string& dir, const std::string& branch, bool drop_branch) const {
  test_pause("before-branch-delete");
  // The branch first (update-ref, since `branch -D` refuses a checked-out branch): a
  // kill after it leaves a worktree, which the next run finds and removes.
  if (drop_branch && !branch.empty()) git({"update-ref", "-d", "refs/heads/" + branch});
  // What `git worktree remove --force --force` does, without two processes: the work
  // tree, then git's record of it (.git/worktrees/<id>, named in the work tree's .git
  // file). A kill in between leaves a record of a missing directory, which any `git
  // worktree prune` (the next run's cleanup) drops, as git would. A record that is not
  // where a worktree's should be goes the long way.
  std::error_code ec;
  if (const std::string admin = worktree_admin_dir(dir); !admin.empty()) {
    fs::remove_all(dir, ec);
    if (!ec) fs::remove_all(admin, ec);
    if (!ec) return;
  }
  const FileLock one_at_a_time = worktree_lock();
  git({"worktree", "remove", "--force", "--force", dir});
  fs::remove_all(dir, ec);  // whatever git left (it refuses locked or broken ones)
  git({"worktree", "prune"});
}

void GitRepo::keep_branch(const std::string& branch, const std::string& commit) const {
  // flow/<run>/<name> -> refs/flow/<run>/kept/<name>
  const std::size_t slash = branch.find('/', 5);
  if (branch.rfind("flow/", 0) != 0 || slash == std::string::npos) return;
  git({"update-ref", "refs/flow/" + branch.substr(5, slash - 5) + "/kept/" + branch.substr(slash + 1), commit});
}

namespace {

// The process of a run's ID, "<YYYYMMDD>T<HHMMSS>Z-<pid>" (make_run_id) with "-<k>" after
// it when two runs started in one second; 0 for a name of another shape (a branch the
// user called flow/new-ui is not a run's).
long run_pid(const std::string& run) {
  const auto digits = [&](std::size_t from, std::size_t to) {
    if (to > run.size() || from >= to) return false;
    for (std::size_t i = from; i < to; ++i)
      if (!is_digit(run[i])) return false;
    return true;
  };
  if (run.size() < 18 || !digits(0, 8) || run[8] != 'T' || !digits(9, 15) || run[15] != 'Z' || run[16] != '-') return 0;
  const std::size_t dash = run.find('-', 17), end = dash == std::string::npos ? run.size() : dash;
  if (!digits(17, end) || end - 17 > 9 || (dash != std::string::npos && !digits(dash + 1, run.size()))) return 0;
  return std::strtol(run.c_str() + 17, nullptr, 10);
}

// A run is alive while the process in its ID is; a name that is no run's ID is never a
// dead run's.
bool run_dead(const std::string& run) {
  const long pid = run_pid(run);
  if (pid <= 1) return false;
  return !(::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

}  // namespace

int GitRepo::clean_stale_worktrees(const std::string& keep_run) const {
  int removed = 0;
  std::error_code ec;
  auto stale = [&](const std::string& run) { return run != keep_run && run_dead(run); };
  // Worktrees first: a branch a worktree holds cannot be deleted.
  const fs::path root = fs::path(common_dir_) / "flow-worktrees";
  if (fs::is_directory(root, ec)) {
    const FileLock one_at_a_time = worktree_lock();
    for (const auto& run : fs::directory_iterator(root, ec)) {
      if (!stale(run.path().filename().string())) continue;
      for (const auto& wt : fs::directory_iterator(run.path(), ec)) {
        git({"worktree", "remove", "--force", "--force", wt.path().string()});
        ++removed;
      }
      fs::remove_all(run.path(), ec);
    }
    git({"worktree", "prune"});
  }
  // A dead run's refs are its own: a lock it left on one (a run killed while libgit2 set
  // a branch, NativeGit::reuse) would keep git from deleting the branch.
  for (const char* ns : {"refs/heads/flow", "refs/flow"}) {
    std::vector<fs::path> locks;
    for (const auto& run : fs::directory_iterator(fs::path(common_dir_) / ns, ec)) {
      if (!run.is_directory(ec) || !stale(run.path().filename().string())) continue;
      for (auto it = fs::recursive_directory_iterator(run.path(), ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec))
        if (it->path().extension() == ".lock" && it->is_regular_file(ec)) locks.push_back(it->path());
    }
    for (const fs::path& lock : locks) fs::remove(lock, ec);
    ec.clear();
  }
  // Then every flow/<run>/… branch of a dead run: it held work that was cut off (the task
  // runs again), unless it was kept for the user (a task that finally failed), which
  // refs/flow/<run>/kept/<name> says while it still points where the branch does — or,
  // for a branch kept before that marker existed (or by a run killed just before it set
  // it), a tip that is flow's "WIP <task>: attempt N failed (…)" commit.
  const Exec refs = git({"for-each-ref", "--format=%(objectname) %(refname) %(contents:subject)", "refs/heads/flow/", "refs/flow/"});
  std::map<std::string, std::string> kept;  // "<run>/<name>" -> commit
  struct Branch {
    std::string name, sha;  // "<run>/<name>"
    bool wip;
  };
  std::vector<Branch> branches;
  for (const std::string& l : lines(refs.output)) {
    const std::size_t sp = l.find(' '), sp2 = l.find(' ', sp + 1);
    if (sp == std::string::npos) continue;
    const std::string sha = l.substr(0, sp), ref = l.substr(sp + 1, sp2 == std::string::npos ? std::string::npos : sp2 - sp - 1);
    const std::string subject = sp2 == std::string::npos ? std::string() : l.substr(sp2 + 1);
    if (ref.rfind("refs/heads/flow/", 0) == 0) {
      // (or a task canceled by a control: "WIP <task>: canceled")
      const bool wip = subject.rfind("WIP ", 0) == 0 &&
                       ((subject.find(": attempt ") != std::string::npos && subject.back() == ')') ||
                        (subject.size() > 14 && subject.ends_with(": canceled")));
      branches.push_back({ref.substr(16), sha, wip});
    } else if (const std::size_t k = ref.find("/kept/"); ref.rfind("refs/flow/", 0) == 0 && k != std::string::npos) {
      kept[ref.substr(10, k - 10) + "/" + ref.substr(k + 6)] = sha;
    }
  }
  std::vector<std::string> drop{"branch", "--quiet", "-D"};
  for (const Branch& b : branches) {
    const auto k = kept.find(b.name);
    const bool keep = (k != kept.end() && k->second == b.sha) || b.wip;
    if (k != kept.end()) kept.erase(k);
    if (keep || !stale(b.name.substr(0, b.name.find('/')))) continue;
    drop.push_back("flow/" + b.name);
    ++removed;
  }
  if (drop.size() > 3) git(drop);
  // Markers whose branch the user deleted.
  for (const auto& [name, sha] : kept)
    if (stale(name.substr(0, name.find('/'))))
      git({"update-ref", "-d", "refs/flow/" + name.substr(0, name.find('/')) + "/kept/" + name.substr(name.find('/') + 1)});
  return removed;
}

Result<void> GitRepo::update_ref(const std::string& ref, const std::string& commit) const {
  const Exec e = git({"update-ref", ref, commit});
  if (!e.ok()) return git_error("cannot set " + ref, e);
  return {};
}

Result<void> GitRepo::update_ref(const std::string& ref, const std::string& commit, const std::string& old) const {
  const Exec e = git({"update-ref", ref, commit, old});
  if (!e.ok()) return git_error("cannot set " + ref, e);
  return {};
}

bool GitRepo::moved_without_work_tree(const std::string& from, const std::string& to) const {
  // Back to a commit it had: the user's `git reset --soft HEAD~1` ("Undo Last Commit"),
  // which leaves the index as it was on purpose.
  if (reaches(from, to)) return false;
  return git({"diff-tree", "--quiet", from, to}).status == 1 && git({"diff-index", "--cached", "--quiet", from}).ok();
}

std::map<std::string, std::string> GitRepo::commits_since(const std::string& from, const std::string& to) const {
  std::map<std::string, std::string> out;
  for (const std::string& l : lines(git({"log", "--format=%H %s", from + ".." + to}).output))
    if (const std::size_t sp = l.find(' '); sp != std::string::npos) out[l.substr(0, sp)] = l.substr(sp + 1);
    else out[l] = "";
  return out;
}

std::string GitRepo::describe(const std::string& commit) const {
  const Exec e = git({"log", "-1", "--format=%h %s", commit});
  return e.ok() ? first_line(e.output) : commit.substr(0, 10);
}

Result<std::string> GitRepo::rev_parse(const std::string& what) const {
  const Exec e = git({"rev-parse", "--verify", "--quiet", what + "^{commit}"});
  if (!e.ok()) return make_error(Errc::not_found, "no commit " + what);
  return first_line(e.output);
}

Result<void> GitRepo::reset_hard(const std::string& commit, const std::string& atomic_path) const {
  if (!atomic_path.empty()) {
    if (const auto text = blob(commit + ":" + atomic_path)) {
      if (auto w = write_file_atomic(top_ + "/" + atomic_path, *text); !w) return w;
      git({"add", "--", atomic_path});
      test_pause("reset-file-replaced");
    }
  }
  const Exec e = git({"reset", "--quiet", "--hard", commit});
  if (!e.ok()) return git_error("git reset --hard " + commit + " failed", e);
  return {};
}

std::vector<GitRepo::Commit> GitRepo::log(const std::string& from) const {
  std::vector<Commit> out;
  // Unit separators between the fields: a name or subject may hold any other character.
  for (const std::string& l : lines(git({"log", "--reverse", "--format=%H%x1f%an <%ae>%x1f%s", from + "..HEAD"}).output)) {
    const std::size_t a = l.find('\x1f'), s = a == std::string::npos ? a : l.find('\x1f', a + 1);
    if (s == std::string::npos) continue;
    out.push_back({l.substr(0, a), l.substr(a + 1, s - a - 1), l.substr(s + 1)});
  }
  return out;
}

}  // namespace flow::detail
