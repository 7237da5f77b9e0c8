// SPDX-License-Identifier: MIT
// The Workspace seam: the run loop against a fake workspace and a fake runner (the
// order of collection and integration, discards on failure), and the real git
// workspace alone in a real repository.
#include <flow/graph.hpp>
#include <flow/run.hpp>
#include <flow/tasks_md.hpp>

#include "runtime/git.hpp"
#include "runtime/workspace.hpp"
#include "unit/support.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <set>
#include <span>
#include <algorithm>

using namespace flow;
namespace fs = std::filesystem;

namespace {

struct Quiet final : RunObserver {
  void on_event(const RunEvent&) override {}
};

// Ends the attempts it was given last first (so that completion order is not start
// order), each with the exit code scripted for its task and attempt (default 0).
struct FakeRunner final : Runner {
  std::map<std::pair<int, int>, int> exits;  // (task, attempt) -> exit code
  std::vector<Launch> live;
  std::vector<int> started, ended;  // tasks, in the order they started / ended
  Result<long> start(const Launch& l) override {
    live.push_back(l);
    started.push_back(l.task);
    return 0L;
  }
  std::optional<Completion> wait(double) override {
    if (live.empty()) return std::nullopt;
    const Launch l = live.back();
    live.pop_back();
    ended.push_back(l.task);
    Completion c;
    c.task = l.task;
    c.attempt = l.attempt;
    const auto e = exits.find({l.task, l.attempt});
    c.exit_code = e == exits.end() ? 0 : e->second;
    return c;
  }
  void cancel_all() noexcept override { live.clear(); }
  int running() const noexcept override { return static_cast<int>(live.size()); }
};

// Records what the loop asks of it, as "prepare 0#1", "collect 0", "integrate 0",
// "discard 0 keep|drop".
struct FakeWorkspace : detail::Workspace {
  std::vector<std::string>* calls;
  std::string workdir;
  std::set<int> fail_prepare, conflict_once;
  FakeWorkspace(std::vector<std::string>* c, std::string w) : calls(c), workdir(std::move(w)) {}
  Isolation kind() const noexcept override { return Isolation::none; }
  bool isolated() const noexcept override { return false; }
  Result<std::string> prepare(int t, int attempt) override {
    calls->push_back("prepare " + std::to_string(t) + "#" + std::to_string(attempt));
    if (fail_prepare.count(t)) return make_error(Errc::config, "no place for it");
    return workdir;
  }
  std::string dir(int) const override { return workdir; }
  Result<detail::Work> collect(int t) override {
    calls->push_back("collect " + std::to_string(t));
    return detail::Work{"work-" + std::to_string(t), true, {}};
  }
  std::optional<Error> integrate(int t, const detail::Work& w, const detail::TaskMark&, detail::Landing&) override {
    calls->push_back("integrate " + std::to_string(t));
    CHECK(w.ref == "work-" + std::to_string(t));  // what collect gave, for the same task
    if (conflict_once.erase(t)) return Error{Errc::conflict, "conflict: scripted"};
    return std::nullopt;
  }
  void discard(int t, const std::string&, bool keep) override {
    calls->push_back("discard " + std::to_string(t) + (keep ? " keep" : " drop"));
  }
  void discard_all(const std::string&) override {}
  std::string branch() const override { return {}; }
  std::string head() const override { return {}; }
  std::string checkpoint() const override { return {}; }
  std::optional<std::string> roll_back(const std::string&) override { return std::nullopt; }
  std::optional<int> run_at(const std::string&, const std::string&, const std::function<int(const std::string&)>&) override {
    return std::nullopt;
  }
};

// Like FakeWorkspace, but the places of the tasks in `held` take long to make: each is
// handed back only once `release` says so (as a git workspace's worker would, later).
struct SlowWorkspace final : FakeWorkspace {
  std::set<int> held;
  std::vector<std::pair<int, int>> waiting;  // (task, attempt) being "made"
  std::function<bool()> release;
  using FakeWorkspace::FakeWorkspace;
  void begin_prepare(int t, int attempt) override {
    if (held.count(t)) waiting.emplace_back(t, attempt);
    else Workspace::begin_prepare(t, attempt);
  }
  std::vector<detail::WorkspaceDone> take(double timeout) override {
    if (!waiting.empty() && release()) {
      for (const auto& [t, attempt] : waiting) Workspace::begin_prepare(t, attempt);
      waiting.clear();
    }
    return Workspace::take(timeout);
  }
  int pending() const override { return Workspace::pending() + static_cast<int>(waiting.size()); }
};

const std::string kThree =
    "## Phase 1: Work\n"
    "- [ ] T001 [P] Write `a.py`\n"
    "- [ ] T002 [P] Write `b.py`\n"
    "- [ ] T003 [P] Write `c.py`\n";

struct Loop {
  test::TempDir dir;
  std::string tasks;
  std::vector<std::string> calls;
  FakeRunner runner;
  std::set<int> fail_prepare, conflict_once, slow_prepare;
  Loop() {
    tasks = dir.path + "/tasks.md";
    std::ofstream(tasks, std::ios::binary) << kThree;
  }
  Result<RunReport> go(int workers = 3) {
    RunOptions o;
    o.tasks_path = tasks;
    o.agent = {"/bin/true"};
    o.workers = workers;
    o.require_changes = false;
    StockPolicyOptions p;
    p.max_retries = 1;
    p.base_delay = 0.01;
    p.max_delay = 0.02;
    StockPolicy policy(p);
    Quiet quiet;
    return detail::run_in(o, runner, policy, quiet, [this](const detail::WorkspaceContext& c) {
      if (!slow_prepare.empty()) {
        auto ws = std::make_unique<SlowWorkspace>(&calls, c.workdir);
        ws->held = slow_prepare;
        ws->release = [this] { return runner.ended.size() >= 2; };  // once the others ended
        return Result<std::unique_ptr<detail::Workspace>>(std::move(ws));
      }
      auto ws = std::make_unique<FakeWorkspace>(&calls, c.workdir);
      ws->fail_prepare = fail_prepare;
      ws->conflict_once = conflict_once;
      return Result<std::unique_ptr<detail::Workspace>>(std::move(ws));
    });
  }
  std::vector<std::string> of(int t) const {  // the calls about task t
    std::vector<std::string> out;
    for (const auto& c : calls)
      if (c.find(" " + std::to_string(t)) != std::string::npos) out.push_back(c);
    return out;
  }
  std::vector<int> integrated() const {
    std::vector<int> out;
    for (const auto& c : calls)
      if (c.rfind("integrate ", 0) == 0) out.push_back(std::atoi(c.c_str() + 10));
    return out;
  }
};

// Runs `git <args>` in `repo`, quietly: its exit status.
int git_in(const std::string& repo, const std::string& args) {
  return std::system(("git -C '" + repo + "' " + args + " >/dev/null 2>&1").c_str());
}

// A repository at `repo` on branch main whose one commit holds `file` with `text`.
bool make_repo(const std::string& repo, const std::string& file, const std::string& text) {
  if (git_in(repo, "init -q -b main") != 0) return false;
  git_in(repo, "config user.name t");
  git_in(repo, "config user.email t@example.com");
  std::ofstream(repo + "/" + file, std::ios::binary) << text;
  return git_in(repo, "add " + file) == 0 && git_in(repo, "commit -q -m start") == 0;
}

}  // namespace

