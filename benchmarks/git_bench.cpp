// SPDX-License-Identifier: MIT
// The git CLI or libgit2 for git isolation's hot operations? In a scratch repository of
// FILES small files, each operation ROUNDS times each way, interleaved, in this one run;
// prints the mean wall time per operation and the ratio.
//   worktree add     a new worktree on a new branch at a commit, checked out
//                    (CLI: `git worktree add -B`; libgit2: git_branch_create + git_worktree_add)
//   worktree remove  its branch and the worktree go
//                    (CLI: `git update-ref -d` and the directories removed, as flow does;
//                    libgit2: git_reference_delete + git_worktree_prune)
//   commit work      three files written in the worktree, all of it as a commit on the base
//                    (CLI: `add --all`, `write-tree`, `commit-tree`; libgit2: index add/update
//                    all, write tree, commit create)
//   diff names       the files that commit changed against the base
//                    (CLI: `diff --cached --name-only`; libgit2: git_diff_tree_to_index)
// usage: git_bench [ROUNDS] [FILES]
#include <git2.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Runs git with argv in `cwd`, stdout captured, as flow's runtime does.
std::string git(const std::string& cwd, std::vector<std::string> args) {
  args.insert(args.begin(), "git");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, "git", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) throw std::runtime_error("cannot start git");
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("git " + args[1] + " failed");
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

void check(int rc, const char* what) {
  if (rc < 0) {
    const git_error* e = git_error_last();
    throw std::runtime_error(std::string(what) + ": " + (e ? e->message : "?"));
  }
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

void make_work(const fs::path& wt, int i) {
  write(wt / "src" / ("new" + std::to_string(i) + ".txt"), "new file\n");
  write(wt / "src" / "d0" / "f0.txt", "changed " + std::to_string(i) + "\n");
  fs::remove(wt / "src" / "d1" / "f1.txt");
}

struct Times {
  double add = 0, remove = 0, commit = 0, diff = 0;
};

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

void cli_round(const fs::path& repo, const std::string& base, int i, Times& t) {
  const std::string name = "cli" + std::to_string(i), branch = "bench/" + name;
  const fs::path wt = repo / ".git" / "bench-worktrees" / name;
  auto t0 = Clock::now();
  git(repo, {"worktree", "add", "--quiet", "-B", branch, wt.string(), base});
  t.add += ms_since(t0);
  make_work(wt, i);
  t0 = Clock::now();
  git(wt, {"add", "--all"});
  const std::string tree = git(wt, {"write-tree"});
  const std::string commit = git(wt, {"commit-tree", tree, "-p", base, "-m", "work " + name});
  t.commit += ms_since(t0);
  t0 = Clock::now();
  const std::string names = git(wt, {"diff", "--cached", "--name-only", "--no-renames", "-z", base, "--"});
  t.diff += ms_since(t0);
  if (commit.size() != 40 || names.empty()) throw std::runtime_error("CLI: no commit or no diff");
  t0 = Clock::now();
  git(repo, {"update-ref", "-d", "refs/heads/" + branch});
  fs::remove_all(wt);
  fs::remove_all(repo / ".git" / "worktrees" / name);
  t.remove += ms_since(t0);
}

void lib_round(const fs::path& repo_dir, const std::string& base_hex, int i, Times& t) {
  const std::string name = "lib" + std::to_string(i), branch = "bench/" + name;
  const fs::path wt_dir = repo_dir / ".git" / "bench-worktrees" / name;
  git_repository* repo = nullptr;
  auto t0 = Clock::now();
  check(git_repository_open(&repo, repo_dir.c_str()), "open");
  git_oid base_id;
  check(git_oid_fromstr(&base_id, base_hex.c_str()), "oid");
  git_commit* base = nullptr;
  check(git_commit_lookup(&base, repo, &base_id), "lookup");
  git_reference* ref = nullptr;
  check(git_branch_create(&ref, repo, branch.c_str(), base, 1), "branch");
  git_worktree_add_options wopts;
  check(git_worktree_add_options_init(&wopts, GIT_WORKTREE_ADD_OPTIONS_VERSION), "options");
  wopts.ref = ref;
  git_worktree* wt = nullptr;
  check(git_worktree_add(&wt, repo, name.c_str(), wt_dir.c_str(), &wopts), "worktree add");
  t.add += ms_since(t0);
  make_work(wt_dir, i);
  t0 = Clock::now();
  git_repository* wrepo = nullptr;
  check(git_repository_open_from_worktree(&wrepo, wt), "open worktree");
  git_index* index = nullptr;
  check(git_repository_index(&index, wrepo), "index");
  check(git_index_add_all(index, nullptr, GIT_INDEX_ADD_DEFAULT, nullptr, nullptr), "add all");
  check(git_index_update_all(index, nullptr, nullptr, nullptr), "update all");
  check(git_index_write(index), "write index");
  git_oid tree_id, commit_id;
  check(git_index_write_tree(&tree_id, index), "write tree");
  git_tree* tree = nullptr;
  check(git_tree_lookup(&tree, wrepo, &tree_id), "tree");
  git_signature* sig = nullptr;
  check(git_signature_default(&sig, wrepo), "signature");
  const git_commit* parents[] = {base};
  check(git_commit_create(&commit_id, wrepo, nullptr, sig, sig, nullptr, ("work " + name).c_str(), tree, 1, parents),
        "commit");
  t.commit += ms_since(t0);
  t0 = Clock::now();
  git_tree* base_tree = nullptr;
  check(git_commit_tree(&base_tree, base), "base tree");
  git_diff* diff = nullptr;
  git_diff_options dopts;
  check(git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION), "diff options");
  check(git_diff_tree_to_index(&diff, wrepo, base_tree, index, &dopts), "diff");
  std::string names;
  for (std::size_t d = 0; d < git_diff_num_deltas(diff); ++d) names += git_diff_get_delta(diff, d)->new_file.path;
  t.diff += ms_since(t0);
  if (names.empty()) throw std::runtime_error("libgit2: no diff");
  git_diff_free(diff);
  git_tree_free(base_tree);
  git_signature_free(sig);
  git_tree_free(tree);
  git_index_free(index);
  git_repository_free(wrepo);
  t0 = Clock::now();
  check(git_reference_delete(ref), "delete branch");
  git_worktree_prune_options popts;
  check(git_worktree_prune_options_init(&popts, GIT_WORKTREE_PRUNE_OPTIONS_VERSION), "prune options");
  popts.flags = GIT_WORKTREE_PRUNE_VALID | GIT_WORKTREE_PRUNE_WORKING_TREE | GIT_WORKTREE_PRUNE_LOCKED;
  check(git_worktree_prune(wt, &popts), "prune");
  git_worktree_free(wt);
  git_reference_free(ref);
  git_commit_free(base);
  git_repository_free(repo);
  t.remove += ms_since(t0);
}

}  // namespace