TEST_CASE("the loop integrates each task's work in the order the attempts ended, after collecting it") {
  Loop l;
  auto r = l.go();
  REQUIRE(r);
  CHECK(r->succeeded == 3);
  CHECK(r->isolation == Isolation::none);  // what the fake workspace says it is
  CHECK(l.runner.started == std::vector<int>{0, 1, 2});
  CHECK(l.runner.ended == std::vector<int>{2, 1, 0});          // last started, first ended
  CHECK(l.integrated() == l.runner.ended);                       // completion order, not start order
  for (int t = 0; t < 3; ++t)
    CHECK(l.of(t) == std::vector<std::string>{"prepare " + std::to_string(t) + "#1", "collect " + std::to_string(t),
                                              "integrate " + std::to_string(t)});
  CHECK(test::slurp(l.tasks).find("- [ ]") == std::string::npos);  // all marked
}

TEST_CASE("a failed attempt's place is discarded: dropped when it runs again, kept when the task finally fails") {
  Loop l;
  l.runner.exits = {{{1, 1}, 1}, {{2, 1}, 1}, {{2, 2}, 1}};  // T002 fails once; T003 always
  auto r = l.go();
  REQUIRE(r);
  CHECK(r->succeeded == 2);
  CHECK(r->failed == 1);
  CHECK(l.of(1) == std::vector<std::string>{"prepare 1#1", "discard 1 drop", "prepare 1#2", "collect 1", "integrate 1"});
  CHECK(l.of(2) == std::vector<std::string>{"prepare 2#1", "discard 2 drop", "prepare 2#2", "discard 2 keep"});
  CHECK(test::slurp(l.tasks).find("- [ ] T003") != std::string::npos);  // never marked
}

TEST_CASE("a conflict on integration fails the attempt, which runs again from a fresh place") {
  Loop l;
  l.conflict_once = {0};
  auto r = l.go();
  REQUIRE(r);
  CHECK(r->succeeded == 3);
  CHECK(r->retries == 1);
  CHECK(l.of(0) == std::vector<std::string>{"prepare 0#1", "collect 0", "integrate 0", "discard 0 drop", "prepare 0#2",
                                            "collect 0", "integrate 0"});
}

TEST_CASE("a place that cannot be prepared is a config failure: no agent starts there") {
  Loop l;
  l.fail_prepare = {1};
  auto r = l.go();
  REQUIRE(r);
  CHECK(r->tasks[1].failure_class == "config");
  CHECK(std::count(l.runner.started.begin(), l.runner.started.end(), 1) == 0);
  CHECK(r->succeeded == 2);
}

TEST_CASE("while one task's place is being made, the loop starts and finishes the others") {
  Loop l;
  l.slow_prepare = {0};
  auto r = l.go(2);  // two workers: T001 (its place not there yet) and one other at a time
  REQUIRE(r);
  CHECK(r->succeeded == 3);
  // T002 and T003 started, ran and landed before T001's place was there; had the loop
  // waited for it, T003 could not have started (T001 held the second worker) and
  // T001's place would never have come.
  CHECK(l.runner.started == std::vector<int>{1, 2, 0});
  CHECK(l.integrated() == std::vector<int>{1, 2, 0});
  CHECK(l.of(0) == std::vector<std::string>{"prepare 0#1", "collect 0", "integrate 0"});
}

TEST_CASE("the git workspace alone: a worktree per attempt, its work squashed, landed with its mark, discards") {
  test::TempDir dir;
  const std::string repo = dir.path;
  auto git = [&](const std::string& args) { return git_in(repo, args); };
  REQUIRE(make_repo(repo, "tasks.md", kThree));

  const std::string text = test::slurp(repo + "/tasks.md");
  std::optional<TaskGraph> graph;
  auto g = build_graph(parse_tasks_md(text));
  REQUIRE(g);
  graph.emplace(std::move(*g));
  RunOptions o;
  RunReport report;
  report.run_id = "20260101T000000Z-1";
  Quiet quiet;
  detail::RunLog log(quiet, report, graph, text);
  const detail::WorkspaceContext c{o, log, graph, text, report.run_id, repo, repo + "/.flow", repo + "/tasks.md", 0, -1, -1, -1};
  auto ws = detail::open_git_workspace(c, true);
  REQUIRE(ws);
  REQUIRE(*ws);
  detail::Workspace& w = **ws;
  CHECK(w.kind() == Isolation::git);
  CHECK(w.isolated());
  const std::string start = w.head();
  CHECK(w.checkpoint() == start);

  // T001 writes a.py in its own place; the main work tree sees nothing until it lands.
  auto place = w.prepare(0, 1);
  REQUIRE(place);
  CHECK(*place != repo);
  std::ofstream(*place + "/a.py") << "print(1)\n";
  CHECK(!fs::exists(repo + "/a.py"));
  auto work = w.collect(0);
  REQUIRE(work);
  CHECK(work->changed == std::optional<bool>(true));
  // What checks leave behind after collection: an untracked file and an ignored one.
  std::ofstream(*place + "/.gitignore") << "*.tmp\n";
  std::ofstream(*place + "/build.log") << "built\n";
  std::ofstream(*place + "/cache.tmp") << "cache\n";
  detail::TaskMark mark;
  mark.wanted = true;
  const MarkChange done{2, "T001", true};
  mark.apply = [&](const std::string& t, bool) { return set_marks(t, parse_tasks_md(t), std::span<const MarkChange>(&done, 1)); };
  detail::Landing landing;
  CHECK(!w.integrate(0, *work, mark, landing));
  CHECK(landing.landed);
  CHECK(landing.marked);
  CHECK(landing.head != start);
  CHECK(w.head() == landing.head);
  CHECK(fs::exists(repo + "/a.py"));  // the branch fast-forwarded in the main work tree
  CHECK(test::slurp(repo + "/tasks.md").find("- [ ] T001") == std::string::npos);  // marked, in its commit
  CHECK(test::slurp(repo + "/tasks.md").find("- [ ] T002") != std::string::npos);
  CHECK(git("cat-file -e " + landing.head + ":a.py") == 0);
  CHECK(git("cat-file -e " + landing.head + ":build.log") != 0);  // what checks left is not committed

  // T002 changes nothing: collected as unchanged. Its place is T001's worktree again,
  // now at the new head, with nothing T001's attempt left that git does not track.
  auto idle = w.prepare(1, 1);
  REQUIRE(idle);
  CHECK(*idle == *place);
  CHECK(fs::exists(*idle + "/a.py"));
  CHECK(!fs::exists(*idle + "/build.log"));
  CHECK(!fs::exists(*idle + "/cache.tmp"));
  auto none = w.collect(1);
  REQUIRE(none);
  CHECK(none->changed == std::optional<bool>(false));
  w.discard(1, "attempt 1 failed", false);
  // T003 fails for good, its place made on the worker: its branch stays.
  w.begin_prepare(2, 1);
  std::vector<detail::WorkspaceDone> got;
  for (int i = 0; i < 100 && got.empty(); ++i) got = w.take(0.1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].kind == detail::WorkspaceDone::Kind::prepared);
  CHECK(got[0].task == 2);
  REQUIRE(got[0].dir);
  const std::string failing = *got[0].dir;
  CHECK(w.dir(2) == failing);
  CHECK(w.pending() == 0);
  std::ofstream(failing + "/c.py") << "oops\n";
  w.discard(2, "attempt 1 failed (unknown)", true);
  w.discard_all("the run ended");  // waits for the worker
  CHECK(!fs::exists(*place));
  CHECK(!fs::exists(failing));
  CHECK(git("rev-parse --verify -q refs/heads/flow/" + report.run_id + "/T003") == 0);   // kept for the user
  CHECK(git("rev-parse --verify -q refs/heads/flow/" + report.run_id + "/T002") != 0);   // dropped
  CHECK(git("rev-parse --verify -q refs/heads/flow/" + report.run_id + "/T001") != 0);   // landed: gone
  CHECK(w.head() == landing.head);  // discards never move the branch

  // Rolled back to the checkpoint: the landed commit stays reachable.
  auto kept = w.roll_back(start);
  REQUIRE(kept);
  CHECK(w.head() == start);
  CHECK(!fs::exists(repo + "/a.py"));
  CHECK(git("rev-parse --verify -q " + *kept) == 0);
}