int main(int argc, char** argv) try {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 20;
  const int files = argc > 2 ? std::atoi(argv[2]) : 300;
  char tmpl[] = "/tmp/flow-git-bench-XXXXXX";
  const fs::path repo = ::mkdtemp(tmpl);
  git(repo, {"init", "--quiet"});
  git(repo, {"config", "user.name", "git_bench"});
  git(repo, {"config", "user.email", "git_bench@localhost"});
  git(repo, {"config", "gc.auto", "0"});
  for (int f = 0; f < files; ++f)
    write(repo / "src" / ("d" + std::to_string(f % 20)) / ("f" + std::to_string(f) + ".txt"),
          std::string(1024, static_cast<char>('a' + f % 26)) + "\n");
  git(repo, {"add", "--all"});
  git(repo, {"commit", "--quiet", "-m", "files"});
  const std::string base = git(repo, {"rev-parse", "HEAD"});
  fs::create_directories(repo / ".git" / "bench-worktrees");
  git_libgit2_init();
  Times cli, lib;
  for (int i = 0; i < rounds; ++i) {
    cli_round(repo, base, i, cli);
    lib_round(repo, base, i, lib);
  }
  git_libgit2_shutdown();
  fs::remove_all(repo);
  std::printf("%d rounds, %d files of 1 KiB; mean ms per operation\n", rounds, files);
  std::printf("%-16s %10s %10s %10s\n", "operation", "git CLI", "libgit2", "lib/CLI");
  auto row = [&](const char* what, double c, double l) {
    std::printf("%-16s %10.2f %10.2f %9.2fx\n", what, c / rounds, l / rounds, l / c);
  };
  row("worktree add", cli.add, lib.add);
  row("commit work", cli.commit, lib.commit);
  row("diff names", cli.diff, lib.diff);
  row("worktree remove", cli.remove, lib.remove);
  row("all four", cli.add + cli.commit + cli.diff + cli.remove, lib.add + lib.commit + lib.diff + lib.remove);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "git_bench: %s\n", e.what());
  return 1;
}