TEST_CASE("the refs' stamp changes with every shared ref an agent can change, not with flow's own") {
  test::TempDir dir;
  const std::string repo = dir.path;
  auto git = [&](const std::string& args) { return git_in(repo, args); };
  REQUIRE(make_repo(repo, "a.txt", "a\n"));
  auto r = detail::GitRepo::open(repo);
  REQUIRE(r);
  const std::string mine = "refs/heads/main";
  auto stamp = [&] { return r->refs_stamp(mine); };
  std::optional<std::uint64_t> was = stamp();
  REQUIRE(was);
  CHECK(stamp() == was);
  // Each: what it does, whether the stamp must change. Sleep-free: a rename gives a new inode.
  const std::pair<std::string, bool> steps[] = {
      {"commit -q --allow-empty -m on-main", false},           // the branch flow lands on: flow's to move
      {"update-ref refs/flow/run1/checkpoint HEAD", false},     // flow's own refs
      {"branch flow/run1/T001", false},
      {"branch made-by-agent", true},
      {"tag v1", true},
      {"pack-refs --all", true},                                // the tag and the branch move into packed-refs
      {"tag -d v1", true},                                      // a packed tag deleted: packed-refs rewritten
      {"update-ref refs/heads/made-by-agent HEAD~1", true},
      {"symbolic-ref HEAD refs/heads/made-by-agent", true},     // the main work tree's HEAD
  };
  for (const auto& [args, changes] : steps) {
    INFO(args);
    REQUIRE(git(args) == 0);
    const auto now = stamp();
    REQUIRE(now);
    CHECK((now != was) == changes);
    was = now;
  }
  // A stash: refs/stash.
  git("symbolic-ref HEAD refs/heads/main");
  was = stamp();
  std::ofstream(repo + "/a.txt") << "changed\n";
  REQUIRE(git("stash") == 0);
  CHECK(stamp() != was);
}

// A rollback killed anywhere between its note and its journal line: the next run finishes
// it where nothing but tasks.md changed, finds it done after the reset, and otherwise
// gives it up (the note removed) or, on another branch, waits for it.
TEST_CASE("a rollback a kill cut short: finished, found done, given up or kept, as the repository says") {
  test::TempDir dir;
  const std::string repo = dir.path;
  auto git = [&](const std::string& args) { return git_in(repo, args); };
  REQUIRE(make_repo(repo, "tasks.md", "- [ ] T001 a\n"));
  auto r = detail::GitRepo::open(repo);
  REQUIRE(r);
  const std::string to = r->head();
  std::ofstream(repo + "/tasks.md", std::ios::binary) << "- [X] T001 a\n";
  std::ofstream(repo + "/a.py", std::ios::binary) << "a\n";
  REQUIRE(git("add tasks.md a.py") == 0);
  REQUIRE(git("commit -q -m T001") == 0);
  const std::string from = r->head();
  const detail::GitRepo::Rollback rb{"run1", "main", from, to, "refs/flow/run1/rolled-back"};
  // Done whole, as a kill after the reset and before the journal's line leaves it.
  REQUIRE(r->roll_back(rb, "tasks.md"));
  REQUIRE(r->head() == to);
  REQUIRE(fs::exists(r->rollback_note_path("tasks.md")));
  auto note_left = [&] { return fs::exists(r->rollback_note_path("tasks.md")); };

  SUBCASE("killed after the reset: found done, to be journaled") {
    const auto s = r->settle_rollback("tasks.md");
    REQUIRE(s.journal);
    CHECK(s.journal->run_id == "run1");
    CHECK(s.journal->from == from);
    CHECK(s.journal->to == to);
    CHECK(note_left());  // until the caller has written the line
    CHECK(r->head() == to);
  }
  SUBCASE("killed before the reset, tasks.md replaced and staged: finished") {
    REQUIRE(git("reset -q --hard " + from) == 0);
    REQUIRE(git("update-ref -d refs/flow/run1/rolled-back") == 0);  // killed before the ref, too
    std::ofstream(repo + "/tasks.md", std::ios::binary) << "- [ ] T001 a\n";
    REQUIRE(git("add tasks.md") == 0);
    const auto s = r->settle_rollback("tasks.md");
    CHECK(s.journal);
    CHECK(s.done.find("finished the rollback of run run1") != std::string::npos);
    CHECK(r->head() == to);
    CHECK(!fs::exists(repo + "/a.py"));
    CHECK(r->dirty().empty());
    const auto kept = r->rev_parse("refs/flow/run1/rolled-back");
    REQUIRE(kept);
    CHECK(*kept == from);
  }
  SUBCASE("killed before the reset, nothing replaced yet: finished") {
    REQUIRE(git("reset -q --hard " + from) == 0);
    CHECK(r->settle_rollback("tasks.md").journal);
    CHECK(r->head() == to);
  }
  SUBCASE("killed before the reset, another file changed since: given up, the branch stays") {
    REQUIRE(git("reset -q --hard " + from) == 0);
    std::ofstream(repo + "/notes.txt", std::ios::binary) << "mine\n";
    const auto s = r->settle_rollback("tasks.md");
    CHECK(!s.journal);
    CHECK(s.done.find("notes.txt") != std::string::npos);
    CHECK(s.done.find("flow rollback --run run1") != std::string::npos);
    CHECK(r->head() == from);
    CHECK(fs::exists(repo + "/notes.txt"));
    CHECK(!note_left());
  }
  SUBCASE("killed before the reset, tasks.md edited since: given up, the edit kept") {
    REQUIRE(git("reset -q --hard " + from) == 0);
    std::ofstream(repo + "/tasks.md", std::ios::binary) << "- [X] T001 a\n- [ ] T002 b\n";
    const auto s = r->settle_rollback("tasks.md");
    CHECK(!s.journal);
    CHECK(r->head() == from);
    CHECK(test::slurp(repo + "/tasks.md") == "- [X] T001 a\n- [ ] T002 b\n");
    CHECK(!note_left());
  }
  SUBCASE("the user committed on top of the branch's start since: given up") {
    REQUIRE(git("reset -q --hard " + from) == 0);
    REQUIRE(git("commit -q --allow-empty -m mine") == 0);
    const std::string mine = r->head();
    CHECK(!r->settle_rollback("tasks.md").journal);
    CHECK(r->head() == mine);
    CHECK(!note_left());
  }
  SUBCASE("the user built on the rolled-back branch: found done") {
    REQUIRE(git("commit -q --allow-empty -m mine") == 0);
    CHECK(r->settle_rollback("tasks.md").journal);
  }
  SUBCASE("another branch checked out: kept for when it is back") {
    REQUIRE(git("checkout -q -b elsewhere") == 0);
    const auto s = r->settle_rollback("tasks.md");
    CHECK(!s.journal);
    CHECK(s.done.find("check out main") != std::string::npos);
    CHECK(note_left());
  }
  SUBCASE("another tasks.md's note is not this one's") {
    CHECK(r->settle_rollback("other/tasks.md").done.empty());
    CHECK(note_left());
  }
}

// The fix-up commit after a killed run ("flow: unmark …") names the tasks whose marks it
// takes back: a heading task's was "a task" (a check mark ending its heading, or a step's
// box under it, has no ID after a box).
TEST_CASE("the tasks a mark names: a box's ID, a heading task's for its check mark or its steps") {
  using detail::marked_task_ids;
  CHECK(marked_task_ids("- [ ] T001 a\n- [ ] T002 b\n", "- [X] T001 a\n- [X] T002 b\n") == "T001, T002");
  CHECK(marked_task_ids("- [ ] **T003** c\n", "- [X] **T003** c\n") == "T003");
  CHECK(marked_task_ids("### Task 3: Settings\n\nbody\n", "### Task 3: Settings ✅\n\nbody\n") == "Task 3");
  CHECK(marked_task_ids("### T004 — Models\n", "### T004 — Models ✅\n") == "T004");
  CHECK(marked_task_ids("### Task 1: Bucket\n- [ ] **Step 1: Write the test**\n- [ ] **Step 2: Commit**\n",
                        "### Task 1: Bucket\n- [x] **Step 1: Write the test**\n- [x] **Step 2: Commit**\n") == "Task 1");
  CHECK(marked_task_ids("## Progress\n- [ ] Task 2: Wire it\n", "## Progress\n- [x] Task 2: Wire it\n") == "Task 2");
  CHECK(marked_task_ids("- [ ] a\n", "- [ ] a\n") == "a task");
  // A numbered item's box, ticked with its last task, is no task of its own.
  CHECK(marked_task_ids("- [ ] 1. Data\n- [x] 1.1 a\n- [ ] 1.2 b\n", "- [x] 1. Data\n- [x] 1.1 a\n- [x] 1.2 b\n") == "1.2");
  // A heading task's Status field, where its state is kept.
  CHECK(marked_task_ids("### Task 1.1: Migration\n\n- **Status**: Not Started\n- **Owner**: me\n",
                        "### Task 1.1: Migration\n\n- **Status**: \xE2\x9C\x85 Complete\n- **Owner**: me\n") == "Task 1.1");
}

// A killed run's mark taken back: its line found in the file as it is now. Two tasks'
// Status fields read alike once both are done: the one under the marked task's heading is
// the one taken back (it was "not known" and the mark stayed), wherever edits moved it.
TEST_CASE("a mark taken back: its line found once, or under its heading") {
  using detail::take_back_marks;
  const std::string before =
      "# Plan\n\n### T001 a\n- **Status**: \xE2\x9C\x85 Complete\n\n### T002 b\n- **Status**: Not Started\n- Files: b\n";
  const std::string marked =
      "# Plan\n\n### T001 a\n- **Status**: \xE2\x9C\x85 Complete\n\n### T002 b\n- **Status**: \xE2\x9C\x85 Complete\n- Files: b\n";
  CHECK(take_back_marks(marked, before, marked) == before);
  for (const std::string above : {"Note\n", "Note\n\n\n", "Note\n\n\n\n"}) {  // the places move
    INFO(above);
    CHECK(take_back_marks(above + marked, before, marked) == above + before);
  }
  // The heading edited too: which of the two lines is not known, and the task is, by
  // its ID; its Status field is set back in the words it had (`Pending` was written).
  std::string edited = marked;
  edited.replace(edited.find("### T002 b"), 10, "### T002 bb");
  CHECK(take_back_marks(edited, before, marked) ==
        "# Plan\n\n### T001 a\n- **Status**: \xE2\x9C\x85 Complete\n\n### T002 bb\n- **Status**: Not Started\n- Files: b\n");
  // Boxes, each line once: found wherever it moved.
  CHECK(take_back_marks("Note\n- [X] T001 a\n- [ ] T002 b\n", "- [ ] T001 a\n- [ ] T002 b\n", "- [X] T001 a\n- [ ] T002 b\n") ==
        "Note\n- [ ] T001 a\n- [ ] T002 b\n");
  CHECK(take_back_marks("- [ ] T009 c\n", "- [ ] T001 a\n", "- [X] T001 a\n") == std::nullopt);
  // Two lines of one task marked (a step's box, its Status field), each also in a done
  // task: the second is found under the heading, whose first line is taken back already.
  const std::string steps_before =
      "### Task 1: A\n- [ ] **Step 1: Implement**\n- **Status**: Not Started\n"
      "### Task 2: B\n- [X] **Step 1: Implement**\n- **Status**: \xE2\x9C\x85 Complete\n";
  const std::string steps_marked =
      "### Task 1: A\n- [X] **Step 1: Implement**\n- **Status**: \xE2\x9C\x85 Complete\n"
      "### Task 2: B\n- [X] **Step 1: Implement**\n- **Status**: \xE2\x9C\x85 Complete\n";
  CHECK(take_back_marks(steps_marked + "## Notes\n", steps_before, steps_marked) == steps_before + "## Notes\n");
}

// The marked line itself edited since (reworded, or its table re-aligned by an editor):
// the line is not found, and the task is, by its ID, and set pending in the file's words.
TEST_CASE("a mark taken back from a line edited since: the task found by its ID") {
  using detail::take_back_marks;
  CHECK(take_back_marks("Note\n- [X] T001 a, reworded\n- [X] T002 b\n", "- [ ] T001 a\n- [X] T002 b\n",
                        "- [X] T001 a\n- [X] T002 b\n") == "Note\n- [ ] T001 a, reworded\n- [X] T002 b\n");
  // Not marked there (set back by the user, or never committed): none to take back.
  CHECK(take_back_marks("- [ ] T001 a, reworded\n", "- [ ] T001 a\n", "- [X] T001 a\n") == std::nullopt);
  CHECK(take_back_marks("- [ ] T001 a\n", "- [ ] T001 a\n", "- [X] T001 a\n") == std::nullopt);
  // A status row, its table re-aligned.
  const std::string before = "| ID | Task | Status |\n|---|---|---|\n| T001 | A | Done |\n| T002 | B | Todo |\n";
  const std::string marked = "| ID | Task | Status |\n|---|---|---|\n| T001 | A | Done |\n| T002 | B | Done |\n";
  const std::string aligned =
      "| ID   | Task | Status |\n| ---- | ---- | ------ |\n| T001 | A    | Done   |\n| T002 | B    | Done   |\n";
  CHECK(take_back_marks(aligned, before, marked) ==
        "| ID   | Task | Status |\n| ---- | ---- | ------ |\n| T001 | A    | Done   |\n| T002 | B    | Todo   |\n");
  // Gone, or one ID twice with neither line as it was: which one is not known.
  CHECK(take_back_marks("- [X] T002 b\n", "- [ ] T001 a\n", "- [X] T001 a\n") == std::nullopt);
  CHECK(take_back_marks("- [X] T001 a1\n- [X] T001 a2\n", "- [ ] T001 a\n", "- [X] T001 a\n") == std::nullopt);
  // One ID twice, the marked one reworded: the one of them marked done.
  CHECK(take_back_marks("- [X] T001 a1\n- [ ] T001 a2\n", "- [ ] T001 a\n- [ ] T001 b\n", "- [X] T001 a\n- [ ] T001 b\n") ==
        "- [ ] T001 a1\n- [ ] T001 a2\n");
  // One ID twice, one of them the marked task's line as it was (its neighbour edited).
  CHECK(take_back_marks("- [X] T001 a\n- [X] T001 c\n- [X] T002 b, edited\n", "- [ ] T001 a\n- [ ] T002 b\n",
                        "- [X] T001 a\n- [X] T002 b\n") == "- [ ] T001 a\n- [X] T001 c\n- [ ] T002 b, edited\n");
  // A status row's own words: `Not Started` stays so, not the table's `Todo`.
  CHECK(take_back_marks("| ID | Task | Status |\n|---|---|---|\n| T001  | A | Done |\n| T002 | B | Todo |\n",
                        "| ID | Task | Status |\n|---|---|---|\n| T001 | A | Not Started |\n| T002 | B | Todo |\n",
                        "| ID | Task | Status |\n|---|---|---|\n| T001 | A | Done |\n| T002 | B | Todo |\n") ==
        "| ID | Task | Status |\n|---|---|---|\n| T001  | A | Not Started |\n| T002 | B | Todo |\n");
}

// Renumbered since (T001 is T010 now): the task is found by its text under an ID the file
// did not have; reworded too, or deleted, it is lost, and marks_not_found says which.
TEST_CASE("a mark taken back from a renumbered task, and the ones not found said") {
  using detail::marks_not_found;
  using detail::take_back_marks;
  const std::string before = "- [ ] T001 a\n- [ ] T002 b\n", marked = "- [X] T001 a\n- [X] T002 b\n";
  CHECK(take_back_marks("- [X] T010 a\n- [X] T002 b\n", before, marked) == "- [ ] T010 a\n- [ ] T002 b\n");
  CHECK(marks_not_found("- [X] T010 a\n- [X] T002 b\n", before, marked).empty());
  // Under an ID the file had: a task put above it, the rest renumbered (T001 is T002 now,
  // and T001 another task). It was lost silently: T001, found not marked, was taken for it.
  CHECK(take_back_marks("- [ ] T001 z\n- [X] T002 a\n- [ ] T003 b\n", "- [ ] T001 a\n- [ ] T002 b\n",
                        "- [X] T001 a\n- [ ] T002 b\n") == "- [ ] T001 z\n- [ ] T002 a\n- [ ] T003 b\n");
  CHECK(marks_not_found("- [ ] T001 z\n- [X] T002 a\n- [ ] T003 b\n", "- [ ] T001 a\n- [ ] T002 b\n",
                        "- [X] T001 a\n- [ ] T002 b\n").empty());
  // Renumbered and reworded: T001 lost, T002's mark taken back all the same.
  CHECK(take_back_marks("- [X] T010 a, reworded\n- [X] T002 b\n", before, marked) == "- [X] T010 a, reworded\n- [ ] T002 b\n");
  CHECK(marks_not_found("- [X] T010 a, reworded\n- [X] T002 b\n", before, marked) == std::vector<std::string>{"T001"});
  CHECK(marks_not_found("- [X] T002 b\n", before, marked) == std::vector<std::string>{"T001"});
  // Two new tasks of its text: which one is not known.
  CHECK(marks_not_found("- [X] T010 a\n- [X] T011 a\n- [X] T002 b\n", before, marked) == std::vector<std::string>{"T001"});
  // Another task of its text, done before the run (two "Run tests"): not taken for it when
  // the marked one was reworded (it was set pending, and ran again).
  CHECK(take_back_marks("- [X] T005 Run tests, all\n- [X] T009 Run tests\n", "- [ ] T005 Run tests\n- [X] T009 Run tests\n",
                        "- [X] T005 Run tests\n- [X] T009 Run tests\n") == "- [ ] T005 Run tests, all\n- [X] T009 Run tests\n");
  // Found by its line, or found not marked: none lost.
  CHECK(marks_not_found("Note\n" + marked, before, marked).empty());
  CHECK(marks_not_found("- [ ] T001 a, reworded\n- [ ] T002 b\n", before, marked).empty());
  // The message names the lost apart from those taken back, a heading task by its name
  // (it was in both lists: "Task 3" taken back, "3" lost).
  std::vector<std::string> lost{"3", "T001"};
  CHECK(detail::ids_but_lost("T001, Task 3, T004", lost) == "T004");
  CHECK(lost == std::vector<std::string>{"Task 3", "T001"});
  std::vector<std::string> all{"T001"};
  CHECK(detail::ids_but_lost("T001", all) == "a task");
}

TEST_CASE("the top of a work tree is where git finds a repository, not any .git") {
  test::TempDir dir;
  const std::string top = dir.path;
  CHECK_FALSE(detail::is_work_tree_top(top));
  fs::create_directory(top + "/.git");  // what Codex's Linux sandbox leaves in /tmp
  CHECK_FALSE(detail::is_work_tree_top(top));
  { std::ofstream(top + "/.git/HEAD") << "ref: refs/heads/main\n"; }
  CHECK_FALSE(detail::is_work_tree_top(top));  // no objects/ or refs/
  fs::create_directory(top + "/.git/objects");
  fs::create_directory(top + "/.git/refs");
  CHECK(detail::is_work_tree_top(top));
  { std::ofstream(top + "/.git/HEAD") << "not a ref\n"; }
  CHECK_FALSE(detail::is_work_tree_top(top));
  { std::ofstream(top + "/.git/HEAD") << std::string(40, 'a') << "\r\n"; }  // detached, CRLF
  CHECK(detail::is_work_tree_top(top));

  // A linked worktree's .git file names its git dir; it counts when that dir is one.
  const std::string repo = top + "/repo", linked = top + "/linked";
  fs::create_directory(repo);
  REQUIRE(make_repo(repo, "tasks.md", kThree));
  CHECK(detail::is_work_tree_top(repo));
  CHECK(git_in(repo, "worktree add -q " + linked + " -b linked") == 0);
  CHECK(detail::is_work_tree_top(linked));
  fs::create_directory(top + "/stale");
  { std::ofstream(top + "/stale/.git") << "gitdir: " << top << "/gone\n"; }
  CHECK_FALSE(detail::is_work_tree_top(top + "/stale"));
  // A folder inside a work tree is not its top.
  fs::create_directory(repo + "/specs");
  CHECK_FALSE(detail::is_work_tree_top(repo + "/specs"));
}
